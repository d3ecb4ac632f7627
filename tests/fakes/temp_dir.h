// TempDir: a directory under $TMPDIR removed with its contents when the
// object goes out of scope, even when the test fails.
#ifndef AMD_TESTS_FAKES_TEMP_DIR_H_
#define AMD_TESTS_FAKES_TEMP_DIR_H_

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace amd::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "amd-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text, int mode = 0644) const {
    std::string p = path_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << text;
    ::chmod(p.c_str(), static_cast<mode_t>(mode));
    return p;
  }

 private:
  std::string path_;
};

}  // namespace amd::testing

#endif  // AMD_TESTS_FAKES_TEMP_DIR_H_

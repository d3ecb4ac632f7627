// Whole-file reads for configuration, maps and /proc files.
//
// Blocking; any thread. Ownership: the text returned is the caller's.
#ifndef AMD_BASE_FILES_H_
#define AMD_BASE_FILES_H_

#include <optional>
#include <string>

namespace amd {

// Reads a whole file; nullopt (and "path: reason" in *error) on failure.
std::optional<std::string> ReadWholeFile(const std::string& path, std::string* error);

}  // namespace amd

#endif  // AMD_BASE_FILES_H_

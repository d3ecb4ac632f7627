// Status and Result<T>: the one error model of amd (STYLE.md rule 6).
// An error is a std::error_code (errno values use std::generic_category,
// so Asio's codes fit too) plus the context it happened in, written once
// where the error is first seen: "mount(/n/srv/vol): Permission denied".
// Value types; cheap to move; no exceptions.
//
// Threading: values, any thread. Ownership: the caller's.
#ifndef AMD_BASE_STATUS_H_
#define AMD_BASE_STATUS_H_

#include <cerrno>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

namespace amd {

class Status {
 public:
  Status() = default;  // OK
  Status(std::error_code code, std::string context) : code_(code), context_(std::move(context)) {}

  // From an errno value, e.g. Status::FromErrno("mount(/a)", errno).
  static Status FromErrno(std::string context, int err) {
    return Status(std::error_code(err, std::generic_category()), std::move(context));
  }
  static Status Error(std::string context, std::errc e = std::errc::invalid_argument) {
    return Status(std::make_error_code(e), std::move(context));
  }

  bool ok() const { return !code_; }
  explicit operator bool() const { return ok(); }
  const std::error_code& code() const { return code_; }
  // The errno value for kernel replies (0 when OK, EIO for non-errno codes).
  int errno_value() const {
    if (!code_) return 0;
    return code_.category() == std::generic_category() || code_.category() == std::system_category()
               ? code_.value()
               : EIO;
  }
  const std::string& context() const { return context_; }
  // What an admin can do about it ("load the autofs4 module"), said after
  // the error itself; empty for most errors.
  const std::string& hint() const { return hint_; }
  Status WithHint(std::string hint) && {
    hint_ = std::move(hint);
    return std::move(*this);
  }
  // "context: message[: hint]", or "OK".
  std::string ToString() const {
    if (ok()) return "OK";
    std::string s = context_.empty() ? code_.message() : context_ + ": " + code_.message();
    return hint_.empty() ? s : s + ": " + hint_;
  }

 private:
  std::error_code code_;
  std::string context_;
  std::string hint_;
};

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace amd

#endif  // AMD_BASE_STATUS_H_

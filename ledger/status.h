// Status and Result<T>: how the core reports failure, as values, never exceptions.
// A Status carries one of a small fixed set of codes and a message that says what
// failed and where (line, field, seq, rule id). The codes map onto the command
// line's exit statuses (docs/architecture.md). Immutable values; thread-safe to copy.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace probity {

enum class Code {
  kOk = 0,
  kInvalid,      // malformed input: bad JSON, missing field, bad date, non-canonical body
  kRefused,      // well-formed but not allowed: a rule, an unauthorised signer, a bad signature
  kNotFound,     // a seq, person or key that does not exist
  kCorrupt,      // the store or a proof does not check out
  kUnavailable,  // the store is missing or locked by another process
  kIoError,      // the file system or RocksDB failed
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string msg) { return Status(Code::kInvalid, std::move(msg)); }
  static Status Refused(std::string msg) { return Status(Code::kRefused, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corrupt(std::string msg) { return Status(Code::kCorrupt, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status IoError(std::string msg) { return Status(Code::kIoError, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "context: message"; the code is kept.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a T or a failed Status. Accessing value() of a failed Result is our bug.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace probity

// Returns early from the enclosing function when `expr` (a Status) failed.
#define PROBITY_RETURN_IF_ERROR(expr) \
  do {                                \
    ::probity::Status _st = (expr);   \
    if (!_st.ok()) return _st;        \
  } while (0)

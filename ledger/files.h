// Small, careful file I/O shared by key files, witness state and auditors' trust
// directories: errno as a Status naming the path, an owning descriptor, whole writes,
// and atomic replacement (temporary file, fsync, rename, fsync of the directory).
// Stateless functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "ledger/status.h"

namespace probity::files {

// 'path', quoted for messages.
std::string Quoted(const std::string& path);
// `path` as one word of a shell command the user is told to run: as it is when it holds
// only letters, digits and ._/-+,:=@ (with "./" before a leading "-", so that it is no
// option), else in single quotes.
std::string ShellWord(const std::string& path);

// "WHAT 'path': strerror": NotFound for ENOENT, else IoError.
Status ErrnoStatus(const std::string& what, const std::string& path, int err);

// Owns a file descriptor; closes it on destruction.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Close();  // closes now; returns close(2)'s result

 private:
  int fd_;
};

// Writes all of `data` to `fd`, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view data);

// fsync(2) of directory `dir`, so a rename or link in it is durable.
Status SyncDir(const std::string& dir);

// Writes `contents` to `tmp` (created or truncated, mode 0600, never through a symlink)
// and fsyncs it. Removes `tmp` if any step fails.
Status WriteTemp(const std::string& tmp, std::string_view contents);

// Replaces dir/name with `contents` atomically: dir/.name.tmp, fsync, rename, fsync dir.
// Readers see the old file or the new one, never a part.
Status ReplaceFile(const std::string& dir, const std::string& name, std::string_view contents);

}  // namespace probity::files

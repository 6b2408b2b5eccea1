#include "ledger/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace probity::files {

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

std::string ShellWord(const std::string& path) {
  bool plain = !path.empty();
  for (char c : path) {
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) ||
                      (c != '\0' && std::strchr("._/-+,:=@", c) != nullptr));
  }
  if (plain) return path[0] == '-' ? "./" + path : path;  // not an option to chmod
  std::string out = "'";
  for (char c : path) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Status ErrnoStatus(const std::string& what, const std::string& path, int err) {
  std::string msg = what + " " + Quoted(path) + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(msg);
  return Status::IoError(msg);
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

int Fd::Close() {
  int r = ::close(fd_);
  fd_ = -1;
  return r;
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IoError(std::strerror(n < 0 ? errno : EIO));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("cannot open", dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("cannot sync", dir, errno);
  return Status::Ok();
}

Status WriteTemp(const std::string& tmp, std::string_view contents) {
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) return ErrnoStatus("cannot create", tmp, errno);
  Status st = Status::Ok();
  if (::fchmod(fd.get(), 0600) != 0) st = ErrnoStatus("cannot set the mode of", tmp, errno);
  if (st.ok()) st = WriteAll(fd.get(), contents).WithContext("cannot write " + Quoted(tmp));
  if (st.ok() && ::fsync(fd.get()) != 0) st = ErrnoStatus("cannot sync", tmp, errno);
  if (fd.Close() != 0 && st.ok()) st = ErrnoStatus("cannot close", tmp, errno);
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

Status ReplaceFile(const std::string& dir, const std::string& name, std::string_view contents) {
  const std::string path = dir + "/" + name, tmp = dir + "/." + name + ".tmp";
  PROBITY_RETURN_IF_ERROR(WriteTemp(tmp, contents));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = ErrnoStatus("cannot rename " + Quoted(tmp) + " to", path, errno);
    ::unlink(tmp.c_str());
    return st;
  }
  return SyncDir(dir);
}

}  // namespace probity::files

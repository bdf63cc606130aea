#include "runtime/base/durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace hubrules::runtime {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", path);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void write_synced(const fs::path& temp, std::string_view content, mode_t mode) {
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) fail("cannot create", temp);
  try {
    write_all(fd, content, temp);
    if (::fsync(fd) != 0) fail("cannot sync", temp);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  ::close(fd);
}

void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // the file is written; only its durability after a power cut is weaker
  ::fsync(fd);
  ::close(fd);
}

void replace_file(const fs::path& path, std::string_view content, mode_t mode) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const fs::path temp = dir / ("." + path.filename().string() + "." + std::to_string(::getpid()) + ".tmp");
  ::unlink(temp.c_str());  // left by a crashed run that had our pid
  write_synced(temp, content, mode);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    errno = error;
    fail("cannot replace", path);
  }
  sync_directory(dir);
}

}  // namespace hubrules::runtime

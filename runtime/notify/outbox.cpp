#include "runtime/notify/outbox.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <system_error>

namespace hubrules::runtime::notify {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

void make_private_directory(const fs::path& dir) {
  if (dir.has_parent_path()) fs::create_directories(dir.parent_path());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) fail("cannot create the outbox", dir);
}

std::string timestamp(TimePoint when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm);
  return buffer;
}

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", path);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void write_temporary(const fs::path& temp, std::string_view message) {
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) fail("cannot create", temp);
  try {
    write_all(fd, message, temp);
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

}  // namespace

fs::path Outbox::beside(const fs::path& state_file) {
  fs::path parent = state_file.parent_path();
  return (parent.empty() ? fs::path(".") : parent) / "outbox";
}

fs::path Outbox::write(std::string_view message, TimePoint when) const {
  static std::atomic<unsigned> counter{0};
  make_private_directory(directory_);
  std::string stem = timestamp(when) + "-" + std::to_string(::getpid()) + "-";
  for (;;) {
    std::string name = stem + std::to_string(counter.fetch_add(1)) + ".eml";
    fs::path temp = directory_ / ("." + name + ".tmp");
    fs::path final_path = directory_ / name;
    ::unlink(temp.c_str());  // left by a crashed run that had our pid
    write_temporary(temp, message);
    // link() never replaces an existing file, unlike rename(): a name left by an earlier run
    // with the same pid and second is skipped, not overwritten.
    int linked = ::link(temp.c_str(), final_path.c_str());
    int link_errno = errno;
    ::unlink(temp.c_str());
    if (linked == 0) {
      sync_directory(directory_);
      return final_path;
    }
    errno = link_errno;
    if (errno != EEXIST) fail("cannot publish", final_path);
  }
}

}  // namespace hubrules::runtime::notify

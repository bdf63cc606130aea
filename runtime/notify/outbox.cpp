#include "runtime/notify/outbox.hpp"

#include "runtime/base/durable_file.hpp"
#include "runtime/store/open_state_store.hpp"

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

}  // namespace

fs::path Outbox::beside(const fs::path& state_file) {
  // A database has no folder of its own: the worker's working directory (systemd's StateDirectory).
  if (names_postgresql(state_file.string())) return "outbox";
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
    write_synced(temp, message);
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

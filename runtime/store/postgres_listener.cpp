// PendingListener (postgres_state_store.hpp) and redacted_location (open_state_store.hpp).
#include <poll.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "runtime/store/postgres_connection.hpp"
#include "runtime/store/open_state_store.hpp"
#include "runtime/store/postgres_state_store.hpp"

namespace hubrules::runtime {
namespace {

// How long one wait for a notification lasts: the thread sees a stop request within this.
constexpr int kWaitMillis = 250;
// Between two attempts to connect after a loss.
constexpr auto kRetryDelay = std::chrono::seconds(1);

// Replaces the value of `key=` in `text` (up to the next separator) by ***.
std::string redact_parameter(std::string text, std::string_view key, std::string_view separators) {
  std::size_t from = 0;
  while ((from = text.find(key, from)) != std::string::npos) {
    const bool at_start = from == 0 || separators.find(text[from - 1]) != std::string_view::npos ||
                          text[from - 1] == '?' || text[from - 1] == ' ';
    const std::size_t value = from + key.size();
    if (!at_start) {
      from = value;
      continue;
    }
    // A keyword string may quote a value with spaces: password='a b'.
    const bool quoted = value < text.size() && text[value] == '\'';
    std::size_t end = quoted ? text.find('\'', value + 1) : text.find_first_of(separators, value);
    end = end == std::string::npos ? text.size() : end + (quoted ? 1 : 0);
    text.replace(value, end - value, "***");
    from = value + 3;
  }
  return text;
}

// postgresql://user:secret@host/db → postgresql://user:***@host/db
std::string redact_userinfo(std::string url, std::size_t scheme_end) {
  const std::size_t authority = scheme_end + 3;
  const std::size_t authority_end = url.find_first_of("/?#", authority);
  const std::size_t at = url.rfind('@', authority_end == std::string::npos ? url.size() : authority_end);
  if (at == std::string::npos || at < authority) return url;
  const std::size_t colon = url.find(':', authority);
  if (colon == std::string::npos || colon > at) return url;
  return url.replace(colon + 1, at - colon - 1, "***");
}

}  // namespace

std::string redacted_location(const std::string& location) {
  const std::size_t scheme_end = location.find("://");
  const bool is_url = location.starts_with("postgresql://") || location.starts_with("postgres://");
  if (is_url) {
    std::string redacted = redact_userinfo(location, scheme_end);
    const std::size_t query = redacted.find('?');
    if (query == std::string::npos) return redacted;
    return redacted.substr(0, query) + redact_parameter(redacted.substr(query), "password=", "&#");
  }
  // A libpq keyword string ("host=… password=…") starts with a keyword; a file path is shown
  // as is.
  if (location.find('=') != std::string::npos && !location.starts_with('/') && !location.starts_with('.')) {
    return redact_parameter(location, "password=", " ");
  }
  return location;
}

// ---- PendingListener ----------------------------------------------------------------------------

struct PendingListener::Impl {
  Impl(std::string listen_url, std::function<void(const std::string&)> callback)
      : url(std::move(listen_url)), on_pending(std::move(callback)), thread([this] { run(); }) {}

  ~Impl() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    thread.join();
    PQfinish(conn);
  }

  std::string url;
  std::function<void(const std::string&)> on_pending;
  PGconn* conn = nullptr;
  bool missed = false;  // a connection was lost (or never made): tell on_pending("") once connected
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::thread thread;  // last: starts once everything above exists

  bool stop_requested() {
    std::lock_guard lock(mutex);
    return stopping;
  }

  void run() noexcept {
    while (!stop_requested()) {
      try {
        if (conn == nullptr && !connect()) {
          pause();
          continue;
        }
        if (!wait_and_read()) lose("the connection was lost");
      } catch (const std::exception& e) {
        lose(e.what());
      } catch (...) {
        lose("an unknown error");
      }
    }
  }

  // Sleeps up to the retry delay, or less when asked to stop.
  void pause() {
    std::unique_lock lock(mutex);
    wake.wait_for(lock, kRetryDelay, [this] { return stopping; });
  }

  void lose(const std::string& why) {
    spdlog::warn("state store {}: pending listener: {}; connecting again", redacted_location(url), why);
    PQfinish(conn);
    conn = nullptr;
    missed = true;
  }

  bool connect() {
    std::string error;
    conn = connect_unless_stopped(error);
    if (conn == nullptr) {
      if (!missed && !error.empty()) {
        spdlog::warn("state store {}: pending listener cannot connect: {}", redacted_location(url), error);
      }
      missed = true;
      return false;
    }
    PGresult* result = PQexec(conn, "LISTEN hubrules_pending");
    const bool listening = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    if (!listening) {
      lose(postgres::one_line(PQerrorMessage(conn)));
      return false;
    }
    if (missed) {
      missed = false;
      deliver("");  // bookings journaled while we were away were never announced to us
    }
    return true;
  }

  // Connects without blocking the thread past one short wait, so that a stop request (or an
  // unreachable server) never holds the destructor for the whole connect timeout.
  PGconn* connect_unless_stopped(std::string& error) {
    PGconn* attempt = postgres::start_connection(url);
    if (attempt == nullptr || PQstatus(attempt) == CONNECTION_BAD) return fail_connect(attempt, error);
    auto state = PGRES_POLLING_WRITING;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (state != PGRES_POLLING_OK) {
      if (state == PGRES_POLLING_FAILED || stop_requested() || std::chrono::steady_clock::now() > deadline) {
        return fail_connect(attempt, error);
      }
      pollfd fd{PQsocket(attempt), static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
      const int ready = ::poll(&fd, 1, kWaitMillis);
      if (ready < 0 && errno != EINTR) return fail_connect(attempt, error);
      if (ready > 0) state = PQconnectPoll(attempt);
    }
    return attempt;
  }

  static PGconn* fail_connect(PGconn* attempt, std::string& error) {
    error = attempt != nullptr ? postgres::one_line(PQerrorMessage(attempt)) : "out of memory";
    PQfinish(attempt);
    return nullptr;
  }

  // False when the connection is gone.
  bool wait_and_read() {
    const int socket = PQsocket(conn);
    if (socket < 0) return false;
    pollfd fd{socket, POLLIN, 0};
    const int ready = ::poll(&fd, 1, kWaitMillis);
    if (ready < 0) return errno == EINTR;
    if (ready == 0) return true;
    if (PQconsumeInput(conn) == 0) return false;
    while (PGnotify* notification = PQnotifies(conn)) {
      const std::string integration = notification->extra != nullptr ? notification->extra : "";
      PQfreemem(notification);
      deliver(integration);
    }
    return PQstatus(conn) == CONNECTION_OK;
  }

  void deliver(const std::string& integration) {
    try {
      on_pending(integration);
    } catch (const std::exception& e) {
      spdlog::error("state store {}: pending listener: the wake-up failed: {}", redacted_location(url), e.what());
    } catch (...) {
      spdlog::error("state store {}: pending listener: the wake-up failed", redacted_location(url));
    }
  }
};

PendingListener::PendingListener(const std::string& url, std::function<void(const std::string& integration)> on_pending)
    : impl_(std::make_unique<Impl>(url, std::move(on_pending))) {}

PendingListener::~PendingListener() = default;

}  // namespace hubrules::runtime

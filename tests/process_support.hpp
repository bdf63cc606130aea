#pragma once
// Helpers for the tests that run the real `hubrules` binary as a child process: spawning with
// extra environment, waiting with a deadline, `hubrules serve` started on a free port, a
// TimeRex-like webhook sender, and the CRM's content without ids (the "picture").
#include <strings.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "runtime/http/http_client.hpp"
#include "runtime/sandbox/sandbox.hpp"
#include "runtime/store/open_state_store.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "tests/sync_harness.hpp"

extern char** environ;

namespace hubrules::testing {

using namespace std::chrono_literals;

// What the CRM holds, without ids: contacts with the company they are associated with, and
// the companies with how many records each key has.
inline std::multiset<std::string> picture(const runtime::SandboxState& s) {
  std::map<std::string, std::string> company_of;
  for (const auto& c : s.companies) company_of[c.id] = c.property("domain") + "|" + c.property("name");
  std::map<std::string, std::string> email_of;
  for (const auto& c : s.contacts) email_of[c.id] = c.property("email");
  std::multiset<std::string> out;
  for (const auto& c : s.companies) out.insert("company " + company_of[c.id]);
  for (const auto& c : s.contacts) out.insert("contact " + c.property("email"));
  for (const auto& a : s.associations)
    out.insert("association " + email_of[a.contact_id] + " -> " + company_of[a.company_id]);
  return out;
}

// True when no entry of the picture is there twice (no duplicate company, contact or association).
inline bool nothing_twice(const std::multiset<std::string>& p) {
  return std::set<std::string>(p.begin(), p.end()).size() == p.size();
}

// `hubrules ARGS` as a child process, with `env` added to this process's environment; stdout and
// stderr go to the files given ("" : /dev/null).
inline pid_t spawn_hubrules(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                            const std::string& out_file = "", const std::string& err_file = "") {
  std::vector<std::string> argv_text = {HUBRULES_BINARY};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text = env;
  for (char** e = environ; *e != nullptr; ++e) env_text.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, out_file.empty() ? "/dev/null" : out_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&files, 2, err_file.empty() ? "/dev/null" : err_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &files, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  REQUIRE(rc == 0);
  return pid;
}

// The exit status (-1 for a signal) once the child ends, or nullopt when `timeout` passed first.
inline std::optional<int> wait_exit_within(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (done < 0) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

inline int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Polls `done` until it holds (true) or `timeout` passed (false).
template <class Condition>
bool eventually(Condition done, std::chrono::milliseconds timeout, std::chrono::milliseconds every = 50ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
  return true;
}

inline constexpr const char* kWebhookSecret = "s3cret";
inline constexpr const char* kHubSpotToken = "pat-serve-test";  // sync and serve share its connection

// `hubrules serve` on a port of the OS's choosing; killed (SIGKILL) when dropped while running.
class ServeProcess {
 public:
  // `rules` relative to the source directory or absolute; `extra` after the usual options.
  ServeProcess(const TempDir& dir, const std::string& hubspot_url, const std::string& state,
               const std::vector<std::string>& extra = {}, const std::string& rules = "") {
    std::vector<std::string> args = {"serve", rules.empty() ? source_dir() + "/rules/timerex.rules" : rules,
                                     "--listen", "127.0.0.1:0", "--hubspot-url", hubspot_url, "--state", state,
                                     "--search-lag-ms", "1500"};
    args.insert(args.end(), extra.begin(), extra.end());
    launch(dir, args, {std::string("TIMEREX_WEBHOOK_SECRET=") + kWebhookSecret,
                       std::string("HUBSPOT_TOKEN=") + kHubSpotToken});
  }
  // `hubrules serve --config FILE` (the config listens on port 0), with `env` added.
  ServeProcess(const TempDir& dir, const std::string& config, const std::vector<std::string>& env) {
    launch(dir, {"serve", "--config", config}, env);
  }
  ~ServeProcess() { kill_now(); }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& url() const { return url_; }
  std::string stderr_text() const { return read_file(err_file_); }
  bool running() const { return running_; }

  void signal(int sig) const { ::kill(pid_, sig); }
  void kill_now() {
    if (!running_) return;
    ::kill(pid_, SIGKILL);
    ::kill(pid_, SIGCONT);
    wait_exit(pid_);
    running_ = false;
  }
  // The exit status once it ends within `timeout`; nullopt otherwise.
  std::optional<int> wait_within(std::chrono::milliseconds timeout) {
    auto status = wait_exit_within(pid_, timeout);
    if (status) running_ = false;
    return status;
  }

 private:
  void launch(const TempDir& dir, const std::vector<std::string>& args, const std::vector<std::string>& env) {
    static int counter = 0;
    const std::string name = "serve-" + std::to_string(++counter);
    out_file_ = dir.file(name + ".out").string();
    err_file_ = dir.file(name + ".err").string();
    pid_ = spawn_hubrules(args, env, out_file_, err_file_);
    read_url();
  }

  // The first stdout line: "hubrules serve: listening on http://127.0.0.1:PORT".
  void read_url() {
    const std::string marker = "listening on ";
    const bool started = eventually(
        [&] {
          const std::string out = read_file(out_file_);
          const auto at = out.find(marker);
          const auto end = out.find('\n', at);
          if (at == std::string::npos || end == std::string::npos) return wait_for_death();
          url_ = out.substr(at + marker.size(), end - at - marker.size());
          return true;
        },
        30s);
    INFO("serve stderr:\n" << read_file(err_file_));
    REQUIRE(running_);
    REQUIRE(started);
  }
  // False while the child runs; true (and not running) once it has ended.
  bool wait_for_death() {
    if (wait_exit_within(pid_, 0ms)) running_ = false;
    return !running_;
  }

  pid_t pid_ = 0;
  bool running_ = true;
  std::string url_;
  std::string out_file_;
  std::string err_file_;
};

// One POST or GET to `url` (a base like http://127.0.0.1:PORT); status 0 when no answer came.
struct Answer {
  int status = 0;
  std::string body;
  runtime::http::Headers headers;
};

inline Answer http_call(const std::string& base_url, const std::string& method, const std::string& target,
                        const std::string& body = "", const runtime::http::Headers& headers = {},
                        const std::vector<std::string>& extra_ca = {}) {
  runtime::http::HttpClientOptions o;
  o.base_url = base_url;
  o.connect_timeout = 2s;
  o.request_timeout = 10s;
  o.extra_ca_pem = extra_ca;
  try {
    runtime::http::HttpClient client(o);
    runtime::http::HttpRequest r;
    r.method = method;
    r.target = target;
    r.headers = headers;
    const bool typed = std::any_of(headers.begin(), headers.end(),
                                   [](const auto& h) { return strcasecmp(h.first.c_str(), "content-type") == 0; });
    if ((!body.empty() || method == "POST") && !typed) r.headers.emplace_back("Content-Type", "application/json");
    r.body = body;
    auto answer = client.send(r);
    return {answer.status, answer.body, answer.headers};
  } catch (const runtime::http::TransportError&) {
    return {};
  }
}

inline Answer post_webhook(const std::string& base_url, const std::string& body, const std::string& secret = kWebhookSecret,
                           const std::string& path = "/webhooks/timerex") {
  return http_call(base_url, "POST", path, body, {{"x-timerex-authorization", secret}});
}

// Bookings as a TimeRex calendar makes them: some guests book twice, some use free mail, some
// leave the company empty.
inline std::vector<std::string> many_bookings(int count, const std::string& prefix = "ev-") {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    const int guest = i % (count * 7 / 9 + 1);
    const bool free_mail = guest % 5 == 0;
    const std::string email =
        "g" + std::to_string(guest) + (free_mail ? "@gmail.com" : "@c" + std::to_string(guest % 131) + ".co.jp");
    out.push_back(booking(prefix + std::to_string(i), email, guest % 7 == 0 ? "" : "C " + std::to_string(guest % 131)));
  }
  return out;
}

inline std::string write_ndjson(const TempDir& dir, const std::vector<std::string>& lines, const std::string& name) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  const auto path = dir.file(name).string();
  write_file(path, text);
  return path;
}

// `hubrules sync RULES FILE` against `hubspot_url` on `state` (the token serve uses, so the same
// connection and lease); stdout and stderr to the files given.
inline pid_t spawn_sync(const std::string& file, const std::string& hubspot_url, const std::string& state,
                        const std::vector<std::string>& extra = {}, const std::string& out_file = "",
                        const std::string& err_file = "") {
  std::vector<std::string> args = {"sync", source_dir() + "/rules/timerex.rules", file, "--hubspot-url", hubspot_url,
                                   "--state", state, "--search-lag-ms", "1500", "--no-progress",
                                   "--no-portal-schema"};
  args.insert(args.end(), extra.begin(), extra.end());
  return spawn_hubrules(args, {std::string("HUBSPOT_TOKEN=") + kHubSpotToken}, out_file, err_file);
}

// The same bookings through one `hubrules sync` into a fresh sandbox: what the CRM must hold.
inline std::multiset<std::string> clean_picture(const TempDir& dir, const std::vector<std::string>& bookings,
                                                const runtime::SandboxOptions& options) {
  static int runs = 0;
  const std::string name = "clean-" + std::to_string(++runs);
  runtime::Sandbox clean(options);
  clean.start();
  const auto file = write_ndjson(dir, bookings, name + ".ndjson");
  REQUIRE(wait_exit(spawn_sync(file, clean.base_url(), dir.file(name + ".db").string())) == 0);
  return picture(clean.state());
}

inline runtime::SandboxOptions crash_sandbox_options() {
  runtime::SandboxOptions o;
  o.search_lag = std::chrono::milliseconds(1000);
  o.burst_limit = 1000;  // processes and kills, not the rate limits, are under test
  return o;
}

// Bookings of a state store by state (a file opened beside any running process, as SQLite
// allows, or a PostgreSQL database).
inline std::map<runtime::BookingState, std::size_t> booking_counts(const std::string& state) {
  return runtime::open_state_store(state)->count_by_state();
}

// Posts bookings one after another the way TimeRex does: a booking that got no 2xx (an error
// status, a refused connection, no answer) is posted again after a short pause, until it is
// acknowledged. `target` tells where to post each attempt (it may change between attempts).
// Bookings are made one by one, kSpacing apart: the tests' kills, pauses and takeovers land
// while the flow goes on, and a delivery sees a trickle rather than one burst.
class WebhookSender {
 public:
  static constexpr std::chrono::milliseconds kSpacing{20};

  WebhookSender(std::vector<std::string> bookings, std::function<std::string()> target)
      : bookings_(std::move(bookings)), target_(std::move(target)) {}
  ~WebhookSender() {
    stop_ = true;  // a failed test must not hang on a sender still retrying
    join();
  }

  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  std::size_t acknowledged() const { return acknowledged_; }
  std::size_t attempts() const { return attempts_; }
  bool done() const { return acknowledged_ == bookings_.size(); }

 private:
  void run() {
    for (const auto& b : bookings_) {
      while (true) {
        if (stop_) return;
        ++attempts_;
        const std::string url = target_();
        const int status = url.empty() ? 0 : post_webhook(url, b).status;
        if (status >= 200 && status < 300) break;
        std::this_thread::sleep_for(20ms);
      }
      ++acknowledged_;
      std::this_thread::sleep_for(kSpacing);
    }
  }

  const std::vector<std::string> bookings_;
  std::function<std::string()> target_;
  std::atomic<std::size_t> acknowledged_{0};
  std::atomic<std::size_t> attempts_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The URL a sender posts to, changed by the test as processes come and go.
class SharedUrl {
 public:
  void set(std::string url) {
    std::lock_guard lock(mutex_);
    url_ = std::move(url);
  }
  std::string get() const {
    std::lock_guard lock(mutex_);
    return url_;
  }

 private:
  mutable std::mutex mutex_;
  std::string url_;
};

}  // namespace hubrules::testing

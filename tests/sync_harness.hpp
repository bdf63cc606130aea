#pragma once
// The delivery pipeline wired to an in-process sandbox over loopback sockets, all on one manual
// clock (rate windows, backoff, search lag and token expiry pass without waiting).
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/hubspot/hubspot_api.hpp"
#include "runtime/sandbox/sandbox.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "runtime/sync/sync_pipeline.hpp"
#include "tests/test_support.hpp"

namespace hubrules::testing {

// A TimeRex booking with the form fields timerex.rules reads.
inline std::string booking(const std::string& id, const std::string& email, const std::string& company = "",
                           const std::string& type = "event_confirmed") {
  return R"({"webhook_type":")" + type + R"(","event":{"id":")" + id +
         R"(","form":[{"field_type":"company_name","label":"会社名","value":")" + company +
         R"("},{"field_type":"guest_name","label":"名前","value":"山田 太郎"},{"field_type":"guest_email","label":"メールアドレス","value":")" +
         email + R"("}]}})";
}

// A private-app token that works until told otherwise; counts what the pipeline reports.
class FixedTokens : public runtime::hubspot::AccessTokens {
 public:
  explicit FixedTokens(runtime::StateStore& store) : store_(store) {
    runtime::Connection c;
    c.id = id_;
    store_.save_connection(c);
  }
  const std::string& connection_id() const override { return id_; }
  std::string token() override {
    if (broken_) throw runtime::hubspot::ConnectionBroken(id_, "test: broken");
    return "pat-na1-test";
  }
  void unauthorized(const std::string&) override { throw runtime::hubspot::ConnectionBroken(id_, "test: 401"); }
  void posted() override { ++posts; }
  void set_broken(bool broken) { broken_ = broken; }
  int posts = 0;

 private:
  runtime::StateStore& store_;
  std::string id_ = "private-app-test";
  bool broken_ = false;
};

struct SyncHarness {
  // The client speaks `family`. On 2026-03 (the default) the sandbox refuses every legacy path,
  // as HubSpot will after its cut-off dates.
  explicit SyncHarness(runtime::SandboxOptions sandbox_options = {}, const std::string& rules_file = "rules/timerex.rules",
                       runtime::hubspot::ApiFamily api_family = runtime::hubspot::ApiFamily::v2026_03)
      : family(api_family), sandbox(with_clock(std::move(sandbox_options), clock, api_family)) {
    sandbox.start();
    rules = compile_text(read_file(source_dir() + "/" + rules_file), rules_file);
    open_client();
  }

  // The sandbox's search lag is 3 s.
  static runtime::SyncOptions sandbox_lag_options() {
    runtime::SyncOptions o;
    o.search_lag = std::chrono::milliseconds(3000);
    return o;
  }

  static runtime::SandboxOptions with_clock(runtime::SandboxOptions o, runtime::Clock& c,
                                            runtime::hubspot::ApiFamily family) {
    o.clock = &c;
    o.legacy_sunset = family == runtime::hubspot::ApiFamily::v2026_03;
    return o;
  }

  // A fresh client side on the same store file and sandbox: what a restarted process has.
  void open_client() {
    records.reset();
    api.reset();
    use.reset();
    tokens.reset();
    store.reset();
    limiter.reset();
    client.reset();
    store = std::make_unique<runtime::SqliteStateStore>(dir.file(), clock);
    runtime::http::HttpClientOptions http;
    http.base_url = sandbox.base_url();
    client = std::make_unique<runtime::http::HttpClient>(http);
    limiter = std::make_unique<runtime::http::RateLimiter>(clock, limits);
    tokens = std::make_unique<FixedTokens>(*store);
    use = std::make_unique<runtime::hubspot::TokenUse>(*tokens);
    runtime::hubspot::RetryPolicy policy;
    policy.jitter_seed = 7;
    api = std::make_unique<runtime::hubspot::HubSpotApi>(*client, *limiter, clock, use->provider(), policy);
    records = std::make_unique<runtime::hubspot::HubSpotRecords>(*api, *use, std::vector<std::string>{"domain", "name"},
                                                                runtime::hubspot::ApiPaths(family));
  }

  // Journals and delivers the bookings, as `hubrules sync FILE` does.
  runtime::SyncCounts sync(const std::vector<std::string>& lines, runtime::notify::ErrorNotifier* notifier = nullptr) {
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    const auto file = dir.file("bookings-" + std::to_string(++runs) + ".ndjson");
    write_file(file.string(), text);
    runtime::SyncPipeline pipeline(rules.compilation.plan, *store, *records, *tokens, clock, options, notifier);
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    pipeline.intake(fd, file.string());
    ::close(fd);
    pipeline.deliver();
    auto counts = pipeline.counts();
    counts.api = api->counters().snapshot();
    return counts;
  }

  std::size_t calls(const std::string& endpoint) const {
    const auto s = sandbox.stats();
    const auto it = s.calls.find(endpoint);
    return it == s.calls.end() ? 0 : static_cast<std::size_t>(it->second);
  }

  runtime::hubspot::ApiFamily family;
  runtime::ManualClock clock;
  runtime::Sandbox sandbox;
  TempDir dir;
  CompiledText rules;
  runtime::http::RateLimits limits;
  runtime::SyncOptions options = sandbox_lag_options();
  std::unique_ptr<runtime::SqliteStateStore> store;
  std::unique_ptr<runtime::http::HttpClient> client;
  std::unique_ptr<runtime::http::RateLimiter> limiter;
  std::unique_ptr<FixedTokens> tokens;
  std::unique_ptr<runtime::hubspot::TokenUse> use;
  std::unique_ptr<runtime::hubspot::HubSpotApi> api;
  std::unique_ptr<runtime::hubspot::HubSpotRecords> records;
  int runs = 0;
};

}  // namespace hubrules::testing

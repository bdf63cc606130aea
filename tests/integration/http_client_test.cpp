// The HubSpot HTTP client layer over real sockets on 127.0.0.1: a scripted Beast server stands in
// for HubSpot (answers, drops, delays), and a ManualClock stands in for waiting.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <sstream>
#include <thread>

#include "runtime/base/clock.hpp"
#include "runtime/http/http_client.hpp"
#include "runtime/hubspot/hubspot_api.hpp"
#include "runtime/http/rate_limiter.hpp"
#include "runtime/http/redact.hpp"
#include "../test_certificates.hpp"

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace hubrules::runtime;
using namespace hubrules::runtime::http;
using namespace std::chrono_literals;

// What the scripted server does with the next request.
struct Reply {
  enum class Action { Respond, CloseAfterRequest, CloseAfterResponse };
  int status = 200;
  Headers headers;
  std::string body = "{}";
  Millis delay{0};
  Action action = Action::Respond;
};

struct Recorded {
  std::string method, target, body, authorization, host;
};

class ScriptServer {
 public:
  explicit ScriptServer(ssl::context* tls = nullptr) : tls_(tls), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~ScriptServer() { stop(); }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& prefix = "") const { return "http://127.0.0.1:" + std::to_string(port()) + prefix; }
  void push(Reply r) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(r));
  }
  void set_default(Reply r) {
    std::lock_guard lock(mutex_);
    default_ = std::move(r);
  }
  std::size_t accepted() const { return accepted_.load(); }
  std::vector<Recorded> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    wake_.notify_all();
    beast::error_code ignored;
    tcp::socket poke(ioc_);
    poke.connect({asio::ip::make_address("127.0.0.1"), port()}, ignored);
    accept_thread_.join();
    for (auto& t : workers_) t.join();
  }

  void accept_loop() {
    for (;;) {
      tcp::socket socket(ioc_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      if (ec) continue;
      ++accepted_;
      open_fds_.push_back(socket.native_handle());
      workers_.emplace_back([this, s = std::move(socket)]() mutable { serve_socket(std::move(s)); });
    }
  }

  void serve_socket(tcp::socket socket) {
    int fd = socket.native_handle();
    if (tls_) {
      ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
      beast::error_code ec;
      stream.handshake(ssl::stream_base::server, ec);
      if (!ec) serve(stream);
    } else {
      serve(socket);
    }
    std::lock_guard lock(mutex_);
    std::erase(open_fds_, fd);
  }

  Reply next(const bhttp::request<bhttp::string_body>& req) {
    std::lock_guard lock(mutex_);
    auto auth = req.find(bhttp::field::authorization);
    requests_.push_back({std::string(req.method_string()), std::string(req.target()), req.body(),
                         auth == req.end() ? "" : std::string(auth->value()), std::string(req[bhttp::field::host])});
    if (script_.empty()) return default_;
    Reply r = std::move(script_.front());
    script_.pop_front();
    return r;
  }

  // Returns false when the server is stopping.
  bool pause(Millis d) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, d, [this] { return stopping_; });
  }

  template <class Stream>
  void serve(Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request<bhttp::string_body> req;
      beast::error_code ec;
      bhttp::read(stream, buffer, req, ec);
      if (ec) return;
      Reply r = next(req);
      if (r.action == Reply::Action::CloseAfterRequest || !pause(r.delay)) return;
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), 11};
      res.keep_alive(req.keep_alive());
      for (const auto& [k, v] : r.headers) res.set(k, v);
      res.body() = r.body;
      res.prepare_payload();
      bhttp::write(stream, res, ec);
      if (ec || !res.keep_alive() || r.action == Reply::Action::CloseAfterResponse) return;
    }
  }

  ssl::context* tls_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread accept_thread_;
  std::vector<std::thread> workers_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<int> open_fds_;
  std::deque<Reply> script_;
  Reply default_;
  std::vector<Recorded> requests_;
  std::atomic<std::size_t> accepted_{0};
};

Reply reply(int status, std::string body = "{}", Headers headers = {}) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

HttpClientOptions options_for(const std::string& url) {
  HttpClientOptions o;
  o.base_url = url;
  o.connect_timeout = 2s;
  o.request_timeout = 2s;
  return o;
}

HttpRequest post(std::string target, std::string body = R"({"inputs":[]})") {
  return {"POST", std::move(target), {}, std::move(body)};
}

std::uint16_t unused_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();  // closed on return: connecting is refused
}

Millis elapsed(const ManualClock& clock, TimePoint since) {
  return std::chrono::duration_cast<Millis>(clock.now() - since);
}

// A stack for HubSpotApi tests: scripted server, ManualClock, limiter, client.
struct ApiRig {
  ScriptServer server;
  ManualClock clock;
  RateLimiter limiter{clock};
  HttpClient client{options_for(server.url())};
  std::atomic<int> token_calls{0};
  hubspot::HubSpotApi api;
  TimePoint start = clock.now();

  explicit ApiRig(hubspot::RetryPolicy policy = seeded())
      : api(client, limiter, clock, [this] { ++token_calls; return std::string("pat-na1-secret"); }, policy) {}
  static hubspot::RetryPolicy seeded() {
    hubspot::RetryPolicy p;
    p.jitter_seed = 42;
    return p;
  }
};

const std::string kBurst429 =
    R"({"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c1","policyName":"TEN_SECONDLY_ROLLING","groupName":"x"})";
const std::string kSearch429 = R"({"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","correlationId":"c2","policyName":"SECONDLY"})";
const std::string kDaily429 = R"({"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"c3","policyName":"DAILY"})";

}  // namespace

TEST_CASE("base URLs are parsed into scheme, host, port and prefix", "[http]") {
  auto hub = BaseUrl::parse("https://api.hubapi.com");
  CHECK(hub.tls());
  CHECK(hub.host == "api.hubapi.com");
  CHECK(hub.port == 443);
  CHECK(hub.prefix.empty());
  auto local = BaseUrl::parse("http://127.0.0.1:8080/hub/");
  CHECK_FALSE(local.tls());
  CHECK(local.port == 8080);
  CHECK(local.prefix == "/hub");
  CHECK(BaseUrl::parse("http://[::1]:9000").host == "::1");
  CHECK_THROWS_AS(BaseUrl::parse("ftp://x"), std::invalid_argument);
  CHECK_THROWS_AS(BaseUrl::parse("http://u:p@x"), std::invalid_argument);
  CHECK_THROWS_AS(BaseUrl::parse("http://x:99999"), std::invalid_argument);
  CHECK_THROWS_AS(BaseUrl::parse("api.hubapi.com"), std::invalid_argument);
}

TEST_CASE("one kept-alive connection carries many requests", "[http]") {
  ScriptServer server;
  server.set_default(reply(201, R"({"status":"COMPLETE"})", {{"X-Test", "yes"}}));
  HttpClient client(options_for(server.url("/prefix/")));
  for (int i = 0; i < 3; ++i) {
    auto res = client.send(post("/crm/v3/objects/contacts/batch/create"));
    CHECK(res.status == 201);
    CHECK(res.body == R"({"status":"COMPLETE"})");
    CHECK(res.header("x-test") == "yes");
  }
  CHECK(server.accepted() == 1);
  CHECK(client.connections_opened() == 1);
  auto seen = server.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].target == "/prefix/crm/v3/objects/contacts/batch/create");
  CHECK(seen[0].host == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(seen[0].body == R"({"inputs":[]})");
}

TEST_CASE("a connection the server closed is replaced before the next request", "[http]") {
  ScriptServer server;
  Reply closing = reply(200);
  closing.action = Reply::Action::CloseAfterResponse;  // closes without saying Connection: close
  server.push(closing);
  server.push(reply(200, R"({"second":true})"));
  HttpClient client(options_for(server.url()));
  CHECK(client.send({"GET", "/a", {}, {}}).status == 200);
  std::this_thread::sleep_for(50ms);  // lets the server's close reach us, as an idle period would
  auto res = client.send({"GET", "/b", {}, {}});
  CHECK(res.body == R"({"second":true})");
  CHECK(server.accepted() == 2);
  CHECK(client.connections_opened() == 2);
}

TEST_CASE("Connection: close from the server leads to a fresh connection", "[http]") {
  ScriptServer server;
  server.push(reply(200, "{}", {{"Connection", "close"}}));
  HttpClient client(options_for(server.url()));
  CHECK(client.send({"GET", "/a", {}, {}}).status == 200);
  CHECK(client.send({"GET", "/b", {}, {}}).status == 200);
  CHECK(client.connections_opened() == 2);
}

TEST_CASE("transport failures say whether the request may have been applied", "[http]") {
  SECTION("a refused connection was never applied") {
    HttpClient client(options_for("http://127.0.0.1:" + std::to_string(unused_port())));
    try {
      client.send(post("/crm/v3/objects/contacts/batch/create"));
      FAIL("expected a TransportError");
    } catch (const TransportError& e) {
      CHECK(e.kind() == TransportError::Kind::Connect);
      CHECK_FALSE(e.in_doubt());
    }
  }
  SECTION("a connection dropped after the whole request was read is in doubt") {
    ScriptServer server;
    Reply drop;
    drop.action = Reply::Action::CloseAfterRequest;
    server.push(drop);
    HttpClient client(options_for(server.url()));
    try {
      client.send(post("/crm/v3/objects/contacts/batch/create"));
      FAIL("expected a TransportError");
    } catch (const TransportError& e) {
      CHECK(e.kind() == TransportError::Kind::Closed);
      CHECK(e.in_doubt());
    }
    REQUIRE(server.requests().size() == 1);
    CHECK(client.send({"GET", "/after", {}, {}}).status == 200);  // reconnects by itself
  }
  SECTION("an answer slower than the request timeout is a timeout, in doubt") {
    ScriptServer server;
    Reply slow = reply(200);
    slow.delay = 2s;
    server.push(slow);
    auto opts = options_for(server.url());
    opts.request_timeout = 200ms;
    HttpClient client(opts);
    auto started = std::chrono::steady_clock::now();
    try {
      client.send(post("/x"));
      FAIL("expected a TransportError");
    } catch (const TransportError& e) {
      CHECK(e.kind() == TransportError::Kind::Timeout);
      CHECK(e.in_doubt());
    }
    CHECK(std::chrono::steady_clock::now() - started < 1500ms);
  }
}

TEST_CASE("a burst 429 waits for the rolling window, then succeeds", "[http]") {
  ApiRig rig;
  rig.server.push(reply(429, kBurst429));
  rig.server.push(reply(201, R"({"ok":1})"));
  auto res = rig.api.send(post("/crm/v3/objects/contacts/batch/create"));
  CHECK(res.status == 201);
  CHECK(elapsed(rig.clock, rig.start) == RateLimits{}.burst_window);  // the window, with its margin
  auto counts = rig.api.counters().snapshot();
  CHECK(counts.calls == 2);
  CHECK(counts.rate_limited == 1);
  CHECK(counts.retries == 1);
  CHECK(rig.token_calls == 2);
  for (const auto& r : rig.server.requests()) CHECK(r.authorization == "Bearer pat-na1-secret");
}

TEST_CASE("a search 429 waits about a second", "[http]") {
  ApiRig rig;
  rig.server.push(reply(429, kSearch429));
  rig.server.push(reply(200, R"({"total":0,"results":[]})"));
  auto res = rig.api.send(post("/crm/v3/objects/companies/search", R"({"filterGroups":[]})"));
  CHECK(res.status == 200);
  CHECK(elapsed(rig.clock, rig.start) == 1s);
  CHECK(rig.api.counters().snapshot().rate_limited == 1);
}

TEST_CASE("a 429 with Retry-After waits at least that long", "[http]") {
  ApiRig rig;
  rig.server.push(reply(429, kBurst429, {{"Retry-After", "12"}}));
  CHECK(rig.api.send(post("/crm/v3/objects/contacts/batch/create")).status == 200);
  CHECK(elapsed(rig.clock, rig.start) == 12s);
}

TEST_CASE("calls are classified by limit and by whether they can be repeated", "[http]") {
  auto search = hubspot::CallOptions::for_request(post("/crm/v3/objects/companies/search"));
  CHECK(search.kind == LimitKind::Search);
  CHECK(search.idempotent);
  auto read = hubspot::CallOptions::for_request(post("/crm/v3/objects/contacts/batch/read"));
  CHECK(read.kind == LimitKind::Burst);
  CHECK(read.idempotent);
  CHECK(hubspot::CallOptions::for_request({"GET", "/crm/v3/properties/contacts?archived=false", {}, {}}).idempotent);
  CHECK_FALSE(hubspot::CallOptions::for_request(post("/crm/v3/objects/contacts/batch/create")).idempotent);
  CHECK_FALSE(hubspot::CallOptions::for_request(post("/crm/v4/associations/contacts/companies/batch/create")).idempotent);
}

TEST_CASE("a daily 429 gives up at once with a clear error", "[http]") {
  ApiRig rig;
  rig.server.push(reply(429, kDaily429));
  try {
    rig.api.send(post("/crm/v3/objects/contacts/batch/create"));
    FAIL("expected a hubspot::DeliveryError");
  } catch (const hubspot::DeliveryError& e) {
    CHECK(e.reason() == hubspot::DeliveryError::Reason::DailyLimit);
    CHECK(std::string(e.what()).find("daily") != std::string::npos);
  }
  CHECK(rig.server.requests().size() == 1);
  CHECK(elapsed(rig.clock, rig.start) == 0ms);
}

TEST_CASE("5xx and 423 are retried with backoff until an answer", "[http]") {
  ApiRig rig;
  rig.server.push(reply(503, R"({"status":"error","message":"unavailable"})"));
  rig.server.push(reply(423));
  rig.server.push(reply(477));
  rig.server.push(reply(201));
  auto res = rig.api.send(post("/crm/v3/objects/companies/batch/create"));
  CHECK(res.status == 201);
  auto waited = elapsed(rig.clock, rig.start);
  CHECK(waited >= 2s);                  // 423 waits ~2 s
  CHECK(waited <= 200ms + 2s + 800ms);  // full jitter stays under base * 2^n
  CHECK(rig.api.counters().snapshot().retries == 3);
}

TEST_CASE("retries stop after the bounded time with the reason", "[http]") {
  hubspot::RetryPolicy policy = ApiRig::seeded();
  policy.max_total = 5s;
  ApiRig rig(policy);
  rig.server.set_default(reply(503, R"({"message":"down for maintenance"})"));
  try {
    rig.api.send(post("/crm/v3/objects/companies/batch/create"));
    FAIL("expected a hubspot::DeliveryError");
  } catch (const hubspot::DeliveryError& e) {
    CHECK(e.reason() == hubspot::DeliveryError::Reason::GaveUp);
    CHECK(e.last_status() == 503);
    CHECK_FALSE(e.in_doubt());
    CHECK(e.attempts() > 2);
    CHECK(std::string(e.what()).find("down for maintenance") != std::string::npos);
  }
  CHECK(elapsed(rig.clock, rig.start) <= 5s);
}

TEST_CASE("writes that may have been applied are handed back, reads are retried", "[http]") {
  SECTION("a dropped connection after a create is in doubt") {
    ApiRig rig;
    Reply drop;
    drop.action = Reply::Action::CloseAfterRequest;
    rig.server.push(drop);
    try {
      rig.api.send(post("/crm/v3/objects/contacts/batch/create"));
      FAIL("expected a hubspot::DeliveryError");
    } catch (const hubspot::DeliveryError& e) {
      CHECK(e.reason() == hubspot::DeliveryError::Reason::InDoubt);
      CHECK(e.in_doubt());
    }
    CHECK(rig.server.requests().size() == 1);
  }
  SECTION("a 502 after a create is in doubt") {
    ApiRig rig;
    rig.server.push(reply(502));
    CHECK_THROWS_AS(rig.api.send(post("/crm/v3/objects/companies/batch/create")), hubspot::DeliveryError);
    CHECK(rig.server.requests().size() == 1);
  }
  SECTION("a dropped search is repeated") {
    ApiRig rig;
    Reply drop;
    drop.action = Reply::Action::CloseAfterRequest;
    rig.server.push(drop);
    rig.server.push(reply(502));
    CHECK(rig.api.send(post("/crm/v3/objects/companies/search")).status == 200);
    CHECK(rig.server.requests().size() == 3);
  }
  SECTION("retry_in_doubt repeats writes too") {
    hubspot::RetryPolicy policy = ApiRig::seeded();
    policy.retry_in_doubt = true;
    ApiRig rig(policy);
    rig.server.push(reply(504));
    CHECK(rig.api.send(post("/crm/v3/objects/contacts/batch/create")).status == 200);
  }
  SECTION("a refused connection is retried: nothing was sent") {
    ManualClock clock;
    RateLimiter limiter(clock);
    HttpClient client(options_for("http://127.0.0.1:" + std::to_string(unused_port())));
    hubspot::RetryPolicy policy = ApiRig::seeded();
    policy.max_total = 3s;
    hubspot::HubSpotApi api(client, limiter, clock, {}, policy);
    try {
      api.send(post("/crm/v3/objects/contacts/batch/create"));
      FAIL("expected a hubspot::DeliveryError");
    } catch (const hubspot::DeliveryError& e) {
      CHECK(e.reason() == hubspot::DeliveryError::Reason::GaveUp);
      CHECK_FALSE(e.in_doubt());
      CHECK(e.last_status() == 0);
    }
  }
}

TEST_CASE("a 401 goes back to the caller, other answers too", "[http]") {
  ApiRig rig;
  rig.server.push(reply(401, R"({"status":"error","category":"EXPIRED_AUTHENTICATION"})"));
  rig.server.push(reply(409, R"({"status":"error","category":"CONFLICT","message":"Contact already exists. Existing ID: 1"})"));
  CHECK(rig.api.send({"GET", "/crm/v3/properties/contacts", {}, {}}).status == 401);
  CHECK(rig.api.send(post("/crm/v3/objects/contacts/batch/create")).status == 409);
  CHECK(rig.api.counters().snapshot().retries == 0);
}

TEST_CASE("the limiter keeps each rolling window", "[http]") {
  ManualClock clock;
  auto start = clock.now();
  RateLimiter limiter(clock, {3, 10s, 2, 1s});
  SECTION("burst") {
    limiter.acquire(LimitKind::Burst);
    clock.advance(4s);
    limiter.acquire(LimitKind::Burst);
    limiter.acquire(LimitKind::Burst);
    CHECK(elapsed(clock, start) == 4s);
    limiter.acquire(LimitKind::Burst);  // the first grant leaves the window at 10 s
    CHECK(elapsed(clock, start) == 10s);
    CHECK(limiter.wait_time(LimitKind::Burst) == 4s);
  }
  SECTION("search has its own, tighter window, and is not counted in the burst limit") {
    limiter.acquire(LimitKind::Search);
    limiter.acquire(LimitKind::Search);
    limiter.acquire(LimitKind::Search);
    CHECK(elapsed(clock, start) == 1s);
    CHECK(limiter.wait_time(LimitKind::Burst) == 0ms);
    limiter.acquire(LimitKind::Burst);
    limiter.acquire(LimitKind::Burst);
    limiter.acquire(LimitKind::Burst);
    CHECK(limiter.wait_time(LimitKind::Search) == 0ms);  // a full burst window holds no search
  }
  SECTION("HubSpot's remaining count is respected") {
    HttpResponse res{200, {{"X-HubSpot-RateLimit-Remaining", "0"}, {"X-HubSpot-RateLimit-Interval-Milliseconds", "10000"}}, {}};
    limiter.observe(res);
    CHECK(limiter.wait_time(LimitKind::Burst) == 10s);
    limiter.acquire(LimitKind::Burst);
    CHECK(elapsed(clock, start) == 10s);
  }
  SECTION("HubSpot's count rolls with our own calls: a slot comes back when our oldest call leaves") {
    limiter.acquire(LimitKind::Burst);
    clock.advance(2s);
    limiter.acquire(LimitKind::Burst);
    HttpResponse res{200, {{"X-HubSpot-RateLimit-Remaining", "0"}, {"X-HubSpot-RateLimit-Interval-Milliseconds", "10000"}}, {}};
    limiter.observe(res);
    CHECK(limiter.wait_time(LimitKind::Burst) == 8s);  // the first call leaves at 10 s, not 2 s + 10 s
    limiter.acquire(LimitKind::Burst);
    CHECK(elapsed(clock, start) == 10s);
    CHECK(limiter.wait_time(LimitKind::Burst) == 2s);  // the slot of the call at 2 s, next
  }
  SECTION("pause holds callers after a 429") {
    limiter.pause(LimitKind::Search, 1s);
    CHECK(limiter.wait_time(LimitKind::Burst) == 0ms);
    limiter.acquire(LimitKind::Search);
    CHECK(elapsed(clock, start) == 1s);
  }
}

TEST_CASE("the limiter takes the portal's own limit from its rate headers", "[http]") {
  ManualClock clock;
  const auto portal = [](const char* max) {
    return HttpResponse{200,
                        {{"X-HubSpot-RateLimit-Max", max},
                         {"X-HubSpot-RateLimit-Remaining", max},
                         {"X-HubSpot-RateLimit-Interval-Milliseconds", "10000"}},
                        {}};
  };
  SECTION("learning: a 190-per-10-s portal is used up to 190, with the window's margin") {
    RateLimiter limiter(clock, {.burst_max = 100, .learn_burst_limit = true});
    limiter.observe(portal("190"));
    CHECK(limiter.burst_max() == 190);
    CHECK(limiter.burst_window() == 10'100ms);
    const auto start = clock.now();
    for (int i = 0; i < 190; ++i) limiter.acquire(LimitKind::Burst);
    CHECK(elapsed(clock, start) == 0ms);
    CHECK(limiter.wait_time(LimitKind::Burst) == 10'100ms);
  }
  SECTION("learning: a public app's 110 is respected, and so is a lower limit later") {
    RateLimiter limiter(clock, {.burst_max = 100, .learn_burst_limit = true});
    limiter.observe(portal("110"));
    CHECK(limiter.burst_max() == 110);
    limiter.observe(portal("90"));
    CHECK(limiter.burst_max() == 90);
  }
  SECTION("a limit the user set is a ceiling: never above it, lowered by the portal") {
    RateLimiter limiter(clock, {.burst_max = 150});
    limiter.observe(portal("190"));
    CHECK(limiter.burst_max() == 150);
    limiter.observe(portal("110"));
    CHECK(limiter.burst_max() == 110);
  }
  SECTION("answers without the header change nothing") {
    RateLimiter limiter(clock, {.burst_max = 100, .learn_burst_limit = true});
    limiter.observe(HttpResponse{200, {}, {}});
    CHECK(limiter.burst_max() == 100);
    CHECK(limiter.burst_window() == RateLimits{}.burst_window);
  }
}

TEST_CASE("the limiter holds its window across threads", "[http]") {
  ManualClock clock;
  RateLimiter limiter(clock, {5, 1s, 5, 1s});
  std::mutex m;
  std::vector<TimePoint> grants;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        const TimePoint granted = limiter.acquire(LimitKind::Burst);  // clock.now() here could be later
        std::lock_guard lock(m);
        grants.push_back(granted);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::sort(grants.begin(), grants.end());
  REQUIRE(grants.size() == 40);
  for (std::size_t i = 5; i < grants.size(); ++i) CHECK(grants[i] - grants[i - 5] >= 1s);
}

TEST_CASE("secrets are redacted from URLs, forms, JSON and headers", "[http]") {
  CHECK(redact("/oauth/v1/token?code=abc123&state=s") == "/oauth/v1/token?code=[REDACTED]&state=s");
  CHECK(redact("grant_type=refresh_token&client_id=id&client_secret=shh&refresh_token=r-1") ==
        "grant_type=refresh_token&client_id=id&client_secret=[REDACTED]&refresh_token=[REDACTED]");
  CHECK(redact(R"({"access_token":"a\"b","refresh_token": "r","expires_in":1800})") ==
        R"({"access_token":"[REDACTED]","refresh_token": "[REDACTED]","expires_in":1800})");
  CHECK(redact("/oauth/v1/refresh-tokens/na1-abc-def") == "/oauth/v1/refresh-tokens/[REDACTED]");
  CHECK(redact("token=na1-xyz") == "token=[REDACTED]");
  CHECK(redact("header Bearer eyJabc.def") == "header Bearer [REDACTED]");
  CHECK(redact("pat-na1-11111111-2222") == "[REDACTED]");
  // HubSpot's error codes stay readable; an OAuth code in JSON does not.
  CHECK(redact(R"({"errors":[{"code":"PROPERTY_DOESNT_EXIST"}]})") == R"({"errors":[{"code":"PROPERTY_DOESNT_EXIST"}]})");
  CHECK(redact(R"({"code":"na1-7f3e"})") == R"({"code":"[REDACTED]"})");
  CHECK(redact_header_value("authorization", "Bearer x") == std::string(kRedacted));
  CHECK(redact_headers({{"Content-Type", "application/json"}})[0].second == "application/json");
}

TEST_CASE("debug logs show calls but never a token", "[http]") {
  std::ostringstream out;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);
  {
    ApiRig rig;
    rig.server.push(reply(503));
    rig.api.send({"DELETE", "/oauth/v1/refresh-tokens/na1-refresh-secret", {}, {}});
    rig.api.send(post("/oauth/v1/token", "grant_type=refresh_token&refresh_token=na1-refresh-secret&client_secret=cs"));
  }
  spdlog::set_default_logger(previous);
  auto text = out.str();
  CHECK(text.find("DELETE /oauth/v1/refresh-tokens/[REDACTED] -> 503") != std::string::npos);
  CHECK(text.find("POST /oauth/v1/token -> 200") != std::string::npos);
  CHECK(text.find("na1-refresh-secret") == std::string::npos);
  CHECK(text.find("pat-na1-secret") == std::string::npos);
}

namespace {

using hubrules::testing::TestCert;

TestCert make_cert(const char* common_name, const char* subject_alt_names) {
  return hubrules::testing::make_test_certificate(common_name, subject_alt_names);
}

}  // namespace

TEST_CASE("HTTPS verifies the server's certificate", "[http]") {
  auto cert = make_cert("localhost", "DNS:localhost,IP:127.0.0.1");
  ssl::context server_tls(ssl::context::tls_server);
  server_tls.use_certificate_chain(asio::buffer(cert.cert_pem));
  server_tls.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
  ScriptServer server(&server_tls);
  auto opts = options_for("https://localhost:" + std::to_string(server.port()));

  SECTION("an unknown self-signed certificate is refused, and nothing is sent") {
    HttpClient client(opts);
    try {
      client.send(post("/crm/v3/objects/contacts/batch/create"));
      FAIL("expected a TransportError");
    } catch (const TransportError& e) {
      CHECK(e.kind() == TransportError::Kind::Tls);
      CHECK_FALSE(e.in_doubt());
    }
    CHECK(server.requests().empty());
  }
  SECTION("the same certificate is accepted once trusted, over one connection") {
    opts.extra_ca_pem.push_back(cert.cert_pem);
    HttpClient client(opts);
    CHECK(client.send(post("/x")).status == 200);
    CHECK(client.send(post("/y")).status == 200);
    CHECK(client.connections_opened() == 1);
    CHECK(server.requests().size() == 2);
  }
  SECTION("a trusted certificate for another name is refused") {
    auto other = make_cert("api.example.com", "DNS:api.example.com");
    opts.extra_ca_pem.push_back(other.cert_pem);
    ssl::context other_tls(ssl::context::tls_server);
    other_tls.use_certificate_chain(asio::buffer(other.cert_pem));
    other_tls.use_private_key(asio::buffer(other.key_pem), ssl::context::pem);
    ScriptServer impostor(&other_tls);
    opts.base_url = "https://localhost:" + std::to_string(impostor.port());
    HttpClient client(opts);
    try {
      client.send(post("/x"));
      FAIL("expected a TransportError");
    } catch (const TransportError& e) {
      CHECK(e.kind() == TransportError::Kind::Tls);
    }
    CHECK(impostor.requests().empty());
  }
  SECTION("clients alive together keep their own trust: the shared context of one is not the other's") {
    auto trusting = opts;
    trusting.extra_ca_pem.push_back(cert.cert_pem);
    HttpClient trusts(trusting), plain(opts), trusts_too(trusting);
    CHECK(trusts.send(post("/x")).status == 200);
    CHECK_THROWS_AS(plain.send(post("/y")), TransportError);
    CHECK(trusts_too.send(post("/z")).status == 200);
    CHECK(server.requests().size() == 2);
  }
}

// The general HTTP server (runtime/http/http_server.hpp) over real sockets on 127.0.0.1: the
// project's HttpClient for well-behaved requests, a raw POSIX socket for the misbehaving ones
// (trickled headers, stalled bodies, oversized or malformed requests) and for pipelining.
#include <sstream>
#include <spdlog/spdlog.h>
#include <spdlog/sinks/ostream_sink.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../test_certificates.hpp"
#include "../test_support.hpp"
#include "engine/text/ascii_case.hpp"
#include "runtime/http/http_client.hpp"
#include "runtime/http/http_server.hpp"

namespace {

using namespace hubrules::runtime;
using namespace hubrules::runtime::http;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

Millis since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<Millis>(SteadyClock::now() - start);
}

// A blocking POSIX connection to 127.0.0.1 with poll-based timeouts, for what HttpClient will
// not do: sending byte by byte, stalling, sending garbage, pipelining.
class RawClient {
 public:
  explicit RawClient(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0 || !connect_to(fd_, port)) throw std::runtime_error("raw client: cannot connect");
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  static bool can_connect(unsigned short port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const bool connected = connect_to(fd, port);
    ::close(fd);
    return connected;
  }

  // False once the server has closed or reset the connection.
  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Everything that arrives until the server closes (true) or the timeout passes (false).
  bool read_until_closed(Millis timeout, std::string* received = nullptr) {
    const auto give_up = SteadyClock::now() + timeout;
    for (;;) {
      const auto got = receive_some(give_up);
      if (!got) return false;
      if (*got == 0) break;
    }
    if (received) *received = std::exchange(pending_, {});
    return true;
  }

  // One whole response (headers and its Content-Length of body, none for HEAD), or nullopt.
  std::optional<std::string> read_response(Millis timeout = 5s, bool head = false) {
    const auto give_up = SteadyClock::now() + timeout;
    for (;;) {
      if (auto whole = take_response(head)) return whole;
      const auto got = receive_some(give_up);
      if (!got || *got == 0) return std::nullopt;
    }
  }

 private:
  static bool connect_to(int fd, unsigned short port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }

  // Bytes received (0: closed), nullopt at the deadline.
  std::optional<std::size_t> receive_some(SteadyClock::time_point give_up) {
    const auto left = std::chrono::duration_cast<Millis>(give_up - SteadyClock::now()).count();
    pollfd pfd{fd_, POLLIN, 0};
    if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) <= 0) return std::nullopt;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return 0;  // closed or reset
    pending_.append(chunk, static_cast<std::size_t>(n));
    return static_cast<std::size_t>(n);
  }

  std::optional<std::string> take_response(bool head_request) {
    const auto end_of_headers = pending_.find("\r\n\r\n");
    if (end_of_headers == std::string::npos) return std::nullopt;
    const std::string head = pending_.substr(0, end_of_headers + 4);
    std::size_t length = 0;
    if (auto value = header_value(head, "content-length"); value && !head_request) length = std::stoul(*value);
    if (pending_.size() < head.size() + length) return std::nullopt;
    std::string whole = pending_.substr(0, head.size() + length);
    pending_.erase(0, whole.size());
    return whole;
  }

 public:
  static std::optional<std::string> header_value(const std::string& response, std::string_view name) {
    std::size_t line = response.find("\r\n");
    while (line != std::string::npos && line + 2 < response.size()) {
      const std::size_t next = response.find("\r\n", line + 2);
      const std::string field = response.substr(line + 2, next - line - 2);
      const std::size_t colon = field.find(':');
      if (colon != std::string::npos &&
          hubrules::text::equals_ignore_ascii_case(std::string_view(field).substr(0, colon), name)) {
        return field.substr(field.find_first_not_of(' ', colon + 1));
      }
      line = next;
    }
    return std::nullopt;
  }

 private:
  int fd_;
  std::string pending_;
};

int status_of(const std::string& response) { return response.size() >= 12 ? std::stoi(response.substr(9, 3)) : 0; }

std::string body_of(const std::string& response) { return response.substr(response.find("\r\n\r\n") + 4); }

// Answers "METHOD path ?query x-test body" at once.
void echo(ServerRequest&& request, Respond respond) {
  ServerResponse out;
  out.body = request.method + " " + request.path + " ?" + request.query + " " +
             std::string(request.header("x-test").value_or("-")) + " " + request.body;
  out.headers.emplace_back("X-Remote", request.remote_address);
  out.headers.emplace_back("X-Tls", request.tls ? "yes" : "no");
  respond(std::move(out));
}

ServerOptions quick_options() {
  ServerOptions options;
  options.header_timeout = 300ms;
  options.body_timeout = 300ms;
  options.idle_timeout = 300ms;
  return options;
}

HttpClientOptions client_for(const HttpServer& server) {
  HttpClientOptions options;
  options.base_url = server.url();
  options.connect_timeout = 5s;
  options.request_timeout = 5s;
  return options;
}

HttpRequest get(std::string target, Headers headers = {}) { return {"GET", std::move(target), std::move(headers), ""}; }
HttpRequest post(std::string target, std::string body) { return {"POST", std::move(target), {}, std::move(body)}; }

// Handler calls that answer later, from a thread of the test's own.
class LaterAnswers {
 public:
  ~LaterAnswers() {
    for (auto& thread : threads_) thread.join();
  }
  void answer_after(Millis delay, Respond respond, ServerResponse response) {
    std::lock_guard lock(mutex_);
    threads_.emplace_back([delay, respond = std::move(respond), response = std::move(response)]() mutable {
      std::this_thread::sleep_for(delay);
      respond(std::move(response));
    });
  }

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

}  // namespace

TEST_CASE("the server listens on the port the OS picked and hands requests over whole", "[http_server]") {
  HttpServer server({}, echo);
  server.start();
  REQUIRE(server.port() != 0);
  CHECK(server.url() == "http://127.0.0.1:" + std::to_string(server.port()));

  HttpClient client(client_for(server));
  auto got = client.send(get("/hooks/timerex?a=1&b=2", {{"X-Test", "value"}}));
  CHECK(got.status == 200);
  CHECK(got.body == "GET /hooks/timerex ?a=1&b=2 value ");
  CHECK(got.header("server") == "hubrules");
  CHECK(got.header("content-type") == "text/plain; charset=utf-8");
  CHECK(got.header("content-length") == std::to_string(got.body.size()));
  CHECK(got.header("x-remote") == "127.0.0.1");
  CHECK(got.header("x-tls") == "no");

  auto posted = client.send(post("/hooks/timerex", R"({"event":"booked"})"));
  CHECK(posted.status == 200);
  CHECK(posted.body == R"(POST /hooks/timerex ? - {"event":"booked"})");
}

TEST_CASE("the server answers many requests over one kept-alive connection", "[http_server]") {
  HttpServer server({}, echo);
  server.start();
  HttpClient client(client_for(server));
  for (int i = 0; i < 50; ++i) {
    auto got = client.send(post("/n", std::to_string(i)));
    REQUIRE(got.status == 200);
    CHECK(got.body == "POST /n ? - " + std::to_string(i));
    CHECK_FALSE(got.header("connection").has_value());
  }
  CHECK(client.connections_opened() == 1);
  // The last answer is counted as done when its write completes, which may be a moment after
  // the client has read it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (server.counts().in_flight != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto counts = server.counts();
  CHECK(counts.connections_accepted == 1);
  CHECK(counts.connections_open == 1);
  CHECK(counts.requests == 50);
  CHECK(counts.in_flight == 0);
}

TEST_CASE("pipelined requests are answered in order", "[http_server]") {
  LaterAnswers later;
  // The first answer comes last, so an answer out of order would show.
  HttpServer server({}, [&](ServerRequest&& request, Respond respond) {
    ServerResponse out;
    out.body = request.path;
    later.answer_after(request.path == "/first" ? 200ms : 0ms, std::move(respond), std::move(out));
  });
  server.start();
  RawClient raw(server.port());
  REQUIRE(raw.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = raw.read_response();
  auto second = raw.read_response();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(body_of(*first) == "/first");
  CHECK(body_of(*second) == "/second");
}

TEST_CASE("a handler may answer later from another thread", "[http_server]") {
  LaterAnswers later;
  HttpServer server({}, [&](ServerRequest&& request, Respond respond) {
    ServerResponse out;
    out.status = 202;
    out.content_type = "application/json";
    out.body = R"({"accepted":")" + request.body + "\"}";
    later.answer_after(200ms, std::move(respond), std::move(out));
  });
  server.start();
  HttpClient client(client_for(server));
  const auto start = SteadyClock::now();
  auto got = client.send(post("/hooks", "b1"));
  CHECK(since(start) >= 190ms);
  CHECK(got.status == 202);
  CHECK(got.header("content-type") == "application/json");
  CHECK(got.body == R"({"accepted":"b1"})");
  CHECK(client.send(post("/hooks", "b2")).body == R"({"accepted":"b2"})");
  CHECK(client.connections_opened() == 1);
}

TEST_CASE("many clients at once, answered from other threads, each get their own answers", "[http_server]") {
  LaterAnswers later;
  HttpServer server({}, [&](ServerRequest&& request, Respond respond) {
    ServerResponse out;
    out.body = request.body;
    if (request.body.back() % 2 == 0) return respond(std::move(out));  // half at once, half later
    later.answer_after(1ms, std::move(respond), std::move(out));
  });
  server.start();
  constexpr int kClients = 8;
  constexpr int kRequests = 40;
  std::vector<std::future<int>> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(std::async(std::launch::async, [&, c] {
      HttpClient client(client_for(server));
      int right = 0;
      for (int i = 0; i < kRequests; ++i) {
        const std::string body = std::to_string(c) + "-" + std::to_string(i);
        if (client.send(post("/hooks", body)).body == body) ++right;
      }
      return right;
    }));
  }
  for (auto& client : clients) CHECK(client.get() == kRequests);
  const auto counts = server.counts();
  CHECK(counts.requests == kClients * kRequests);
  CHECK(counts.connections_accepted == kClients);
  CHECK(counts.in_flight == 0);
}

TEST_CASE("the server's log lines name the method, path and status, never headers, queries or bodies", "[http_server]") {
  std::ostringstream out;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);
  {
    HttpServer server({}, echo);
    server.start();
    HttpClient client(client_for(server));
    client.send({"POST", "/hooks/timerex?token=query-secret", {{"Authorization", "Bearer header-secret"}}, "body-secret"});
  }
  spdlog::set_default_logger(previous);
  const auto text = out.str();
  CHECK(text.find("POST /hooks/timerex -> 200") != std::string::npos);
  CHECK(text.find("secret") == std::string::npos);
}

TEST_CASE("a handler that throws, or drops its Respond, gets a 500, the connection goes on", "[http_server]") {
  HttpServer server({}, [](ServerRequest&& request, Respond respond) {
    if (request.path == "/throw") throw std::runtime_error("boom");
    if (request.path == "/drop") return;  // the Respond goes away unanswered
    respond({});
  });
  server.start();
  HttpClient client(client_for(server));
  CHECK(client.send(get("/throw")).status == 500);
  CHECK(client.send(get("/drop")).status == 500);
  CHECK(client.send(get("/fine")).status == 200);
  CHECK(client.connections_opened() == 1);
  CHECK(server.counts().handler_errors == 2);
}

TEST_CASE("a Respond called twice, or after the connection or the server is gone, does nothing", "[http_server]") {
  std::mutex mutex;
  std::vector<Respond> kept;
  std::promise<void> received;
  auto server = std::make_unique<HttpServer>(ServerOptions{}, [&](ServerRequest&&, Respond respond) {
    std::lock_guard lock(mutex);
    kept.push_back(respond);
    if (kept.size() == 1) received.set_value();
  });
  server->start();
  {
    RawClient raw(server->port());
    REQUIRE(raw.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(received.get_future().wait_for(5s) == std::future_status::ready);
  }  // the client hangs up while the handler holds the request
  std::this_thread::sleep_for(50ms);
  Respond respond;
  {
    std::lock_guard lock(mutex);
    respond = kept.front();
  }
  respond({});  // written into a closed connection, or dropped
  respond({});  // ignored
  server->stop();
  respond({});   // dropped: the server stopped
  server.reset();
  respond({});   // dropped: the server is gone
  kept.clear();  // and the last copies go without a crash or a leak
  SUCCEED();
}

TEST_CASE("a body over the limit is refused with 413 and the connection closed", "[http_server]") {
  std::atomic<int> handled{0};
  HttpServer server({}, [&](ServerRequest&& request, Respond respond) {
    ++handled;
    respond({200, "text/plain", {}, std::to_string(request.body.size())});
  });
  server.start();
  const std::size_t limit = ServerOptions{}.body_limit;

  SECTION("announced by Content-Length, while the client goes on sending the body") {
    RawClient raw(server.port());
    const std::string body(limit + 1, 'x');
    raw.send("POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    auto answer = raw.read_response();
    REQUIRE(answer);
    CHECK(status_of(*answer) == 413);
    CHECK(RawClient::header_value(*answer, "connection") == "close");
    CHECK(body_of(*answer) == "request body too large\n");
    CHECK(raw.read_until_closed(3s));
  }
  SECTION("in chunks") {
    RawClient raw(server.port());
    raw.send("POST /hooks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk(64 * 1024, 'x');
    for (std::size_t sent = 0; sent <= limit; sent += chunk.size()) {
      if (!raw.send("10000\r\n" + chunk + "\r\n")) break;
    }
    auto answer = raw.read_response();
    REQUIRE(answer);
    CHECK(status_of(*answer) == 413);
    CHECK(raw.read_until_closed(3s));
  }
  SECTION("exactly at the limit is accepted") {
    HttpClient client(client_for(server));
    auto got = client.send(post("/hooks", std::string(limit, 'x')));
    CHECK(got.status == 200);
    CHECK(got.body == std::to_string(limit));
    CHECK(handled == 1);
    return;
  }
  CHECK(handled == 0);
  CHECK(server.counts().too_large == 1);
}

TEST_CASE("malformed requests get 400 (oversized headers 431) and a closed connection", "[http_server]") {
  HttpServer server({}, echo);
  server.start();
  auto answer_to = [&](const std::string& request) {
    RawClient raw(server.port());
    raw.send(request);
    auto answer = raw.read_response();
    REQUIRE(answer);
    CHECK(RawClient::header_value(*answer, "connection") == "close");
    CHECK(raw.read_until_closed(3s));
    return status_of(*answer);
  };
  CHECK(answer_to("NOT HTTP AT ALL\r\n\r\n") == 400);
  CHECK(answer_to("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n") == 400);
  CHECK(answer_to("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n") == 400);
  CHECK(answer_to("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello") == 400);
  CHECK(answer_to("GET / HTTP/1.1\r\n\r\n") == 400);  // HTTP/1.1 needs a Host
  CHECK(answer_to("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n") == 431);
  // A valid length over the limit is refused before the body is read.
  CHECK(answer_to("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n") == 413);
  const auto counts = server.counts();
  CHECK(counts.bad_requests == 6);
  CHECK(counts.too_large == 1);
  CHECK(counts.requests == 0);
}

TEST_CASE("headers trickling in (slowloris) are cut off at header_timeout with 408", "[http_server]") {
  HttpServer server(quick_options(), echo);
  server.start();
  RawClient raw(server.port());
  const auto start = SteadyClock::now();
  // A byte every 20 ms would keep a per-read timeout alive forever; the header timeout is whole.
  std::atomic<bool> stop_sending{false};
  std::thread trickle([&] {
    const std::string request = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(1000, 'a');
    for (char c : request) {
      if (stop_sending || !raw.send(std::string_view(&c, 1))) return;
      std::this_thread::sleep_for(20ms);
    }
  });
  std::string received;
  const bool closed = raw.read_until_closed(3s, &received);
  const auto took = since(start);
  stop_sending = true;
  trickle.join();
  CHECK(closed);
  CHECK(took >= 250ms);
  CHECK(took < 1500ms);
  CHECK(status_of(received) == 408);
  CHECK(server.counts().timeouts == 1);
}

TEST_CASE("a body that stalls is cut off at body_timeout with 408", "[http_server]") {
  auto options = quick_options();
  options.header_timeout = 5s;
  HttpServer server(options, echo);
  server.start();
  RawClient raw(server.port());
  REQUIRE(raw.send("POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n123"));
  const auto start = SteadyClock::now();
  std::string received;
  CHECK(raw.read_until_closed(3s, &received));
  CHECK(since(start) >= 250ms);
  CHECK(since(start) < 1500ms);
  CHECK(status_of(received) == 408);
  CHECK(server.counts().requests == 0);
}

TEST_CASE("silent connections are closed without an answer", "[http_server]") {
  HttpServer server(quick_options(), echo);
  server.start();
  SECTION("one that never sends a byte, at header_timeout") {
    RawClient raw(server.port());
    std::string received = "unset";
    CHECK(raw.read_until_closed(3s, &received));
    CHECK(received.empty());
  }
  SECTION("a kept-alive one after its answer, at idle_timeout") {
    RawClient raw(server.port());
    REQUIRE(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto answer = raw.read_response();
    REQUIRE(answer);
    CHECK(status_of(*answer) == 200);
    const auto start = SteadyClock::now();
    std::string received = "unset";
    CHECK(raw.read_until_closed(3s, &received));
    CHECK(since(start) >= 250ms);
    CHECK(received.empty());
  }
  CHECK(server.counts().timeouts == 0);
}

TEST_CASE("Expect: 100-continue is answered before the body is sent", "[http_server]") {
  HttpServer server({}, echo);
  server.start();
  RawClient raw(server.port());
  REQUIRE(raw.send("POST /hooks HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto go_on = raw.read_response();
  REQUIRE(go_on);
  CHECK(status_of(*go_on) == 100);
  REQUIRE(raw.send("hello"));
  auto answer = raw.read_response();
  REQUIRE(answer);
  CHECK(status_of(*answer) == 200);
  CHECK(body_of(*answer) == "POST /hooks ? - hello");
}

TEST_CASE("HEAD answers announce the body's length and send none, HTTP/1.0 keep-alive is honoured", "[http_server]") {
  HttpServer server({}, [](ServerRequest&&, Respond respond) { respond({200, "text/plain", {}, "twelve bytes"}); });
  server.start();
  RawClient raw(server.port());
  REQUIRE(raw.send("HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto answer = raw.read_response(5s, true);
  REQUIRE(answer);
  CHECK(status_of(*answer) == 200);
  CHECK(RawClient::header_value(*answer, "content-length") == "12");
  CHECK(RawClient::header_value(*answer, "connection") == "keep-alive");
  CHECK(body_of(*answer).empty());
  REQUIRE(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto second = raw.read_response();
  REQUIRE(second);
  CHECK(body_of(*second) == "twelve bytes");
}

TEST_CASE("answers carry only the server's framing", "[http_server]") {
  HttpServer server({}, [](ServerRequest&& request, Respond respond) {
    ServerResponse out;
    out.status = request.path == "/bad-status" ? 42 : 201;
    out.headers = {{"Content-Length", "999"}, {"Connection", "upgrade"}, {"X-Split", "a\r\nInjected: yes"},
                   {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
    out.body = "ok";
    respond(std::move(out));
  });
  server.start();
  RawClient raw(server.port());
  REQUIRE(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto answer = raw.read_response();
  REQUIRE(answer);
  CHECK(status_of(*answer) == 201);
  CHECK(RawClient::header_value(*answer, "content-length") == "2");
  CHECK_FALSE(RawClient::header_value(*answer, "connection").has_value());
  CHECK_FALSE(RawClient::header_value(*answer, "injected").has_value());
  CHECK(answer->find("Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n") != std::string::npos);
  REQUIRE(raw.send("GET /bad-status HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto bad = raw.read_response();
  REQUIRE(bad);
  CHECK(status_of(*bad) == 500);
}

TEST_CASE("HTTPS with a certificate chain and key from PEM files", "[http_server]") {
  hubrules::testing::TempDir dir;
  auto cert = hubrules::testing::make_test_certificate("localhost", "DNS:localhost,IP:127.0.0.1");
  hubrules::testing::write_file(dir.file("cert.pem").string(), cert.cert_pem);
  hubrules::testing::write_file(dir.file("key.pem").string(), cert.key_pem);
  ServerOptions options;
  options.tls_cert_file = dir.file("cert.pem").string();
  options.tls_key_file = dir.file("key.pem").string();

  SECTION("a client trusting the certificate is served over one connection") {
    HttpServer server(options, echo);
    server.start();
    CHECK(server.url() == "https://127.0.0.1:" + std::to_string(server.port()));
    auto client_options = client_for(server);
    client_options.extra_ca_pem.push_back(cert.cert_pem);
    HttpClient client(client_options);
    auto got = client.send(post("/hooks", "secure"));
    CHECK(got.status == 200);
    CHECK(got.body == "POST /hooks ? - secure");
    CHECK(got.header("x-tls") == "yes");
    CHECK(client.send(get("/again")).status == 200);
    CHECK(client.connections_opened() == 1);
  }
  SECTION("a plain HTTP client fails the handshake and is counted") {
    HttpServer server(options, echo);
    server.start();
    RawClient raw(server.port());
    raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(raw.read_until_closed(3s));
    CHECK(server.counts().tls_failures == 1);
    CHECK(server.counts().requests == 0);
  }
  SECTION("a slow TLS client is cut off at header_timeout") {
    options.header_timeout = 300ms;
    HttpServer server(options, echo);
    server.start();
    RawClient raw(server.port());
    const auto start = SteadyClock::now();
    CHECK(raw.read_until_closed(3s));
    CHECK(since(start) < 1500ms);
  }
  SECTION("unreadable or mismatched files are refused with the file's name and no key text") {
    auto message_for = [](ServerOptions bad) {
      try {
        HttpServer server(bad, echo);
      } catch (const std::runtime_error& e) {
        return std::string(e.what());
      }
      return std::string("no error");
    };
    auto missing = options;
    missing.tls_cert_file = dir.file("absent.pem").string();
    CHECK_THAT(message_for(missing), Catch::Contains("absent.pem") && Catch::Contains("certificate"));

    hubrules::testing::write_file(dir.file("garbage.pem").string(), "SECRET-KEY-MATERIAL");
    auto garbage = options;
    garbage.tls_key_file = dir.file("garbage.pem").string();
    const auto garbage_message = message_for(garbage);
    CHECK_THAT(garbage_message, Catch::Contains("garbage.pem") && Catch::Contains("private key"));
    CHECK_THAT(garbage_message, !Catch::Contains("SECRET"));

    auto other = hubrules::testing::make_test_certificate("other", "DNS:other");
    hubrules::testing::write_file(dir.file("other-key.pem").string(), other.key_pem);
    auto mismatched = options;
    mismatched.tls_key_file = dir.file("other-key.pem").string();
    CHECK_THAT(message_for(mismatched), Catch::Contains("does not match"));

    auto half = options;
    half.tls_key_file.clear();
    CHECK_THAT(message_for(half), Catch::Contains("both"));
  }
}

TEST_CASE("stop_accepting refuses new connections, drain waits for the answers in flight", "[http_server]") {
  LaterAnswers later;
  std::promise<void> received;
  HttpServer server({}, [&](ServerRequest&&, Respond respond) {
    received.set_value();
    later.answer_after(300ms, std::move(respond), {200, "text/plain", {}, "done"});
  });
  server.start();
  const auto port = server.port();
  RawClient idle(port);  // kept alive, with no request: closed by stop_accepting
  auto in_flight = std::async(std::launch::async, [&] {
    HttpClient client(client_for(server));
    return client.send(post("/hooks", "booking"));
  });
  REQUIRE(received.get_future().wait_for(5s) == std::future_status::ready);

  server.stop_accepting();
  CHECK_FALSE(RawClient::can_connect(port));
  CHECK(server.counts().in_flight == 1);
  CHECK_FALSE(server.drain(50ms));
  CHECK(server.drain(5s));
  auto answer = in_flight.get();
  CHECK(answer.status == 200);
  CHECK(answer.body == "done");
  CHECK(answer.header("connection") == "close");
  CHECK(idle.read_until_closed(3s));
  CHECK(server.counts().in_flight == 0);
  server.stop();
  CHECK(server.counts().connections_open == 0);
}

TEST_CASE("drain with nothing in flight returns at once, stop closes what is open", "[http_server]") {
  HttpServer server({}, echo);
  server.start();
  RawClient raw(server.port());
  REQUIRE(raw.send("GET /partial HTTP/1.1\r\nHo"));
  server.stop_accepting();
  CHECK(server.drain(1s));
  const auto start = SteadyClock::now();
  server.stop();
  CHECK(since(start) < 1s);
  CHECK(raw.read_until_closed(3s));
}

TEST_CASE("bad options and a port in use are clear errors", "[http_server]") {
  ServerOptions no_threads;
  no_threads.threads = 0;
  CHECK_THROWS_WITH(HttpServer(no_threads, echo), Catch::Contains("threads"));

  HttpServer first({}, echo);
  first.start();
  ServerOptions same_port;
  same_port.port = first.port();
  HttpServer second(same_port, echo);
  CHECK_THROWS_WITH(second.start(), Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(first.port())));
}

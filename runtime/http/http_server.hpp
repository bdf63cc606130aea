#pragma once
// A general HTTP/1.1 server over Boost.Beast, plain or HTTPS: it serves TimeRex's webhooks for
// `hubrules serve` (and later an admin page). Keep-alive, bounded reads (a slow or oversized
// request is cut off with 408/413), handlers that answer later from any thread, and a two-step
// graceful shutdown (stop accepting, drain, stop). No Boost in this header.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/base/clock.hpp"

namespace hubrules::runtime::http {

struct ServerOptions {
  std::string host = "127.0.0.1";  // an IP address or a name that resolves to one
  unsigned short port = 0;         // 0: the OS picks a free port (see HttpServer::port())
  // Both set: HTTPS (TLS 1.2+) with the certificate chain and key from these PEM files; both
  // empty: plain HTTP. One without the other is an error.
  std::string tls_cert_file;
  std::string tls_key_file;
  // From the accepted connection (TLS handshake included), or from the first byte of a later
  // request on a kept-alive connection, to the end of the request's headers.
  Millis header_timeout{10'000};
  Millis body_timeout{30'000};   // from the end of the headers to the end of the body
  Millis idle_timeout{60'000};   // a kept-alive connection waiting for its next request
  Millis write_timeout{10'000};  // writing one response (a client that does not read is cut off)
  std::size_t body_limit = 1 << 20;        // a larger body (Content-Length or chunked): 413, closed
  std::size_t header_limit = 16 * 1024;    // request line and headers together: larger is 431, closed
  int threads = 2;                          // io threads; handlers are called on them
};

struct ServerRequest {
  std::string method;  // as sent: "GET", "POST", …
  std::string target;  // as sent: path and query
  std::string path;    // target up to '?', not percent-decoded
  std::string query;   // after '?', "" when there is none; not decoded
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order, names as sent
  std::string body;
  std::string remote_address;  // the peer's IP address
  bool tls = false;

  // Header names are case-insensitive (RFC 9110); the first value when repeated.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct ServerResponse {
  int status = 200;  // 200-599; anything else is answered as 500
  std::string content_type = "text/plain; charset=utf-8";  // "" sends none
  // Extra headers. Content-Length, Transfer-Encoding, Connection and Server are the server's own
  // and ignored here, as is any header whose name or value holds a line break.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Answers one request. Call it once, from any thread, at any time: the write is posted back onto
// the connection. Later calls are ignored; once the connection or the server is gone, a call does
// nothing. A Respond destroyed without being called answers 500, so a request is never left open.
using Respond = std::function<void(ServerResponse)>;
// Called on an io thread for each complete request, so it must not block: slow work goes
// elsewhere and answers through Respond. An exception answers 500 (unless Respond was called).
using Handler = std::function<void(ServerRequest&&, Respond)>;

// For metrics: a snapshot of the server's counters since start().
struct ServerCounts {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t requests = 0;        // complete requests handed to the handler
  std::uint64_t in_flight = 0;       // requests handed over and not yet answered
  std::uint64_t timeouts = 0;        // requests cut off by header_timeout or body_timeout (408)
  std::uint64_t too_large = 0;       // bodies over body_limit (413)
  std::uint64_t bad_requests = 0;    // malformed requests (400) and oversized headers (431)
  std::uint64_t handler_errors = 0;  // handlers that threw or never answered (500)
  std::uint64_t tls_failures = 0;    // failed or timed-out TLS handshakes
};

class HttpServer {
 public:
  // Checks the options and reads the TLS files. Throws std::runtime_error with a clear message
  // (which never quotes a key).
  HttpServer(ServerOptions options, Handler handler);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the io threads. Throws std::runtime_error when it cannot listen.
  void start();
  unsigned short port() const;  // the bound port (the OS's pick for port 0), once started
  std::string url() const;      // "http://127.0.0.1:PORT" or "https://…"

  // Graceful shutdown, step 1 (SIGTERM): closes the listener, so that new connections are
  // refused once this returns; requests already being read go on, their answers close their
  // connections, and idle kept-alive connections are closed.
  void stop_accepting();
  // Step 2: waits until every request already read has been answered (true), or the timeout
  // passed (false).
  bool drain(Millis timeout);
  // Closes every connection and joins the io threads; a later Respond call does nothing.
  void stop();

  ServerCounts counts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hubrules::runtime::http

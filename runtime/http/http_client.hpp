#pragma once
// A synchronous HTTP/1.1 client over Boost.Beast with one kept-alive connection: HTTPS with
// certificate and host name verification for real HubSpot, plain HTTP for a loopback sandbox.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "runtime/http/http_types.hpp"

namespace hubrules::runtime::http {

struct HttpClientOptions {
  std::string base_url = "https://api.hubapi.com";
  std::chrono::milliseconds connect_timeout{10'000};  // resolve + TCP connect + TLS handshake
  std::chrono::milliseconds request_timeout{60'000};  // writing the request and reading the answer
  // PEM certificates trusted in addition to the system store (tests, corporate proxies).
  std::vector<std::string> extra_ca_pem;
  std::string user_agent = "hubrules/0.1";
};

// Not thread-safe: one connection, one request at a time (HubSpotApi serialises callers).
class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);  // throws std::invalid_argument on a bad URL
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request (Host, User-Agent and Content-Length are added) and reads the answer.
  // Any HTTP status is a response; throws TransportError when no complete answer arrived.
  HttpResponse send(const HttpRequest& request);

  const BaseUrl& base() const;
  // Connections opened so far: tells keep-alive reuse apart from reconnects.
  std::size_t connections_opened() const;
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hubrules::runtime::http

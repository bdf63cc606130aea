#include "runtime/http/http_client.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "runtime/http/redact.hpp"

namespace hubrules::runtime::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Kind = TransportError::Kind;

namespace {

constexpr std::uint64_t kBodyLimit = 256ull << 20;

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

bool is_closed_error(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated ||
         ec == bhttp::error::partial_message;
}

Kind classify(const beast::error_code& ec, Kind otherwise) {
  if (ec == beast::error::timeout) return Kind::Timeout;
  if (is_closed_error(ec)) return Kind::Closed;
  return otherwise;
}

std::string host_header(const BaseUrl& base) {
  std::string host = base.host.find(':') != std::string::npos ? "[" + base.host + "]" : base.host;
  bool default_port = base.port == (base.tls() ? 443 : 80);
  return default_port ? host : host + ":" + std::to_string(base.port);
}

// Loading the system's CA bundle takes milliseconds of PEM decoding, and `serve` makes clients
// for hundreds of portals: clients that trust the same authorities share one context (OpenSSL
// lets many connections on many threads use one context that no longer changes).
std::shared_ptr<ssl::context> client_tls_context(const std::vector<std::string>& extra_ca_pem) {
  static std::mutex mutex;
  static std::map<std::vector<std::string>, std::weak_ptr<ssl::context>> shared;
  std::lock_guard lock(mutex);
  std::erase_if(shared, [](const auto& entry) { return entry.second.expired(); });
  auto& slot = shared[extra_ca_pem];
  if (auto existing = slot.lock()) return existing;
  auto tls = std::make_shared<ssl::context>(ssl::context::tls_client);
  tls->set_default_verify_paths();
  tls->set_verify_mode(ssl::verify_peer);
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  for (const auto& pem : extra_ca_pem) tls->add_certificate_authority(asio::buffer(pem));
  slot = tls;
  return tls;
}

HttpResponse to_response(bhttp::response<bhttp::string_body>&& res) {
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = std::move(res.body());
  return out;
}

}  // namespace

struct HttpClient::Impl {
  HttpClientOptions options;
  BaseUrl base;
  asio::io_context ioc;
  std::shared_ptr<ssl::context> tls;  // an https base only
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::size_t opened = 0;

  explicit Impl(HttpClientOptions opts) : options(std::move(opts)), base(BaseUrl::parse(options.base_url)) {
    if (base.tls()) tls = client_tls_context(options.extra_ca_pem);
  }

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  bool connected() const { return plain || secure; }

  // Beast's timeouts only apply to asynchronous operations: run each one to completion here.
  template <class Start>
  beast::error_code run(Start&& start) {
    beast::error_code result = asio::error::would_block;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  std::string where() const { return base.host + ":" + std::to_string(base.port); }

  [[noreturn]] void fail(Kind kind, bool in_doubt, const std::string& what) {
    disconnect();
    throw TransportError(kind, in_doubt, what + " (" + where() + ")");
  }

  tcp::resolver::results_type resolve() {
    tcp::resolver resolver(ioc);
    std::optional<beast::error_code> done;
    tcp::resolver::results_type results;
    resolver.async_resolve(base.host, std::to_string(base.port),
                           [&](beast::error_code ec, tcp::resolver::results_type r) {
                             done = ec;
                             results = std::move(r);
                           });
    ioc.restart();
    ioc.run_for(options.connect_timeout);
    if (!done) {
      resolver.cancel();
      ioc.restart();
      ioc.run();
      fail(Kind::Timeout, false, "resolving the host timed out");
    }
    if (*done) fail(Kind::Resolve, false, "cannot resolve host: " + done->message());
    return results;
  }

  void connect() {
    auto endpoints = resolve();
    buffer.clear();
    if (base.tls()) {
      secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, *tls);
    } else {
      plain = std::make_unique<beast::tcp_stream>(ioc);
    }
    lowest().expires_after(options.connect_timeout);
    auto ec = run([&](auto handler) { lowest().async_connect(endpoints, std::move(handler)); });
    if (ec) fail(classify(ec, Kind::Connect), false, "cannot connect: " + ec.message());
    if (secure) handshake();
    ++opened;
    spdlog::debug("http: connected to {}://{} (connection {})", base.scheme, where(), opened);
  }

  void handshake() {
    // SNI picks the certificate on shared front ends (api.hubapi.com sits behind a CDN); it is
    // not sent for IP literals (RFC 6066).
    if (!is_ip_literal(base.host) && !SSL_set_tlsext_host_name(secure->native_handle(), base.host.c_str())) {
      fail(Kind::Tls, false, "cannot set TLS server name");
    }
    secure->set_verify_mode(ssl::verify_peer);
    secure->set_verify_callback(ssl::host_name_verification(base.host));
    auto ec = run([&](auto handler) { secure->async_handshake(ssl::stream_base::client, std::move(handler)); });
    if (ec) fail(ec == beast::error::timeout ? Kind::Timeout : Kind::Tls, false, "TLS handshake failed: " + ec.message());
  }

  void disconnect() {
    if (connected()) {
      beast::error_code ignored;
      lowest().socket().close(ignored);
    }
    secure.reset();
    plain.reset();
    buffer.clear();
  }

  // A kept-alive connection the server has since closed shows as readable while idle (EOF or a
  // TLS close_notify): drop it before sending, so that a request is never written into a dead
  // connection and then reported as in doubt.
  bool idle_connection_alive() {
    pollfd pfd{lowest().socket().native_handle(), POLLIN, 0};
    return ::poll(&pfd, 1, 0) == 0 && buffer.size() == 0;
  }

  bhttp::request<bhttp::string_body> build(const HttpRequest& request) const {
    bhttp::request<bhttp::string_body> req;
    auto verb = bhttp::string_to_verb(request.method);
    if (verb == bhttp::verb::unknown) {
      req.method_string(request.method);
    } else {
      req.method(verb);
    }
    req.target(base.prefix + request.target);
    req.version(11);
    req.set(bhttp::field::host, host_header(base));
    req.set(bhttp::field::user_agent, options.user_agent);
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = request.body;
    req.keep_alive(true);
    req.prepare_payload();
    return req;
  }

  template <class Stream>
  HttpResponse exchange(Stream& stream, bhttp::request<bhttp::string_body>& req) {
    lowest().expires_after(options.request_timeout);
    auto ec = run([&](auto handler) { bhttp::async_write(stream, req, std::move(handler)); });
    if (ec) fail(classify(ec, Kind::Send), false, "sending the request failed: " + ec.message());
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.skip(req.method() == bhttp::verb::head);  // a HEAD answer announces a body it never sends
    ec = run([&](auto handler) { bhttp::async_read(stream, buffer, parser, std::move(handler)); });
    if (ec) fail(classify(ec, Kind::Receive), true, "no complete answer after the request was sent: " + ec.message());
    auto res = parser.release();
    bool keep = res.keep_alive();
    auto out = to_response(std::move(res));
    if (!keep) disconnect();
    return out;
  }

  HttpResponse send(const HttpRequest& request) {
    if (connected() && !idle_connection_alive()) disconnect();
    if (!connected()) connect();
    auto req = build(request);
    return secure ? exchange(*secure, req) : exchange(*plain, req);
  }
};

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() = default;

HttpResponse HttpClient::send(const HttpRequest& request) {
  auto started = std::chrono::steady_clock::now();
  auto log_line = [&](const std::string& outcome, std::size_t bytes_in) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    spdlog::debug("http: {} {} -> {} in {} ms, {} bytes out, {} bytes in", request.method, redact(request.target),
                  outcome, ms.count(), request.body.size(), bytes_in);
  };
  try {
    auto response = impl_->send(request);
    log_line(std::to_string(response.status), response.body.size());
    return response;
  } catch (const TransportError& e) {
    log_line(redact(e.what()), 0);
    throw;
  }
}

const BaseUrl& HttpClient::base() const { return impl_->base; }
std::size_t HttpClient::connections_opened() const { return impl_->opened; }
void HttpClient::close() { impl_->disconnect(); }

}  // namespace hubrules::runtime::http

#include "runtime/sandbox/sandbox_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "runtime/http/form_encoding.hpp"
#include "runtime/sandbox/oauth_api.hpp"

namespace hubrules::runtime::sandbox {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// An idle keep-alive connection is closed after this long.
constexpr auto idle_timeout = std::chrono::seconds(60);
// Bodies are at most 100 inputs (or 2,000 associations): a few hundred kilobytes.
constexpr std::uint64_t body_limit = 16 * 1024 * 1024;

std::string text(boost::beast::string_view s) { return std::string(s.data(), s.size()); }

// HubSpot takes a list parameter either way, "properties=a,b" or "properties=a&properties=b"
// (HubSpot's own SDKs send the second); the handlers read the first.
std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  for (auto& [name, value] : runtime::http::parse_form_fields(query)) {
    const auto [it, added] = out.emplace(name, value);
    if (!added) it->second += "," + value;
  }
  return out;
}

ApiRequest to_api(const http::request<http::string_body>& req) {
  ApiRequest r;
  r.method = text(req.method_string());
  const std::string target = text(req.target());
  const std::size_t q = target.find('?');
  // HubSpot's SDKs escape path segments (an email named by idProperty: ann%40example.com).
  r.path = runtime::http::percent_decode(std::string_view(target).substr(0, q));
  if (q != std::string::npos) r.query = parse_query(std::string_view(target).substr(q + 1));
  r.authorization = text(req[http::field::authorization]);
  r.content_type = text(req[http::field::content_type]);
  r.body = req.body();
  return r;
}

// Paths can carry tokens (DELETE /oauth/v1/refresh-tokens/{token}); logs never do.
std::string loggable_path(const std::string& path) {
  for (std::string_view secret : {"/oauth/v1/refresh-tokens/", "/oauth/v1/access-tokens/"})
    if (path.rfind(secret, 0) == 0) return std::string(secret) + "…";
  return path;
}

http::response<http::string_body> to_beast(ApiResponse&& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "hubrules-sandbox");
  if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
  for (auto& [k, v] : r.headers) res.set(k, v);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServer::Handler& handler) : stream_(std::move(socket)), handler_(handler) {}

  void run() { asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); }); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(body_limit);
    stream_.expires_after(idle_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) return close();
    auto req = parser_->release();
    ApiRequest api = to_api(req);
    ApiResponse answer = answer_safely(api);
    spdlog::debug("sandbox: {} {} -> {}{}", api.method, loggable_path(api.path), answer.status,
                  answer.delivery == Delivery::drop ? " (dropped)" : "");
    if (answer.delivery == Delivery::drop) return close();
    response_ = to_beast(std::move(answer), req.version(), req.keep_alive());
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code wec, std::size_t) {
      self->on_write(wec);
    });
  }

  // A failing handler answers 500 instead of ending the io_context thread.
  ApiResponse answer_safely(const ApiRequest& api) {
    try {
      return handler_(api);
    } catch (const std::exception& e) {
      spdlog::error("sandbox: {} {} failed: {}", api.method, loggable_path(api.path), e.what());
      ApiResponse r;
      r.status = 500;
      r.body = R"({"status":"error","message":"internal error","category":"INTERNAL_ERROR"})";
      return r;
    }
  }

  void on_write(beast::error_code ec) {
    if (ec || !response_.keep_alive()) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  const HttpServer::Handler& handler_;
};

}  // namespace

struct HttpServer::Impl {
  Handler handler;
  int threads;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> workers;
  unsigned short port = 0;

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted) spdlog::warn("sandbox: accept failed: {}", ec.message());
        if (!acceptor.is_open()) return;
      } else {
        std::make_shared<Session>(std::move(socket), handler)->run();
      }
      accept();
    });
  }
};

HttpServer::HttpServer(Handler handler, int threads) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->threads = threads < 1 ? 1 : threads;
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start(const std::string& address, unsigned short port) {
  beast::error_code ec;
  const auto addr = asio::ip::make_address(address, ec);
  if (ec) throw std::runtime_error("sandbox: bad listen address " + address);
  const tcp::endpoint endpoint{addr, port};
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("sandbox: cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
  impl_->port = a.local_endpoint().port();
  impl_->accept();
  for (int i = 0; i < impl_->threads; ++i) impl_->workers.emplace_back([this] { impl_->ioc.run(); });
}

void HttpServer::stop() {
  if (impl_->workers.empty()) return;
  asio::post(impl_->ioc, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->workers) t.join();
  impl_->workers.clear();
}

unsigned short HttpServer::port() const { return impl_->port; }

}  // namespace hubrules::runtime::sandbox

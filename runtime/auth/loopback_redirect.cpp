#include "runtime/auth/loopback_redirect.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <map>
#include <optional>
#include <thread>

#include "runtime/http/form_encoding.hpp"
#include "runtime/http/html_escape.hpp"

namespace hubrules::runtime::auth {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// What the browser's redirect told us: a code, or why there is none.
struct Callback {
  std::optional<std::string> code;
  std::string error;
};

using http::html_escape;

std::string page(const std::string& title, const std::string& detail) {
  return "<!doctype html><html><head><meta charset=\"utf-8\"><title>hubrules</title></head><body><h1>" +
         html_escape(title) + "</h1><p>" + html_escape(detail) + "</p></body></html>";
}

std::string value_of(const std::map<std::string, std::string>& query, const char* key) {
  const auto it = query.find(key);
  return it == query.end() ? std::string() : it->second;
}

// The redirect's query, checked. HubSpot sends error=access_denied when the admin declines.
Callback read_callback(std::string_view query_text, const std::string& expected_state) {
  const auto query = http::parse_form(query_text);
  if (const std::string error = value_of(query, "error"); !error.empty()) {
    const std::string description = value_of(query, "error_description");
    const std::string detail = description.empty() ? "" : " (" + description + ")";
    return {std::nullopt, "HubSpot did not authorize the app: " + error + detail};
  }
  if (value_of(query, "state") != expected_state)
    return {std::nullopt, "the redirect's state does not match this connect (a stale tab or a forged request)"};
  const std::string code = value_of(query, "code");
  if (code.empty()) return {std::nullopt, "the redirect carries no authorization code"};
  return {code, ""};
}

}  // namespace

struct LoopbackRedirect::Impl {
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::string expected_state;
  unsigned short port = 0;  // kept: the acceptor closes after the callback
  std::promise<Callback> result;
  bool answered = false;  // only touched on the io thread
  std::thread thread;

  // Browsers open spare connections they may never use: each is served on its own, so an idle
  // one cannot hold up the redirect.
  void accept_next() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed: the callback came, or we are shutting down
      accept_next();
      serve(std::make_shared<beast::tcp_stream>(std::move(socket)));
    });
  }

  void serve(std::shared_ptr<beast::tcp_stream> stream) {
    auto buffer = std::make_shared<beast::flat_buffer>();
    auto request = std::make_shared<bhttp::request<bhttp::string_body>>();
    stream->expires_after(std::chrono::seconds(30));
    bhttp::async_read(*stream, *buffer, *request,
                      [this, stream, buffer, request](beast::error_code ec, std::size_t) {
                        if (!ec) respond(stream, *request);
                      });
  }

  void respond(const std::shared_ptr<beast::tcp_stream>& stream, const bhttp::request<bhttp::string_body>& request) {
    const std::string_view target(request.target().data(), request.target().size());
    const auto question = target.find('?');
    const std::string_view path = target.substr(0, question);
    auto response = std::make_shared<bhttp::response<bhttp::string_body>>();
    response->version(request.version());
    response->set(bhttp::field::content_type, "text/html; charset=utf-8");
    response->set(bhttp::field::cache_control, "no-store");
    response->keep_alive(false);
    std::optional<Callback> callback;
    if (request.method() != bhttp::verb::get || path != "/callback" || answered) {
      // Browsers also ask for /favicon.ico; only the one callback counts.
      response->result(bhttp::status::not_found);
      response->body() = page("Not found", "hubrules is waiting for HubSpot's redirect to /callback.");
    } else {
      callback = read_callback(question == std::string_view::npos ? "" : target.substr(question + 1), expected_state);
      answered = true;
      response->result(callback->code ? bhttp::status::ok : bhttp::status::bad_request);
      response->body() = callback->code
                             ? page("Connected — you can close this tab", "hubrules is now connected to HubSpot.")
                             : page("hubrules could not connect", callback->error);
    }
    response->prepare_payload();
    bhttp::async_write(*stream, *response, [this, stream, response, callback](beast::error_code, std::size_t) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      if (callback) {
        result.set_value(*callback);
        beast::error_code closing;
        acceptor.close(closing);
      }
    });
  }
};

LoopbackRedirect::LoopbackRedirect(std::string expected_state, unsigned short port) : impl_(std::make_unique<Impl>()) {
  impl_->expected_state = std::move(expected_state);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  beast::error_code ec;
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + ec.message());
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept_next();
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

LoopbackRedirect::~LoopbackRedirect() {
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

unsigned short LoopbackRedirect::port() const { return impl_->port; }

std::string LoopbackRedirect::redirect_uri() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/callback";
}

std::string LoopbackRedirect::wait_for_code(std::chrono::milliseconds timeout) {
  auto future = impl_->result.get_future();
  if (future.wait_for(timeout) != std::future_status::ready)
    throw AuthorizationFailed("no redirect from HubSpot within " +
                              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
                              " s: was the authorize page approved?");
  const Callback callback = future.get();
  if (!callback.code) throw AuthorizationFailed(callback.error);
  spdlog::debug("connect: authorization code received on the loopback redirect");
  return *callback.code;
}

}  // namespace hubrules::runtime::auth

#include "runtime/http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <future>
#include <stdexcept>
#include <thread>

#include "runtime/http/server_connection.hpp"
#include "runtime/http/server_state.hpp"
#include "runtime/http/server_tls.hpp"

namespace hubrules::runtime::http {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// A failing accept (out of file descriptors) is retried after a pause instead of at once, which
// would spin.
constexpr Millis kAcceptRetryPause{100};
// stop() gives the io threads this long to finish the closes it posted, then stops them.
constexpr Millis kStopGrace{2'000};

// Set on the io threads: stop() must not wait for them from one of them.
thread_local bool t_on_io_thread = false;

[[noreturn]] void fail(const std::string& why) { throw std::runtime_error("http server: " + why); }

void check_options(const ServerOptions& o) {
  if (o.threads < 1) fail("threads must be at least 1");
  if (o.header_timeout.count() <= 0 || o.body_timeout.count() <= 0 || o.idle_timeout.count() <= 0 ||
      o.write_timeout.count() <= 0) {
    fail("timeouts must be positive");
  }
  if (o.body_limit == 0 || o.header_limit == 0) fail("body_limit and header_limit must be positive");
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    fail("HTTPS needs both a certificate file and a key file");
  }
}

std::string host_for_url(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

struct HttpServer::Impl {
  // Declared before the io_context, so destroyed after it: the io_context's destruction may
  // still destroy connections that point to them.
  std::shared_ptr<ServerState> state;
  std::unique_ptr<asio::ssl::context> tls;
  asio::io_context ioc;
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  asio::steady_timer accept_retry{acceptor.get_executor()};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::vector<std::thread> threads;
  unsigned short port = 0;
  bool started = false;
  bool stopped = false;

  Impl(ServerOptions options, Handler handler) {
    check_options(options);
    if (!options.tls_cert_file.empty()) tls = make_server_tls(options.tls_cert_file, options.tls_key_file);
    state = std::make_shared<ServerState>(std::move(options), std::move(handler));
  }

  const ServerOptions& options() const { return state->options; }

  tcp::endpoint listen_endpoint() {
    error_code ec;
    const auto address = asio::ip::make_address(options().host, ec);
    if (!ec) return {address, options().port};
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(options().host, std::to_string(options().port), ec);
    if (ec || results.empty()) fail("cannot resolve the listen host '" + options().host + "': " + ec.message());
    return results.begin()->endpoint();
  }

  void listen() {
    const tcp::endpoint endpoint = listen_endpoint();
    error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    // A restarted server binds again while the previous one's connections are in TIME_WAIT.
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      fail("cannot listen on " + host_for_url(options().host) + ":" + std::to_string(options().port) + ": " +
           ec.message());
    }
    port = acceptor.local_endpoint().port();
  }

  void accept_next() {
    acceptor.async_accept(asio::make_strand(ioc),
                          [this](error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      spdlog::warn("http server: accepting a connection failed: {}", ec.message());
      accept_retry.expires_after(kAcceptRetryPause);
      accept_retry.async_wait([this](error_code wait_ec) {
        if (!wait_ec && acceptor.is_open()) accept_next();
      });
      return;
    }
    if (state->accepting) open_connection(std::move(socket));
    accept_next();
  }

  void open_connection(tcp::socket socket) {
    try {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);  // answers go out whole; no waiting for ACKs
      auto connection = make_connection(state, std::move(socket), tls.get());
      if (state->add(connection)) connection->start();
    } catch (const std::exception& e) {  // a connection failing to open must not end the accept loop
      spdlog::warn("http server: cannot open a connection: {}", e.what());
    }
  }

  void close_listener() {
    error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
  }

  // Runs close_listener() on the acceptor's strand and, unless called from an io thread (which
  // could be the only one), waits for it.
  void close_listener_on_strand() {
    if (threads.empty()) return close_listener();
    auto closed = std::make_shared<std::promise<void>>();
    auto done = closed->get_future();
    asio::post(acceptor.get_executor(), [this, closed] {
      close_listener();
      closed->set_value();
    });
    if (!t_on_io_thread) done.wait();
  }

  void run_io() {
    t_on_io_thread = true;
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("http server: an io thread caught an exception: {}", e.what());
      }
    }
  }

  // Lets the io threads finish what stop() posted, then stops them if they have not.
  void wait_for_io_threads() {
    const auto give_up_at = std::chrono::steady_clock::now() + kStopGrace;
    while (!ioc.stopped() && std::chrono::steady_clock::now() < give_up_at) {
      std::this_thread::sleep_for(Millis(5));
    }
    ioc.stop();
    for (auto& thread : threads) thread.join();
    threads.clear();
  }
};

HttpServer::HttpServer(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  if (impl_->started) throw std::logic_error("http server: start() called twice");
  impl_->listen();
  impl_->started = true;
  impl_->accept_next();
  impl_->keep_running.emplace(impl_->ioc.get_executor());
  const int count = impl_->options().threads;
  for (int i = 0; i < count; ++i) impl_->threads.emplace_back([impl = impl_.get()] { impl->run_io(); });
  spdlog::debug("http server: listening on {}", url());
}

unsigned short HttpServer::port() const { return impl_->port; }

std::string HttpServer::url() const {
  return std::string(impl_->tls ? "https" : "http") + "://" + host_for_url(impl_->options().host) + ":" +
         std::to_string(impl_->port);
}

void HttpServer::stop_accepting() {
  impl_->state->accepting = false;
  if (!impl_->started || impl_->stopped) return;
  impl_->close_listener_on_strand();
  for (const auto& connection : impl_->state->connections()) connection->post_stop_accepting();
}

bool HttpServer::drain(Millis timeout) { return impl_->state->wait_until_settled(timeout); }

void HttpServer::stop() {
  if (impl_->stopped) return;
  if (t_on_io_thread) throw std::logic_error("http server: stop() called from an io thread (a handler)");
  impl_->stopped = true;
  auto& state = *impl_->state;
  state.close_answers();  // from here a Respond does nothing: the io_context is about to go
  state.accepting = false;
  if (!impl_->started) return;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] { impl->close_listener(); });
  for (const auto& connection : state.close_registry()) connection->post_close();
  impl_->keep_running.reset();
  impl_->wait_for_io_threads();
}

ServerCounts HttpServer::counts() const { return impl_->state->snapshot(); }

}  // namespace hubrules::runtime::http

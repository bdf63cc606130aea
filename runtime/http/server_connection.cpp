#include "runtime/http/server_connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>

#include "engine/text/ascii_case.hpp"
#include "runtime/http/server_messages.hpp"

namespace hubrules::runtime::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// How much an idle connection reads when its next request starts.
constexpr std::size_t kFirstReadSize = 4096;
// After a final answer the server reads and drops what the client still sends, for this long at
// most, before it closes: closing with unread data makes the kernel reset the connection, and the
// client could lose the answer (a 413 while it is still sending the body).
constexpr Millis kLingerTime{2'000};
constexpr std::size_t kLingerBytes = 4u << 20;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

enum class Phase {
  Handshake,  // TLS handshake
  Idle,       // waiting for a request's first byte (a fresh or a kept-alive connection)
  Headers,    // reading a request's headers
  Body,       // reading its body (after a 100 Continue if asked)
  Handling,   // the handler has the request; no read is pending
  Writing,    // writing an answer
  Closing,    // TLS close_notify and lingering after a final answer
  Closed,
};

std::string_view std_view(beast::string_view text) { return {text.data(), text.size()}; }

std::string peer_address(const tcp::socket& socket) {
  beast::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string() : endpoint.address().to_string();
}

template <class Stream>
Stream open_stream(tcp::socket socket, ssl::context* tls) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    return Stream(std::move(socket), *tls);
  } else {
    return Stream(std::move(socket));
  }
}

// Reads are timed by the connection's own deadline, which only cancels the read, so that the
// client can still be told 408. Writes, the TLS handshake and lingering use the stream's expiry,
// which closes the socket: there is nothing left to tell a client that does not read.
template <class Stream>
class Connection final : public ConnectionBase {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Connection(std::shared_ptr<ServerState> state, tcp::socket socket, ssl::context* tls)
      : state_(std::move(state)),
        options_(state_->options),
        remote_(peer_address(socket)),
        stream_(open_stream<Stream>(std::move(socket), tls)),
        deadline_(stream_.get_executor()),
        accepted_at_(SteadyClock::now()) {}

  void start() override {
    asio::dispatch(stream_.get_executor(), [self = self()] { self->begin(); });
  }

  void post_answer(std::uint64_t request_number, ServerResponse response) override {
    asio::post(stream_.get_executor(), [self = self(), request_number, response = std::move(response)]() mutable {
      self->send_answer(request_number, std::move(response));
    });
  }

  void post_stop_accepting() override {
    asio::post(stream_.get_executor(), [self = self()] {
      if (self->phase_ == Phase::Idle) self->close_now();
    });
  }

  void post_close() override {
    asio::post(stream_.get_executor(), [self = self()] { self->close_now(); });
  }

 private:
  std::shared_ptr<Connection> self() { return std::static_pointer_cast<Connection>(shared_from_this()); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void begin() {
    if (closed_) return;
    if constexpr (kTls) {
      handshake();
    } else {
      wait_for_first_request();
    }
  }

  // --- TLS -------------------------------------------------------------------------------------

  void handshake() {
    phase_ = Phase::Handshake;
    lowest().expires_at(accepted_at_ + options_.header_timeout);
    stream_.async_handshake(ssl::stream_base::server, [self = self()](beast::error_code ec) { self->on_handshake(ec); });
  }

  void on_handshake(beast::error_code ec) {
    if (closed_) return;
    if (ec) {
      ++state_->counters.tls_failures;
      spdlog::debug("http server: TLS handshake with {} failed: {}", remote_, ec.message());
      return close_now();
    }
    wait_for_first_request();
  }

  // --- reading a request -----------------------------------------------------------------------

  // The first request's headers must be complete header_timeout after the accept (the TLS
  // handshake's time included).
  void wait_for_first_request() {
    const auto headers_by = accepted_at_ + options_.header_timeout;
    wait_for_request(headers_by, headers_by);
  }

  // A later request may start up to idle_timeout after the last answer; its headers then have
  // header_timeout from its first byte.
  void wait_for_next_request() {
    if (buffer_.size() > 0) return read_headers(SteadyClock::now() + options_.header_timeout);  // pipelined
    wait_for_request(SteadyClock::now() + options_.idle_timeout, std::nullopt);
  }

  // Until a request's first byte the connection is idle: stop_accepting() closes it, and so does
  // its deadline, without an answer (there is no request to answer).
  void wait_for_request(SteadyClock::time_point first_byte_by, std::optional<SteadyClock::time_point> headers_by) {
    if (!state_->accepting) return close_now();
    phase_ = Phase::Idle;
    headers_by_ = headers_by;
    arm_read_deadline(first_byte_by);
    stream_.async_read_some(buffer_.prepare(kFirstReadSize),
                            [self = self()](beast::error_code ec, std::size_t n) { self->on_first_bytes(ec, n); });
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    if (closed_) return;
    disarm_read_deadline();
    if (ec) return close_now();
    buffer_.commit(n);
    read_headers(headers_by_.value_or(SteadyClock::now() + options_.header_timeout));
  }

  void read_headers(SteadyClock::time_point deadline) {
    phase_ = Phase::Headers;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(options_.header_limit, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(options_.body_limit);
    arm_read_deadline(deadline);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = self()](beast::error_code ec, std::size_t) { self->on_headers(ec); });
  }

  void on_headers(beast::error_code ec) {
    if (closed_) return;
    disarm_read_deadline();
    if (ec) return on_read_failed(ec);
    const auto& request = parser_->get();
    // RFC 9112 section 3.2: an HTTP/1.1 request without Host is answered 400.
    if (request.version() >= 11 && request.find(bhttp::field::host) == request.end()) {
      ++state_->counters.bad_requests;
      return answer_and_close(400, "bad request: no Host header");
    }
    if (expects_continue()) return send_continue();
    read_body();
  }

  // Clients such as curl wait for "100 Continue" before sending a larger body.
  bool expects_continue() const {
    return !parser_->is_done() && text::equals_ignore_ascii_case(std_view(parser_->get()[bhttp::field::expect]), "100-continue");
  }

  void send_continue() {
    lowest().expires_after(options_.write_timeout);
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = self()](beast::error_code ec, std::size_t) {
                        if (self->closed_) return;
                        if (ec) return self->close_now();
                        self->read_body();
                      });
  }

  void read_body() {
    phase_ = Phase::Body;
    if (parser_->is_done()) return on_request();
    arm_read_deadline(SteadyClock::now() + options_.body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = self()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (closed_) return;
    disarm_read_deadline();
    if (ec) return on_read_failed(ec);
    on_request();
  }

  void on_read_failed(beast::error_code ec) {
    if (read_timed_out_) return on_read_timeout();
    const auto status = status_for_read_error(ec);
    if (!status) return close_now();  // the client went away mid-request: nobody to answer
    if (*status == 413) {
      ++state_->counters.too_large;
      return answer_and_close(413, "request body too large");
    }
    ++state_->counters.bad_requests;
    answer_and_close(*status, *status == 431 ? "request headers too large" : "bad request");
  }

  void on_read_timeout() {
    ++state_->counters.timeouts;
    answer_and_close(408, "request timeout");
  }

  // --- the read deadline -----------------------------------------------------------------------

  void arm_read_deadline(SteadyClock::time_point at) {
    lowest().expires_never();
    read_timed_out_ = false;
    deadline_.expires_at(at);
    deadline_.async_wait([self = self(), generation = ++deadline_generation_](beast::error_code ec) {
      self->on_deadline(ec, generation);
    });
  }

  void disarm_read_deadline() {
    ++deadline_generation_;
    deadline_.cancel();
  }

  void on_deadline(beast::error_code ec, std::uint64_t generation) {
    if (ec || closed_ || generation != deadline_generation_) return;
    if (phase_ == Phase::Idle) return close_now();  // an idle keep-alive connection just ends
    read_timed_out_ = true;
    beast::error_code ignored;
    lowest().socket().cancel(ignored);  // the read completes with operation_aborted: answer 408
  }

  // --- handing over and answering --------------------------------------------------------------

  void on_request() {
    phase_ = Phase::Handling;
    BeastRequest request = parser_->release();
    framing_ = {request.version(), request.method() == bhttp::verb::head, request.keep_alive()};
    ++request_number_;
    awaiting_answer_ = true;
    state_->request_started();
    ++state_->counters.requests;
    request_read_at_ = SteadyClock::now();
    log_method_ = std::string(request.method_string());
    log_target_ = std::string(request.target());
    call_handler(to_server_request(std::move(request), remote_, kTls),
                 make_respond(state_, weak_from_this(), request_number_));
  }

  void call_handler(ServerRequest&& request, const Respond& respond) {
    try {
      state_->handler(std::move(request), respond);
    } catch (const std::exception& e) {
      handler_failed(e.what(), respond);
    } catch (...) {
      handler_failed("an exception that is not a std::exception", respond);
    }
  }

  void handler_failed(const char* what, const Respond& respond) {
    ++state_->counters.handler_errors;
    spdlog::error("http server: the handler for {} {} failed: {}", log_method_, loggable_path(log_target_), what);
    respond(text_response(500, "internal error"));  // ignored when the handler answered before throwing
  }

  // Runs on the strand. An answer to a request this connection is no longer waiting for (it was
  // closed, or answered already) is dropped.
  void send_answer(std::uint64_t request_number, ServerResponse response) {
    if (closed_ || phase_ != Phase::Handling || request_number != request_number_) return;
    ResponseFraming framing = framing_;
    framing.keep_alive = framing_.keep_alive && state_->accepting;
    write_response(to_beast_response(std::move(response), framing));
  }

  // The server's own answer to a request it could not read whole; the connection then closes.
  void answer_and_close(int status, std::string_view reason) {
    spdlog::debug("http server: {} to {} ({}), closing", status, remote_, reason);
    write_response(to_beast_response(text_response(status, reason), ResponseFraming{}));
  }

  void write_response(BeastResponse response) {
    phase_ = Phase::Writing;
    response_ = std::move(response);
    lowest().expires_after(options_.write_timeout);
    bhttp::async_write(stream_, response_, [self = self()](beast::error_code ec, std::size_t) { self->on_written(ec); });
  }

  void on_written(beast::error_code ec) {
    if (closed_) return;
    if (awaiting_answer_) log_answer();
    settle_request();
    if (ec) return close_now();
    if (response_.keep_alive()) return wait_for_next_request();
    close_gracefully();
  }

  void log_answer() const {
    if (!spdlog::should_log(spdlog::level::debug)) return;  // redacting the path costs a few regexes
    const auto took = std::chrono::duration_cast<Millis>(SteadyClock::now() - request_read_at_);
    spdlog::debug("http server: {} {} -> {} in {} ms", log_method_, loggable_path(log_target_),
                  response_.result_int(), took.count());
  }

  void settle_request() {
    if (!awaiting_answer_) return;
    awaiting_answer_ = false;
    state_->request_settled();
  }

  // --- closing ---------------------------------------------------------------------------------

  void close_gracefully() {
    phase_ = Phase::Closing;
    buffer_.consume(buffer_.size());
    lowest().expires_after(kLingerTime);
    if constexpr (kTls) {
      stream_.async_shutdown([self = self()](beast::error_code) { self->linger(); });
    } else {
      linger();
    }
  }

  // Tells the client we are done (FIN) and drops what it still sends until it closes too.
  void linger() {
    if (closed_) return;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    discard_input();
  }

  void discard_input() {
    lowest().async_read_some(buffer_.prepare(kFirstReadSize), [self = self()](beast::error_code ec, std::size_t n) {
      if (self->closed_) return;
      self->lingered_bytes_ += n;
      if (ec || self->lingered_bytes_ > kLingerBytes) return self->close_now();
      self->discard_input();
    });
  }

  void close_now() {
    if (closed_) return;
    auto keep_alive_until_done = self();  // the registry may hold the last reference
    closed_ = true;
    phase_ = Phase::Closed;
    disarm_read_deadline();
    lowest().close();
    settle_request();
    state_->remove(this);
  }

  std::shared_ptr<ServerState> state_;
  const ServerOptions& options_;
  std::string remote_;
  Stream stream_;
  asio::steady_timer deadline_;
  std::uint64_t deadline_generation_ = 0;
  bool read_timed_out_ = false;
  SteadyClock::time_point accepted_at_;
  Phase phase_ = Phase::Handshake;
  bool closed_ = false;
  std::optional<SteadyClock::time_point> headers_by_;  // set for the first request only

  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  BeastResponse response_;
  std::size_t lingered_bytes_ = 0;

  // The request being handled.
  std::uint64_t request_number_ = 0;
  bool awaiting_answer_ = false;  // counted in the state's in-flight requests
  ResponseFraming framing_;
  SteadyClock::time_point request_read_at_;
  std::string log_method_;  // for log lines only; the target is redacted when logged
  std::string log_target_;
};

}  // namespace

std::shared_ptr<ConnectionBase> make_connection(std::shared_ptr<ServerState> state, tcp::socket socket, ssl::context* tls) {
  if (tls != nullptr) return std::make_shared<Connection<TlsStream>>(std::move(state), std::move(socket), tls);
  return std::make_shared<Connection<PlainStream>>(std::move(state), std::move(socket), nullptr);
}

}  // namespace hubrules::runtime::http

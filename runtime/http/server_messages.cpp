#include "runtime/http/server_messages.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

#include "engine/text/ascii_case.hpp"
#include "runtime/http/redact.hpp"

namespace hubrules::runtime::http {

namespace {

namespace bhttp = boost::beast::http;
using text::equals_ignore_ascii_case;

// The framing is the server's: a handler's Content-Length or Connection could desynchronise a
// kept-alive connection.
constexpr std::array<std::string_view, 6> kServerOwnedHeaders{
    "content-length", "transfer-encoding", "connection", "keep-alive", "server", "upgrade"};

bool is_server_owned(std::string_view name) {
  return std::any_of(kServerOwnedHeaders.begin(), kServerOwnedHeaders.end(),
                     [&](std::string_view owned) { return equals_ignore_ascii_case(name, owned); });
}

// RFC 9110 token characters: a header name with anything else would not parse on the other end.
bool is_token(std::string_view name) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kSymbols.find(c) != std::string_view::npos;
  });
}

// A line break in a value would let it start a header (or a body) of its own.
bool is_safe_value(std::string_view value) { return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos; }

bool is_valid_status(int status) { return status >= 200 && status <= 599; }

// 204 and 304 answers have no body, and RFC 9110 forbids their Content-Length.
bool has_no_body(int status) { return status == 204 || status == 304; }

void add_handler_headers(BeastResponse& res, const ServerResponse& response) {
  if (!response.content_type.empty() && is_safe_value(response.content_type)) {
    res.set(bhttp::field::content_type, response.content_type);
  }
  for (const auto& [name, value] : response.headers) {
    if (is_server_owned(name)) continue;
    if (!is_token(name) || !is_safe_value(value)) {
      spdlog::warn("http server: a response header was dropped: its name or value is not valid HTTP");
      continue;
    }
    if (equals_ignore_ascii_case(name, "content-type")) {
      res.set(name, value);
    } else {
      res.insert(name, value);
    }
  }
}

}  // namespace

std::optional<std::string_view> ServerRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equals_ignore_ascii_case(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

ServerRequest to_server_request(BeastRequest&& request, std::string remote_address, bool tls) {
  ServerRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  const std::size_t question = out.target.find('?');
  out.path = out.target.substr(0, question);
  if (question != std::string::npos) out.query = out.target.substr(question + 1);
  out.headers.reserve(static_cast<std::size_t>(std::distance(request.begin(), request.end())));
  for (const auto& field : request) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = std::move(request.body());
  out.remote_address = std::move(remote_address);
  out.tls = tls;
  return out;
}

BeastResponse to_beast_response(ServerResponse&& response, const ResponseFraming& framing) {
  if (!is_valid_status(response.status)) {
    spdlog::error("http server: a handler answered with status {}; sending 500", response.status);
    response = text_response(500, "internal error");
  }
  BeastResponse res{static_cast<bhttp::status>(response.status), framing.version};
  res.set(bhttp::field::server, "hubrules");
  add_handler_headers(res, response);
  if (has_no_body(response.status)) response.body.clear();
  const std::size_t body_size = response.body.size();
  if (!framing.head) res.body() = std::move(response.body);
  res.keep_alive(framing.keep_alive);
  // Beast leaves "close" implicit for HTTP/1.0; say it always, so every client sees it coming.
  if (!framing.keep_alive) res.set(bhttp::field::connection, "close");
  res.prepare_payload();
  if (framing.head && !has_no_body(response.status)) res.content_length(body_size);
  return res;
}

ServerResponse text_response(int status, std::string_view text) {
  ServerResponse out;
  out.status = status;
  out.body = std::string(text) + "\n";
  return out;
}

std::optional<int> status_for_read_error(const boost::beast::error_code& ec) {
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) return std::nullopt;
  switch (static_cast<bhttp::error>(ec.value())) {
    case bhttp::error::end_of_stream:
    case bhttp::error::partial_message:
    case bhttp::error::short_read:
      return std::nullopt;
    case bhttp::error::body_limit:
      return 413;
    case bhttp::error::header_limit:
    case bhttp::error::buffer_overflow:
      return 431;
    default:
      return 400;
  }
}

std::string loggable_path(std::string_view target) { return redact(target.substr(0, target.find('?'))); }

}  // namespace hubrules::runtime::http

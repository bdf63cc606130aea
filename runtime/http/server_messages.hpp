#pragma once
// Between Beast's messages and the server's own (ServerRequest, ServerResponse): what a handler
// sees of a request, what the server adds to every answer, and which read errors get an answer.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/http/http_server.hpp"

namespace hubrules::runtime::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

ServerRequest to_server_request(BeastRequest&& request, std::string remote_address, bool tls);

// How an answer goes out.
struct ResponseFraming {
  unsigned version = 11;    // the request's HTTP version (1.0 clients need an explicit keep-alive)
  bool head = false;        // a HEAD answer announces the body's length and sends no body
  bool keep_alive = false;  // false: Connection: close
};

// Adds Server, Content-Type, Content-Length and Connection; drops the handler's headers that
// would change the framing or split the header (line breaks). An invalid status becomes 500.
BeastResponse to_beast_response(ServerResponse&& response, const ResponseFraming& framing);

// A short plain-text answer of the server's own (400, 408, 413, 500, …).
ServerResponse text_response(int status, std::string_view text);

// The answer a failed request read deserves: 400 (malformed), 413 (body over the limit), 431
// (headers over the limit); none when the client just went away mid-request.
std::optional<int> status_for_read_error(const boost::beast::error_code& ec);

// The request's path as it may appear in a log line (tokens in paths are redacted).
std::string loggable_path(std::string_view target);

}  // namespace hubrules::runtime::http

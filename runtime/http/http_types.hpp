#pragma once
// The transport's vocabulary: requests, responses, base URLs and transport failures. Kept free of
// Boost so that callers (the pipeline, the token layer) do not pull Beast into every file.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hubrules::runtime::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PATCH, PUT, DELETE
  std::string target;          // path and query, relative to the base URL's path prefix
  Headers headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;

  // Header names are case-insensitive (RFC 9110); the first value when repeated.
  std::optional<std::string> header(std::string_view name) const;
};

// Where requests go: "https://api.hubapi.com" or "http://127.0.0.1:8080/prefix".
struct BaseUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6 literals
  std::uint16_t port = 0;
  std::string prefix;  // "" or "/something", never ending in '/'

  bool tls() const { return scheme == "https"; }
  // Throws std::invalid_argument on anything but scheme://host[:port][/path].
  static BaseUrl parse(std::string_view url);
};

// The request did not get an answer. in_doubt() says whether the server may have acted on it:
// true once the whole request was written (the answer may have been lost after the work was
// done), false when it cannot have been applied (refused, TLS failure, failed while sending).
class TransportError : public std::runtime_error {
 public:
  enum class Kind { Resolve, Connect, Tls, Timeout, Send, Receive, Closed };
  TransportError(Kind kind, bool in_doubt, const std::string& what)
      : std::runtime_error(what), kind_(kind), in_doubt_(in_doubt) {}
  Kind kind() const { return kind_; }
  bool in_doubt() const { return in_doubt_; }

 private:
  Kind kind_;
  bool in_doubt_;
};

}  // namespace hubrules::runtime::http

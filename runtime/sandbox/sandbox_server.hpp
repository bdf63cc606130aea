#pragma once
// The sandbox's HTTP/1.1 plumbing over Boost.Beast: keep-alive sessions on an io_context run by
// background threads; every request goes to one handler function.
#include <functional>
#include <memory>
#include <string>

#include "runtime/sandbox/http_types.hpp"

namespace hubrules::runtime::sandbox {

class HttpServer {
 public:
  using Handler = std::function<ApiResponse(const ApiRequest&)>;

  HttpServer(Handler handler, int threads);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds address:port (port 0 picks a free one); throws std::runtime_error.
  void start(const std::string& address, unsigned short port);
  void stop();
  unsigned short port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hubrules::runtime::sandbox

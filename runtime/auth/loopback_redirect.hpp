#pragma once
// The end of an OAuth authorize round trip on this machine: a one-shot HTTP listener on
// 127.0.0.1 that HubSpot's authorize page redirects the browser to
// (http://127.0.0.1:PORT/callback?code=…&state=…). It checks `state`, so that a page cannot
// slip its own code into our connect (CSRF), answers the browser a small HTML page, and hands
// the code over.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace hubrules::runtime::auth {

// The redirect said no (error=access_denied…), carried a wrong state, or never came.
class AuthorizationFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class LoopbackRedirect {
 public:
  // Listens on 127.0.0.1:port (0: any free port) and serves on a background thread from now
  // on, so the browser (or a test) may arrive before wait_for_code(). Throws
  // std::runtime_error when the port cannot be bound.
  LoopbackRedirect(std::string expected_state, unsigned short port = 0);
  ~LoopbackRedirect();
  LoopbackRedirect(const LoopbackRedirect&) = delete;
  LoopbackRedirect& operator=(const LoopbackRedirect&) = delete;

  unsigned short port() const;
  // http://127.0.0.1:PORT/callback
  std::string redirect_uri() const;

  // The authorization code of the first GET /callback (other paths get a 404 and are ignored).
  // Throws AuthorizationFailed on an error redirect, a wrong state, or after `timeout`.
  std::string wait_for_code(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hubrules::runtime::auth

#pragma once
// Signed-in administrators without a session table: the cookie carries its id and times, signed
// by the SigningKey, so any worker sharing the admin token accepts it. A session ends after
// kIdle without a request or kLifetime in all; signing out ends it on this worker at once
// (other workers: when the cookie's times run out, or when the admin token changes).
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "runtime/admin/signing_key.hpp"
#include "runtime/base/clock.hpp"

namespace hubrules::runtime::admin {

struct Session {
  std::string id;
  std::int64_t issued_s = 0;  // unix seconds
  std::int64_t seen_s = 0;
};

class AdminSessions {
 public:
  static constexpr std::chrono::seconds kIdle{30 * 60};
  static constexpr std::chrono::seconds kLifetime{12 * 60 * 60};

  AdminSessions(const SigningKey& key, Clock& clock) : key_(key), clock_(clock) {}

  Session start();
  // The cookie's session when it is signed, fresh and not signed out.
  std::optional<Session> check(std::string_view cookie_value);
  // The cookie value for `session`, seen now (each request slides the idle time).
  std::string cookie_value(Session session);
  void sign_out(const Session& session);

  // A form's CSRF token is bound to the session (or, before sign-in, to the sign-in cookie).
  std::string csrf_token(std::string_view bound_to) const { return key_.sign("csrf", bound_to); }
  bool csrf_ok(std::string_view bound_to, std::string_view presented) const {
    return !presented.empty() && key_.verify("csrf", bound_to, presented);
  }

 private:
  std::int64_t now_s() const;
  const SigningKey& key_;
  Clock& clock_;
  std::mutex mutex_;
  std::set<std::string> signed_out_;
};

// A few failed sign-ins in a row from one address make the next ones wait, doubling each time
// (1 s after the third, up to kLongest), so a token cannot be guessed by trying; a success clears
// the address. Also a global count, so many addresses together are slowed as well.
class SignInThrottle {
 public:
  static constexpr int kFreeTries = 3;
  static constexpr std::chrono::seconds kLongest{60};

  explicit SignInThrottle(Clock& clock) : clock_(clock) {}
  // How long `address` must wait before its next try; zero: it may try now.
  Millis wait_for(const std::string& address);
  void failed(const std::string& address);
  void succeeded(const std::string& address);

 private:
  struct Tries {
    int failures = 0;
    TimePoint not_before;
  };
  Millis delay_after(int failures) const;
  Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, Tries> by_address_;
  Tries everyone_;
};

}  // namespace hubrules::runtime::admin

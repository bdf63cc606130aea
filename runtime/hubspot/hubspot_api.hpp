#pragma once
// Sending one HubSpot API request properly: authorised, within the rate limits, retried on
// rate limits, server trouble and dropped connections, and given up after a bounded time.
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>

#include "runtime/base/clock.hpp"
#include "runtime/http/http_client.hpp"
#include "runtime/http/rate_limiter.hpp"

namespace hubrules::runtime::hubspot {

struct RetryPolicy {
  Millis max_total{120'000};  // per request, waits included; then DeliveryError
  // Full-jitter exponential backoff for 5xx/477/dropped connections: uniform in
  // [0, min(cap, base * 2^n)]. HubSpot's SDK waits 200 ms × attempt for 5xx.
  Millis backoff_base{200};
  Millis backoff_cap{10'000};
  Millis locked_wait{2'000};  // HUBSPOT-API.md: 423 Locked, "retry after ~2 s"
  Millis search_wait{1'000};  // 429 SECONDLY: the search limit is per second
  // The burst 429 waits for the limiter's burst window (10 s rolling).
  // Writes that may have been applied (answer lost, 500/502/504) are retried only when true;
  // otherwise DeliveryError::in_doubt() hands them to the caller, which must check HubSpot
  // before creating again (search lags behind creates).
  bool retry_in_doubt = false;
  std::uint64_t jitter_seed = 0;  // 0: seeded from std::random_device
};

struct CallOptions {
  http::LimitKind kind = http::LimitKind::Burst;
  bool idempotent = false;  // safe to repeat even if a previous attempt was applied
  // Search for POST …/search, idempotent for GET/HEAD, search and batch read.
  static CallOptions for_request(const http::HttpRequest& request);
};

class DeliveryError : public std::runtime_error {
 public:
  enum class Reason { DailyLimit, GaveUp, InDoubt };
  DeliveryError(Reason reason, const std::string& what, int last_status, bool in_doubt, int attempts)
      : std::runtime_error(what), reason_(reason), last_status_(last_status), in_doubt_(in_doubt), attempts_(attempts) {}
  Reason reason() const { return reason_; }
  int last_status() const { return last_status_; }  // 0 when the last attempt got no answer
  bool in_doubt() const { return in_doubt_; }        // some attempt may have been applied
  int attempts() const { return attempts_; }

 private:
  Reason reason_;
  int last_status_;
  bool in_doubt_;
  int attempts_;
};

struct ApiCounts {
  std::uint64_t calls = 0;         // requests sent (every attempt)
  std::uint64_t rate_limited = 0;  // 429 answers
  std::uint64_t retries = 0;       // attempts after the first
};

class ApiCounters {
 public:
  ApiCounts snapshot() const { return {calls.load(), rate_limited.load(), retries.load()}; }
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> rate_limited{0};
  std::atomic<std::uint64_t> retries{0};
};

// Returns the current access token ("" for calls that need none, e.g. the OAuth token
// endpoint). Called before every attempt, so a refreshing provider can plug in.
using TokenProvider = std::function<std::string()>;

// Thread-safe: callers share the limiter; sends over the one connection are serialised.
class HubSpotApi {
 public:
  HubSpotApi(http::HttpClient& client, http::RateLimiter& limiter, Clock& clock, TokenProvider token, RetryPolicy policy = {});

  // Any final answer is returned, 401 included (the token layer refreshes); throws
  // DeliveryError when retries run out, on the daily limit, or when a write is in doubt.
  http::HttpResponse send(http::HttpRequest request);
  http::HttpResponse send(http::HttpRequest request, CallOptions options);

  const ApiCounters& counters() const { return counters_; }
  // Told of every attempt's outcome (for /metrics): the request's method and path without query
  // or ids ("POST /crm/objects/2026-03/contacts/batch/read"), and the status (0: no answer).
  // Set it before the first call.
  using Observer = std::function<void(const std::string& endpoint, int status)>;
  void observe(Observer observer) { observer_ = std::move(observer); }
  const RetryPolicy& policy() const { return policy_; }

 private:
  struct Attempt;
  http::HttpResponse attempt_once(http::HttpRequest& request, const CallOptions& options);
  Millis jitter(int failures);
  Millis rate_limit_wait(const http::HttpResponse& response, const CallOptions& options, int attempts);
  void wait_or_give_up(Attempt& attempt, Millis wait);

  http::HttpClient& client_;
  http::RateLimiter& limiter_;
  Clock& clock_;
  TokenProvider token_;
  RetryPolicy policy_;
  ApiCounters counters_;
  Observer observer_;
  std::mutex send_mutex_;
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;
};

}  // namespace hubrules::runtime::hubspot

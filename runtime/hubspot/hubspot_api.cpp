#include "runtime/hubspot/hubspot_api.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "engine/text/ascii_case.hpp"
#include "runtime/http/redact.hpp"

namespace hubrules::runtime::hubspot {

namespace {

// A request's method and path, with the query and the segments that are ids (all digits) left
// out, so that /metrics has one series per endpoint, not one per record.
std::string endpoint_of(const http::HttpRequest& request) {
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  std::string endpoint = request.method + " ";
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start + 1);
    if (end == std::string_view::npos) end = path.size();
    const auto segment = path.substr(start, end - start);
    const bool id = segment.size() > 1 && std::all_of(segment.begin() + 1, segment.end(), [](char c) { return c >= '0' && c <= '9'; });
    endpoint += id ? std::string("/{id}") : std::string(segment);
    start = end;
  }
  return endpoint;
}

struct RateLimitBody {
  std::string policy;   // TEN_SECONDLY_ROLLING, SECONDLY, DAILY, or "" when absent
  std::string message;
};

// HUBSPOT-API.md "Rate limits": 429 bodies name policyName TEN_SECONDLY_ROLLING or DAILY; the
// search limit's says "You have reached your secondly limit." Every field is optional.
RateLimitBody parse_rate_limit(const std::string& body) {
  RateLimitBody out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) return out;
  std::string_view text;
  if (!doc["policyName"].get(text)) out.policy = std::string(text);
  if (!doc["message"].get(text)) out.message = std::string(text);
  return out;
}

bool is_secondly(const RateLimitBody& info, http::LimitKind kind) {
  if (info.policy == "SECONDLY") return true;
  if (!info.policy.empty()) return false;
  return info.message.find("secondly") != std::string::npos || kind == http::LimitKind::Search;
}

std::optional<Millis> retry_after(const http::HttpResponse& response) {
  auto text = response.header("Retry-After");
  if (!text) return std::nullopt;
  long seconds = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), seconds);
  if (ec != std::errc{} || end != text->data() + text->size() || seconds < 0) return std::nullopt;
  return Millis{seconds * 1000};
}

// HUBSPOT-API.md "Rate limits": 423 Locked, 502/503/504 and 477 are passing trouble.
bool is_retryable(int status) { return status == 423 || status == 477 || (status >= 500 && status <= 599); }

// A 500, 502 or 504 may come after HubSpot did the work (a gateway lost the answer); 503, 423
// and 477 refuse the request before it is applied.
bool may_have_applied(int status) { return status == 500 || status == 502 || status == 504; }

std::string excerpt(const std::string& body) {
  constexpr std::size_t kMax = 300;
  auto text = http::redact(body);
  return text.size() > kMax ? text.substr(0, kMax) + "…" : text;
}

std::string describe(const http::HttpResponse& response) {
  return "HubSpot answered " + std::to_string(response.status) +
         (response.body.empty() ? "" : ": " + excerpt(response.body));
}

bool is_header(const std::pair<std::string, std::string>& h, std::string_view name) {
  return text::equals_ignore_ascii_case(h.first, name);
}

}  // namespace

struct HubSpotApi::Attempt {
  std::string what;  // "POST /crm/…", redacted
  TimePoint started;
  int attempts = 0;
  int failures = 0;
  int last_status = 0;
  bool in_doubt = false;
  std::string reason;
};

CallOptions CallOptions::for_request(const http::HttpRequest& request) {
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  auto ends_with = [&](std::string_view tail) { return path.size() >= tail.size() && path.substr(path.size() - tail.size()) == tail; };
  CallOptions out;
  if (request.method == "POST" && ends_with("/search")) out.kind = http::LimitKind::Search;
  out.idempotent = request.method == "GET" || request.method == "HEAD" || out.kind == http::LimitKind::Search ||
                   ends_with("/batch/read");
  return out;
}

HubSpotApi::HubSpotApi(http::HttpClient& client, http::RateLimiter& limiter, Clock& clock, TokenProvider token, RetryPolicy policy)
    : client_(client),
      limiter_(limiter),
      clock_(clock),
      token_(std::move(token)),
      policy_(policy),
      rng_(policy.jitter_seed ? policy.jitter_seed : std::random_device{}()) {}

http::HttpResponse HubSpotApi::send(http::HttpRequest request) {
  auto options = CallOptions::for_request(request);
  return send(std::move(request), options);
}

Millis HubSpotApi::jitter(int failures) {
  auto ceiling = policy_.backoff_base.count() << std::min(failures, 20);
  ceiling = std::min<long long>(ceiling, policy_.backoff_cap.count());
  std::lock_guard lock(rng_mutex_);
  return Millis{std::uniform_int_distribution<long long>(0, std::max<long long>(0, ceiling))(rng_)};
}

void HubSpotApi::wait_or_give_up(Attempt& a, Millis wait) {
  auto spent = std::chrono::duration_cast<Millis>(clock_.now() - a.started);
  if (spent + wait > policy_.max_total) {
    throw DeliveryError(DeliveryError::Reason::GaveUp,
                        a.what + ": gave up after " + std::to_string(spent.count()) + " ms and " +
                            std::to_string(a.attempts) + " attempts: " + a.reason,
                        a.last_status, a.in_doubt, a.attempts);
  }
  spdlog::debug("http: {} attempt {} failed ({}); retrying in {} ms", a.what, a.attempts, a.reason, wait.count());
  clock_.sleep_for(wait);
}

http::HttpResponse HubSpotApi::attempt_once(http::HttpRequest& request, const CallOptions& options) {
  limiter_.acquire(options.kind);
  // The provider runs per attempt: a token refreshed during a long backoff is picked up.
  auto token = token_ ? token_() : std::string();
  std::erase_if(request.headers, [](const auto& h) { return is_header(h, "Authorization"); });
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  ++counters_.calls;
  std::lock_guard lock(send_mutex_);
  if (!observer_) return client_.send(request);
  try {
    auto response = client_.send(request);
    observer_(endpoint_of(request), response.status);
    return response;
  } catch (const http::TransportError&) {
    observer_(endpoint_of(request), 0);
    throw;
  }
}

http::HttpResponse HubSpotApi::send(http::HttpRequest request, CallOptions options) {
  if (!request.body.empty() && std::none_of(request.headers.begin(), request.headers.end(),
                                            [](const auto& h) { return is_header(h, "Content-Type"); })) {
    request.headers.emplace_back("Content-Type", "application/json");
  }
  Attempt a{request.method + " " + http::redact(request.target), clock_.now(), 0, 0, 0, false, {}};
  for (;;) {
    if (++a.attempts > 1) ++counters_.retries;
    http::HttpResponse response;
    try {
      response = attempt_once(request, options);
    } catch (const http::TransportError& e) {
      a.last_status = 0;
      a.reason = http::redact(e.what());
      if (e.in_doubt() && !options.idempotent) {
        a.in_doubt = true;
        if (!policy_.retry_in_doubt) {
          throw DeliveryError(DeliveryError::Reason::InDoubt, a.what + ": in doubt, may have been applied: " + a.reason,
                              0, true, a.attempts);
        }
      }
      wait_or_give_up(a, jitter(a.failures++));
      continue;
    }
    a.last_status = response.status;
    if (response.status != 429 && !is_retryable(response.status)) {
      limiter_.observe(response);
      return response;
    }
    a.reason = describe(response);
    if (response.status == 429) {
      ++counters_.rate_limited;
      wait_or_give_up(a, rate_limit_wait(response, options, a.attempts));
      continue;
    }
    if (may_have_applied(response.status) && !options.idempotent) {
      a.in_doubt = true;
      if (!policy_.retry_in_doubt) {
        throw DeliveryError(DeliveryError::Reason::InDoubt, a.what + ": in doubt, may have been applied: " + a.reason,
                            response.status, true, a.attempts);
      }
    }
    auto wait = jitter(a.failures++);
    if (response.status == 423) wait = std::max(wait, policy_.locked_wait);
    wait_or_give_up(a, wait);
  }
}

Millis HubSpotApi::rate_limit_wait(const http::HttpResponse& response, const CallOptions& options, int attempts) {
  auto info = parse_rate_limit(response.body);
  if (info.policy == "DAILY") {
    throw DeliveryError(DeliveryError::Reason::DailyLimit,
                        "HubSpot's daily API limit is reached; try again tomorrow: " + describe(response), 429, false, attempts);
  }
  bool secondly = is_secondly(info, options.kind);
  Millis wait = secondly ? policy_.search_wait : limiter_.burst_window();
  if (auto after = retry_after(response)) wait = std::max(wait, *after);
  // Every caller sharing the portal's limiter holds back, not only this one.
  limiter_.pause(secondly ? http::LimitKind::Search : http::LimitKind::Burst, wait);
  return wait;
}

}  // namespace hubrules::runtime::hubspot

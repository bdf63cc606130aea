#include "runtime/http/rate_limiter.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace hubrules::runtime::http {

namespace {

std::optional<long> header_number(const HttpResponse& response, std::string_view name) {
  auto text = response.header(name);
  if (!text) return std::nullopt;
  long value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size() || value < 0) return std::nullopt;
  return value;
}

Millis until(TimePoint then, TimePoint now) {
  return then > now ? std::chrono::ceil<Millis>(then - now) : Millis{0};
}

}  // namespace

RateLimiter::RateLimiter(Clock& clock, RateLimits limits)
    : clock_(clock),
      limits_(limits),
      burst_{std::max<std::size_t>(1, limits.burst_max), limits.burst_window, {}, {}},
      search_{std::max<std::size_t>(1, limits.search_max), limits.search_window, {}, {}} {}

void RateLimiter::prune(Window& w, TimePoint now) const {
  while (!w.grants.empty() && w.grants.front() + w.length <= now) w.grants.pop_front();
}

Millis RateLimiter::wait_locked(const Window& w, TimePoint now) const {
  Millis wait = until(w.paused_until, now);
  if (w.grants.size() >= w.max) wait = std::max(wait, until(w.grants[w.grants.size() - w.max] + w.length, now));
  return wait;
}

// HubSpot's window rolls as ours does: a grant of ours that HubSpot had counted when it last
// said what was left gives that slot back when it leaves our window.
std::size_t RateLimiter::counted_grants_expired(TimePoint now) const {
  std::size_t n = 0;
  for (const TimePoint g : burst_.grants) {
    if (g > server_seen_at_ || g + burst_.length > now) break;
    ++n;
  }
  return n;
}

void RateLimiter::prune_burst(TimePoint now) {
  const std::size_t freed = counted_grants_expired(now);
  if (server_remaining_ >= 0) server_remaining_ += static_cast<long>(freed);
  prune(burst_, now);
}

Millis RateLimiter::server_wait_locked(TimePoint now) const {
  if (server_remaining_ != 0 || counted_grants_expired(now) > 0) return Millis{0};
  // Nothing left: until our oldest counted grant leaves the window, or at the latest one whole
  // interval after HubSpot said so (other apps may be what spent the budget).
  Millis wait = until(server_reset_, now);
  if (!burst_.grants.empty() && burst_.grants.front() <= server_seen_at_)
    wait = std::min(wait, until(burst_.grants.front() + burst_.length, now));
  return wait;
}

Millis RateLimiter::wait_locked(LimitKind kind, TimePoint now) const {
  if (kind == LimitKind::Search) return wait_locked(search_, now);
  return std::max(wait_locked(burst_, now), server_wait_locked(now));
}

Millis RateLimiter::wait_time(LimitKind kind) const {
  std::lock_guard lock(mutex_);
  return wait_locked(kind, clock_.now());
}

TimePoint RateLimiter::acquire(LimitKind kind) {
  for (;;) {
    Millis wait{0};
    {
      std::lock_guard lock(mutex_);
      auto now = clock_.now();
      prune_burst(now);
      prune(search_, now);
      wait = wait_locked(kind, now);
      if (wait == Millis{0}) {
        window(kind).grants.push_back(now);
        if (kind == LimitKind::Burst && server_remaining_ > 0) --server_remaining_;
        return now;
      }
    }
    clock_.sleep_for(wait);
  }
}

void RateLimiter::observe(const HttpResponse& response) {
  // HUBSPOT-API.md "Rate limits": non-search answers carry X-HubSpot-RateLimit-Remaining and
  // -Interval-Milliseconds; search answers carry none, so their absence changes nothing.
  auto remaining = header_number(response, "X-HubSpot-RateLimit-Remaining");
  if (!remaining) return;
  auto interval = header_number(response, "X-HubSpot-RateLimit-Interval-Milliseconds");
  std::lock_guard lock(mutex_);
  if (const auto max = header_number(response, "X-HubSpot-RateLimit-Max")) adopt_portal_limit(*max, interval);
  auto now = clock_.now();
  server_remaining_ = *remaining;
  server_seen_at_ = now;
  // A rolling window frees its oldest slot within one interval at most: waiting the whole
  // interval when HubSpot says nothing is left is the safe bound.
  server_reset_ = now + (interval ? Millis{*interval} : burst_.length);
}

void RateLimiter::adopt_portal_limit(long max, std::optional<long> interval_ms) {
  if (max <= 0) return;
  const auto portal_max = static_cast<std::size_t>(max);
  if (portal_max < burst_.max || limits_.learn_burst_limit) burst_.max = portal_max;
  // The same margin as the default window (10.1 s for HubSpot's 10 s): HubSpot counts a call
  // a few milliseconds after the grant.
  if (interval_ms && *interval_ms > 0) burst_.length = Millis{*interval_ms + *interval_ms / 100};
}

std::size_t RateLimiter::burst_max() const {
  std::lock_guard lock(mutex_);
  return burst_.max;
}

Millis RateLimiter::burst_window() const {
  std::lock_guard lock(mutex_);
  return burst_.length;
}

void RateLimiter::pause(LimitKind kind, Millis d) {
  std::lock_guard lock(mutex_);
  auto& w = window(kind);
  w.paused_until = std::max(w.paused_until, clock_.now() + d);
}

}  // namespace hubrules::runtime::http

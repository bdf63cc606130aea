#include "runtime/admin/admin_sessions.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "runtime/base/split.hpp"

namespace hubrules::runtime::admin {

namespace {

std::optional<std::int64_t> number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string unsigned_part(const Session& s) {
  return s.id + "." + std::to_string(s.issued_s) + "." + std::to_string(s.seen_s);
}

}  // namespace

std::int64_t AdminSessions::now_s() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
}

Session AdminSessions::start() {
  const auto now = now_s();
  return {random_token(18), now, now};
}

std::string AdminSessions::cookie_value(Session session) {
  session.seen_s = now_s();
  const std::string text = unsigned_part(session);
  return text + "." + key_.sign("session", text);
}

std::optional<Session> AdminSessions::check(std::string_view cookie_value) {
  const auto last_dot = cookie_value.rfind('.');
  if (last_dot == std::string_view::npos) return std::nullopt;
  const auto text = cookie_value.substr(0, last_dot);
  if (!key_.verify("session", text, cookie_value.substr(last_dot + 1))) return std::nullopt;
  const auto parts = split_nonempty(text, '.');
  if (parts.size() != 3) return std::nullopt;
  const auto issued = number(parts[1]), seen = number(parts[2]);
  if (!issued || !seen) return std::nullopt;
  const auto now = now_s();
  if (now - *seen > kIdle.count() || now - *issued > kLifetime.count() || *seen > now + 60) return std::nullopt;
  Session s{std::string(parts[0]), *issued, *seen};
  std::lock_guard lock(mutex_);
  if (signed_out_.contains(s.id)) return std::nullopt;
  return s;
}

void AdminSessions::sign_out(const Session& session) {
  std::lock_guard lock(mutex_);
  signed_out_.insert(session.id);
}

Millis SignInThrottle::delay_after(int failures) const {
  if (failures < kFreeTries) return Millis{0};
  const int doublings = std::min(failures - kFreeTries, 6);
  return std::min<Millis>(Millis{1000} * (1 << doublings), kLongest);
}

Millis SignInThrottle::wait_for(const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  TimePoint until = everyone_.not_before;
  if (const auto it = by_address_.find(address); it != by_address_.end()) until = std::max(until, it->second.not_before);
  return until > now ? std::chrono::duration_cast<Millis>(until - now) : Millis{0};
}

void SignInThrottle::failed(const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  if (by_address_.size() > 10'000) by_address_.clear();  // bounded memory under a spray of addresses
  Tries& tries = by_address_[address];
  tries.not_before = now + delay_after(++tries.failures);
  // Many addresses failing together: everyone waits a little (ten times the free tries).
  everyone_.not_before = now + delay_after(++everyone_.failures / 10);
}

void SignInThrottle::succeeded(const std::string& address) {
  std::lock_guard lock(mutex_);
  by_address_.erase(address);
  everyone_ = {};
}

}  // namespace hubrules::runtime::admin

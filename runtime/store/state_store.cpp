#include "runtime/store/state_store.hpp"

#include <array>
#include <utility>

namespace hubrules::runtime {
namespace {

constexpr std::array<std::pair<BookingState, std::string_view>, 6> booking_state_names{{
    {BookingState::pending, "pending"},
    {BookingState::delivered, "delivered"},
    {BookingState::skipped, "skipped"},
    {BookingState::invalid, "invalid"},
    {BookingState::failed, "failed"},
    {BookingState::parked, "parked"},
}};

}  // namespace

std::string_view to_string(BookingState state) {
  for (const auto& [value, name] : booking_state_names) {
    if (value == state) return name;
  }
  return "unknown";
}

std::optional<BookingState> booking_state_from_string(std::string_view text) {
  for (const auto& [value, name] : booking_state_names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

bool is_final(BookingState state) {
  return state == BookingState::delivered || state == BookingState::skipped || state == BookingState::invalid;
}

std::string_view to_string(Disposition disposition) {
  switch (disposition) {
    case Disposition::none: return "none";
    case Disposition::created: return "created";
    case Disposition::duplicate: return "duplicate";
  }
  return "unknown";
}

std::string_view to_string(AuthKind kind) { return kind == AuthKind::private_app ? "private_app" : "oauth"; }

std::string_view to_string(ConnectionStatus status) { return status == ConnectionStatus::ok ? "ok" : "broken"; }

}  // namespace hubrules::runtime

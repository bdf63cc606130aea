#pragma once
// The pages of /admin, one render function each (pages_*.cpp), over what a request brings.
// Internal to runtime/admin: AdminSite routes to them after sign-in and CSRF checks.
#include <map>
#include <optional>
#include <string>

#include "runtime/admin/admin_settings.hpp"
#include "runtime/admin/admin_text.hpp"
#include "runtime/admin/service_view.hpp"
#include "runtime/base/clock.hpp"
#include "runtime/store/state_store.hpp"

namespace hubrules::runtime::admin {

struct PageContext {
  Lang lang = Lang::en;
  std::string csrf;
  StateStore& store;
  ServiceView& service;
  Clock& clock;
  const AdminSettings& settings;
  const std::map<std::string, std::string>& query;
  std::string notice;  // in the page's language
  bool notice_is_error = false;
  std::string base_url;  // where browsers reach the service
};

std::string render_connections(const PageContext& c);
std::string render_disconnect_confirmation(const PageContext& c, const std::string& connection_id);
std::string render_integrations(const PageContext& c);
std::string render_bookings(const PageContext& c);
std::optional<std::string> render_booking(const PageContext& c, const std::string& event_id);
std::string render_dead_letter(const PageContext& c, std::int64_t id);
std::string render_sign_in(Lang lang, const std::string& csrf, const std::string& notice, bool is_error);
std::string render_message(Lang lang, const std::string& title, const std::string& text, const std::string& csrf,
                           const std::string& continue_to = "");

// "2026-12-03 09:12 UTC"; "—" for none.
std::string format_time(std::optional<TimePoint> t);
// What HubSpot's refusal of a connection means and what to do, for a person (an English key of
// tr()); the stored reason is for engineers and is shown beside it.
std::string_view connection_problem_in_words(std::string_view reason);
// HubSpot's record page of a contact or company in `portal`, for a link ("" when unknown).
std::string record_page_url(const std::string& api_base_url, std::optional<std::int64_t> portal, ObjectType type,
                            const std::string& id);

}  // namespace hubrules::runtime::admin

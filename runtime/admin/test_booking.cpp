#include "runtime/admin/test_booking.hpp"

#include <ctime>

#include "runtime/base/json_out.hpp"

namespace hubrules::runtime::admin {

namespace {

std::string iso_utc(TimePoint t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  return out;
}

void answer(JsonOut& j, const char* type, const char* label, const std::string& value) {
  j.begin_object().field("field_type", type).field("required", false).field("label", label).field("value", value).end_object();
}

}  // namespace

// The guest's address is on example.com (RFC 2606): no mail goes anywhere, and HubSpot shows a
// company for it, so the test shows a contact, a company and their association.
std::string sample_webhook(const IntegrationView& integration, const std::string& event_id, TimePoint now) {
  const std::string team = integration.team_url_path.empty() ? "hubrules_test" : integration.team_url_path;
  const std::string calendar = integration.calendar_url_path.empty() ? "test" : integration.calendar_url_path;
  const std::string start = iso_utc(now + std::chrono::hours(24)), end = iso_utc(now + std::chrono::hours(25));
  JsonOut j;
  j.begin_object().field("webhook_type", "event_confirmed").field("calendar_url_path", calendar);
  j.field("team_url_path", team).field("calendar_url", "https://timerex.net/s/" + team + "/" + calendar);
  j.field("calendar_name", "hubrules test booking").key("event").begin_object();
  j.field("id", event_id).field("status", 1).field("duration", 60).field("start_datetime", start);
  j.field("end_datetime", end).field("calendar_timezone", "Asia/Tokyo").field("guest_locale", "ja");
  j.field("created_at", iso_utc(now)).key("form").begin_array();
  answer(j, "company_name", "会社名", "hubrules test company");
  answer(j, "guest_name", "名前", "Test Guest");
  answer(j, "guest_email", "メールアドレス", "guest." + event_id.substr(event_id.size() - 8) + "@example.com");
  j.end_array().end_object().end_object();
  return j.take();
}

}  // namespace hubrules::runtime::admin

// The pages every visitor can meet: sign-in and messages; and what the other pages share.
#include <ctime>

#include "runtime/admin/admin_pages.hpp"
#include "runtime/admin/html.hpp"

namespace hubrules::runtime::admin {

std::string format_time(std::optional<TimePoint> t) {
  if (!t) return "—";
  const std::time_t s = std::chrono::system_clock::to_time_t(*t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%d %H:%M UTC", &tm);
  return out;
}

// HubSpot's own record pages (app.hubspot.com, or app-eu1 for an EU portal's API host). A
// loopback API is the sandbox, which serves record pages at the same paths itself.
std::string_view connection_problem_in_words(std::string_view reason) {
  const auto has = [&](std::string_view word) { return reason.find(word) != std::string_view::npos; };
  if (has("invalid_grant") || has("revoked") || has("BAD_REFRESH_TOKEN"))
    return "HubSpot no longer accepts this app's access: it was uninstalled or its access was revoked. Connect again.";
  if (has("180")) return "Nothing was posted for 180 days, so HubSpot ended the access. Connect again.";
  if (has("scope") || has("SCOPE")) return "The app lacks a permission it needs. Connect again and allow every permission asked.";
  if (has("forgot") || has("disconnect")) return "Disconnected. Connect to deliver again.";
  return "HubSpot refused the token. Connect again; if it keeps failing, check the app's settings in HubSpot.";
}

std::string record_page_url(const std::string& api_base_url, std::optional<std::int64_t> portal, ObjectType type,
                            const std::string& id) {
  if (id.empty()) return "";
  const bool loopback =
      api_base_url.find("://127.0.0.1") != std::string::npos || api_base_url.find("://localhost") != std::string::npos;
  if (!portal && !loopback) return "";
  std::string app = api_base_url.find("api-eu1.") != std::string::npos ? "https://app-eu1.hubspot.com" : "https://app.hubspot.com";
  if (loopback) app = api_base_url;
  return app + "/contacts/" + std::to_string(portal.value_or(0)) + "/record/" +
         (type == ObjectType::contact ? "0-1/" : "0-2/") + url_encode(id);
}

std::string render_sign_in(Lang lang, const std::string& csrf, const std::string& notice, bool is_error) {
  Frame f{lang, std::string(tr(lang, "Sign in")), "", "", notice, is_error};
  std::string body = "<form class=\"card\" method=\"post\" action=\"/admin/login\">" + csrf_field(csrf);
  body += "<label for=\"token\">" + escape(tr(lang, "Admin token")) + "</label>";
  body += "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required size=\"40\">";
  body += "<p><button type=\"submit\" id=\"sign-in\">" + escape(tr(lang, "Sign in")) + "</button></p>";
  body += "<p>" + escape(tr(lang, "The token is the one hubrules serve was started with (HUBRULES_ADMIN_TOKEN or "
                                  "--admin-token-file).")) + "</p></form>";
  return page(f, body);
}

std::string render_message(Lang lang, const std::string& title, const std::string& text, const std::string& csrf,
                           const std::string& continue_to) {
  Frame f{lang, title, "", csrf, "", false};
  std::string body = "<div class=\"card\"><p id=\"message\">" + escape(text) + "</p>";
  const std::string next = continue_to.empty() ? "/admin/connections" : continue_to;
  body += "<p><a class=\"button\" id=\"continue\" href=\"" + escape(next) + "\">" + escape(tr(lang, "Continue")) + "</a></p></div>";
  return page(f, body);
}

}  // namespace hubrules::runtime::admin

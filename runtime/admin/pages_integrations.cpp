// Integrations: each calendar's rules, whether they check clean, its webhook URL and a test.
#include "runtime/admin/admin_pages.hpp"
#include "runtime/admin/html.hpp"
#include "runtime/mapping/rules_loader.hpp"

namespace hubrules::runtime::admin {

namespace {

// The file as it is now, checked as `hubrules check` does: an edit shows here before a reload
// (SIGHUP) would refuse it.
std::string file_on_disk(const PageContext& c, const IntegrationView& i) {
  std::string rendered;
  bool clean = false;
  try {
    const auto loaded = load_rules(i.rules_file, engine::HubSpotSchema::bundled());
    clean = loaded.compilation.plan != nullptr && loaded.rendered.empty();
    rendered = loaded.rendered;
  } catch (const std::exception& e) {
    rendered = e.what();
  }
  if (clean) return "<p id=\"file-" + escape(i.name) + "\" class=\"ok\">" + escape(tr(c.lang, "The file on disk checks clean.")) + "</p>";
  return "<p id=\"file-" + escape(i.name) + "\" class=\"warn\">" + escape(tr(c.lang, "The file on disk now, as hubrules check prints it:")) +
         "</p><pre class=\"diagnostics\">" + escape(rendered) + "</pre>";
}

std::string integration_card(const PageContext& c, const IntegrationView& i) {
  std::string out = "<section class=\"card\" id=\"integration-" + escape(i.name) + "\"><h2>" + escape(i.name) + "</h2><dl>";
  out += "<dt>" + escape(tr(c.lang, "Rule file")) + "</dt><dd><code>" + escape(i.rules_file) + "</code></dd>";
  out += "<dt>" + escape(tr(c.lang, "Rules")) + "</dt><dd>";
  if (i.plan && i.rules_diagnostics.empty())
    out += "<span class=\"ok\" id=\"rules-" + escape(i.name) + "\">" + escape(tr(c.lang, "check clean")) + "</span>";
  else if (i.plan)
    out += "<span class=\"warn\" id=\"rules-" + escape(i.name) + "\">" + escape(tr(c.lang, "check with warnings")) + "</span>";
  else
    out += "<span class=\"broken\" id=\"rules-" + escape(i.name) + "\">" + escape(tr(c.lang, "do not check")) + "</span>";
  out += "</dd>";
  out += "<dt>" + escape(tr(c.lang, "Webhook URL for TimeRex")) + "</dt><dd><code id=\"webhook-" + escape(i.name) + "\">" +
         escape(c.base_url + i.webhook_path) + "</code></dd>";
  out += "<dt>" + escape(tr(c.lang, "Connection")) + "</dt><dd>" +
         escape(i.private_app ? std::string(tr(c.lang, "a private app's token")) : i.connection_id) + "</dd>";
  if (!i.team_url_path.empty() || !i.calendar_url_path.empty())
    out += "<dt>" + escape(tr(c.lang, "Only the calendar")) + "</dt><dd>" + escape(i.team_url_path + "/" + i.calendar_url_path) + "</dd>";
  out += "</dl>";
  if (!i.rules_diagnostics.empty())
    out += "<pre class=\"diagnostics\" id=\"diagnostics-" + escape(i.name) + "\">" + escape(i.rules_diagnostics) + "</pre>";
  out += file_on_disk(c, i);
  out += "<p>" + button_form("/admin/test-booking", c.csrf, tr(c.lang, "Send a test booking"), "test-booking-" + i.name,
                             {{"integration", i.name}}, "secondary");
  out += " <a href=\"/admin/bookings?integration=" + url_encode(i.name) + "\">" + escape(tr(c.lang, "Its bookings")) + "</a></p>";
  return out + "</section>";
}

}  // namespace

std::string render_integrations(const PageContext& c) {
  Frame f{c.lang, std::string(tr(c.lang, "Integrations")), "integrations", c.csrf, c.notice, c.notice_is_error};
  std::string body = "<p>" + escape(tr(c.lang, "Paste the webhook URL into TimeRex (calendar settings → Webhook), with "
                                               "the integration's secret as the authorization token.")) + "</p>";
  for (const auto& i : c.service.integrations()) body += integration_card(c, i);
  return page(f, body);
}

}  // namespace hubrules::runtime::admin

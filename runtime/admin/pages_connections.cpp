// Connections: one card per HubSpot connection the integrations use or the store holds.
#include <set>

#include "runtime/admin/admin_pages.hpp"
#include "runtime/admin/html.hpp"

namespace hubrules::runtime::admin {

namespace {

constexpr int kExpiryDays = 180;  // HubSpot uninstalls an app that has not posted for 180 days
constexpr int kWarnDays = 30;

struct Card {
  std::string id;
  std::optional<Connection> stored;
  std::vector<std::string> integrations;
};

std::vector<Card> cards(const PageContext& c) {
  std::map<std::string, Card> by_id;
  for (const auto& i : c.service.integrations()) {
    if (i.private_app) continue;
    Card& card = by_id[i.connection_id];
    card.id = i.connection_id;
    card.integrations.push_back(i.name);
  }
  for (auto& stored : c.store.connections()) {
    Card& card = by_id[stored.id];
    card.id = stored.id;
    card.stored = std::move(stored);
  }
  std::vector<Card> out;
  for (auto& [id, card] : by_id) out.push_back(std::move(card));
  return out;
}

std::string days_left(const PageContext& c, const Connection& s) {
  if (!s.last_successful_post_at) return "—";
  const auto days = std::chrono::duration_cast<std::chrono::hours>(c.clock.now() - *s.last_successful_post_at).count() / 24;
  const auto left = kExpiryDays - days;
  const std::string text = trf(c.lang, "{} days", left);
  if (left > kWarnDays) return escape(text);
  return "<strong class=\"warn\">" + escape(text) + " — " +
         escape(tr(c.lang, "post a booking or connect again before then, or HubSpot ends the access")) + "</strong>";
}

enum class Status { ok, broken, not_connected };

Status status_of(const Card& card) {
  if (!card.stored || (card.stored->auth == AuthKind::oauth && card.stored->refresh_token.empty()))
    return Status::not_connected;
  return card.stored->status == ConnectionStatus::ok ? Status::ok : Status::broken;
}

std::string status_line(const PageContext& c, const Card& card, Status status) {
  if (status == Status::not_connected)
    return "<span class=\"broken\" id=\"status-" + escape(card.id) + "\">" + escape(tr(c.lang, "Not connected")) + "</span>";
  if (status == Status::ok)
    return "<span class=\"ok\" id=\"status-" + escape(card.id) + "\">" + escape(tr(c.lang, "OK")) + "</span>";
  return "<span class=\"broken\" id=\"status-" + escape(card.id) + "\">" + escape(tr(c.lang, "Broken")) + "</span> — " +
         "<span class=\"reason\">" + escape(tr(c.lang, connection_problem_in_words(card.stored->broken_reason))) + "</span>";
}

std::string details(const PageContext& c, const Card& card) {
  const Connection& s = *card.stored;
  std::string out = "<dt>" + escape(tr(c.lang, "HubSpot portal (hub id)")) + "</dt><dd>" +
                    (s.portal_id ? std::to_string(*s.portal_id) : "—") + "</dd>";
  out += "<dt>" + escape(tr(c.lang, "Access")) + "</dt><dd>" +
         escape(tr(c.lang, s.auth == AuthKind::oauth ? "OAuth app" : "Private app token")) + "</dd>";
  out += "<dt>" + escape(tr(c.lang, "Scopes")) + "</dt><dd>" + (s.scopes.empty() ? "—" : escape(s.scopes)) + "</dd>";
  out += "<dt>" + escape(tr(c.lang, "Connected since")) + "</dt><dd>" + format_time(s.connected_at) + "</dd>";
  out += "<dt>" + escape(tr(c.lang, "Last post")) + "</dt><dd>" + format_time(s.last_successful_post_at) + "</dd>";
  out += "<dt>" + escape(tr(c.lang, "Days left of the 180-day rule")) + "</dt><dd>" + days_left(c, s) + "</dd>";
  const auto mail = c.store.last_notification(s.id);
  out += "<dt>" + escape(tr(c.lang, "Last error email")) + "</dt><dd>" +
         (mail ? format_time(mail->sent_at) + " — " + escape(mail->subject) : escape(tr(c.lang, "none"))) + "</dd>";
  if (!s.broken_reason.empty() && s.status == ConnectionStatus::broken)
    out += "<dt>" + escape(tr(c.lang, "HubSpot said")) + "</dt><dd><code>" + escape(s.broken_reason) + "</code></dd>";
  return out;
}

std::string card_html(const PageContext& c, const Card& card) {
  const Status status = status_of(card);
  std::string out = "<section class=\"card\" id=\"connection-" + escape(card.id) + "\" data-status=\"" +
                    (status == Status::ok ? "ok" : status == Status::broken ? "broken" : "not-connected") + "\">";
  out += "<h2>" + escape(card.id) + "</h2><p>" + escape(tr(c.lang, "Status")) + ": " + status_line(c, card, status) + "</p><dl>";
  if (card.stored) out += details(c, card);
  std::string used;
  for (const auto& name : card.integrations) used += (used.empty() ? "" : ", ") + name;
  out += "<dt>" + escape(tr(c.lang, "Used by")) + "</dt><dd>" + (used.empty() ? "—" : escape(used)) + "</dd></dl><p>";
  const bool oauth = !card.stored || card.stored->auth == AuthKind::oauth;
  if (oauth)
    out += button_form("/admin/connect", c.csrf, tr(c.lang, status == Status::ok ? "Connect again" : "Connect"),
                       "connect-" + card.id, {{"connection", card.id}}) + " ";
  if (oauth && status != Status::not_connected)
    out += "<a class=\"button danger\" id=\"disconnect-" + escape(card.id) +
           "\" href=\"/admin/disconnect?connection=" + url_encode(card.id) + "\">" + escape(tr(c.lang, "Disconnect")) + "</a>";
  return out + "</p></section>";
}

}  // namespace

std::string render_connections(const PageContext& c) {
  Frame f{c.lang, std::string(tr(c.lang, "Connections")), "connections", c.csrf, c.notice, c.notice_is_error};
  std::string body;
  const auto all = cards(c);
  if (all.empty()) body += "<p>" + escape(tr(c.lang, "No connection yet.")) + "</p>";
  for (const auto& card : all) body += card_html(c, card);
  if (c.settings.oauth_client_id.empty())
    body += "<p class=\"warn\">" + escape(tr(c.lang, "Connect needs the HubSpot app's client id and secret in the "
                                                     "config ([oauth] client_id and client_secret_file).")) + "</p>";
  return page(f, body);
}

std::string render_disconnect_confirmation(const PageContext& c, const std::string& connection_id) {
  Frame f{c.lang, std::string(tr(c.lang, "Disconnect")), "connections", c.csrf, "", false};
  std::string body = "<div class=\"card\"><p>" +
                     escape(trf(c.lang, "Disconnect {}? The token is revoked at HubSpot and forgotten here; bookings "
                                        "wait (parked) until someone connects again.", connection_id)) + "</p><p>";
  body += button_form("/admin/disconnect", c.csrf, tr(c.lang, "Yes, disconnect"), "confirm-disconnect",
                      {{"connection", connection_id}}, "danger");
  body += " <a href=\"/admin/connections\" id=\"cancel\">" + escape(tr(c.lang, "Cancel")) + "</a></p></div>";
  return page(f, body);
}

}  // namespace hubrules::runtime::admin

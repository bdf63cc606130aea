// Bookings: counts by state, a filtered and paged list, and one booking's whole story.
#include <simdjson.h>

#include <ctime>

#include "engine/evaluator.hpp"
#include "runtime/admin/admin_pages.hpp"
#include "runtime/admin/html.hpp"

namespace hubrules::runtime::admin {

namespace {

constexpr std::size_t kPageSize = 50;
constexpr const char* kDeadLetters = "dead-letter";

std::string query_value(const PageContext& c, const std::string& name) {
  const auto it = c.query.find(name);
  return it == c.query.end() ? std::string() : it->second;
}

// "YYYY-MM-DD" (an <input type=date>) as the start of that day, UTC.
std::optional<TimePoint> day_start(const std::string& text) {
  std::tm tm{};
  if (text.size() != 10 || !strptime(text.c_str(), "%Y-%m-%d", &tm)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string state_label(Lang lang, std::string_view state) {
  static const std::map<std::string_view, std::string_view> labels = {
      {"pending", "pending"}, {"delivered", "delivered"}, {"skipped", "skipped"}, {"invalid", "invalid"},
      {"failed", "failed"},   {"parked", "parked"},       {"dead-letter", "dead letters"}};
  const auto it = labels.find(state);
  return std::string(it == labels.end() ? state : tr(lang, it->second));
}

// Of the integration the list is filtered by, if any, so that the counts (and their links) match the list.
std::string counts(const PageContext& c) {
  const std::string integration = query_value(c, "integration");
  const auto by_state = integration.empty() ? c.store.count_by_state() : c.store.count_by_state_of(integration);
  const std::string href =
      "/admin/bookings?" + (integration.empty() ? std::string() : "integration=" + url_encode(integration) + "&") + "state=";
  std::string out = "<ul class=\"counts\" aria-label=\"" + escape(tr(c.lang, "Bookings by state")) + "\">";
  for (const auto& [state, count] : by_state) {
    const std::string name(to_string(state));
    out += "<li><a href=\"" + escape(href + name) + "\">" + escape(state_label(c.lang, name)) + "</a>: <span id=\"count-" +
           name + "\">" + std::to_string(count) + "</span></li>";
  }
  return out + "</ul>";
}

std::string option(const std::string& value, std::string_view label, const std::string& chosen) {
  return "<option value=\"" + escape(value) + "\"" + (value == chosen ? " selected" : "") + ">" + escape(label) + "</option>";
}

std::string filters(const PageContext& c) {
  const std::string integration = query_value(c, "integration"), state = query_value(c, "state");
  std::string out = "<form class=\"filters card\" method=\"get\" action=\"/admin/bookings\">";
  out += "<div><label for=\"integration\">" + escape(tr(c.lang, "Integration")) + "</label><select id=\"integration\" name=\"integration\">" +
         option("", tr(c.lang, "all"), integration);
  for (const auto& i : c.service.integrations()) out += option(i.name, i.name, integration);
  out += "</select></div><div><label for=\"state\">" + escape(tr(c.lang, "State")) + "</label><select id=\"state\" name=\"state\">" +
         option("", tr(c.lang, "all"), state);
  for (const char* s : {"pending", "delivered", "skipped", "invalid", "failed", "parked", kDeadLetters})
    out += option(s, state_label(c.lang, s), state);
  out += "</select></div>";
  for (const auto& [name, label] : {std::pair{"from", "Received from"}, std::pair{"to", "Received until"}})
    out += "<div><label for=\"" + std::string(name) + "\">" + escape(tr(c.lang, label)) + "</label><input type=\"date\" id=\"" +
           name + "\" name=\"" + name + "\" value=\"" + escape(query_value(c, name)) + "\"></div>";
  return out + "<div><button type=\"submit\" id=\"filter\">" + escape(tr(c.lang, "Show")) + "</button></div></form>";
}

std::string retry_button(const PageContext& c, const JournaledBooking& b) {
  if (b.state != BookingState::failed && b.state != BookingState::parked) return "";
  return button_form("/admin/retry", c.csrf, tr(c.lang, "Retry"), "retry-" + b.event_id, {{"event_id", b.event_id}}, "secondary");
}

std::string booking_link(const std::string& event_id) {
  return "<a href=\"/admin/bookings/" + url_encode(event_id) + "\">" + escape(event_id) + "</a>";
}

// The same filters, one page further.
std::string older_link(const PageContext& c, const std::string& before) {
  std::string href = "/admin/bookings?";
  for (const char* name : {"integration", "state", "from", "to"})
    if (const auto v = query_value(c, name); !v.empty()) href += std::string(name) + "=" + url_encode(v) + "&";
  return "<p><a id=\"older\" href=\"" + escape(href + "before=" + before) + "\">" + escape(tr(c.lang, "Older →")) + "</a></p>";
}

std::string booking_rows(const PageContext& c) {
  BookingQuery q;
  if (auto v = query_value(c, "integration"); !v.empty()) q.integration = v;
  if (auto v = booking_state_from_string(query_value(c, "state"))) q.state = v;
  q.received_from = day_start(query_value(c, "from"));
  if (auto to = day_start(query_value(c, "to"))) q.received_before = *to + std::chrono::hours(24);
  if (auto v = query_value(c, "before"); !v.empty()) q.before_sequence = std::atoll(v.c_str());
  q.limit = kPageSize;
  const BookingPage page = c.store.bookings_page(q);
  if (page.rows.empty()) return "<p id=\"no-bookings\">" + escape(tr(c.lang, "No booking matches.")) + "</p>";
  std::string out = "<table id=\"bookings\"><thead><tr><th>" + escape(tr(c.lang, "Received")) + "</th><th>" +
                    escape(tr(c.lang, "Booking")) + "</th><th class=\"optional\">" + escape(tr(c.lang, "Integration")) +
                    "</th><th>" + escape(tr(c.lang, "State")) + "</th><th>" + escape(tr(c.lang, "Reason")) + "</th><th></th></tr></thead><tbody>";
  for (const auto& b : page.rows) {
    const std::string state(to_string(b.state));
    out += "<tr id=\"booking-" + escape(b.event_id) + "\" data-state=\"" + state + "\"><td>" + format_time(b.received_at) +
           "</td><td>" + booking_link(b.event_id) + "</td><td class=\"optional\">" + escape(b.integration) + "</td><td>" +
           escape(state_label(c.lang, state)) + "</td><td>" + escape(b.reason) + "</td><td>" + retry_button(c, b) + "</td></tr>";
  }
  out += "</tbody></table>";
  if (page.next_before) out += older_link(c, std::to_string(*page.next_before));
  return out;
}

std::string dead_letter_rows(const PageContext& c) {
  std::optional<std::int64_t> before;
  if (auto v = query_value(c, "before"); !v.empty()) before = std::atoll(v.c_str());
  const auto letters = c.store.dead_letters_page(kPageSize + 1, before);
  if (letters.empty()) return "<p id=\"no-bookings\">" + escape(tr(c.lang, "No dead letter.")) + "</p>";
  std::string out = "<p>" + escape(tr(c.lang, "Webhooks that could not be read as bookings; fix the sender or the rules, "
                                              "then TimeRex's resend takes them in.")) + "</p>";
  out += "<table id=\"dead-letters\"><thead><tr><th>" + escape(tr(c.lang, "Received")) + "</th><th>#</th><th class=\"optional\">" +
         escape(tr(c.lang, "Integration")) + "</th><th>" + escape(tr(c.lang, "Reason")) + "</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < letters.size() && i < kPageSize; ++i) {
    const auto& l = letters[i];
    out += "<tr id=\"dead-letter-" + std::to_string(l.id) + "\"><td>" + format_time(l.received_at) + "</td><td><a href=\"/admin/dead-letters/" +
           std::to_string(l.id) + "\">" + std::to_string(l.id) + "</a></td><td class=\"optional\">" + escape(l.integration) +
           "</td><td>" + escape(l.reason) + "</td></tr>";
  }
  out += "</tbody></table>";
  if (letters.size() > kPageSize) out += older_link(c, std::to_string(letters[kPageSize - 1].id));
  return out;
}

// ---- one booking ----

std::string row(Lang lang, std::string_view label, const std::string& html_value, const std::string& id = "") {
  return "<dt>" + escape(tr(lang, label)) + "</dt><dd" + (id.empty() ? "" : " id=\"" + id + "\"") + ">" + html_value + "</dd>";
}

std::string properties_table(Lang lang, std::string_view title, const engine::RecordResult& r) {
  if (!r.present) return "<h3>" + escape(tr(lang, title)) + "</h3><p>" + escape(tr(lang, "none")) + "</p>";
  std::string out = "<h3>" + escape(tr(lang, title)) + "</h3><table><tbody>";
  for (const auto& p : r.properties)
    out += "<tr><th>" + escape(p.property->name) + "</th><td>" + escape(p.value.text) + "</td></tr>";
  return out + "</tbody></table>";
}

// The rules run again on the stored webhook (cheap, and what delivery does): what they made of it.
std::string rule_output(const PageContext& c, const JournaledBooking& b) {
  std::string out = "<section class=\"card\" id=\"rule-output\"><h2>" + escape(tr(c.lang, "What the rules made of it")) + "</h2>";
  engine::PlanPtr plan;
  for (const auto& i : c.service.integrations())
    if (i.name == b.integration) plan = i.plan;
  if (b.payload.empty() || !plan) {
    return out + "<p>" + escape(tr(c.lang, b.payload.empty() ? "The webhook was dropped after the retention time."
                                                             : "The integration's rules do not check now.")) + "</p></section>";
  }
  engine::Evaluator evaluator(plan);
  const simdjson::padded_string padded(b.payload);
  const engine::Evaluation& e = evaluator.evaluate(padded);
  if (e.outcome == engine::Outcome::error)
    return out + "<p class=\"error\">" + escape(std::string(e.error_code) + ": " + e.error_message) + "</p></section>";
  if (e.outcome == engine::Outcome::skipped)
    return out + "<p>" + escape(tr(c.lang, "Skipped")) + ": " + escape(e.skip_reason) + "</p></section>";
  out += properties_table(c.lang, "Contact", e.contacts) + properties_table(c.lang, "Company", e.companies);
  return out + "<p>" + escape(tr(c.lang, e.associate ? "Associate the contact with the company." : "No association.")) + "</p></section>";
}

std::string record_link(const PageContext& c, const JournaledBooking& b, ObjectType type, const std::optional<std::string>& id) {
  if (!id) return escape(tr(c.lang, "none"));
  std::string base;
  std::optional<std::int64_t> portal;
  for (const auto& i : c.service.integrations()) {
    if (i.name != b.integration) continue;
    base = i.hubspot_url;
    if (auto conn = c.store.connection(i.connection_id)) {
      portal = conn->portal_id;
      if (!conn->api_base_url.empty()) base = conn->api_base_url;
    }
  }
  const std::string url = record_page_url(base, portal, type, *id);
  const std::string object(to_string(type));
  if (url.empty()) return "<span class=\"hubspot-id\" data-object=\"" + object + "\">" + escape(*id) + "</span>";
  return "<a class=\"hubspot-id\" data-object=\"" + object + "\" href=\"" + escape(url) + "\" rel=\"noreferrer\">" + escape(*id) + "</a>";
}

std::string hubspot_outcome(const PageContext& c, const JournaledBooking& b) {
  std::string out = "<section class=\"card\" id=\"hubspot\"><h2>" + escape(tr(c.lang, "In HubSpot")) + "</h2>";
  const auto o = c.store.outcome(b.event_id);
  if (!o) return out + "<p>" + escape(tr(c.lang, "Nothing posted yet.")) + "</p></section>";
  const auto how = [&](Disposition d) {
    return escape(tr(c.lang, d == Disposition::created ? "created" : d == Disposition::duplicate ? "found (duplicate)" : "none"));
  };
  out += "<dl>" + row(c.lang, "Contact", record_link(c, b, ObjectType::contact, o->contact_id) + " — " + how(o->contact), "contact");
  out += row(c.lang, "Company", record_link(c, b, ObjectType::company, o->company_id) + " — " + how(o->company), "company");
  out += row(c.lang, "Association", escape(tr(c.lang, o->associated ? "associated" : "not associated")), "association");
  return out + "</dl></section>";
}

// Indented for reading; the bytes are the webhook's, escaped.
std::string pretty_json(const std::string& json) {
  std::string out;
  int depth = 0;
  bool in_string = false;
  const auto newline = [&] { out += "\n" + std::string(2 * static_cast<std::size_t>(std::max(depth, 0)), ' '); };
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char ch = json[i];
    if (in_string) {
      out += ch;
      if (ch == '\\' && i + 1 < json.size()) out += json[++i];
      else if (ch == '"') in_string = false;
    } else if (ch == '"') {
      in_string = true;
      out += ch;
    } else if (ch == '{' || ch == '[') {
      out += ch;
      ++depth;
      newline();
    } else if (ch == '}' || ch == ']') {
      --depth;
      newline();
      out += ch;
    } else if (ch == ',') {
      out += ch;
      newline();
    } else if (ch == ':') {
      out += ": ";
    } else if (ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r') {
      out += ch;
    }
  }
  return out;
}

}  // namespace

std::string render_bookings(const PageContext& c) {
  Frame f{c.lang, std::string(tr(c.lang, "Bookings")), "bookings", c.csrf, c.notice, c.notice_is_error};
  const bool dead = query_value(c, "state") == kDeadLetters;
  return page(f, counts(c) + filters(c) + (dead ? dead_letter_rows(c) : booking_rows(c)));
}

std::optional<std::string> render_booking(const PageContext& c, const std::string& event_id) {
  const auto b = c.store.booking(event_id);
  if (!b) return std::nullopt;
  Frame f{c.lang, trf(c.lang, "Booking {}", event_id), "bookings", c.csrf, c.notice, c.notice_is_error};
  const std::string state(to_string(b->state));
  std::string body = "<section class=\"card\"><dl>" + row(c.lang, "State", "<span data-state=\"" + state + "\">" +
                                                                                escape(state_label(c.lang, state)) + "</span>", "state");
  if (b->state == BookingState::parked)
    body += row(c.lang, "Reason", escape(tr(c.lang, connection_problem_in_words(b->reason))) + " <code>" + escape(b->reason) + "</code>", "reason");
  else if (!b->reason.empty())
    body += row(c.lang, "Reason", escape(b->reason), "reason");
  body += row(c.lang, "Integration", escape(b->integration));
  body += row(c.lang, "Received", format_time(b->received_at)) + row(c.lang, "Attempts", std::to_string(b->attempts));
  body += row(c.lang, "Last attempt", format_time(b->last_attempt_at));
  if (b->retry_at) body += row(c.lang, "Next try", format_time(b->retry_at));
  if (!b->connection_id.empty()) body += row(c.lang, "Waiting for the connection", escape(b->connection_id));
  body += "</dl><p>" + retry_button(c, *b) + "</p></section>";
  body += hubspot_outcome(c, *b) + rule_output(c, *b);
  body += "<section class=\"card\"><h2>" + escape(tr(c.lang, "The webhook")) + "</h2>";
  body += b->payload.empty() ? "<p>" + escape(tr(c.lang, "The webhook was dropped after the retention time.")) + "</p>"
                             : "<pre id=\"webhook\">" + escape(pretty_json(b->payload)) + "</pre>";
  return page(f, body + "</section>");
}

std::string render_dead_letter(const PageContext& c, std::int64_t id) {
  Frame f{c.lang, trf(c.lang, "Dead letter {}", id), "bookings", c.csrf, "", false};
  const auto letter = c.store.dead_letter(id);
  if (!letter) return page(f, "<p>" + escape(tr(c.lang, "There is no such page or booking.")) + "</p>");
  std::string body = "<section class=\"card\"><dl>" + row(c.lang, "Received", format_time(letter->received_at));
  body += row(c.lang, "Integration", escape(letter->integration)) + row(c.lang, "Reason", escape(letter->reason)) + "</dl>";
  body += letter->body.empty() ? "<p>" + escape(tr(c.lang, "The webhook was dropped after the retention time.")) + "</p>"
                               : "<pre>" + escape(letter->body) + "</pre>";
  return page(f, body + "</section>");
}

}  // namespace hubrules::runtime::admin

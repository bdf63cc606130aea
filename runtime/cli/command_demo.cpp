// hubrules demo [RULES] [BOOKINGS] [--state FILE]: the live path on the embedded default — the
// sandbox in-process as HubSpot (holding a company and a contact some bookings name), an
// in-process `serve`, the bookings posted to it as TimeRex webhooks over a real socket, and
// then what HubSpot holds and how long each booking took from its 200 to HubSpot.
#include <fcntl.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "engine/evaluator.hpp"
#include "engine/text/display_width.hpp"
#include "runtime/cli/command_line.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/mapping/ndjson_chunks.hpp"
#include "runtime/mapping/rules_loader.hpp"
#include "runtime/sandbox/sandbox.hpp"
#include "runtime/http/http_client.hpp"
#include "runtime/serve/service.hpp"
#include "runtime/store/open_state_store.hpp"
#include "runtime/sync/delivery_candidate.hpp"

namespace hubrules::runtime {

namespace {

// The candidates of the bookings, to pick records that "already exist" in the demo's CRM.
std::vector<BookingCandidate> candidates_of(const engine::PlanPtr& plan, const std::string& bookings) {
  engine::Evaluator evaluator(plan);
  const simdjson::padded_string text(bookings);
  const char* end = text.data() + text.size();
  std::vector<BookingCandidate> out;
  for_each_line(text.data(), end, 1, [&](std::size_t, const char* p, std::size_t len) {
    const auto& e = evaluator.evaluate(p, len, static_cast<std::size_t>(end - p) + simdjson::SIMDJSON_PADDING);
    out.push_back(candidate_from(*plan, std::string(e.booking_id.text), e));
  });
  return out;
}

std::map<std::string, std::string> as_map(const hubspot::RecordCandidate& r) {
  std::map<std::string, std::string> m;
  for (const auto& p : r.properties) m[p.name] = p.value;
  return m;
}

// A company with the domain of one booking (under another name) and the contact of another.
// Returns their ids.
std::set<std::string> seed_existing_records(Sandbox& sandbox, const std::vector<BookingCandidate>& candidates) {
  const BookingCandidate* company = nullptr;
  const BookingCandidate* contact = nullptr;
  for (const auto& c : candidates) {
    if (!company && c.company && !c.company->keys.empty() && c.company->keys[0].property == "domain") company = &c;
    else if (!contact && c.contact && company) contact = &c;
  }
  std::set<std::string> ids;
  if (company) {
    auto props = as_map(*company->company);
    props["name"] = props["name"] + " (renamed in HubSpot)";
    ids.insert(sandbox.seed_record("companies", props));
  }
  if (contact) ids.insert(sandbox.seed_record("contacts", as_map(*contact->contact)));
  return ids;
}

void print_crm(const SandboxState& s, const std::set<std::string>& existed) {
  const auto origin = [&](const SandboxRecord& r) { return existed.contains(r.id) ? "existed before" : "created by serve"; };
  std::cout << fmt::format("\nHubSpot (the sandbox) now holds {} contacts, {} companies, {} associations:\n\n",
                           s.contacts.size(), s.companies.size(), s.associations.size());
  const auto row = [](const std::string& id, const std::vector<std::pair<std::string, std::size_t>>& cells) {
    std::string line = fmt::format("  {:>4}", id);
    for (const auto& [text, width] : cells) line += "  " + text::pad_to_width(text, width);
    std::cout << line << "\n";
  };
  row("id", {{"company", 44}, {"domain", 26}});
  for (const auto& c : s.companies) row(c.id, {{c.property("name"), 44}, {c.property("domain"), 26}, {origin(c), 0}});
  std::cout << "\n";
  row("id", {{"contact", 40}, {"name", 20}, {"company id", 10}});
  for (const auto& c : s.contacts) {
    std::string companies;
    for (const auto& a : s.associations)
      if (a.contact_id == c.id) companies += (companies.empty() ? "" : ", ") + a.company_id;
    row(c.id, {{c.property("email"), 40},
               {c.property("lastname") + " " + c.property("firstname"), 20},
               {companies.empty() ? "-" : companies, 10},
               {origin(c), 0}});
  }
  std::cout << "\n";
}


// Posts each booking as TimeRex does; returns when each was acknowledged (200), by event id.
std::map<std::string, TimePoint> post_webhooks(const std::string& url, const std::string& secret,
                                               const engine::PlanPtr& plan, const std::string& bookings) {
  http::HttpClientOptions options;
  options.base_url = url;
  http::HttpClient client(options);
  std::map<std::string, TimePoint> acked;
  for (const auto& c : candidates_of(plan, bookings)) acked[c.event_id] = {};
  std::size_t line_start = 0;
  while (line_start < bookings.size()) {
    const auto end = bookings.find('\n', line_start);
    const std::string line = bookings.substr(line_start, end - line_start);
    line_start = end == std::string::npos ? bookings.size() : end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    http::HttpRequest request{"POST", "/webhooks/timerex", {{"x-timerex-authorization", secret}, {"Content-Type", "application/json"}}, line};
    const auto answer = client.send(request);
    if (answer.status != 200) throw std::runtime_error("the webhook was answered " + std::to_string(answer.status) + ": " + answer.body);
    const auto id_at = answer.body.find("\"event_id\":\"");
    if (id_at != std::string::npos) {
      const auto from = id_at + 12;
      acked[answer.body.substr(from, answer.body.find('"', from) - from)] = Clock::system().now();
    }
  }
  return acked;
}

// Waits until no booking is pending (or a minute has passed); returns the journal.
std::vector<JournaledBooking> wait_until_delivered(const std::string& state_file, const std::map<std::string, TimePoint>& acked) {
  const auto owned = open_state_store(state_file);
  StateStore& store = *owned;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (store.count_by_state().at(BookingState::pending) > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::vector<JournaledBooking> journal;
  for (const auto& [id, at] : acked)
    if (auto b = store.booking(id)) journal.push_back(*b);
  std::sort(journal.begin(), journal.end(), [](const auto& a, const auto& b) { return a.intake_sequence < b.intake_sequence; });
  return journal;
}

void print_latencies(const std::vector<JournaledBooking>& journal, const std::map<std::string, TimePoint>& acked) {
  std::cout << "Each booking, from TimeRex's 200 to its records in HubSpot:\n\n";
  std::vector<double> delivered;
  for (const auto& b : journal) {
    std::string detail = std::string(to_string(b.state));
    if (b.state == BookingState::delivered) {
      const double ms = std::chrono::duration<double, std::milli>(b.updated_at - acked.at(b.event_id)).count();
      delivered.push_back(ms);
      detail = fmt::format("delivered {:>7.0f} ms after the 200", std::max(ms, 0.0));
    } else if (!b.reason.empty()) {
      detail += ": " + b.reason;
    }
    std::cout << fmt::format("  {}  {}\n", b.event_id, detail);
  }
  if (delivered.empty()) return;
  std::sort(delivered.begin(), delivered.end());
  std::cout << fmt::format("\n  ack → in HubSpot: median {:.0f} ms, slowest {:.0f} ms ({} bookings)\n",
                           std::max(delivered[delivered.size() / 2], 0.0), std::max(delivered.back(), 0.0), delivered.size());
}

}  // namespace

int run_demo(const Args& args) {
  const CommandLine cl(args, {"state", "schema"}, {});
  if (cl.positionals().size() > 2) throw UsageError("usage: hubrules demo [RULES] [BOOKINGS] [--state FILE]");
  const std::string rules_file = cl.positionals().size() > 0 ? cl.positionals()[0] : "rules/timerex.rules";
  const std::string bookings_file = cl.positionals().size() > 1 ? cl.positionals()[1] : "rules/samples/timerex-bookings.ndjson";
  const LoadedRules rules = load_rules(rules_file, schema_for(cl.value("schema")));
  std::cerr << rules.rendered;
  if (!rules.compilation.plan) return 1;
  const auto bookings = read_text_file(bookings_file);
  if (!bookings) throw std::runtime_error("cannot read " + bookings_file);

  Sandbox sandbox;
  sandbox.start();
  const auto existed = seed_existing_records(sandbox, candidates_of(rules.compilation.plan, *bookings));
  std::cout << "HubSpot sandbox on " << sandbox.base_url() << " (in-process), holding one company and one contact "
            << "that bookings name\n";

  char temp[] = "/tmp/hubrules-demo-XXXXXX";
  const bool own_state = !cl.value("state");
  if (own_state && ::mkdtemp(temp) == nullptr) throw std::runtime_error("cannot create a temporary directory");
  serve::ServeSettings settings;
  settings.state_file = cl.value("state").value_or(std::string(temp) + "/state.db");
  settings.hubspot_url = sandbox.base_url();
  settings.search_lag = Millis(3000);  // the sandbox's
  serve::ServeIntegration integration;
  integration.name = kDefaultIntegration;
  integration.rules = rules_file;
  integration.token = "pat-demo";
  integration.webhook_secrets = {"demo-webhook-secret"};
  settings.integrations.push_back(integration);
  settings.unnamed_path = true;
  std::size_t pending = 0;
  {
    serve::Service service([settings] { return settings; });
    service.start();
    std::cout << "hubrules serve on " << service.url() << " (in-process); posting " << bookings_file
              << " as TimeRex webhooks\n";
    const auto acked = post_webhooks(service.url(), integration.webhook_secrets[0], rules.compilation.plan, *bookings);
    const auto journal = wait_until_delivered(settings.state_file, acked);
    service.shutdown();
    print_crm(sandbox.state(), existed);
    print_latencies(journal, acked);
    pending = std::count_if(journal.begin(), journal.end(), [](const auto& b) { return b.state == BookingState::pending; });
  }
  if (own_state) std::filesystem::remove_all(temp);
  return pending == 0 ? 0 : 1;
}

}  // namespace hubrules::runtime

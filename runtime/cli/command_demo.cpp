// hubrules demo [RULES] [BOOKINGS] [--state FILE]: the main job on the embedded default — the
// sandbox in-process as HubSpot, a CRM that already holds a company and a contact some
// bookings name, the bookings synced, and what HubSpot then holds.
#include <fcntl.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <set>

#include "engine/evaluator.hpp"
#include "engine/text/display_width.hpp"
#include "runtime/cli/command_line.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/mapping/ndjson_chunks.hpp"
#include "runtime/mapping/rules_loader.hpp"
#include "runtime/sandbox/sandbox.hpp"
#include "runtime/sync/delivery_candidate.hpp"
#include "runtime/sync/sync_session.hpp"

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
  const auto origin = [&](const SandboxRecord& r) { return existed.contains(r.id) ? "existed before" : "created by sync"; };
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
  SyncSettings settings;
  settings.portal.access.hubspot_url = sandbox.base_url();
  settings.portal.access.token = "pat-demo";
  settings.state_file = cl.value("state").value_or(std::string(temp) + "/state.db");
  settings.pipeline.search_lag = Millis(3000);  // the sandbox's
  settings.pipeline.progress = ::isatty(STDERR_FILENO);
  SyncCounts counts;
  {
    SyncSession session(rules.compilation.plan, settings);
    const int fd = ::open(bookings_file.c_str(), O_RDONLY | O_CLOEXEC);
    session.intake(fd, bookings_file);
    ::close(fd);
    const auto start = std::chrono::steady_clock::now();
    counts = session.deliver();
    print_crm(sandbox.state(), existed);
    std::cout << render_summary(counts, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (own_state) std::filesystem::remove_all(temp);
  return counts.clean() ? 0 : 1;
}

}  // namespace hubrules::runtime

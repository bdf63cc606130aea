// The delivery pipeline against the sandbox over loopback sockets: every rule of the product's
// dedupe/association semantics, search lag, races, rate limits, faults and in-doubt creates.
#include <catch2/catch.hpp>
#include <set>

#include "runtime/notify/notifier.hpp"
#include "runtime/notify/store_notification_log.hpp"
#include "tests/sync_harness.hpp"

using namespace hubrules;
using namespace hubrules::runtime;
using hubrules::testing::booking;
using hubrules::testing::SyncHarness;
using namespace std::chrono_literals;

namespace {

const SandboxRecord* contact_with(const SandboxState& s, const std::string& email) {
  for (const auto& c : s.contacts)
    if (c.property("email") == email) return &c;
  return nullptr;
}

std::set<std::pair<std::string, std::string>> associations(const SandboxState& s) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& a : s.associations) out.insert({a.contact_id, a.company_id});
  return out;
}

// The CRM as (email → company domain/name it is associated with), for comparing runs.
std::map<std::string, std::string> crm_picture(const SandboxState& s) {
  std::map<std::string, std::string> out;
  for (const auto& c : s.contacts) out[c.property("email")] = "";
  for (const auto& a : s.associations)
    for (const auto& c : s.contacts)
      if (c.id == a.contact_id)
        for (const auto& co : s.companies)
          if (co.id == a.company_id) out[c.property("email")] += co.property("domain") + "|" + co.property("name") + ";";
  for (const auto& co : s.companies) out["company:" + co.property("domain") + "|" + co.property("name")] += "+";
  return out;
}

}  // namespace

TEST_CASE("sync: new guests make contacts, companies and associations", "[sync]") {
  SyncHarness h;
  const auto counts = h.sync({
      booking("ev-1", "taro@acme.co.jp", "Acme KK"),
      booking("ev-2", "hanako@gmail.com", "Tanaka Shoji"),  // free mail: company by name only
      booking("ev-3", "jiro@yahoo.co.jp"),                  // free mail, no company: contact alone
      booking("ev-4", "saburo@acme.co.jp", "Acme KK", "event_cancelled"),
  });
  CHECK(counts.clean());
  CHECK(counts.delivered == 3);
  CHECK(counts.skipped == 1);
  CHECK(counts.contacts_created == 3);
  CHECK(counts.companies_created == 2);
  CHECK(counts.associations == 2);

  const auto s = h.sandbox.state();
  REQUIRE(s.contacts.size() == 3);
  REQUIRE(s.companies.size() == 2);
  CHECK(s.companies[0].property("domain") == "acme.co.jp");
  CHECK(s.companies[0].property("name") == "Acme KK");
  CHECK(s.companies[1].property("domain").empty());
  CHECK(s.companies[1].property("name") == "Tanaka Shoji");
  CHECK(associations(s) == std::set<std::pair<std::string, std::string>>{
                               {contact_with(s, "taro@acme.co.jp")->id, s.companies[0].id},
                               {contact_with(s, "hanako@gmail.com")->id, s.companies[1].id}});
  // One batch: one read, one search, one create of each object.
  CHECK(h.sandbox.stats().crm_requests == 4);
  const auto outcome = h.store->outcome("ev-1");
  REQUIRE(outcome);
  CHECK(outcome->contact == Disposition::created);
  CHECK(outcome->company == Disposition::created);
  CHECK(outcome->associated);
  CHECK(h.store->booking("ev-4")->state == BookingState::skipped);
}

TEST_CASE("sync: a company HubSpot holds is found by domain or by name, and not created", "[sync]") {
  SyncHarness h;
  const auto by_domain = h.sandbox.seed_record("companies", {{"domain", "acme.co.jp"}, {"name", "ACME Holdings"}});
  const auto by_name = h.sandbox.seed_record("companies", {{"name", "Tanaka Shoji"}});
  const auto counts = h.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK"), booking("ev-2", "hanako@gmail.com", "tanaka shoji")});
  CHECK(counts.clean());
  CHECK(counts.companies_created == 0);
  CHECK(counts.companies_duplicate == 2);
  const auto s = h.sandbox.state();
  CHECK(s.companies.size() == 2);
  CHECK(s.companies[0].property("name") == "ACME Holdings");  // a duplicate is not updated
  CHECK(associations(s) == std::set<std::pair<std::string, std::string>>{
                               {contact_with(s, "taro@acme.co.jp")->id, by_domain},
                               {contact_with(s, "hanako@gmail.com")->id, by_name}});
}

TEST_CASE("sync: a domain match wins over a name match, then the oldest", "[sync]") {
  SyncHarness h;
  const auto name_match = h.sandbox.seed_record("companies", {{"name", "Acme KK"}});
  h.clock.advance(1h);
  const auto oldest_domain = h.sandbox.seed_record("companies", {{"domain", "acme.co.jp"}});
  h.clock.advance(1h);
  h.sandbox.seed_record("companies", {{"domain", "acme.co.jp"}});
  h.clock.advance(1h);
  CHECK(h.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK")}).clean());
  const auto s = h.sandbox.state();
  CHECK(s.companies.size() == 3);
  CHECK(associations(s) == std::set<std::pair<std::string, std::string>>{{contact_with(s, "taro@acme.co.jp")->id, oldest_domain}});
  (void)name_match;
}

TEST_CASE("sync: an existing contact is neither created, updated nor associated", "[sync]") {
  SyncHarness h;
  h.sandbox.seed_record("contacts", {{"email", "taro@acme.co.jp"}, {"firstname", "Old"}});
  const auto counts = h.sync({booking("ev-1", "Taro@Acme.co.jp", "Acme KK")});
  CHECK(counts.clean());
  CHECK(counts.contacts_duplicate == 1);
  CHECK(counts.companies_created == 1);  // the company is still new
  CHECK(counts.associations == 0);
  const auto s = h.sandbox.state();
  REQUIRE(s.contacts.size() == 1);
  CHECK(s.contacts[0].property("firstname") == "Old");
  CHECK(s.associations.empty());
  CHECK(h.store->outcome("ev-1")->contact == Disposition::duplicate);
}

TEST_CASE("sync: the same email twice in one batch and across batches makes one contact", "[sync]") {
  SyncHarness h;
  auto counts = h.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK"), booking("ev-2", "taro@acme.co.jp", "Acme KK")});
  CHECK(counts.clean());
  CHECK(counts.contacts_created == 1);
  CHECK(counts.contacts_duplicate == 1);
  CHECK(counts.companies_created == 1);
  CHECK(counts.associations == 1);
  counts = h.sync({booking("ev-3", "taro@acme.co.jp", "Acme KK")});  // search lag: acme is not searchable yet
  CHECK(counts.clean());
  CHECK(counts.contacts_duplicate == 1);
  CHECK(counts.companies_duplicate == 1);
  const auto s = h.sandbox.state();
  CHECK(s.contacts.size() == 1);
  CHECK(s.companies.size() == 1);
  CHECK(s.associations.size() == 1);
}

TEST_CASE("sync: search lag cannot make a duplicate company: the store remembers what it created", "[sync]") {
  SyncHarness h;
  CHECK(h.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK")}).clean());
  // No time passes: the new company is invisible to search, but known to the store.
  const auto counts = h.sync({booking("ev-2", "hanako@acme.co.jp", "Acme KK"), booking("ev-3", "jiro@gmail.com", "acme kk")});
  CHECK(counts.clean());
  CHECK(counts.companies_created == 0);
  CHECK(counts.contacts_created == 2);
  CHECK(counts.associations == 2);
  const auto s = h.sandbox.state();
  REQUIRE(s.companies.size() == 1);
  for (const auto& a : s.associations) CHECK(a.company_id == s.companies[0].id);
}

TEST_CASE("sync: a contact created by someone else after the lookup (409) is a duplicate", "[sync]") {
  SyncHarness h;
  h.sandbox.create_before("POST /crm/v3/objects/contacts/batch/create", "contacts", {{"email", "taro@acme.co.jp"}});
  const auto counts = h.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK"), booking("ev-2", "hanako@acme.co.jp", "Acme KK")});
  CHECK(counts.clean());
  CHECK(counts.contacts_created == 1);
  CHECK(counts.contacts_duplicate == 1);
  CHECK(counts.associations == 1);
  const auto s = h.sandbox.state();
  CHECK(s.contacts.size() == 2);
  const auto taro = h.store->outcome("ev-1");
  CHECK(taro->contact == Disposition::duplicate);
  CHECK(taro->contact_id == contact_with(s, "taro@acme.co.jp")->id);
  CHECK_FALSE(taro->associated);
}

TEST_CASE("sync: a re-delivered booking changes nothing", "[sync]") {
  SyncHarness h;
  CHECK(h.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK")}).journaled == 1);
  const auto before = h.sandbox.stats().crm_requests;
  const auto counts = h.sync({booking("ev-1", "taro@acme.co.jp", "Other KK")});
  CHECK(counts.clean());
  CHECK(counts.already_known == 1);
  CHECK(counts.journaled == 0);
  CHECK(h.sandbox.stats().crm_requests == before);
}

TEST_CASE("sync: unreadable lines are reported, the rest carry on", "[sync]") {
  SyncHarness h;
  const auto counts = h.sync({"{not json", booking("ev-1", "taro@acme.co.jp"), R"({"webhook_type":"event_confirmed","event":{"id":"ev-2","form":"oops"}})", ""});
  CHECK(counts.unreadable == 1);
  CHECK(counts.invalid == 1);
  CHECK(counts.delivered == 1);
  CHECK_FALSE(counts.clean());
  CHECK(h.store->booking("ev-2")->state == BookingState::invalid);
  CHECK(h.sandbox.state().contacts.size() == 1);
}

TEST_CASE("sync: batches of at most 100 keep the calls per booking low", "[sync]") {
  SyncHarness h;
  std::vector<std::string> lines;
  for (int i = 0; i < 250; ++i)
    lines.push_back(booking("ev-" + std::to_string(i), "guest" + std::to_string(i) + "@firm" + std::to_string(i % 40) + ".co.jp",
                            "Firm " + std::to_string(i % 40)));
  const auto counts = h.sync(lines);
  CHECK(counts.clean());
  CHECK(counts.contacts_created == 250);
  CHECK(counts.companies_created == 40);
  CHECK(counts.associations == 250);
  CHECK(h.sandbox.stats().crm_requests <= 12);  // 3 batches × (read, search, create, create)
  CHECK(h.sandbox.state().companies.size() == 40);
}

TEST_CASE("sync: the legacy API family (--hubspot-api v3) leaves the CRM a 2026-03-only portal gets", "[sync]") {
  std::vector<std::string> lines;
  for (int i = 0; i < 150; ++i)
    lines.push_back(booking("ev-" + std::to_string(i), "g" + std::to_string(i) + "@f" + std::to_string(i % 25) + ".co.jp",
                            "F " + std::to_string(i % 25)));
  SyncHarness current;  // 2026-03 against a sandbox that refuses every legacy path
  SyncHarness legacy({}, "rules/timerex.rules", hubspot::ApiFamily::legacy);
  CHECK(current.sync(lines).clean());
  CHECK(legacy.sync(lines).clean());
  CHECK(crm_picture(legacy.sandbox.state()) == crm_picture(current.sandbox.state()));
  CHECK(current.sandbox.stats().requests_by_family.count("legacy") == 0);
  CHECK(legacy.sandbox.stats().requests_by_family.count("2026-03") == 0);
  CHECK(current.sandbox.stats().requests_by_family.at("2026-03") == legacy.sandbox.stats().requests_by_family.at("legacy"));
}

// Another app of the portal spends the budget the sync knows nothing of: HubSpot's 429s are
// the only news of it.
void spend_budget(const std::string& base_url, const std::string& target, int requests) {
  http::HttpClientOptions options;
  options.base_url = base_url;
  http::HttpClient other(options);
  const std::string body = target.ends_with("search") ? R"({"filterGroups":[],"limit":1})" : "";
  for (int i = 0; i < requests; ++i)
    other.send({body.empty() ? "GET" : "POST", target, {{"Authorization", "Bearer pat-other-app"}, {"Content-Type", "application/json"}}, body});
}

TEST_CASE("sync: 429 storms on the burst and the search limit are waited out", "[sync]") {
  SandboxOptions strict;
  strict.burst_limit = 5;
  strict.search_rate = 2;
  SyncHarness h(strict);
  std::vector<std::string> lines;
  for (int i = 0; i < 120; ++i)
    lines.push_back(booking("ev-" + std::to_string(i), "g" + std::to_string(i) + "@c" + std::to_string(i % 30) + ".jp",
                            "C " + std::to_string(i % 30)));
  // The other app speaks what this portal still serves: 2026-03 (the harness sunsets legacy).
  SECTION("burst") { spend_budget(h.sandbox.base_url(), "/crm/objects/2026-03/contacts?limit=1", 5); }
  SECTION("search") { spend_budget(h.sandbox.base_url(), "/crm/objects/2026-03/companies/search", 2); }
  const auto counts = h.sync(lines);
  CHECK(counts.clean());
  CHECK(counts.api.rate_limited > 0);
  CHECK(h.sandbox.stats().burst_limited + h.sandbox.stats().search_limited == static_cast<long>(counts.api.rate_limited));
  const auto s = h.sandbox.state();
  CHECK(s.contacts.size() == 120);
  CHECK(s.companies.size() == 30);
  CHECK(s.associations.size() == 120);
}

TEST_CASE("sync: 5xx answers and dropped connections are retried, in-doubt creates are settled", "[sync]") {
  const std::vector<std::string> lines = {booking("ev-1", "taro@acme.co.jp", "Acme KK"), booking("ev-2", "hanako@gmail.com", "Tanaka"),
                                          booking("ev-3", "jiro@beta.jp", "Beta")};
  SyncHarness clean_run;
  CHECK(clean_run.sync(lines).clean());
  const auto expected = crm_picture(clean_run.sandbox.state());

  // One batch makes four requests: contacts read, companies search, companies create, contacts
  // create. A fault hits one request (a retry is the next request).
  using F = SandboxFault;
  const std::vector<std::vector<F>> fault_plans = {
      {F::bad_gateway, F::unavailable, F::drop_before},         // the lookups fail, then work
      {F::drop_after_applying, F::none, F::drop_after_applying},  // a read is safe to repeat
      {F::none, F::none, F::drop_after_applying},               // the company create is in doubt: it happened
      {F::none, F::none, F::bad_gateway},                       // in doubt: it did not happen
      {F::none, F::none, F::none, F::drop_after_applying},      // the contact create is in doubt: it happened
      {F::none, F::none, F::none, F::drop_before, F::unavailable},
  };
  for (std::size_t i = 0; i < fault_plans.size(); ++i) {
    SECTION("fault plan " + std::to_string(i)) {
      SyncHarness h;
      h.sandbox.inject_faults(fault_plans[i]);
      const auto counts = h.sync(lines);
      CHECK(counts.clean());
      CHECK(crm_picture(h.sandbox.state()) == expected);
      CHECK(counts.contacts_created == 3);
      CHECK(counts.companies_created == 3);
      CHECK(counts.associations == 3);
      CHECK(h.store->unresolved_intents().empty());
    }
  }
}

TEST_CASE("sync: a HubSpot that stays down fails the bookings, keeps them, and retry delivers them", "[sync]") {
  SyncHarness h;
  h.sandbox.inject_faults(std::vector<SandboxFault>(40, SandboxFault::unavailable));
  auto counts = h.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK")});
  CHECK(counts.failed == 1);
  CHECK_FALSE(counts.clean());
  const auto failed = h.store->booking("ev-1");
  CHECK(failed->state == BookingState::failed);
  CHECK_THAT(failed->reason, Catch::Contains("gave up"));
  CHECK(h.sandbox.state().contacts.empty());
  CHECK(counts.stored_failed == 1);
  CHECK_THAT(render_summary(counts, 1.0), Catch::Contains("1 failed bookings wait for `hubrules retry`"));

  CHECK(h.store->requeue_failed() == 1);
  h.sandbox.inject_faults(std::vector<SandboxFault>(10, SandboxFault::none));  // the queue is used up
  counts = h.sync({});
  CHECK(counts.clean());
  CHECK(counts.delivered == 1);
  CHECK(h.sandbox.state().contacts.size() == 1);
}

TEST_CASE("sync: a broken connection parks the bookings, emails the admin once, and delivers after repair", "[sync]") {
  SyncHarness h;
  notify::StoreNotificationLog log(*h.store);
  notify::NotifierConfig config;
  config.outbox_dir = h.dir.path() / "outbox";
  config.to = {"admin@example.jp"};
  notify::ErrorNotifier notifier(config, log, h.clock);
  h.tokens->set_broken(true);
  auto counts = h.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK"), booking("ev-2", "hanako@beta.jp")}, &notifier);
  CHECK(counts.parked == 2);
  CHECK_FALSE(counts.clean());
  CHECK(h.store->parked(h.tokens->connection_id()).size() == 2);
  counts = h.sync({booking("ev-3", "jiro@gamma.jp")}, &notifier);  // still broken: one more parked, no second email
  CHECK(counts.parked == 1);
  const auto emails = [&] {
    return std::distance(std::filesystem::directory_iterator(config.outbox_dir), std::filesystem::directory_iterator{});
  };
  CHECK(emails() == 1);
  h.clock.advance(std::chrono::hours(24 * 6));
  CHECK(h.sync({booking("ev-4", "shiro@delta.jp")}, &notifier).parked == 1);
  CHECK(emails() == 1);  // at most one a week
  h.clock.advance(std::chrono::hours(24 * 2));
  CHECK(h.sync({booking("ev-5", "goro@delta.jp")}, &notifier).parked == 1);
  CHECK(emails() == 2);
  CHECK(h.sandbox.stats().crm_requests == 0);

  h.tokens->set_broken(false);  // reconnected
  counts = h.sync({}, &notifier);
  CHECK(counts.clean());
  CHECK(counts.delivered == 5);
  CHECK(h.sandbox.state().contacts.size() == 5);
}

TEST_CASE("sync: a restarted process settles what the previous one left in doubt", "[sync]") {
  const std::vector<std::string> lines = {booking("ev-1", "taro@acme.co.jp", "Acme KK"), booking("ev-2", "hanako@acme.co.jp", "Acme KK")};
  SyncHarness h;
  // The process "dies" right after sending the creates: the intents stay unresolved.
  h.store->journal("ev-1", lines[0], h.clock.now());
  h.store->journal("ev-2", lines[1], h.clock.now());
  hubspot::RecordCandidate acme{{{"name", "Acme KK", false}, {"domain", "acme.co.jp", false}}, {{"domain", "acme.co.jp"}, {"name", "acme kk"}}};
  h.store->write_intents({{"ev-1:company:1", ObjectType::company, "ev-1", acme.keys, {}, {}}});
  const auto company = h.records->create(ObjectType::company, {{"ev-1:company:1", &acme, {}}}).created.at("ev-1:company:1");
  h.open_client();
  const auto counts = h.sync({});
  CHECK(counts.clean());
  CHECK(counts.in_doubt_resolved == 1);
  CHECK(counts.companies_created == 1);
  CHECK(counts.companies_duplicate == 1);
  const auto s = h.sandbox.state();
  CHECK(s.companies.size() == 1);
  CHECK(s.contacts.size() == 2);
  CHECK(h.store->outcome("ev-1")->company_id == company);
}

TEST_CASE("sync: a server that refuses whole batches for one bad input still gets the good ones", "[sync]") {
  SandboxOptions strict;
  strict.whole_batch_errors = true;
  SyncHarness h(strict);
  const auto existing = h.sandbox.seed_record("contacts", {{"email", "b@beta.jp"}});
  std::vector<hubspot::RecordCandidate> contacts = {
      {{{"email", "a@alpha.jp", false}}, {{"email", "a@alpha.jp"}}},
      {{{"email", "b@beta.jp", false}}, {{"email", "b@beta.jp"}}},
      {{{"email", "c@gamma.jp", false}}, {{"email", "c@gamma.jp"}}},
  };
  auto answer = h.records->create(ObjectType::contact, {{"t1", &contacts[0], {}}, {"t2", &contacts[1], {}}, {"t3", &contacts[2], {}}});
  CHECK(answer.created.size() == 2);
  REQUIRE(answer.failed.count("t2") == 1);
  CHECK(answer.failed.at("t2").existing_id == existing);

  std::vector<hubspot::RecordCandidate> companies = {
      {{{"name", "Alpha", false}}, {{"name", "alpha"}}},
      {{{"name", "Beta", false}, {"nosuchproperty", "x", false}}, {{"name", "beta"}}},
      {{{"name", "Gamma", false}}, {{"name", "gamma"}}},
  };
  answer = h.records->create(ObjectType::company, {{"c1", &companies[0], {}}, {"c2", &companies[1], {}}, {"c3", &companies[2], {}}});
  CHECK(answer.created.size() == 2);
  REQUIRE(answer.failed.count("c2") == 1);
  CHECK_THAT(answer.failed.at("c2").message, Catch::Contains("PROPERTY_DOESNT_EXIST"));
  CHECK(h.sandbox.state().companies.size() == 2);

  // The whole pipeline on such a server: the 409 race resolved all the same.
  h.sandbox.create_before("POST /crm/v3/objects/contacts/batch/create", "contacts", {{"email", "taro@acme.co.jp"}});
  const auto counts = h.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK"), booking("ev-2", "hanako@acme.co.jp", "Acme KK")});
  CHECK(counts.clean());
  CHECK(counts.contacts_created == 1);
  CHECK(counts.contacts_duplicate == 1);
}

TEST_CASE("sync: the rules' key order decides among companies created here, too", "[sync]") {
  SyncHarness h;
  auto text = testing::read_file(testing::source_dir() + "/rules/timerex.rules");
  const std::string domain_first = "dedupe by domain or name";
  REQUIRE(text.find(domain_first) != std::string::npos);
  text.replace(text.find(domain_first), domain_first.size(), "dedupe by name or domain");
  h.rules = testing::compile_text(text);
  REQUIRE(h.rules.compilation.plan);
  CHECK(h.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK")}).clean());  // domain acme.co.jp, name Acme KK
  CHECK(h.sync({booking("ev-2", "hanako@gmail.com", "Beta Trading")}).clean());  // name only
  // Search cannot see either yet; the store knows both. Name first: Beta Trading wins.
  CHECK(h.sync({booking("ev-3", "jiro@acme.co.jp", "Beta Trading")}).clean());
  const auto s = h.sandbox.state();
  REQUIRE(s.companies.size() == 2);
  CHECK(h.store->outcome("ev-3")->company_id == s.companies[1].id);
}

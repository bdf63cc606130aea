// The decisions of one batch: what to create, what is a duplicate, what to associate.
#include <catch2/catch.hpp>

#include "../test_support.hpp"
#include "runtime/sync/delivery_planner.hpp"
#include "runtime/sync/required_scopes.hpp"

using namespace hubrules::runtime;
using Kind = RecordRef::Kind;

namespace {

hubspot::RecordCandidate company(const std::string& domain, const std::string& name) {
  hubspot::RecordCandidate c;
  if (!name.empty()) c.properties.push_back({"name", name, false});
  if (!domain.empty()) c.properties.push_back({"domain", domain, false}), c.keys.push_back({"domain", domain});
  if (!name.empty()) c.keys.push_back({"name", name});
  return c;
}

hubspot::RecordCandidate contact(const std::string& email) {
  hubspot::RecordCandidate c;
  c.properties.push_back({"email", email, false});
  c.keys.push_back({"email", email});
  return c;
}

BookingCandidate booking(std::optional<hubspot::RecordCandidate> person, std::optional<hubspot::RecordCandidate> firm) {
  BookingCandidate b{"e", std::move(person), std::move(firm), false};
  b.associate = b.contact && b.company;
  return b;
}

std::chrono::system_clock::time_point day(int n) { return std::chrono::system_clock::time_point{} + std::chrono::hours(24 * n); }

}  // namespace

TEST_CASE("new contact and company: both created, associated", "[sync][planner]") {
  const auto plan = plan_delivery({booking(contact("a@x.jp"), company("x.jp", "x"))}, {});
  REQUIRE(plan.companies.size() == 1);
  REQUIRE(plan.contacts.size() == 1);
  CHECK(plan.bookings[0].company == RecordRef{Kind::created, {}, 0});
  CHECK(plan.bookings[0].creates_contact);
  CHECK(plan.bookings[0].associate);
}

TEST_CASE("an existing company is found by domain before name, then the oldest", "[sync][planner]") {
  KnownRecords known;
  known.companies = {{"by-name-old", {{"name", "x"}}, day(1)},
                     {"by-domain-new", {{"domain", "x.jp"}}, day(9)},
                     {"by-domain-old", {{"domain", "x.jp"}, {"name", "other"}}, day(5)}};
  const auto plan = plan_delivery({booking(contact("a@x.jp"), company("x.jp", "x"))}, known);
  CHECK(plan.companies.empty());
  CHECK(plan.bookings[0].company == RecordRef{Kind::existing, "by-domain-old", 0});
  CHECK(plan.bookings[0].associate);  // a new contact is associated with the company found
}

TEST_CASE("a company without a domain is found by name", "[sync][planner]") {
  KnownRecords known;
  known.companies = {{"7", {{"name", "mixtend"}}, day(1)}};
  const auto plan = plan_delivery({booking(contact("taro@gmail.com"), company("", "mixtend"))}, known);
  CHECK(plan.bookings[0].company == RecordRef{Kind::existing, "7", 0});
}

TEST_CASE("an existing contact is a duplicate: not created, not associated", "[sync][planner]") {
  KnownRecords known;
  known.contact_ids_by_email = {{"a@x.jp", "12"}};
  const auto plan = plan_delivery({booking(contact("a@x.jp"), company("x.jp", "x"))}, known);
  CHECK(plan.contacts.empty());
  CHECK(plan.bookings[0].contact == RecordRef{Kind::existing, "12", 0});
  CHECK_FALSE(plan.bookings[0].associate);
  CHECK(plan.companies.size() == 1);  // the company is still new
}

TEST_CASE("duplicates inside one batch are created once", "[sync][planner]") {
  const auto plan = plan_delivery({booking(contact("a@x.jp"), company("x.jp", "x")),
                                   booking(contact("a@x.jp"), company("x.jp", "x")),
                                   booking(contact("b@x.jp"), company("", "x")),
                                   booking(contact("c@y.jp"), company("y.jp", "y"))},
                                  {});
  CHECK(plan.companies.size() == 2);
  CHECK(plan.contacts.size() == 3);
  CHECK(plan.bookings[1].contact == RecordRef{Kind::created, {}, 0});
  CHECK_FALSE(plan.bookings[1].creates_contact);
  CHECK_FALSE(plan.bookings[1].associate);
  CHECK(plan.bookings[2].company == RecordRef{Kind::created, {}, 0});  // found by name
  CHECK(plan.bookings[2].associate);
  CHECK(plan.bookings[3].company == RecordRef{Kind::created, {}, 1});
}

TEST_CASE("no company, no association, no contact, no association", "[sync][planner]") {
  const auto plan = plan_delivery({booking(contact("taro@gmail.com"), std::nullopt), booking(std::nullopt, company("x.jp", ""))}, {});
  CHECK(plan.bookings[0].creates_contact);
  CHECK_FALSE(plan.bookings[0].associate);
  CHECK(plan.bookings[1].company.kind == Kind::created);
  CHECK_FALSE(plan.bookings[1].associate);
}

TEST_CASE("a candidate copies an evaluation's records and lowercases its dedupe keys", "[sync][planner]") {
  const auto rules = hubrules::testing::compile_text(R"(rules 1
companies {
  name = answer(type: "company_name")
  domain = company_domain(answer(type: "guest_email"))
  dedupe by domain or name
}
contacts {
  email = answer(type: "guest_email")
  dedupe by email
}
associate contacts with companies
)");
  REQUIRE(rules.compilation.plan);
  hubrules::engine::Evaluator evaluator(rules.compilation.plan);
  const simdjson::padded_string booking(std::string(R"({"event":{"id":"b1","form":[
    {"field_type":"company_name","label":"会社名","value":"Mixtend KK"},
    {"field_type":"guest_email","label":"メール","value":"Guest@Mixtend.COM"}]}})"));
  const BookingCandidate c = candidate_from(*rules.compilation.plan, "b1", evaluator.evaluate(booking));
  REQUIRE(c.contact);
  REQUIRE(c.company);
  CHECK(c.associate);
  CHECK(c.contact->properties[0].value == "Guest@Mixtend.COM");  // posted as given
  CHECK(c.contact->keys == std::vector<DedupeKey>{{"email", "guest@mixtend.com"}});
  CHECK(c.company->keys == std::vector<DedupeKey>{{"domain", "mixtend.com"}, {"name", "mixtend kk"}});
}

TEST_CASE("required scopes: reading and writing each object the rules post", "[sync]") {
  const auto both = hubrules::testing::compile_text(hubrules::testing::read_file(hubrules::testing::source_dir() + "/rules/timerex.rules"));
  REQUIRE(both.compilation.plan);
  const auto needed = required_scopes(*both.compilation.plan);
  CHECK(needed == std::vector<std::string>{"crm.objects.contacts.read", "crm.objects.contacts.write",
                                           "crm.objects.companies.read", "crm.objects.companies.write"});
  CHECK(missing_scopes("oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.companies.read "
                       "crm.objects.companies.write crm.schemas.contacts.read",
                       needed)
            .empty());
  CHECK(missing_scopes("crm.objects.contacts.read  crm.objects.contacts.write crm.objects.companies.read", needed) ==
        std::vector<std::string>{"crm.objects.companies.write"});
  CHECK(missing_scopes("", needed) == needed);

  const auto contacts_only = hubrules::testing::compile_text(
      "rules 1\ncontacts {\n  email = lower(valid_email(answer(type: \"guest_email\")))\n  dedupe by email\n}\n");
  REQUIRE(contacts_only.compilation.plan);
  CHECK(required_scopes(*contacts_only.compilation.plan) ==
        std::vector<std::string>{"crm.objects.contacts.read", "crm.objects.contacts.write"});
}

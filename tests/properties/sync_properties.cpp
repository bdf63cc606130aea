// Whatever the bookings, the records HubSpot held before and the faults it throws (502, 503,
// connections dropped before or after applying a write), one sync leaves HubSpot exactly as an
// oracle written here from the product's rules says: no duplicate, nothing missing, the right
// associations. The oracle replays the rules booking by booking; the pipeline batches.
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/sync_harness.hpp"

using namespace hubrules;
using namespace hubrules::runtime;

namespace {

struct Guest {
  std::string email;    // lowercase
  std::string company;  // the form's company name; may be empty
};

struct Company {
  std::string domain;  // lowercase; empty when none
  std::string name;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string key_of(const Company& c) { return c.domain + "|" + lower(c.name); }

// The CRM the product's rules make: companies matched on domain first, then name, the oldest
// first; a contact per email; an association for each contact created, to its company.
struct Oracle {
  std::vector<Company> companies;
  std::set<std::string> contacts;
  std::multiset<std::string> associations;

  int find(const std::string& property, const std::string& value) const {
    for (std::size_t i = 0; i < companies.size(); ++i)
      if ((property == "domain" ? companies[i].domain : lower(companies[i].name)) == value) return static_cast<int>(i);
    return -1;
  }

  void book(const Guest& g) {
    const std::string domain = g.email.ends_with("@gmail.com") ? "" : g.email.substr(g.email.find('@') + 1);
    int company = -1;
    if (!domain.empty() || !g.company.empty()) {
      if (!domain.empty()) company = find("domain", domain);
      if (company < 0 && !g.company.empty()) company = find("name", lower(g.company));
      if (company < 0) {
        companies.push_back({domain, g.company});
        company = static_cast<int>(companies.size()) - 1;
      }
    }
    if (!contacts.insert(g.email).second) return;
    if (company >= 0) associations.insert(g.email + " -> " + key_of(companies[static_cast<std::size_t>(company)]));
  }

  std::multiset<std::string> picture() const {
    std::multiset<std::string> out(associations);
    for (const auto& c : companies) out.insert("company " + key_of(c));
    for (const auto& e : contacts) out.insert("contact " + e);
    return out;
  }
};

std::multiset<std::string> picture(const SandboxState& s) {
  std::map<std::string, std::string> company, email;
  std::multiset<std::string> out;
  for (const auto& c : s.companies) {
    company[c.id] = key_of({c.property("domain"), c.property("name")});
    out.insert("company " + company[c.id]);
  }
  for (const auto& c : s.contacts) {
    email[c.id] = c.property("email");
    out.insert("contact " + email[c.id]);
  }
  for (const auto& a : s.associations) out.insert(email[a.contact_id] + " -> " + company[a.company_id]);
  return out;
}

Guest guest(int g, int firms, bool free_mail, bool names_company) {
  const int firm = g % firms;
  const std::string email = "g" + std::to_string(g) + (free_mail ? "@gmail.com" : "@firm" + std::to_string(firm) + ".co.jp");
  return {email, names_company ? "Firm " + std::to_string(firm) : ""};
}

}  // namespace

TEST_CASE("sync properties", "[sync][property]") {
  rc::prop("one faulty sync makes exactly the CRM the rules say", [] {
    const int firms = *rc::gen::inRange(1, 30);
    const int guests = *rc::gen::inRange(1, 120);
    const auto bookings = *rc::gen::container<std::vector<int>>(*rc::gen::inRange(1, 260), rc::gen::inRange(0, guests));
    const auto free_mail = *rc::gen::container<std::vector<bool>>(static_cast<std::size_t>(guests + 1), rc::gen::arbitrary<bool>());
    const auto named = *rc::gen::container<std::vector<bool>>(static_cast<std::size_t>(guests + 1), rc::gen::arbitrary<bool>());
    const int seeded_firms = *rc::gen::inRange(0, 6);
    const int seeded_guests = *rc::gen::inRange(0, 6);
    SandboxOptions faults;
    faults.fail_rate = *rc::gen::inRange(0, 25) / 100.0;
    faults.seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
    faults.whole_batch_errors = *rc::gen::arbitrary<bool>();  // a stricter server than HubSpot

    testing::SyncHarness h(faults);
    h.options.max_in_doubt_rounds = 50;
    Oracle oracle;
    for (int f = 0; f < seeded_firms; ++f) {  // before any fault: seeding is not an API call
      Company c{f % 3 == 2 ? "" : "firm" + std::to_string(f) + ".co.jp", f % 3 == 1 ? "" : "FIRM " + std::to_string(f)};
      std::map<std::string, std::string> props;
      if (!c.domain.empty()) props["domain"] = c.domain;
      if (!c.name.empty()) props["name"] = c.name;
      h.sandbox.seed_record("companies", props);
      oracle.companies.push_back(c);
    }
    for (int g = 0; g < seeded_guests; ++g) {
      const Guest existing = guest(g * 7, firms, free_mail[static_cast<std::size_t>(g * 7 % (guests + 1))], false);
      if (oracle.contacts.insert(existing.email).second) h.sandbox.seed_record("contacts", {{"email", existing.email}});
    }
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < bookings.size(); ++i) {
      const auto g = static_cast<std::size_t>(bookings[i]);
      const Guest visitor = guest(bookings[i], firms, free_mail[g], named[g]);
      lines.push_back(testing::booking("ev-" + std::to_string(i), visitor.email, visitor.company));
      oracle.book(visitor);
    }
    const SyncCounts counts = h.sync(lines);
    RC_ASSERT(counts.clean());
    RC_ASSERT(picture(h.sandbox.state()) == oracle.picture());
    RC_ASSERT(h.store->unresolved_intents().empty());
  });
}

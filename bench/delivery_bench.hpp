#pragma once
// The delivery benchmark's parts: the bookings and the pre-existing CRM records every strategy
// starts from (delivery_fixture.cpp), the naive per-booking strategy peers use
// (delivery_naive.cpp), and the final CRM state, its duplicates and its differences
// (delivery_crm.cpp). delivery_bench.cpp runs the strategies and prints the table.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/plan.hpp"
#include "runtime/sandbox/sandbox.hpp"
#include "runtime/sync/delivery_candidate.hpp"

namespace hubrules::bench {

// HubSpot's free tier, the same for the sandbox and for every strategy's client-side limiter.
struct Limits {
  int burst_limit = 100;  // per rolling 10 s
  int search_rate = 5;    // per second
  long search_lag_ms = 3000;
};

// The private-app token the sandbox accepts and every strategy sends.
inline constexpr std::string_view kToken = "pat-na1-delivery-bench";

using Properties = std::map<std::string, std::string>;

struct SeedRecord {
  std::string object;  // "contacts" or "companies"
  Properties properties;
};

// ---- the fixture ---------------------------------------------------------------------------------

// Calls f for each booking line of `ndjson`, evaluated and copied out as a candidate.
void for_each_candidate(const engine::PlanPtr& plan, std::string_view ndjson,
                        const std::function<void(const runtime::BookingCandidate&)>& f);

// The first n lines of an NDJSON text.
std::string_view first_lines(std::string_view ndjson, long long n);

// Records that exist before the first booking: about 10 % of the bookings' companies (a third of
// those with a domain are seeded by name only; those known only by name stay so) and about 5 % of
// the contacts' emails. Chosen by a hash
// of the key and the seed, so every strategy and every run gets the same ones.
std::vector<SeedRecord> choose_seed_records(const engine::PlanPtr& plan, std::string_view ndjson, std::uint64_t seed);

// A fresh in-process HubSpot on a loopback port with the limits and the seed records.
std::unique_ptr<runtime::Sandbox> start_sandbox(const Limits& limits, const std::vector<SeedRecord>& seeds);

// ---- the naive strategy ----------------------------------------------------------------------------

struct NaiveOutcome {
  long bookings_with_records = 0;
  long failed_bookings = 0;    // a call failed for good; the booking is left half-done
  long conflicts_409 = 0;      // contact creates refused as existing (search had not seen it)
  long client_429s = 0;        // as the client saw them
  std::vector<std::string> first_errors;
};

// For each booking in order: evaluate, search the contact by email, create it when absent, search
// the company by domain or name, create it when absent, associate them. One call at a time
// through http::HubSpotApi with the client-side limiter set to `limits`.
NaiveOutcome run_naive(const engine::PlanPtr& plan, std::string_view ndjson, const std::string& base_url,
                       const Limits& limits);

// ---- the CRM state --------------------------------------------------------------------------------

// Which company a dedupe key ("domain:x", "name:y", lowercase) belongs to, learnt from the
// bookings: keys that one booking's company carries together are one company. Labels the
// companies of every run alike, whatever records each run made.
using CompanyLabels = std::map<std::string, std::string>;
CompanyLabels company_labels(const engine::PlanPtr& plan, std::string_view ndjson);

// What HubSpot holds, keyed so that two runs compare regardless of record ids: contacts by
// lowercase email; companies by the company their domain or name belongs to (one group is one
// real company, however many records it has); associations as (email, company group).
struct CrmView {
  std::map<std::string, std::vector<Properties>> contacts;   // email → its records, oldest first
  std::map<std::string, std::vector<Properties>> companies;  // group → its records, oldest first
  std::set<std::pair<std::string, std::string>> associations;
  long contact_duplicates = 0;  // records beyond the first of each email
  // Records beyond the first among companies sharing a domain or a name, which dedupe by domain
  // or name exists to prevent. (Two records of one company that share neither, one made from a
  // booking with the domain only and one from a booking with the name only, are not.)
  long company_duplicates = 0;
  std::vector<std::string> duplicate_examples;  // "2 companies sharing domain:x", …
};

CrmView view_of(const runtime::SandboxState& state, const CompanyLabels& labels);

struct CrmDiff {
  long contacts_missing = 0, contacts_extra = 0, contacts_changed = 0;
  long companies_missing = 0, companies_extra = 0, companies_changed = 0;
  long associations_missing = 0, associations_extra = 0;
  std::vector<std::string> examples;  // a few of the differences, for people

  bool same() const;
  std::string summary() const;  // "yes", or what differs
};

// How `other` differs from `reference`: a group or email with a different number of records, or
// whose oldest record has other properties, counts as changed.
CrmDiff compare(const CrmView& reference, const CrmView& other);

}  // namespace hubrules::bench

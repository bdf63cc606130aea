// The delivery benchmark's starting point: evaluated bookings, the records HubSpot already holds,
// and a fresh sandbox holding them.
#include <simdjson.h>

#include <initializer_list>
#include <optional>
#include <set>
#include <string>

#include "bench/delivery_bench.hpp"
#include "engine/evaluator.hpp"
#include "runtime/mapping/ndjson_chunks.hpp"

namespace hubrules::bench {

namespace {

std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A draw in [0, 1000) that depends only on the key and the seed: which records pre-exist must
// not depend on the order in which a strategy meets them.
unsigned per_mille(std::string_view key, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : key) h = (h ^ c) * 0x100000001b3ull;
  return unsigned(mix(h ^ mix(seed)) % 1000);
}

const std::string* property(const runtime::hubspot::RecordCandidate& r, std::string_view name) {
  for (const auto& p : r.properties)
    if (p.name == name) return &p.value;
  return nullptr;
}

// Copies the named properties that are present.
Properties pick(const runtime::hubspot::RecordCandidate& r, std::initializer_list<std::string_view> names) {
  Properties out;
  for (auto name : names)
    if (const auto* v = property(r, name)) out.emplace(std::string(name), *v);
  return out;
}

// A company known before: one in ten; of those with a domain, one in three by its name only (an
// old record nobody gave a domain), which dedupe by name must still find.
std::optional<SeedRecord> seed_company(const runtime::hubspot::RecordCandidate& c, std::uint64_t seed) {
  if (c.keys.empty()) return std::nullopt;
  const unsigned draw = per_mille(c.keys.front().property + ":" + c.keys.front().value, seed);
  if (draw >= 100) return std::nullopt;
  const bool name_only = draw < 33 && property(c, "name") != nullptr;
  return SeedRecord{"companies", name_only ? pick(c, {"name"}) : pick(c, {"name", "domain"})};
}

// A contact known before: one email in twenty.
std::optional<SeedRecord> seed_contact(const runtime::hubspot::RecordCandidate& c, std::uint64_t seed) {
  if (c.keys.empty() || per_mille("contact:" + c.keys.front().value, seed) >= 50) return std::nullopt;
  return SeedRecord{"contacts", pick(c, {"email", "firstname", "lastname"})};
}

// True when none of the record's keys was met before: a company first met by its name alone (a
// free-mail guest) and later with its domain is one company, and must not be seeded twice.
bool first_time(std::set<std::string>& seen, std::string_view object, const runtime::hubspot::RecordCandidate& r) {
  bool fresh = !r.keys.empty();
  for (const auto& k : r.keys) fresh = seen.insert(std::string(object) + " " + k.property + ":" + k.value).second && fresh;
  return fresh;
}

}  // namespace

void for_each_candidate(const engine::PlanPtr& plan, std::string_view ndjson,
                        const std::function<void(const runtime::BookingCandidate&)>& f) {
  // The evaluator reads past a line's end up to simdjson's padding: one padded copy serves all.
  std::string buffer(ndjson);
  buffer.append(simdjson::SIMDJSON_PADDING, '\0');
  engine::Evaluator evaluator(plan);
  const char* base = buffer.data();
  runtime::for_each_line(base, base + ndjson.size(), 1, [&](std::size_t, const char* p, std::size_t len) {
    const engine::Evaluation& e = evaluator.evaluate(p, len, buffer.size() - std::size_t(p - base));
    f(runtime::candidate_from(*plan, std::string(e.booking_id.text), e));
  });
}

std::string_view first_lines(std::string_view ndjson, long long n) {
  std::size_t end = 0;
  for (long long i = 0; i < n && end < ndjson.size(); ++i) {
    const std::size_t nl = ndjson.find('\n', end);
    end = nl == std::string_view::npos ? ndjson.size() : nl + 1;
  }
  return ndjson.substr(0, end);
}

std::vector<SeedRecord> choose_seed_records(const engine::PlanPtr& plan, std::string_view ndjson, std::uint64_t seed) {
  std::vector<SeedRecord> out;
  std::set<std::string> seen;  // the first booking of a company or an email decides its record
  for_each_candidate(plan, ndjson, [&](const runtime::BookingCandidate& b) {
    if (b.company && first_time(seen, "company", *b.company))
      if (auto s = seed_company(*b.company, seed)) out.push_back(std::move(*s));
    if (b.contact && first_time(seen, "contact", *b.contact))
      if (auto s = seed_contact(*b.contact, seed)) out.push_back(std::move(*s));
  });
  return out;
}

std::unique_ptr<runtime::Sandbox> start_sandbox(const Limits& limits, const std::vector<SeedRecord>& seeds) {
  runtime::SandboxOptions o;
  o.search_lag = runtime::Millis(limits.search_lag_ms);
  o.burst_limit = limits.burst_limit;
  o.search_rate = limits.search_rate;
  o.tokens = {std::string(kToken)};
  auto sandbox = std::make_unique<runtime::Sandbox>(o);
  for (const auto& s : seeds) sandbox->seed_record(s.object, s.properties);
  sandbox->start();
  return sandbox;
}

}  // namespace hubrules::bench

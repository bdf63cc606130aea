#include "runtime/sync/delivery_candidate.hpp"

#include "engine/text/ascii_case.hpp"

namespace hubrules::runtime {

namespace {
hubspot::RecordCandidate record_from(const engine::BlockPlan& block, const engine::RecordResult& r) {
  hubspot::RecordCandidate out;
  for (const engine::PropertyValue& p : r.properties)
    out.properties.push_back({p.property->name, std::string(p.value.text), p.value.kind == engine::Kind::number});
  for (std::uint32_t k : block.dedupe_keys) {
    const engine::Value v = r.get(block.properties[k].name);
    if (v.is_null()) continue;
    out.keys.push_back({block.properties[k].name, text::lower_ascii(v.text)});
  }
  return out;
}
}  // namespace

BookingCandidate candidate_from(const engine::Plan& plan, std::string event_id, const engine::Evaluation& e) {
  BookingCandidate c;
  c.event_id = std::move(event_id);
  if (e.outcome != engine::Outcome::records) return c;
  if (e.contacts.present) c.contact = record_from(plan.contacts, e.contacts);
  if (e.companies.present) c.company = record_from(plan.companies, e.companies);
  c.associate = e.associate;
  return c;
}

std::vector<std::string> company_dedupe_properties(const engine::Plan& plan) {
  std::vector<std::string> names;
  for (const std::uint32_t k : plan.companies.dedupe_keys) names.push_back(plan.companies.properties[k].name);
  return names;
}

}  // namespace hubrules::runtime

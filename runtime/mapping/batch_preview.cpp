#include "runtime/mapping/batch_preview.hpp"

#include "engine/map_output.hpp"

namespace hubrules::runtime {

void BatchPreview::add(const engine::Evaluation& e) {
  if (e.outcome != engine::Outcome::records) return;
  add_record(plan_.companies, e.companies, companies_);
  add_record(plan_.contacts, e.contacts, contacts_);
}

void BatchPreview::add_record(const engine::BlockPlan& block, const engine::RecordResult& r, ObjectBatches& out) {
  if (!r.present) return;
  const std::vector<std::string> keys = DedupeIndex::key_values(block, r);
  if (out.index.is_duplicate(keys)) {
    ++out.duplicates;
    return;
  }
  out.index.remember(keys);
  std::string input;
  engine::append_properties_object(input, r);
  out.inputs.push_back(std::move(input));
}

void BatchPreview::render_object(std::string& out, ObjectType type, const ObjectBatches& b) const {
  const std::string path = paths_.batch(type, "create");
  for (std::size_t first = 0; first < b.inputs.size(); first += batch_size) {
    out += R"({"method":"POST","path":")" + path + R"(","body":{"inputs":[)";
    for (std::size_t i = first; i < b.inputs.size() && i < first + batch_size; ++i) {
      if (i > first) out += ',';
      out += b.inputs[i];
    }
    out += "]}}\n";
  }
}

std::string BatchPreview::render() const {
  std::string out;
  render_object(out, ObjectType::company, companies_);
  render_object(out, ObjectType::contact, contacts_);
  return out;
}

}  // namespace hubrules::runtime

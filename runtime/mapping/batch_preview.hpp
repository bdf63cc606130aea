#pragma once
// `hubrules map --as-batches`: the HubSpot batch/create requests the bookings would produce
// against an empty CRM — companies first, then contacts, at most 100 inputs a request, a
// record that duplicates an earlier one (by the block's dedupe keys) left out, as a duplicate is
// neither created nor updated.
#include <string>
#include <vector>

#include "engine/evaluation.hpp"
#include "runtime/hubspot/api_paths.hpp"
#include "runtime/mapping/dedupe_index.hpp"

namespace hubrules::runtime {

class BatchPreview {
 public:
  static constexpr std::size_t batch_size = 100;

  // `paths`: the API family whose paths the requests name.
  explicit BatchPreview(const engine::Plan& plan, hubspot::ApiPaths paths = hubspot::ApiPaths{})
      : plan_(plan), paths_(paths) {}
  void add(const engine::Evaluation& e);
  // One line per request: {"method":"POST","path":"/crm/objects/2026-03/…/batch/create","body":{"inputs":[…]}}
  std::string render() const;
  std::size_t duplicates(bool companies) const { return companies ? companies_.duplicates : contacts_.duplicates; }

 private:
  struct ObjectBatches {
    DedupeIndex index;
    std::vector<std::string> inputs;  // {"properties":{…}} each
    std::size_t duplicates = 0;
  };
  void add_record(const engine::BlockPlan& block, const engine::RecordResult& r, ObjectBatches& out);
  void render_object(std::string& out, ObjectType type, const ObjectBatches& b) const;

  const engine::Plan& plan_;
  hubspot::ApiPaths paths_;
  ObjectBatches companies_;
  ObjectBatches contacts_;
};

}  // namespace hubrules::runtime

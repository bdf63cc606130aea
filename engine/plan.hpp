#pragma once
// A compiled rule file: immutable, shared by every evaluating thread. It knows statically which
// booking fields it reads (the read tree, answer keys, URL parameters) and holds each expression
// as a flat array of nodes.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "engine/function.hpp"
#include "engine/text/free_mail_domains.hpp"
#include "engine/value.hpp"

namespace hubrules::engine {

enum class Op : std::uint8_t { literal, slot, let, call, logical_not, logical_and, logical_or, equal, not_equal, conditional };

struct PlanNode {
  Op op = Op::literal;
  std::uint8_t argc = 0;
  std::uint32_t index = 0;  // literal, slot or let index; else the first operand in Plan::operands
  const FunctionSpec* function = nullptr;
  CallSite site;
};

struct PropertyPlan {
  std::string name;
  bool numeric = false;  // a HubSpot number property: posted as a JSON number
  std::uint32_t node = 0;
  std::string json_key;  // "name": — written once here, not escaped for every booking
};

struct BlockPlan {
  bool declared = false;
  std::string object;               // "contacts" or "companies"
  std::int32_t guard = -1;          // node of `contacts when …`, or -1
  std::vector<PropertyPlan> properties;
  std::vector<std::uint32_t> dedupe_keys;  // indices into properties
  std::int32_t required = -1;       // property that must be present (contacts: email)
};

struct GuardPlan {
  std::uint32_t node = 0;
  std::string text;  // the condition as written, for "skipped" reasons
};

// A node of the tree of booking fields the plan reads, rooted at the booking object.
struct ReadNode {
  enum class Collector : std::uint8_t { none, form_answers, url_params };
  struct Child {
    std::string key;   // object key, or empty for an array index
    long index = -1;
    std::uint32_t node = 0;
  };
  std::vector<Child> children;
  std::int32_t slot = -1;  // the scalar here goes to this slot
  Collector collector = Collector::none;
  std::string path;        // "booking.event.form", for shape errors
  bool lenient = false;    // read only for the output's "booking" id: a wrong shape reads as null
  std::vector<std::int32_t> subtree_slots;  // every slot read at or below this node

  static ReadNode at(std::string path) {
    ReadNode n;
    n.path = std::move(path);
    return n;
  }
};


struct KeyedSlot {
  std::string key;
  std::int32_t slot = -1;
};

struct Plan {
  std::vector<PlanNode> nodes;
  std::vector<std::uint32_t> operands;
  std::vector<Value> literals;
  std::deque<std::string> literal_text;  // storage the literals' views point into

  std::vector<std::uint32_t> lets;  // root node of each let, in definition order
  std::vector<GuardPlan> guards;
  BlockPlan contacts;
  BlockPlan companies;
  bool associate = false;

  std::vector<ReadNode> read_tree;  // [0] is the booking root
  std::vector<KeyedSlot> answers_by_type;
  std::vector<KeyedSlot> answers_by_label;
  std::vector<KeyedSlot> url_params;
  std::int32_t booking_id_slot = -1;
  std::uint32_t slot_count = 0;

  text::FreeMailDomains free_mail{text::FreeMailDomains::edits_of(text::FreeMailDomains::bundled())};  // with the file's edits
  std::int32_t expression_root = -1;  // set when the plan is a lone expression (function examples)
};

using PlanPtr = std::shared_ptr<const Plan>;

// Fills each read node's subtree_slots, once the plan's reads are all known.
void index_read_tree(Plan& plan);

}  // namespace hubrules::engine

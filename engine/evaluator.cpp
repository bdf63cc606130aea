#include "engine/evaluator.hpp"

#include <algorithm>
#include <cstring>

#include "engine/text/decimal.hpp"
#include "engine/text/whitespace.hpp"

namespace hubrules::engine {

Evaluator::Evaluator(PlanPtr plan)
    : plan_(std::move(plan)),
      reader_(*plan_),
      slots_(plan_->slot_count),
      let_values_(plan_->lets.size()),
      let_done_(plan_->lets.size()),
      arg_stack_(plan_->operands.size() + 1),
      context_(arena_, slots_.data(), plan_->free_mail) {}

bool Evaluator::read(const char* json, std::size_t len, std::size_t capacity, ReadError& error) {
  arena_.reset();
  std::fill(slots_.begin(), slots_.end(), Value::null());
  std::fill(let_done_.begin(), let_done_.end(), 0);
  error.code = {};
  simdjson::ondemand::document doc;
  if (auto e = parser_.iterate(json, len, capacity).get(doc)) {
    error.code = "R001";
    error.message = e == simdjson::EMPTY ? "empty line, expected a booking" : std::string("not valid JSON: ") + simdjson::error_message(e);
    return false;
  }
  const bool escaped = std::memchr(json, '\\', len) != nullptr;
  return reader_.read(doc, escaped, slots_.data(), arena_, error);
}

const Evaluation& Evaluator::evaluate(const char* json, std::size_t len, std::size_t capacity) {
  Evaluation& r = result_;
  r.contacts.present = r.companies.present = r.associate = false;
  r.contacts.properties.clear();
  r.companies.properties.clear();
  ReadError error;
  const bool ok = read(json, len, capacity, error);
  // Invalid JSON has no id to trust, even if one was read before the syntax error.
  r.booking_id = plan_->booking_id_slot >= 0 && error.code != "R001" ? slots_[plan_->booking_id_slot] : Value::null();
  if (!ok) {
    r.outcome = Outcome::error;
    r.error_code = error.code;
    r.error_message = std::move(error.message);
    return r;
  }
  if (!guards_pass()) return r;
  r.outcome = Outcome::records;
  record(plan_->contacts, r.contacts);
  record(plan_->companies, r.companies);
  r.associate = plan_->associate && r.contacts.present && r.companies.present;
  return r;
}

bool Evaluator::guards_pass() {
  for (const GuardPlan& g : plan_->guards) {
    if (eval(g.node).is_true()) continue;
    result_.outcome = Outcome::skipped;
    result_.skip_reason = g.text;
    return false;
  }
  return true;
}

Value Evaluator::evaluate_expression(const simdjson::padded_string& json, ReadError& error) {
  if (!read(json.data(), json.size(), json.size() + simdjson::SIMDJSON_PADDING, error)) return Value::null();
  return eval(static_cast<std::uint32_t>(plan_->expression_root));
}

// A property's value as HubSpot will receive it, or null when it is not to be posted.
Value Evaluator::property_value(const PropertyPlan& p) {
  const Value v = eval(p.node);
  if (v.is_null()) return v;
  if (!p.numeric) return v.kind == Kind::string && text::is_blank(v.text) ? Value::null() : Value::string(v.text);
  if (v.kind == Kind::number) return v;
  if (v.kind != Kind::string) return Value::null();
  const std::string_view s = text::trim(v.text);
  const std::string_view n = text::normalize_decimal(s, arena_.allocate(s.size()));
  return n.empty() ? Value::null() : Value::number(n);
}

void Evaluator::record(const BlockPlan& block, RecordResult& out) {
  if (!block.declared || (block.guard >= 0 && !eval(static_cast<std::uint32_t>(block.guard)).is_true())) return;
  bool has_key = block.dedupe_keys.empty();
  for (std::size_t i = 0; i < block.properties.size(); ++i) {
    const Value v = property_value(block.properties[i]);
    if (v.is_null()) {
      if (static_cast<std::int32_t>(i) == block.required) break;
      continue;
    }
    out.properties.push_back({&block.properties[i], v});
    if (!has_key) has_key = std::find(block.dedupe_keys.begin(), block.dedupe_keys.end(), i) != block.dedupe_keys.end();
  }
  const bool required_ok = block.required < 0 || out.get(block.properties[block.required].name).kind != Kind::null;
  out.present = has_key && required_ok && !out.properties.empty();
  if (!out.present) out.properties.clear();
}

Value Evaluator::let(std::uint32_t index) {
  if (!let_done_[index]) {
    let_values_[index] = eval(plan_->lets[index]);
    let_done_[index] = 1;
  }
  return let_values_[index];
}

Value Evaluator::eval(std::uint32_t node) {
  const PlanNode& n = plan_->nodes[node];
  const std::uint32_t* ops = plan_->operands.data() + n.index;
  switch (n.op) {
    case Op::literal: return plan_->literals[n.index];
    case Op::slot: return slots_[n.index];
    case Op::let: return let(n.index);
    case Op::call: return eval_call(n);
    case Op::logical_not: return Value::of_bool(!eval(ops[0]).is_true());
    case Op::logical_and: return Value::of_bool(eval(ops[0]).is_true() && eval(ops[1]).is_true());
    case Op::logical_or: return Value::of_bool(eval(ops[0]).is_true() || eval(ops[1]).is_true());
    case Op::equal: return Value::of_bool(values_equal(eval(ops[0]), eval(ops[1])));
    case Op::not_equal: return Value::of_bool(!values_equal(eval(ops[0]), eval(ops[1])));
    case Op::conditional: return eval(ops[0]).is_true() ? eval(ops[1]) : eval(ops[2]);
  }
  return Value::null();
}

// Arguments live on a stack sized for the plan, so a call costs no initialisation of unused space.
Value Evaluator::eval_call(const PlanNode& n) {
  Value* args = arg_stack_.data() + arg_top_;
  arg_top_ += n.argc;
  const std::uint32_t* ops = plan_->operands.data() + n.index;
  for (std::uint8_t i = 0; i < n.argc; ++i) args[i] = eval(ops[i]);
  const Value result = n.function->impl(std::span<const Value>(args, n.argc), n.site, context_);
  arg_top_ -= n.argc;
  return result;
}

}  // namespace hubrules::engine

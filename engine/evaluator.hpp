#pragma once
// Runs a plan on bookings. One Evaluator per thread: it owns the simdjson parser, the arena and
// the slots, all reused from booking to booking, so the steady state allocates nothing.
#include <simdjson.h>

#include <string>
#include <vector>

#include "engine/arena.hpp"
#include "engine/booking_reader.hpp"
#include "engine/evaluation.hpp"
#include "engine/plan.hpp"

namespace hubrules::engine {

class Evaluator {
 public:
  explicit Evaluator(PlanPtr plan);

  // Evaluates one booking. The buffer must stay readable for `capacity` bytes, at least
  // len + simdjson::SIMDJSON_PADDING (the padding's content does not matter).
  const Evaluation& evaluate(const char* json, std::size_t len, std::size_t capacity);
  const Evaluation& evaluate(const simdjson::padded_string& json) { return evaluate(json.data(), json.size(), json.size() + simdjson::SIMDJSON_PADDING); }

  // For a plan compiled from a lone expression: its value on the booking, or the read error.
  Value evaluate_expression(const simdjson::padded_string& json, ReadError& error);

  const Plan& plan() const { return *plan_; }

 private:
  bool read(const char* json, std::size_t len, std::size_t capacity, ReadError& error);
  Value eval(std::uint32_t node);
  Value eval_call(const PlanNode& n);
  Value let(std::uint32_t index);
  void record(const BlockPlan& block, RecordResult& out);
  Value property_value(const PropertyPlan& p);
  bool guards_pass();

  PlanPtr plan_;
  simdjson::ondemand::parser parser_;
  BookingReader reader_;
  Arena arena_;
  std::vector<Value> slots_;
  std::vector<Value> let_values_;
  std::vector<unsigned char> let_done_;
  std::vector<Value> arg_stack_;  // every call's arguments fit: nesting never exceeds the operands
  std::size_t arg_top_ = 0;
  EvalContext context_;
  Evaluation result_;
};

}  // namespace hubrules::engine

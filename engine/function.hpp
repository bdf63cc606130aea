#pragma once
// What a standard function is: its signature, documentation, examples (which run as tests), and
// the code that evaluates it. Each function lives in engine/functions/<name>.cpp.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/arena.hpp"
#include "engine/value.hpp"
#include "grammar/ast.hpp"
#include "engine/text/free_mail_domains.hpp"

namespace hubrules::engine {

enum class Type : std::uint8_t { any, null, boolean, number, string };
std::string_view type_name(Type t) noexcept;

// What a function needs at run time besides its arguments.
class EvalContext {
 public:
  EvalContext(Arena& arena, const Value* slots, const text::FreeMailDomains& free_mail)
      : arena_(arena), slots_(slots), free_mail_(free_mail) {}
  char* allocate(std::size_t n) { return arena_.allocate(n); }
  Arena& arena() { return arena_; }
  const Value& slot(std::int32_t i) const { return slots_[i]; }
  const text::FreeMailDomains& free_mail() const { return free_mail_; }

 private:
  Arena& arena_;
  const Value* slots_;
  const text::FreeMailDomains& free_mail_;
};

// Per-call data fixed when the plan is built, e.g. the slot an answer() reads.
struct CallSite {
  std::int32_t slot = -1;
};

using FunctionImpl = Value (*)(std::span<const Value> args, const CallSite& site, EvalContext& ctx);

// Registers what a booking-reading function reads; returns the slot that will hold it.
class ReadSetBuilder {
 public:
  virtual ~ReadSetBuilder() = default;
  virtual std::int32_t answer_by_type(std::string_view field_type) = 0;
  virtual std::int32_t answer_by_label(std::string_view label) = 0;
  virtual std::int32_t url_param(std::string_view name) = 0;
};

// A problem a binder found in a call's arguments.
struct BindError {
  std::string code;  // "" when binding succeeded
  std::string message;
  std::string help;
  grammar::Span span;
};

// Functions that read the booking bind their literal arguments to slots when the plan is built.
using FunctionBinder = BindError (*)(const grammar::Call& call, grammar::Span call_span, ReadSetBuilder& reads,
                                      CallSite& site);

struct FunctionExample {
  std::string_view expression;
  std::string_view result;  // JSON: null, true, 12, "text"
};

inline constexpr int variadic = 16;

struct FunctionSpec {
  std::string_view name;
  std::string_view signature;  // "lower(text)"
  std::string_view summary;
  int min_args = 0;
  int max_args = 0;  // `variadic` for up to 16
  Type result = Type::any;
  FunctionImpl impl = nullptr;
  FunctionBinder bind = nullptr;  // set for functions taking named literal arguments
  std::span<const FunctionExample> examples;
};

// All standard functions, in alphabetical order.
std::span<const FunctionSpec* const> standard_functions();
const FunctionSpec* find_function(std::string_view name);

// The sample booking every function example runs against (TimeRex's documented payload).
std::string_view example_booking_json();

}  // namespace hubrules::engine

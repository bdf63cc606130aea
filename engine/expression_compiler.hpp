#pragma once
// Checks one expression and appends its nodes to a plan: names resolved, functions bound,
// booking paths added to the read tree, types inferred for the property and condition checks.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/plan.hpp"
#include "grammar/ast.hpp"
#include "grammar/diagnostic.hpp"

namespace hubrules::engine {

struct Compiled {
  std::uint32_t node = 0;
  Type type = Type::any;
};

class ExpressionCompiler : public ReadSetBuilder {
 public:
  ExpressionCompiler(Plan& plan, grammar::Diagnostics& diagnostics);

  Compiled compile(const grammar::Expr& e);
  // Compiles a condition and reports it unless it can be a boolean.
  Compiled compile_condition(const grammar::Expr& e, std::string_view where);

  // Names the checker knows about before it reaches them, for "defined later" help.
  void announce_let(const std::string& name, std::uint32_t line) { later_lets_.emplace(name, line); }
  void define_let(const grammar::Name& name, Compiled value);
  // Lets never used, for warnings.
  std::vector<const grammar::Name*> unused_lets() const;

  std::int32_t answer_by_type(std::string_view field_type) override;
  std::int32_t answer_by_label(std::string_view label) override;
  std::int32_t url_param(std::string_view name) override;

 private:
  struct LetInfo {
    std::uint32_t index;
    Type type;
    const grammar::Name* name;
    bool used = false;
  };

  Compiled literal(const grammar::Literal& l);
  std::string_view canonical_number(std::string_view written);
  Compiled path(const grammar::Expr& e, const grammar::Path& p);
  Compiled booking_path(const grammar::Expr& e, const grammar::Path& p);
  Compiled call(const grammar::Expr& e, const grammar::Call& c);
  Compiled operation(Op op, std::initializer_list<std::uint32_t> operands, Type type);
  std::uint32_t add_node(PlanNode n);
  std::uint32_t read_child(std::uint32_t parent, const grammar::PathStep& step, const std::string& path);
  std::uint32_t read_node_at(std::initializer_list<std::string_view> keys);
  std::int32_t keyed_slot(std::vector<KeyedSlot>& slots, std::string_view key);
  void error(std::string code, grammar::Span span, std::string message, std::string help = {});

  Plan& plan_;
  grammar::Diagnostics& diagnostics_;
  std::map<std::string, LetInfo, std::less<>> lets_;
  std::map<std::string, std::uint32_t, std::less<>> later_lets_;
  std::set<std::string, std::less<>> used_early_;  // lets referred to above their definition
};

}  // namespace hubrules::engine

#include "engine/expression_compiler.hpp"

#include "engine/suggest.hpp"
#include "engine/text/decimal.hpp"

namespace hubrules::engine {

using grammar::Expr;
using grammar::Span;

ExpressionCompiler::ExpressionCompiler(Plan& plan, grammar::Diagnostics& diagnostics)
    : plan_(plan), diagnostics_(diagnostics) {
  if (plan_.read_tree.empty()) plan_.read_tree.push_back(ReadNode::at("booking"));
  // Literal 0 is null: nodes standing for erroneous expressions point at it.
  if (plan_.literals.empty()) plan_.literals.push_back(Value::null());
}

void ExpressionCompiler::error(std::string code, Span span, std::string message, std::string help) {
  diagnostics_.push_back({std::move(code), grammar::Severity::error, span, std::move(message), std::move(help)});
}

std::uint32_t ExpressionCompiler::add_node(PlanNode n) {
  plan_.nodes.push_back(n);
  return static_cast<std::uint32_t>(plan_.nodes.size() - 1);
}

Compiled ExpressionCompiler::operation(Op op, std::initializer_list<std::uint32_t> operands, Type type) {
  PlanNode n{op, static_cast<std::uint8_t>(operands.size()), static_cast<std::uint32_t>(plan_.operands.size()), nullptr, {}};
  plan_.operands.insert(plan_.operands.end(), operands);
  return {add_node(n), type};
}

Compiled ExpressionCompiler::compile(const Expr& e) {
  return std::visit(
      [&](const auto& node) -> Compiled {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, grammar::Literal>) {
          return literal(node);
        } else if constexpr (std::is_same_v<T, grammar::Path>) {
          return path(e, node);
        } else if constexpr (std::is_same_v<T, grammar::Call>) {
          return call(e, node);
        } else if constexpr (std::is_same_v<T, grammar::Not>) {
          return operation(Op::logical_not, {compile_condition(*node.operand, "`not`").node}, Type::boolean);
        } else if constexpr (std::is_same_v<T, grammar::Binary>) {
          if (node.op == grammar::BinaryOp::logical_and || node.op == grammar::BinaryOp::logical_or) {
            const char* word = node.op == grammar::BinaryOp::logical_and ? "`and`" : "`or`";
            const auto l = compile_condition(*node.lhs, word), r = compile_condition(*node.rhs, word);
            return operation(node.op == grammar::BinaryOp::logical_and ? Op::logical_and : Op::logical_or,
                             {l.node, r.node}, Type::boolean);
          }
          const auto l = compile(*node.lhs), r = compile(*node.rhs);
          return operation(node.op == grammar::BinaryOp::equal ? Op::equal : Op::not_equal, {l.node, r.node},
                           Type::boolean);
        } else {
          const auto c = compile_condition(*node.condition, "`if`");
          const auto t = compile(*node.then_value), f = compile(*node.else_value);
          const Type type = t.type == f.type ? t.type : t.type == Type::null ? f.type : f.type == Type::null ? t.type : Type::any;
          return operation(Op::conditional, {c.node, t.node, f.node}, type);
        }
      },
      e.node);
}

Compiled ExpressionCompiler::compile_condition(const Expr& e, std::string_view where) {
  const Compiled c = compile(e);
  if (c.type == Type::string || c.type == Type::number)
    error("E304", e.span, std::string(where) + " needs a condition, but this is a " + std::string(type_name(c.type)),
          "compare it (`x == \"value\"`) or test it with `present(x)`");
  return c;
}

// A number literal as JSON writes it: `007` is 7, `-0012.50` is -12.5.
std::string_view ExpressionCompiler::canonical_number(std::string_view written) {
  const bool negative = !written.empty() && written[0] == '-';
  const std::string_view digits = written.substr(negative ? 1 : 0);
  std::string& out = plan_.literal_text.emplace_back(digits.size() + 1, '\0');
  std::string_view n = text::normalize_decimal(digits, out.data() + 1);
  if (negative && n != "0") {
    out[static_cast<std::size_t>(n.data() - out.data()) - 1] = '-';
    n = {n.data() - 1, n.size() + 1};
  }
  return n;
}

Compiled ExpressionCompiler::literal(const grammar::Literal& l) {
  const std::string_view text = plan_.literal_text.emplace_back(l.text);
  Value v;
  Type t = Type::null;
  switch (l.kind) {
    case grammar::Literal::Kind::null: break;
    case grammar::Literal::Kind::boolean: v = Value::of_bool(l.boolean), t = Type::boolean; break;
    case grammar::Literal::Kind::number: v = Value::number(canonical_number(text)), t = Type::number; break;
    case grammar::Literal::Kind::string: v = Value::string(text), t = Type::string; break;
  }
  plan_.literals.push_back(v);
  return {add_node({Op::literal, 0, static_cast<std::uint32_t>(plan_.literals.size() - 1), nullptr, {}}), t};
}

Compiled ExpressionCompiler::path(const Expr& e, const grammar::Path& p) {
  const grammar::PathStep& root = p.steps[0];
  if (root.field == "booking") return booking_path(e, p);
  const auto it = lets_.find(root.field);
  if (it == lets_.end()) {
    std::string help;
    if (const auto later = later_lets_.find(root.field); later != later_lets_.end())
      used_early_.insert(root.field), help = "`" + root.field + "` is defined on line " + std::to_string(later->second) +
             "; move that `let` above its first use";
    else {
      std::vector<std::string_view> names{"booking"};
      for (const auto& [name, info] : lets_) names.push_back(name);
      help = did_you_mean(root.field, names);
      if (help.empty()) help = "define it first with `let " + root.field + " = …`, or read the booking as `booking.…`";
    }
    error("E310", root.span, "undefined name `" + root.field + "`", help);
    return {add_node({Op::literal, 0, 0, nullptr, {}}), Type::any};
  }
  it->second.used = true;
  if (p.steps.size() > 1)
    error("E315", {p.steps[1].span.begin, e.span.end}, "`" + root.field + "` holds a single value; it has no fields",
          "read booking fields with a path from `booking`, e.g. `booking.event.id`");
  return {add_node({Op::let, 0, it->second.index, nullptr, {}}), it->second.type};
}

Compiled ExpressionCompiler::booking_path(const Expr& e, const grammar::Path& p) {
  if (p.steps.size() == 1) {
    error("E313", e.span, "`booking` is the whole booking, not a value", "read one field, e.g. `booking.event.id`");
    return {add_node({Op::literal, 0, 0, nullptr, {}}), Type::any};
  }
  if (p.steps.size() >= 3 && p.steps[1].field == "event" && (p.steps[2].field == "form" || p.steps[2].field == "url_params")) {
    const bool form = p.steps[2].field == "form";
    error("E314", e.span, std::string("booking.event.") + (form ? "form" : "url_params") + " is read by " +
                              (form ? "answer()" : "url_param()") + ", not by a path",
          form ? R"(write `answer(type: "guest_email")` or `answer(label: "役職")`)" : R"(write `url_param("utm_source")`)");
    return {add_node({Op::literal, 0, 0, nullptr, {}}), Type::any};
  }
  std::uint32_t node = 0;
  std::string text = "booking";
  for (std::size_t i = 1; i < p.steps.size(); ++i) {
    const grammar::PathStep& s = p.steps[i];
    text += s.field.empty() ? "[" + std::to_string(s.index) + "]" : "." + s.field;
    node = read_child(node, s, text);
  }
  ReadNode& leaf = plan_.read_tree[node];
  if (leaf.slot < 0) leaf.slot = static_cast<std::int32_t>(plan_.slot_count++);
  leaf.lenient = false;  // the rules read it: a wrong shape is the booking's error
  return {add_node({Op::slot, 0, static_cast<std::uint32_t>(leaf.slot), nullptr, {}}), Type::any};
}

std::uint32_t ExpressionCompiler::read_child(std::uint32_t parent, const grammar::PathStep& step, const std::string& path) {
  for (const auto& c : plan_.read_tree[parent].children)
    if (c.key == step.field && c.index == step.index) return c.node;
  const auto node = static_cast<std::uint32_t>(plan_.read_tree.size());
  plan_.read_tree.push_back(ReadNode::at(path));
  plan_.read_tree[parent].children.push_back({step.field, step.index, node});
  return node;
}

std::uint32_t ExpressionCompiler::read_node_at(std::initializer_list<std::string_view> keys) {
  std::uint32_t node = 0;
  std::string text = "booking";
  for (std::string_view k : keys) {
    text += "." + std::string(k);
    node = read_child(node, grammar::PathStep{std::string(k), -1, {}}, text);
  }
  return node;
}

std::int32_t ExpressionCompiler::keyed_slot(std::vector<KeyedSlot>& slots, std::string_view key) {
  for (const auto& s : slots)
    if (s.key == key) return s.slot;
  slots.push_back({std::string(key), static_cast<std::int32_t>(plan_.slot_count++)});
  return slots.back().slot;
}

std::int32_t ExpressionCompiler::answer_by_type(std::string_view field_type) {
  plan_.read_tree[read_node_at({"event", "form"})].collector = ReadNode::Collector::form_answers;
  return keyed_slot(plan_.answers_by_type, field_type);
}

std::int32_t ExpressionCompiler::answer_by_label(std::string_view label) {
  plan_.read_tree[read_node_at({"event", "form"})].collector = ReadNode::Collector::form_answers;
  return keyed_slot(plan_.answers_by_label, label);
}

std::int32_t ExpressionCompiler::url_param(std::string_view name) {
  plan_.read_tree[read_node_at({"event", "url_params"})].collector = ReadNode::Collector::url_params;
  return keyed_slot(plan_.url_params, name);
}

Compiled ExpressionCompiler::call(const Expr& e, const grammar::Call& c) {
  const FunctionSpec* f = find_function(c.function);
  if (f == nullptr) {
    std::vector<std::string_view> names;
    for (const FunctionSpec* s : standard_functions()) names.push_back(s->name);
    std::string help = did_you_mean(c.function, names);
    if (help.empty()) help = "the functions are listed in docs/rules-language.md";
    error("E300", c.function_span, "unknown function `" + c.function + "`", help);
    return {add_node({Op::literal, 0, 0, nullptr, {}}), Type::any};
  }
  PlanNode n{Op::call, 0, static_cast<std::uint32_t>(plan_.operands.size()), f, {}};
  if (f->bind != nullptr) {
    const BindError b = f->bind(c, e.span, *this, n.site);
    if (!b.code.empty()) {
      error(b.code, b.span, b.message, b.help);
      for (const auto& a : c.arguments) compile(*a.value);  // still report what is wrong inside them
    }
    if (n.site.slot < 0) return {add_node({Op::literal, 0, 0, nullptr, {}}), f->result};
    return {add_node(n), f->result};
  }
  for (const auto& a : c.arguments)
    if (!a.name.empty()) error("E302", a.name_span, c.function + " takes no named arguments", "usage: " + std::string(f->signature));
  const int argc = static_cast<int>(c.arguments.size());
  if (argc < f->min_args || argc > f->max_args) {
    const std::string expected = f->min_args == f->max_args ? std::to_string(f->min_args)
                                 : f->max_args == variadic ? "at least " + std::to_string(f->min_args)
                                                           : std::to_string(f->min_args) + " to " + std::to_string(f->max_args);
    error("E301", e.span,
          c.function + " takes " + expected + " argument" + (expected == "1" ? "" : "s") + ", not " + std::to_string(argc),
          "usage: " + std::string(f->signature));
  }
  std::vector<std::uint32_t> args;
  for (const auto& a : c.arguments) args.push_back(compile(*a.value).node);
  n.argc = static_cast<std::uint8_t>(std::min<std::size_t>(args.size(), variadic));
  n.index = static_cast<std::uint32_t>(plan_.operands.size());
  plan_.operands.insert(plan_.operands.end(), args.begin(), args.begin() + n.argc);
  return {add_node(n), f->result};
}

void ExpressionCompiler::define_let(const grammar::Name& name, Compiled value) {
  const auto index = static_cast<std::uint32_t>(plan_.lets.size());
  plan_.lets.push_back(value.node);
  lets_.insert_or_assign(name.text, LetInfo{index, value.type, &name, false});
  later_lets_.erase(name.text);
}

std::vector<const grammar::Name*> ExpressionCompiler::unused_lets() const {
  std::vector<const grammar::Name*> out;
  for (const auto& [n, info] : lets_)
    if (!info.used && !used_early_.count(n)) out.push_back(info.name);
  return out;
}

}  // namespace hubrules::engine

#include "engine/compiler.hpp"

#include <algorithm>
#include <set>

#include "engine/expression_compiler.hpp"
#include "engine/suggest.hpp"
#include "engine/text/json_writer.hpp"
#include "grammar/parser.hpp"

namespace hubrules::engine {

using grammar::Diagnostics;
using grammar::Severity;
using grammar::Span;

namespace {

constexpr std::string_view supported_version = "1";

bool is_valid_domain_text(std::string_view d) {
  if (d.empty() || d.front() == '.' || d.back() == '.' || d.find("..") != std::string_view::npos) return false;
  return std::all_of(d.begin(), d.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

// Checks a rule file statement by statement, building the plan as it goes.
class RulesChecker {
 public:
  RulesChecker(const grammar::SourceFile& src, const HubSpotSchema& schema, Diagnostics& diags)
      : src_(src), schema_(schema), diags_(diags), plan_(std::make_shared<Plan>()), exprs_(*plan_, diags) {
    const Compiled id = exprs_.compile(id_path());
    plan_->booking_id_slot = static_cast<std::int32_t>(plan_->nodes[id.node].index);
    for (ReadNode& n : plan_->read_tree) n.lenient = n.slot == plan_->booking_id_slot;
  }

  PlanPtr run(const grammar::RuleFile& rules) {
    if (!rules.readable) return nullptr;
    for (const auto& st : rules.statements)
      if (const auto* let = std::get_if<grammar::Let>(&st)) exprs_.announce_let(let->name.text, line_of(let->name.span));
    check_version(rules);
    for (const auto& st : rules.statements) std::visit([&](const auto& s) { statement(s); }, st);
    finish();
    if (grammar::has_errors(diags_)) return nullptr;
    index_read_tree(*plan_);
    return plan_;
  }

 private:
  static grammar::Expr id_path() {
    grammar::Expr e;
    e.node = grammar::Path{{{"booking", -1, {}}, {"event", -1, {}}, {"id", -1, {}}}};
    return e;
  }

  std::uint32_t line_of(Span s) const { return src_.locate(s.begin).line; }

  void report(std::string code, Span span, std::string message, std::string help = {}, Severity sev = Severity::error) {
    diags_.push_back({std::move(code), sev, span, std::move(message), std::move(help)});
  }

  void check_version(const grammar::RuleFile& rules) {
    const auto* first = rules.statements.empty() ? nullptr : std::get_if<grammar::VersionLine>(&rules.statements[0]);
    const std::uint32_t first_statement = rules.statements.empty() ? 0xFFFFFFFF : std::visit([](const auto& s) { return s.span.begin; }, rules.statements[0]);
    if (first == nullptr && rules.first_error > first_statement) report("E104", {0, 0}, "a rule file starts with its language version", "add `rules 1` as the first line");
  }

  void statement(const grammar::VersionLine& v) {
    if (++version_lines_ > 1) return report("E106", v.span, "the version line appears twice", "keep one `rules 1`, at the top");
    if (v.version != supported_version)
      report("E105", v.span, "unsupported rule language version " + v.version, "this hubrules reads `rules 1`");
  }

  void statement(const grammar::Let& let) {
    const Compiled value = exprs_.compile(*let.value);
    if (lets_seen_.count(let.name.text))
      report("E311", let.name.span, "`" + let.name.text + "` is already defined", "give the second value another name");
    lets_seen_.insert(let.name.text);
    exprs_.define_let(let.name, value);
  }

  void statement(const grammar::Guard& g) {
    const Compiled c = exprs_.compile_condition(*g.condition, "`when`");
    plan_->guards.push_back({c.node, std::string(src_.slice(g.condition->span))});
  }

  void statement(const grammar::Block& b);
  void statement(const grammar::Associate& a);
  void statement(const grammar::FreeMailEdit& f);

  void assignment(const grammar::Assignment& a, const ObjectSchema& schema, BlockPlan& block);
  bool postable(const grammar::Assignment& a, const ObjectSchema& schema, const PropertyDefinition& p);
  void dedupe(const grammar::Block& b, BlockPlan& block);
  void finish();

  BlockPlan* block_named(std::string_view name) {
    return name == "contacts" ? &plan_->contacts : name == "companies" ? &plan_->companies : nullptr;
  }

  const grammar::SourceFile& src_;
  const HubSpotSchema& schema_;
  Diagnostics& diags_;
  std::shared_ptr<Plan> plan_;
  ExpressionCompiler exprs_;
  int version_lines_ = 0;
  std::set<std::string, std::less<>> lets_seen_;
  const grammar::Associate* associate_ = nullptr;
};

void RulesChecker::statement(const grammar::Block& b) {
  BlockPlan* block = block_named(b.object.text);
  if (block == nullptr) {
    std::string help = did_you_mean(b.object.text, {"contacts", "companies"});
    report("E210", b.object.span, "unknown object `" + b.object.text + "`",
           help.empty() ? "hubrules posts `contacts` and `companies`" : help);
    return;
  }
  if (block->declared)
    return report("E211", b.object.span, "a second `" + b.object.text + "` block", "put all its properties in one block");
  block->declared = true;
  block->object = b.object.text;
  if (b.guard) block->guard = static_cast<std::int32_t>(exprs_.compile_condition(*b.guard, "`when`").node);
  const ObjectSchema& schema = *schema_.object(b.object.text);
  for (const auto& a : b.assignments) assignment(a, schema, *block);
  dedupe(b, *block);
  if (b.object.text == "contacts" && !b.has_syntax_errors) {
    const auto it = std::find_if(block->properties.begin(), block->properties.end(), [](const auto& p) { return p.name == "email"; });
    if (it == block->properties.end())
      report("E204", b.object.span, "a contacts block must map `email`",
             "HubSpot identifies contacts by email: add `email = lower(valid_email(answer(type: \"guest_email\")))`");
    else
      block->required = static_cast<std::int32_t>(it - block->properties.begin());
  }
}

void RulesChecker::assignment(const grammar::Assignment& a, const ObjectSchema& schema, BlockPlan& block) {
  const Compiled value = exprs_.compile(*a.value);
  const std::string& name = a.property.text;
  const PropertyDefinition* p = schema.find(name);
  if (p == nullptr) {
    std::vector<std::string_view> names;
    for (const auto& [n, def] : schema.properties) names.push_back(n);
    std::string help = did_you_mean(name, names);
    if (help.empty() && !schema.origin.empty()) help = "the " + schema.object + " properties are " + schema.origin;
    if (help.empty()) help = "the " + schema.object + " properties are in the HubSpot schema (rules/schema/" + schema.object + ".json or --schema DIR)";
    return report("E200", a.property.span, "unknown " + schema.object + " property `" + name + "`", help);
  }
  for (const auto& existing : block.properties)
    if (existing.name == name)
      return report("E206", a.property.span, "`" + name + "` is mapped twice in this block",
                    "map each property once; combine values with coalesce() or if … then … else");
  if (!postable(a, schema, *p)) return;
  const bool numeric = p->type == "number";
  if (numeric && (value.type == Type::string || value.type == Type::boolean))
    report("E207", a.value->span, "`" + name + "` is a number property, but this value is a " + std::string(type_name(value.type)),
           "convert it with number(…)");
  if (!numeric && value.type == Type::boolean)
    report("E207", a.value->span, "`" + name + "` is a string property, but this value is a boolean",
           "choose the text with `if … then \"yes\" else \"no\"`");
  std::string json_key;
  text::append_json_string(json_key, name);
  block.properties.push_back({name, numeric, value.node, json_key + ":"});
}

bool RulesChecker::postable(const grammar::Assignment& a, const ObjectSchema& schema, const PropertyDefinition& p) {
  const std::string& name = a.property.text;
  if (p.read_only || p.calculated) {
    report("E203", a.property.span, "`" + name + "` is " + (p.calculated ? "calculated" : "read-only") + " in HubSpot",
           "HubSpot sets it; remove this line");
    return false;
  }
  if (p.type != "string" && p.type != "number") {
    report("E201", a.property.span, "`" + name + "` is " + (std::string_view("aeiou").find(p.type.empty() ? 'x' : p.type[0]) != std::string_view::npos ? "an " : "a ") + p.type + " property; hubrules posts string and number properties",
           "map the value to a string or number property instead");
    return false;
  }
  if (schema.object == "contacts" && p.group != "contactinformation") {
    report("E202", a.property.span, "`" + name + "` is in the `" + p.group + "` group; contacts are posted to `contactinformation` properties",
           "use a property of the Contact information group");
    return false;
  }
  return true;
}

void RulesChecker::dedupe(const grammar::Block& b, BlockPlan& block) {
  if (b.dedupes.size() > 1)
    report("E212", b.dedupes[1].span, "a second `dedupe` line", "list every key on one line: `dedupe by domain or name`");
  for (const auto& d : b.dedupes) {
    for (const auto& key : d.keys) {
      const auto it = std::find_if(block.properties.begin(), block.properties.end(), [&](const auto& p) { return p.name == key.text; });
      if (it == block.properties.end()) {
        std::vector<std::string_view> names;
        for (const auto& p : block.properties) names.push_back(p.name);
        std::string help = did_you_mean(key.text, names);
        report("E205", key.span, "dedupe key `" + key.text + "` is not mapped in this block",
               help.empty() ? "map `" + key.text + " = …` in the block, or dedupe by a mapped property" : help);
        continue;
      }
      if (b.object.text == "contacts" && key.text != "email")
        report("E213", key.span, "contacts are deduplicated by `email` only", "HubSpot identifies contacts by email: `dedupe by email`");
      block.dedupe_keys.push_back(static_cast<std::uint32_t>(it - block.properties.begin()));
    }
  }
  if (b.dedupes.empty() && b.object.text == "contacts") {
    // HubSpot itself refuses a second contact with the same email: that is the dedupe key.
    for (std::uint32_t i = 0; i < block.properties.size(); ++i)
      if (block.properties[i].name == "email") block.dedupe_keys.push_back(i);
  }
  if (b.dedupes.empty() && b.object.text == "companies" && !b.has_syntax_errors)
    report("W402", b.object.span, "companies have no dedupe keys: every booking creates a company",
           "add `dedupe by domain or name`", Severity::warning);
}

void RulesChecker::statement(const grammar::Associate& a) {
  for (const grammar::Name* n : {&a.from, &a.to})
    if (n->text != "contacts" && n->text != "companies") {
      std::string help = did_you_mean(n->text, {"contacts", "companies"});
      report("E221", n->span, "unknown object `" + n->text + "`", help.empty() ? "write `associate contacts with companies`" : help);
    }
  if (a.from.text == a.to.text) report("E222", a.span, "an object cannot be associated with itself", "write `associate contacts with companies`");
  if (associate_ != nullptr) report("E223", a.span, "a second `associate` line", "one `associate contacts with companies` is enough");
  associate_ = &a;
}

void RulesChecker::statement(const grammar::FreeMailEdit& f) {
  for (const auto& d : f.domains) {
    if (!is_valid_domain_text(d.text)) {
      report("E230", d.span, "`" + d.text + "` is not a lowercase domain", "write the domain as it follows the @, e.g. \"example.co.jp\"");
      continue;
    }
    if (f.add) {
      plan_->free_mail.add(d.text);
    } else if (plan_->free_mail.contains(d.text)) {
      plan_->free_mail.remove(d.text);
    } else {
      report("W403", d.span, "`" + d.text + "` is not in the free-mail list", "nothing to remove; check the spelling", Severity::warning);
    }
  }
}

void RulesChecker::finish() {
  if (associate_ != nullptr) {
    for (const grammar::Name* n : {&associate_->from, &associate_->to}) {
      const BlockPlan* b = block_named(n->text);
      if (b != nullptr && !b->declared)
        report("E220", n->span, "`associate` needs a `" + n->text + "` block", "add the block, or remove the `associate` line");
    }
    plan_->associate = plan_->contacts.declared && plan_->companies.declared;
  }
  if (!plan_->contacts.declared && !plan_->companies.declared && !grammar::has_errors(diags_))
    report("E214", {0, 0}, "the rule file posts nothing", "add a `contacts { … }` or `companies { … }` block");
  for (const grammar::Name* n : exprs_.unused_lets())
    report("W401", n->span, "`" + n->text + "` is never used", "remove the `let`, or use it in a block", Severity::warning);
}

}  // namespace

Compilation compile_rules(const grammar::SourceFile& source, const HubSpotSchema& schema) {
  grammar::ParsedRules parsed = grammar::parse_rules(source);
  Compilation out;
  out.diagnostics = std::move(parsed.diagnostics);
  PlanPtr plan = RulesChecker(source, schema, out.diagnostics).run(parsed.rules);
  std::stable_sort(out.diagnostics.begin(), out.diagnostics.end(),
                   [](const auto& a, const auto& b) { return a.span.begin < b.span.begin; });
  if (!grammar::has_errors(out.diagnostics)) out.plan = std::move(plan);
  return out;
}

Compilation compile_expression(const grammar::SourceFile& source) {
  grammar::ParsedExpression parsed = grammar::parse_expression(source);
  Compilation out;
  out.diagnostics = std::move(parsed.diagnostics);
  if (!parsed.expression) return out;
  auto plan = std::make_shared<Plan>();
  ExpressionCompiler exprs(*plan, out.diagnostics);
  plan->expression_root = static_cast<std::int32_t>(exprs.compile(*parsed.expression).node);
  index_read_tree(*plan);
  if (!grammar::has_errors(out.diagnostics)) out.plan = std::move(plan);
  return out;
}

}  // namespace hubrules::engine

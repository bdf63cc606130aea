// hubrules check RULES [--schema DIR]: every diagnostic of a rule file, exit 1 on errors.
#include <cstdio>
#include <iostream>

#include "runtime/cli/command_line.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/mapping/rules_loader.hpp"

namespace hubrules::runtime {

int run_check(const Args& args) {
  const CommandLine cl(args, {"schema"}, {});
  if (cl.positionals().empty()) throw UsageError("check needs a rule file: hubrules check RULES [--schema DIR]");
  const engine::HubSpotSchema& schema = schema_for(cl.value("schema"));
  int status = 0;
  for (const std::string& path : cl.positionals()) {
    const LoadedRules rules = load_rules(path, schema);
    std::cerr << rules.rendered;
    std::size_t errors = 0, warnings = 0;
    for (const auto& d : rules.compilation.diagnostics) (d.severity == grammar::Severity::error ? errors : warnings)++;
    if (errors > 0) {
      std::cerr << path << ": " << errors << " error" << (errors == 1 ? "" : "s") << ", " << warnings << " warning"
                << (warnings == 1 ? "" : "s") << "\n";
      status = 1;
      continue;
    }
    const engine::Plan& plan = *rules.compilation.plan;
    auto count = [](std::size_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); };
    std::cout << path << ": ok — contacts: " << count(plan.contacts.properties.size(), "property", "properties")
              << ", companies: " << count(plan.companies.properties.size(), "property", "properties")
              << (warnings ? ", " + count(warnings, "warning", "warnings") : "") << "\n";
  }
  return status;
}

}  // namespace hubrules::runtime

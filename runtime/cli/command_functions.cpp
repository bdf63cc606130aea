// hubrules functions [--markdown]: the standard functions, their signatures and examples. The
// Markdown form is the "Standard functions" section of docs/rules-language.md, kept in sync by a
// test.
#include <iostream>

#include "engine/function.hpp"
#include "runtime/cli/command_line.hpp"
#include "runtime/cli/commands.hpp"

namespace hubrules::runtime {

std::string functions_markdown() {
  std::string out;
  for (const engine::FunctionSpec* f : engine::standard_functions()) {
    out += "### `" + std::string(f->signature) + "`\n\n" + std::string(f->summary) + "\n\nReturns: " +
           std::string(engine::type_name(f->result)) + ". Source: `engine/functions/" + std::string(f->name) + ".cpp`.\n\n";
    out += "| example | result |\n|---|---|\n";
    for (const auto& ex : f->examples) out += "| `" + std::string(ex.expression) + "` | `" + std::string(ex.result) + "` |\n";
    out += "\n";
  }
  return out;
}

int run_functions(const Args& args) {
  const CommandLine cl(args, {}, {"markdown"});
  if (cl.flag("markdown")) {
    std::cout << functions_markdown();
    return 0;
  }
  for (const engine::FunctionSpec* f : engine::standard_functions())
    std::cout << f->signature << "\n    " << f->summary << "\n";
  return 0;
}

}  // namespace hubrules::runtime

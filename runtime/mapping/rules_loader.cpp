#include "runtime/mapping/rules_loader.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "engine/diagnostic_format.hpp"

namespace hubrules::runtime {

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const engine::HubSpotSchema& schema_for(const std::optional<std::string>& dir) {
  if (!dir) return engine::HubSpotSchema::bundled();
  static const engine::HubSpotSchema portal = engine::HubSpotSchema::from_directory(*dir);
  return portal;
}

LoadedRules compile_rules_text(std::string name, std::string text, const engine::HubSpotSchema& schema) {
  LoadedRules out;
  out.source = std::make_unique<grammar::SourceFile>(std::move(name), std::move(text));
  out.compilation = engine::compile_rules(*out.source, schema);
  out.rendered = engine::format_diagnostics(*out.source, out.compilation.diagnostics);
  return out;
}

LoadedRules load_rules(const std::string& path, const engine::HubSpotSchema& schema) {
  auto text = read_text_file(path);
  if (!text) throw std::runtime_error(path + ": cannot read the rule file");
  return compile_rules_text(path, std::move(*text), schema);
}

}  // namespace hubrules::runtime

#pragma once
// Reading a rule file from disk and compiling it, as every command that takes RULES does.
#include <memory>
#include <optional>
#include <string>

#include "engine/compiler.hpp"
#include "grammar/source.hpp"

namespace hubrules::runtime {

struct LoadedRules {
  std::unique_ptr<grammar::SourceFile> source;
  engine::Compilation compilation;
  std::string rendered;  // every diagnostic, formatted for people
};

// Reads a whole file; std::nullopt when it cannot be read.
std::optional<std::string> read_text_file(const std::string& path);

// Schema from --schema DIR or the bundled one; throws std::runtime_error for a bad schema.
const engine::HubSpotSchema& schema_for(const std::optional<std::string>& dir);

// Compiles the file; throws std::runtime_error when it cannot be read.
LoadedRules load_rules(const std::string& path, const engine::HubSpotSchema& schema);

// Compiles rule text held in memory under a display name.
LoadedRules compile_rules_text(std::string name, std::string text, const engine::HubSpotSchema& schema);

}  // namespace hubrules::runtime

// hubrules schema pull DIR [--connection ID | --token-file F] [--hubspot-url URL] [--hubspot-api 2026-03|v3]
// Saves a portal's own contact and company properties (custom ones included) and their groups
// in the shape `hubrules check --schema DIR` reads, so rules are checked against the real portal.
#include <simdjson.h>

#include <filesystem>
#include <iostream>

#include "engine/hubspot_schema.hpp"
#include "runtime/auth/portal_api.hpp"
#include "runtime/base/durable_file.hpp"
#include "runtime/cli/command_line.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/cli/portal_options.hpp"
#include "runtime/hubspot/properties_api.hpp"
#include "runtime/store/open_state_store.hpp"

namespace hubrules::runtime {

namespace {

constexpr const char* kUsage =
    "usage: hubrules schema pull DIR [--connection ID | --token-file F] [--hubspot-url URL] [--hubspot-api 2026-03|v3]\n"
    "                            [--state FILE] [--ca-file PEM]";

struct PulledObject {
  std::string properties;
  std::string groups;
  std::size_t count = 0;
  std::size_t custom = 0;
};

// Checks the answer as `check --schema` will read it before anything is written, and counts
// the properties HubSpot does not define itself.
void count_properties(std::string_view object, PulledObject& pulled) {
  const auto schema = engine::HubSpotSchema::parse_object(object, pulled.properties, std::string(object) + " answer");
  pulled.count = schema.properties.size();
  simdjson::dom::parser parser;
  simdjson::dom::array results;
  if (parser.parse(pulled.properties)["results"].get_array().get(results)) return;
  for (auto p : results) {
    bool defined = false;
    if (p["hubspotDefined"].get_bool().get(defined) || !defined) ++pulled.custom;
  }
}

PulledObject pull(hubspot::PropertiesApi& api, ObjectType type, std::string_view object) {
  PulledObject pulled{api.properties(type), api.groups(type)};
  count_properties(object, pulled);
  return pulled;
}

void save(const std::filesystem::path& dir, std::string_view object, const PulledObject& pulled) {
  replace_file(dir / (std::string(object) + ".json"), pulled.properties, 0644);
  replace_file(dir / (std::string(object) + ".groups.json"), pulled.groups, 0644);
}

int pull_schema(const CommandLine& line, const std::filesystem::path& dir) {
  const auto store = open_state_store(state_file_from(line));
  auth::PortalApi portal(*store, Clock::system(), portal_options_from(line));
  hubspot::PropertiesApi api(portal.api(), portal.token_use(), portal.paths());
  // Both objects are read before either is written: a refusal leaves DIR as it was.
  const PulledObject contacts = pull(api, ObjectType::contact, "contacts");
  const PulledObject companies = pull(api, ObjectType::company, "companies");
  std::filesystem::create_directories(dir);
  save(dir, "contacts", contacts);
  save(dir, "companies", companies);
  std::cout << "schema pull: " << contacts.count << " contact properties (" << contacts.custom << " custom) and "
            << companies.count << " company properties (" << companies.custom << " custom), with their groups, in "
            << dir.string() << "\n"
            << "check rules against it: hubrules check RULES --schema " << dir.string() << "\n";
  return 0;
}

}  // namespace

int run_schema(const Args& args) {
  const CommandLine line(args, kPortalOptions, {});
  const auto& words = line.positionals();
  if (words.size() != 2 || words[0] != "pull") throw UsageError(kUsage);
  return pull_schema(line, words[1]);
}

}  // namespace hubrules::runtime

#include "runtime/sandbox/api_families.hpp"

#include "runtime/base/split.hpp"

#include <algorithm>
#include <cctype>

namespace hubrules::runtime::sandbox {

namespace {

constexpr std::string_view dated = "2026-03";

bool is_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// v1, v3, v4: the numbered versions HubSpot calls legacy.
bool is_numbered_version(std::string_view segment) {
  return segment.size() > 1 && segment[0] == 'v' && is_digits(segment.substr(1));
}

std::string join(std::string_view api, std::string_view version, std::string_view resource,
                 const std::vector<std::string_view>& rest) {
  std::string path = "/" + std::string(api) + "/" + std::string(version) + "/" + std::string(resource);
  for (const auto s : rest) path += "/" + std::string(s);
  return path;
}

// The legacy version of a 2026-03 CRM resource. Records, search and properties were v3;
// associations were v4, including a record's own /{object}/{id}/associations/… paths.
std::string_view legacy_version(std::string_view resource, const std::vector<std::string_view>& rest) {
  if (resource == "associations") return "v4";
  if (resource == "objects" && rest.size() >= 3 && rest[2] == "associations") return "v4";
  return "v3";
}

}  // namespace

std::vector<std::string_view> split_path(std::string_view path) { return split_nonempty(path, '/'); }

std::string_view family_name(ApiFamily family) {
  switch (family) {
    case ApiFamily::legacy:
      return "legacy";
    case ApiFamily::v2026_03:
      return dated;
    case ApiFamily::none:
      break;
  }
  return {};
}

bool is_dated_version(std::string_view s) {
  return s.size() == 7 && is_digits(s.substr(0, 4)) && s[4] == '-' && is_digits(s.substr(5));
}

ApiRoute route_of(std::string_view path) {
  const auto p = split_path(path);
  // Legacy: /crm/v3/objects/…, /crm/v4/associations/…, /oauth/v1/token — the version second.
  if (p.size() >= 2 && (p[0] == "crm" || p[0] == "oauth") && is_numbered_version(p[1]))
    return {ApiFamily::legacy, std::string(path)};
  if (p.size() >= 2 && p[0] == "oauth" && p[1] == dated) return {ApiFamily::v2026_03, std::string(path)};
  // 2026-03 CRM: /crm/{resource}/2026-03/… — the version third.
  if (p.size() >= 3 && p[0] == "crm" && p[2] == dated) {
    const std::vector<std::string_view> rest(p.begin() + 3, p.end());
    return {ApiFamily::v2026_03, join("crm", legacy_version(p[1], rest), p[1], rest)};
  }
  return {ApiFamily::none, std::string(path)};
}

}  // namespace hubrules::runtime::sandbox

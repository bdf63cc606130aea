#pragma once
// What every sandbox endpoint shares: HubSpot's error body, timestamps as HubSpot renders them,
// and reading request JSON.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/sandbox/http_types.hpp"
#include "runtime/base/json_out.hpp"

namespace hubrules::runtime::sandbox {

// A random UUID-shaped id; HubSpot puts one in every error body (HUBSPOT-API.md, Errors).
std::string correlation_id();

// 2026-11-27T04:42:00.123Z from milliseconds since the epoch.
std::string iso_time(std::int64_t ms);

// One entry of an error's "errors" array.
struct ErrorDetail {
  std::string message;
  std::string code;
  std::string context_key;  // e.g. "propertyName"; empty for none
  std::string context_value;
};

// {"status":"error","message","correlationId","category",errors?} (HUBSPOT-API.md, Errors).
ApiResponse error_response(int status, std::string_view category, std::string_view message,
                           const std::vector<ErrorDetail>& errors = {});

ApiResponse json_response(int status, std::string body);

// Parses a request body; nullopt when it is not a JSON object.
std::optional<simdjson::dom::element> parse_body(simdjson::dom::parser& parser, const std::string& body);

// A property value as HubSpot accepts it: strings, numbers or booleans (HUBSPOT-API.md, Records).
std::optional<std::string> scalar_text(simdjson::dom::element e);
// The scalar items of the array doc[key] as text; empty when there is no such array.
std::vector<std::string> string_array(simdjson::dom::element doc, std::string_view key);

std::optional<std::string_view> string_field(simdjson::dom::element obj, std::string_view key);

// The "id" of obj[key] (of obj itself when key is empty), sent as a string or a number.
std::optional<std::string> id_text(simdjson::dom::element obj, std::string_view key = {});

// HubSpot ids are integers rendered as strings.
std::optional<std::int64_t> parse_id(std::string_view s);

// "contacts"/"companies" (also HubSpot's "0-1"/"0-2" and singular forms); empty otherwise.
std::string object_name(std::string_view segment);

}  // namespace hubrules::runtime::sandbox

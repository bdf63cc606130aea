#pragma once
// Appending JSON to a reused std::string: the output side of every command. Strings arrive as
// valid UTF-8 (simdjson validated them), so only quotes, backslashes and controls need escapes.
#include <charconv>
#include <string>
#include <string_view>

namespace hubrules::text {

void append_json_string(std::string& out, std::string_view s);

inline void append_uint(std::string& out, unsigned long long v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace hubrules::text

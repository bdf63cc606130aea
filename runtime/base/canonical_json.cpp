#include "runtime/base/canonical_json.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "engine/text/json_writer.hpp"

namespace hubrules::runtime {

namespace {
void write(std::string& out, simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      std::vector<std::pair<std::string_view, simdjson::dom::element>> fields;
      simdjson::dom::object obj;
      if (e.get(obj)) return;
      for (auto f : obj) fields.emplace_back(f.key, f.value);
      std::stable_sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        text::append_json_string(out, fields[i].first);
        out += ':';
        write(out, fields[i].second);
      }
      out += '}';
      return;
    }
    case simdjson::dom::element_type::ARRAY: {
      out += '[';
      bool first = true;
      simdjson::dom::array arr;
      if (e.get(arr)) return;
      for (auto v : arr) {
        if (!first) out += ',';
        first = false;
        write(out, v);
      }
      out += ']';
      return;
    }
    case simdjson::dom::element_type::STRING: text::append_json_string(out, std::string_view(e)); return;
    case simdjson::dom::element_type::INT64: out += std::to_string(int64_t(e)); return;
    case simdjson::dom::element_type::UINT64: out += std::to_string(uint64_t(e)); return;
    case simdjson::dom::element_type::DOUBLE: {
      const double d = double(e);
      char buf[32];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, d).ptr);
      return;
    }
    case simdjson::dom::element_type::BOOL: out += bool(e) ? "true" : "false"; return;
    case simdjson::dom::element_type::NULL_VALUE: out += "null"; return;
  }
}
}  // namespace

std::optional<std::string> canonical_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(simdjson::padded_string(json)).get(root)) return std::nullopt;
  std::string out;
  write(out, root);
  return out;
}

}  // namespace hubrules::runtime

#include "runtime/sandbox/api_common.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <random>

#include "engine/text/ascii_case.hpp"

namespace hubrules::runtime::sandbox {

std::string correlation_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", unsigned(a >> 32), unsigned(a >> 16) & 0xffffu,
                unsigned(a) & 0xfffu, (unsigned(b >> 48) & 0x3fffu) | 0x8000u, static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string iso_time(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

ApiResponse error_response(int status, std::string_view category, std::string_view message,
                           const std::vector<ErrorDetail>& errors) {
  JsonOut j;
  j.begin_object().field("status", "error").field("message", message).field("correlationId", correlation_id());
  j.field("category", category);
  if (!errors.empty()) {
    j.key("errors").begin_array();
    for (const auto& e : errors) {
      j.begin_object().field("message", e.message).field("code", e.code);
      if (!e.context_key.empty())
        j.key("context").begin_object().key(e.context_key).begin_array().string(e.context_value).end_array().end_object();
      j.end_object();
    }
    j.end_array();
  }
  j.end_object();
  return json_response(status, j.take());
}

ApiResponse json_response(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::optional<simdjson::dom::element> parse_body(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS || !doc.is_object()) return std::nullopt;
  return doc;
}

std::optional<std::string> scalar_text(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING: return std::string(e.get_string().value_unsafe());
    case simdjson::dom::element_type::INT64: return std::to_string(e.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64: return std::to_string(e.get_uint64().value_unsafe());
    case simdjson::dom::element_type::DOUBLE: {
      std::string s = simdjson::minify(e);
      return s;
    }
    case simdjson::dom::element_type::BOOL: return e.get_bool().value_unsafe() ? "true" : "false";
    default: return std::nullopt;
  }
}

std::vector<std::string> string_array(simdjson::dom::element doc, std::string_view key) {
  std::vector<std::string> out;
  simdjson::dom::array a;
  if (doc[key].get_array().get(a) == simdjson::SUCCESS)
    for (auto e : a)
      if (auto s = scalar_text(e)) out.push_back(*s);
  return out;
}

std::optional<std::string_view> string_field(simdjson::dom::element obj, std::string_view key) {
  std::string_view v;
  if (obj[key].get_string().get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

std::optional<std::string> id_text(simdjson::dom::element obj, std::string_view key) {
  simdjson::dom::element holder = obj;
  if (!key.empty() && obj[key].get(holder) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::element id;
  if (holder["id"].get(id) != simdjson::SUCCESS) return std::nullopt;
  return scalar_text(id);
}

std::optional<std::int64_t> parse_id(std::string_view s) {
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string object_name(std::string_view segment) {
  if (segment == "contacts" || segment == "contact" || segment == "0-1") return "contacts";
  if (segment == "companies" || segment == "company" || segment == "0-2") return "companies";
  return {};
}

}  // namespace hubrules::runtime::sandbox

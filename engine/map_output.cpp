#include "engine/map_output.hpp"

#include "engine/text/json_writer.hpp"

namespace hubrules::engine {

using text::append_json_string;

void append_properties_object(std::string& out, const RecordResult& r) {
  out += "{\"properties\":{";
  bool first = true;
  for (const PropertyValue& p : r.properties) {
    if (!first) out += ',';
    first = false;
    out += p.property->json_key;
    if (p.value.kind == Kind::number) out += p.value.text;
    else append_json_string(out, p.value.text);
  }
  out += "}}";
}

namespace {
void append_record(std::string& out, const char* key, const RecordResult& r) {
  out += key;
  if (r.present) append_properties_object(out, r);
  else out += "null";
}
}  // namespace

void append_map_line(std::string& out, std::size_t line, const Evaluation& e) {
  out += "{\"line\":";
  text::append_uint(out, line);
  out += ",\"booking\":";
  if (e.booking_id.kind == Kind::string || e.booking_id.kind == Kind::number) append_json_string(out, e.booking_id.text);
  else out += "null";
  switch (e.outcome) {
    case Outcome::records:
      append_record(out, ",\"contacts\":", e.contacts);
      append_record(out, ",\"companies\":", e.companies);
      out += e.associate ? ",\"associate\":true}\n" : ",\"associate\":false}\n";
      return;
    case Outcome::skipped:
      out += ",\"skipped\":";
      append_json_string(out, e.skip_reason);
      out += "}\n";
      return;
    case Outcome::error:
      out += ",\"error\":{\"code\":";
      append_json_string(out, e.error_code);
      out += ",\"message\":";
      append_json_string(out, e.error_message);
      out += "}}\n";
      return;
  }
}

}  // namespace hubrules::engine

// handwritten_map: the TimeRex → HubSpot mapping written by hand over simdjson On Demand.
//
//   handwritten_map bookings.ndjson > mapped.ndjson
//
// "The floor" of the mapping benchmark (bench/run_mapping_bench.sh): what a competent engineer
// would write for this one mapping with no engine at all. One reused On Demand parser walks each
// document once, dispatching the few fields it needs into slots; output is appended to one
// reused buffer and written in large chunks. The string rules are the project's own
// (engine/text/), so hubrules and the floor differ only in the engine around them.
//
// Output, one line per input line, in order (see bench/README.md for the whole mapping):
//   {"line":N,"booking":"<event.id>","contacts":{"properties":{…}}|null,
//    "companies":{"properties":{…}}|null,"associate":true|false}
//   {"line":N,"booking":…,"skipped":"…"}                      webhook_type is not event_confirmed
//   {"line":N,"booking":…,"error":{"code":"R001"|"R002","message":"…"}}  bad JSON / wrong shape
#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "engine/text/ascii_case.hpp"
#include "engine/text/decimal.hpp"
#include "engine/text/email.hpp"
#include "engine/text/free_mail_domains.hpp"
#include "engine/text/json_writer.hpp"
#include "engine/text/person_name.hpp"
#include "engine/text/whitespace.hpp"
#include "runtime/mapping/booking_mapper.hpp"
#include "runtime/mapping/ndjson_chunks.hpp"

namespace {

namespace od = simdjson::ondemand;
namespace text = hubrules::text;
using std::string_view;

// The answers the mapping reads: four standard questions (by field_type), two custom ones (by label).
enum Slot : int { kCompanyName, kGuestName, kGuestEmail, kGuestPhone, kJobTitle, kEmployees, kSlotCount };

int slot_for_type(string_view t) noexcept {
  if (t == "company_name") return kCompanyName;
  if (t == "guest_name") return kGuestName;
  if (t == "guest_email") return kGuestEmail;
  if (t == "guest_phone") return kGuestPhone;
  return -1;
}

int slot_for_label(string_view l) noexcept {
  if (l == "役職") return kJobTitle;
  if (l == "従業員数") return kEmployees;
  return -1;
}

// A growable char buffer that is never shrunk: scratch space reused across documents.
class Scratch {
 public:
  char* reserve(std::size_t n) {
    if (n > size_) {
      size_ = std::max(n, size_ * 2);
      data_ = std::make_unique<char[]>(size_);
    }
    return data_.get();
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
};

constexpr bool is_json_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

string_view trim_json_space_right(string_view s) noexcept {
  while (!s.empty() && is_json_space(s.back())) s.remove_suffix(1);
  return s;
}

class Mapper {
 public:
  explicit Mapper(const text::FreeMailDomains& free_mail) : free_mail_(free_mail) {}

  // Maps the line [p, p+len); the buffer holds at least SIMDJSON_PADDING readable bytes past it.
  void map_line(std::uint64_t line, const char* p, std::size_t len, std::size_t capacity, std::string& out) {
    arena_ = arena_buffer_.reserve(len + 1);
    arena_used_ = 0;
    if (!extract(p, len, capacity)) {
      emit_bad(line, p, len, out);
    } else if (!confirmed_) {
      begin(out, line);
      out += ",\"skipped\":\"webhook_type is not event_confirmed\"}\n";
    } else {
      emit_mapped(line, len, out);
    }
  }

 private:
  // ---- extraction: one pass over the document --------------------------------------------------
  // False when the line is not JSON or has the wrong shape; emit_bad tells which. The shape rules
  // (bench/README.md): the root is an object; event, when present and not null, an object;
  // webhook_type a single value (not an array or object); event.form, when present and not null,
  // an array of objects whose values are single values or arrays of single values.
  bool extract(const char* p, std::size_t len, std::size_t capacity) {
    confirmed_ = false;
    reset_event();
    od::document doc;
    if (parser_.iterate(p, len, capacity).get(doc)) return false;
    od::object root;
    if (doc.get_object().get(root)) return false;
    for (auto field_result : root) {
      string_view key;
      if (field_result.error()) return false;
      od::field& field = field_result.value_unsafe();  // in place: copies stall on store forwarding
      if (!key_of(field, key)) return false;
      if (key == "webhook_type") {
        od::json_type type;
        if (field.value().type().get(type)) return false;
        if (type == od::json_type::object || type == od::json_type::array) return false;
        confirmed_ = false;
        if (type == od::json_type::string) {
          string_view s;
          if (field.value().get_string().get(s)) return false;
          confirmed_ = s == "event_confirmed";
        }
      } else if (key == "event") {
        reset_event();  // a repeated key: the last one counts, as in jq and JSON.parse
        od::json_type type;
        if (field.value().type().get(type)) return false;
        if (type == od::json_type::null) continue;  // no event: no id, no answers
        if (type != od::json_type::object || !extract_event(field.value())) return false;
      }
    }
    // Walked to the end of the root object: anything after it is trailing content.
    return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
  }

  void reset_event() noexcept {
    has_id_ = false;
    for (int s = 0; s < kSlotCount; ++s) found_[s] = false, answer_[s] = {};
  }

  // The key as text: a view of the input when it has no escape (nearly always), else unescaped.
  static bool key_of(od::field& field, string_view& out) {
    const char* const begin = field.key().raw();
    for (const char* q = begin;; ++q) {
      if (*q == '"') {
        out = {begin, std::size_t(q - begin)};
        return true;
      }
      if (*q == '\\') return !field.unescaped_key().get(out);
    }
  }

  bool extract_event(od::value& value) {
    od::object event;
    if (value.get_object().get(event)) return false;
    for (auto field_result : event) {
      string_view key;
      if (field_result.error()) return false;
      od::field& field = field_result.value_unsafe();  // in place: copies stall on store forwarding
      if (!key_of(field, key)) return false;
      if (key == "id") {
        od::json_type type;
        if (field.value().type().get(type)) return false;
        has_id_ = false;
        if (type == od::json_type::string) {
          if (field.value().get_string().get(id_)) return false;
          has_id_ = true;
        } else if (type == od::json_type::number) {
          id_ = trim_json_space_right(field.value().raw_json_token());
          if (!text::is_json_number(id_)) return false;
          has_id_ = true;
        }  // any other kind of id: no booking id
      } else if (key == "form") {
        for (int s = 0; s < kSlotCount; ++s) found_[s] = false, answer_[s] = {};
        od::json_type type;
        if (field.value().type().get(type)) return false;
        if (type == od::json_type::null) continue;  // no answers
        if (type != od::json_type::array || !extract_form(field.value())) return false;
      }
    }
    return true;
  }

  bool extract_form(od::value& value) {
    od::array form;
    if (value.get_array().get(form)) return false;
    for (auto entry_result : form) {
      od::object entry;
      if (entry_result.get_object().get(entry)) return false;  // an entry that is not an object
      string_view field_type, label, answer;
      bool has_type = false, has_label = false;
      for (auto field_result : entry) {
        string_view key;
        if (field_result.error()) return false;
        od::field& field = field_result.value_unsafe();  // in place: copies stall on store forwarding
        if (!key_of(field, key)) return false;
        if (key == "field_type") {
          if (!optional_string(field.value(), field_type, has_type)) return false;
        } else if (key == "label") {
          if (!optional_string(field.value(), label, has_label)) return false;
        } else if (key == "value") {
          // Field order is free; when both keys came first, answers nobody reads are only
          // checked for their shape, not unescaped or copied.
          const bool read = !(has_type && has_label && !wanted(field_type, label));
          if (!answer_text(field.value(), read, answer)) return false;
        }
      }
      if (has_type) take(slot_for_type(field_type), answer);
      if (has_label) take(slot_for_label(label), answer);
    }
    return true;
  }

  bool wanted(string_view field_type, string_view label) const noexcept {
    const int t = slot_for_type(field_type), l = slot_for_label(label);
    return (t >= 0 && !found_[t]) || (l >= 0 && !found_[l]);
  }

  // The first entry with a field_type or label fills its slot, even when its answer is absent.
  void take(int slot, string_view answer) noexcept {
    if (slot < 0 || found_[slot]) return;
    found_[slot] = true;
    answer_[slot] = answer;
  }

  static bool optional_string(od::value& value, string_view& out, bool& has) {
    od::json_type type;
    if (value.type().get(type)) return false;
    has = type == od::json_type::string;
    return !has || !value.get_string().get(out);
  }

  // The answer as text, untrimmed: a string as is, a number as its JSON text, a boolean as
  // true/false, an array's items trimmed, non-blank ones joined with ";"; null gives an empty
  // view (absent).
  // An object, or an array holding an array or object, is the wrong shape. With read false the
  // shape is checked and out left empty.
  bool answer_text(od::value& value, bool read, string_view& out) {
    od::json_type type;
    if (value.type().get(type)) return false;
    switch (type) {
      case od::json_type::array: {
        od::array items;
        if (value.get_array().get(items)) return false;
        char* const begin = arena_ + arena_used_;
        std::size_t n = 0;
        bool first = true;
        for (auto item_result : items) {
          od::json_type item_type;
          if (item_result.error()) return false;
          od::value& item = item_result.value_unsafe();
          if (item.type().get(item_type)) return false;
          if (item_type == od::json_type::object || item_type == od::json_type::array) return false;
          if (item_type == od::json_type::null || !read) continue;
          string_view s;
          if (!scalar_text(item, item_type, s)) return false;
          s = text::trim(s);  // each choice trimmed, blank ones left out
          if (s.empty()) continue;
          if (!first) begin[n++] = ';';
          first = false;
          std::memcpy(begin + n, s.data(), s.size());
          n += s.size();
        }
        arena_used_ += n;
        out = {begin, n};
        return true;
      }
      case od::json_type::object:
        return false;
      case od::json_type::null:
        out = {};
        return true;
      default:
        if (!read) return true;
        return scalar_text(value, type, out);
    }
  }

  static bool scalar_text(od::value& value, od::json_type type, string_view& out) {
    switch (type) {
      case od::json_type::string:
        return !value.get_string().get(out);
      case od::json_type::number:
        out = trim_json_space_right(value.raw_json_token());
        return text::is_json_number(out);
      case od::json_type::boolean: {
        bool b;
        if (value.get_bool().get(b)) return false;
        out = b ? "true" : "false";
        return true;
      }
      default:
        out = {};
        return true;
    }
  }

  // ---- output -----------------------------------------------------------------------------------
  void begin(std::string& out, std::uint64_t line) const {
    out += "{\"line\":";
    text::append_uint(out, line);
    out += ",\"booking\":";
    if (has_id_) text::append_json_string(out, id_);
    else out += "null";
  }

  static void property(std::string& out, bool& first, string_view name, string_view value) {
    if (value.empty()) return;
    out += first ? "\"" : ",\"";
    first = false;
    out += name;
    out += "\":";
    text::append_json_string(out, value);
  }

  void emit_mapped(std::uint64_t line, std::size_t len, std::string& out) {
    const auto answer = [&](int slot) { return text::trim(answer_[slot]); };
    char* const scratch = scratch_.reserve(3 * len + 3);

    const string_view email = text::lower_ascii(answer(kGuestEmail), scratch);
    const bool has_contact = !email.empty() && text::is_valid_email(email);
    const string_view phone = answer(kGuestPhone);
    const string_view company = answer(kCompanyName);

    string_view domain;
    if (has_contact) {
      domain = text::email_domain(email);
      if (free_mail_.contains(domain)) domain = {};
    }
    const bool has_company = !company.empty() || !domain.empty();

    begin(out, line);
    out += ",\"contacts\":";
    if (has_contact) {
      const string_view collapsed = text::collapse_name_spaces(answer(kGuestName), scratch + len + 1);
      const text::PersonName name = text::split_collapsed_name(collapsed);
      bool first = true;
      out += "{\"properties\":{";
      property(out, first, "email", email);
      property(out, first, "firstname", name.given);
      property(out, first, "lastname", name.family);
      property(out, first, "phone", phone);
      property(out, first, "company", company);
      property(out, first, "jobtitle", answer(kJobTitle));
      out += "}}";
    } else {
      out += "null";
    }
    out += ",\"companies\":";
    if (has_company) {
      bool first = true;
      out += "{\"properties\":{";
      property(out, first, "name", company);
      property(out, first, "domain", domain);
      property(out, first, "phone", phone);
      const string_view employees = text::normalize_decimal(answer(kEmployees), scratch + 2 * (len + 1));
      if (!employees.empty()) {
        out += first ? "\"numberofemployees\":" : ",\"numberofemployees\":";
        out += employees;  // canonical decimal text: a JSON number
      }
      out += "}}";
    } else {
      out += "null";
    }
    out += has_contact && has_company ? ",\"associate\":true}\n" : ",\"associate\":false}\n";
  }

  // Not JSON (R001) or the wrong shape (R002). Rare, so it re-parses the line with the DOM
  // parser, which validates all of it, to tell the two apart and to find event.id.
  void emit_bad(std::uint64_t line, const char* p, std::size_t len, std::string& out) {
    has_id_ = false;
    simdjson::dom::element root;
    const simdjson::error_code error = dom_.parse(reinterpret_cast<const uint8_t*>(p), len, false).get(root);
    if (error) {
      begin(out, line);
      out += ",\"error\":{\"code\":\"R001\",\"message\":";
      text::append_json_string(out, std::string("invalid JSON: ") + simdjson::error_message(error));
      out += "}}\n";
      return;
    }
    const char* why = shape_error(root);
    begin(out, line);
    out += ",\"error\":{\"code\":\"R002\",\"message\":";
    text::append_json_string(out, why);
    out += "}}\n";
  }

  // Which shape rule a valid JSON document breaks; sets the booking id when event.id is readable.
  // Repeated keys: the last one counts, as in jq and JSON.parse.
  const char* shape_error(simdjson::dom::element root) {
    using simdjson::dom::element;
    const auto single = [](element v) { return !v.is_object() && !v.is_array(); };
    if (!root.is_object()) return "the booking is not a JSON object";
    element event, webhook_type;
    bool has_event = false, has_webhook_type = false;
    const simdjson::dom::object root_object = root.get_object().value_unsafe();
    for (auto [key, value] : root_object) {
      if (key == "event") event = value, has_event = true;
      if (key == "webhook_type") webhook_type = value, has_webhook_type = true;
    }
    element form;
    bool has_form = false;
    if (has_event && !event.is_null()) {
      if (!event.is_object()) return "event is not an object";
      const simdjson::dom::object event_object = event.get_object().value_unsafe();
      for (auto [key, value] : event_object) {
        if (key == "id") {
          has_id_ = value.is_string() || value.is_number();
          if (value.is_string()) id_ = value.get_string().value_unsafe();
          if (value.is_number()) id_ = id_store_ = simdjson::minify(value);
        } else if (key == "form") {
          form = value, has_form = true;
        }
      }
    }
    if (has_webhook_type && !single(webhook_type)) return "webhook_type is not a single value";
    if (!has_form || form.is_null()) return "the booking has a shape this program does not read";
    if (!form.is_array()) return "event.form is not an array";
    const simdjson::dom::array entries = form.get_array().value_unsafe();
    for (element entry : entries) {
      if (!entry.is_object()) return "an entry of event.form is not an object";
      element value;
      if (entry.at_key("value").get(value)) continue;
      if (value.is_object()) return "an answer (event.form[].value) is an object";
      if (value.is_array()) {
        const simdjson::dom::array items = value.get_array().value_unsafe();
        for (element item : items)
          if (!single(item)) return "an answer (event.form[].value) holds an array or object";
      }
    }
    return "the booking has a shape this program does not read";
  }

  const text::FreeMailDomains& free_mail_;
  od::parser parser_;
  simdjson::dom::parser dom_;
  Scratch arena_buffer_, scratch_;
  char* arena_ = nullptr;  // array answers joined with ";" (at most the line's length in all)
  std::size_t arena_used_ = 0;

  // What extract() found.
  bool confirmed_ = false;
  bool has_id_ = false;
  string_view id_;
  std::string id_store_;
  bool found_[kSlotCount] = {};
  string_view answer_[kSlotCount];
};

}  // namespace

// Input is read as hubrules reads it (runtime/ndjson_chunks: 4 MiB chunks of whole lines,
// parsed in place), so the two differ in the mapping alone, not in I/O.
int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: handwritten_map BOOKINGS.ndjson > MAPPED.ndjson\n");
    return 2;
  }
  const int fd = ::open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "handwritten_map: %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  Mapper mapper(hubrules::text::FreeMailDomains::bundled());
  std::string out;
  std::uint64_t line = 0;
  hubrules::runtime::NdjsonChunks chunks(fd, argv[1], std::size_t(4) << 20);
  while (auto chunk = chunks.next()) {
    out.clear();
    hubrules::runtime::for_each_line(chunk->begin, chunk->end, line + 1, [&](std::size_t n, const char* p, std::size_t len) {
      mapper.map_line(n, p, len, std::size_t(chunk->readable - p), out);
      line = n;
    });
    hubrules::runtime::write_all(STDOUT_FILENO, out.data(), out.size());
  }
  ::close(fd);
  return 0;
}

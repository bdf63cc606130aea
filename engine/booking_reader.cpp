#include "engine/booking_reader.hpp"

#include <algorithm>

#include "engine/text/decimal.hpp"
#include "engine/text/whitespace.hpp"

namespace hubrules::engine {

namespace od = simdjson::ondemand;

namespace {
std::string_view json_type_name(od::json_type t) {
  switch (t) {
    case od::json_type::array: return "an array";
    case od::json_type::object: return "an object";
    case od::json_type::number: return "a number";
    case od::json_type::string: return "a string";
    case od::json_type::boolean: return "a boolean";
    case od::json_type::null: return "null";
  }
  return "a value";
}

const ReadNode::Child* find_index(const ReadNode& node, long index) {
  for (const auto& c : node.children)
    if (c.index == index) return &c;
  return nullptr;
}

std::int32_t find_slot(const std::vector<KeyedSlot>& slots, std::string_view key) {
  for (const auto& s : slots)
    if (s.key.size() == key.size() && !key.empty() && s.key[0] == key[0] && s.key == key) return s.slot;
  return -1;
}

// A field's key, compared without copying it while the document has no backslash at all (so no
// key holds an escape); otherwise unescaped first.
class FieldKey {
 public:
  // Works on the iterator's result in place: copying fields out costs store-forwarding stalls.
  simdjson::error_code read(simdjson::simdjson_result<od::field>& field, bool escaped) {
    if (auto e = field.error()) return e;
    raw_ = field.value_unsafe().key().raw();
    escaped_ = escaped;
    return escaped ? field.value_unsafe().unescaped_key().get(unescaped_) : simdjson::SUCCESS;
  }
  // Stops at the key's closing quote, so it never reads past the key whatever the name's length.
  bool is(std::string_view name) const {
    if (escaped_) return unescaped_ == name;
    for (std::size_t i = 0; i < name.size(); ++i)
      if (raw_[i] != name[i] || raw_[i] == '"') return false;
    return raw_[name.size()] == '"';
  }

 private:
  const char* raw_ = nullptr;
  std::string_view unescaped_;
  bool escaped_ = false;
};

Value trimmed_text(std::string_view s) {
  s = text::trim(s);
  return s.empty() ? Value::null() : Value::string(s);
}
}  // namespace

// Calls each(element) for the elements of an array; null reads as no elements, anything else
// is a wrong shape at path.
template <typename F>
bool BookingReader::for_each_element(ovalue& v, std::string_view path, F&& each) {
  od::json_type t;
  if (auto e = v.type().get(t)) return json_error(e);
  if (t == od::json_type::null) return true;
  if (t != od::json_type::array) return shape(path, "an array", v);
  od::array arr;
  if (auto e = v.get_array().get(arr)) return json_error(e);
  for (auto element : arr) {
    if (auto e = element.error()) return json_error(e);
    if (!each(element.value_unsafe())) return false;
  }
  return true;
}

bool BookingReader::json_error(simdjson::error_code e) {
  error_->code = "R001";
  error_->message = std::string("not valid JSON: ") + simdjson::error_message(e);
  return false;
}

// A wrong shape is the booking's error, but the walk goes on past it, so the fields after it
// (the booking id among them) are still read, whatever the key order.
bool BookingReader::shape(std::string_view path, std::string_view expected, ovalue& v) {
  od::json_type t;
  if (auto e = v.type().get(t)) return json_error(e);
  if (!error_->code.empty()) return true;
  error_->code = "R002";
  error_->message = std::string(path) + " is " + std::string(json_type_name(t)) + ", expected " + std::string(expected);
  return true;
}

bool BookingReader::read(od::document& doc, bool escaped_keys, Value* slots, Arena& arena, ReadError& error) {
  escaped_ = escaped_keys;
  slots_ = slots;
  arena_ = &arena;
  error_ = &error;
  std::fill(assigned_.begin(), assigned_.end(), 0);
  od::json_type t;
  if (auto e = doc.type().get(t)) return json_error(e);
  if (t != od::json_type::object) {
    error.code = t == od::json_type::array ? "R002" : "R001";
    error.message = t == od::json_type::array ? "the booking is an array, expected an object" : "not valid JSON: expected an object";
    return false;
  }
  od::object root;
  if (auto e = doc.get_object().get(root)) return json_error(e);
  if (!walk_fields(root, plan_.read_tree[0])) return false;
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) == simdjson::SUCCESS) {
    error.code = "R001";
    error.message = "not valid JSON: content after the booking object";
    return false;
  }
  return error.code.empty();
}

bool BookingReader::walk_fields(od::object obj, const ReadNode& node) {
  for (auto result : obj) {
    FieldKey key;
    if (auto e = key.read(result, escaped_)) return json_error(e);
    od::field& field = result.value_unsafe();
    const ReadNode::Child* child = nullptr;
    for (const auto& c : node.children)
      if (c.index < 0 && key.is(c.key)) {
        child = &c;
        break;
      }
    if (child == nullptr) continue;  // On-Demand skips the value when the loop moves on
    forget(plan_.read_tree[child->node]);  // a repeated key: the last one wins, as in JSON.parse
    if (!walk(field.value(), plan_.read_tree[child->node])) return false;
  }
  return true;
}

bool BookingReader::walk(ovalue& v, const ReadNode& node) {
  if (node.collector == ReadNode::Collector::form_answers) return form_answers(v, node);
  if (node.collector == ReadNode::Collector::url_params) return url_params(v, node);
  if (node.children.empty()) {
    if (!node.lenient) return scalar(v, node.path, slots_[node.slot]);
    od::json_type t;
    if (v.type().get(t) == simdjson::SUCCESS && (t == od::json_type::object || t == od::json_type::array)) return true;
    return scalar(v, node.path, slots_[node.slot]);
  }
  od::json_type t;
  if (auto e = v.type().get(t)) return json_error(e);
  if (t == od::json_type::null) return true;  // a null object reads as absent fields
  const bool by_index = node.children.front().index >= 0;
  if (by_index) return walk_array(v, node);
  if (t != od::json_type::object) return shape(node.path, "an object", v);
  od::object obj;
  if (auto e = v.get_object().get(obj)) return json_error(e);
  return walk_fields(obj, node);
}

bool BookingReader::walk_array(ovalue& v, const ReadNode& node) {
  long i = 0;
  return for_each_element(v, node.path, [&](ovalue& element) {
    const ReadNode::Child* child = find_index(node, i++);
    return child == nullptr || walk(element, plan_.read_tree[child->node]);
  });
}

bool BookingReader::scalar(ovalue& v, std::string_view path, Value& out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return json_error(e);
  switch (t) {
    case od::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return json_error(e);
      out = Value::string(s);
      return true;
    }
    case od::json_type::number: {
      const std::string_view n = text::trim(v.raw_json_token());
      if (!text::is_json_number(n)) return json_error(simdjson::NUMBER_ERROR);
      out = Value::number(n);
      return true;
    }
    case od::json_type::boolean: {
      bool b = false;
      if (auto e = v.get_bool().get(b)) return json_error(e);
      out = Value::of_bool(b);
      return true;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return json_error(e);
      if (!is_null) return json_error(simdjson::N_ATOM_ERROR);
      out = Value::null();
      return true;
    }
    default: return shape(path, "a single value", v);
  }
}

// A form answer: text, a number, or an array of them joined with ";"; trimmed, empty is null.
bool BookingReader::answer_value(ovalue& v, Value& out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return json_error(e);
  if (t == od::json_type::object) return shape("booking.event.form[].value", "text or an array of text", v);
  if (t != od::json_type::array) {
    if (!scalar(v, "booking.event.form[].value", out)) return false;
    if (out.kind == Kind::string) out = trimmed_text(out.text);
    return true;
  }
  od::array arr;
  if (auto e = v.get_array().get(arr)) return json_error(e);
  parts_.clear();
  std::size_t size = 0;
  for (auto element : arr) {
    if (auto e = element.error()) return json_error(e);
    Value part;
    if (!scalar(element.value_unsafe(), "booking.event.form[].value[]", part)) return false;
    const std::string_view item = text::trim(part.text);  // null's text is empty
    if (item.empty()) continue;
    parts_.push_back(item);
    size += item.size() + 1;
  }
  // Each choice trimmed, blank ones left out: ["CRM", " ", "MA "] is "CRM;MA".
  char* joined = arena_->allocate(size);
  std::size_t n = 0;
  for (std::string_view p : parts_) {
    if (n > 0) joined[n++] = ';';
    n += p.copy(joined + n, p.size());
  }
  out = n == 0 ? Value::null() : Value::string({joined, n});
  return true;
}

bool BookingReader::form_answers(ovalue& v, const ReadNode& node) {
  return for_each_element(v, node.path, [&](ovalue& entry) { return form_entry(entry); });
}

bool BookingReader::form_entry(ovalue& entry) {
  od::json_type t;
  if (auto e = entry.type().get(t)) return json_error(e);
  if (t == od::json_type::null) return true;
  if (t != od::json_type::object) return shape("booking.event.form[]", "an object", entry);
  od::object obj;
  if (auto e = entry.get_object().get(obj)) return json_error(e);
  std::int32_t by_type = -1, by_label = -1;
  bool seen_type = false, seen_label = false;
  Value value;
  for (auto result : obj) {
    FieldKey key;
    if (auto e = key.read(result, escaped_)) return json_error(e);
    od::field& field = result.value_unsafe();
    const bool is_type = key.is("field_type");
    if (is_type || key.is("label")) {
      std::string_view s;
      const bool is_text = field.value().get_string().get(s) == simdjson::SUCCESS;
      if (is_type) seen_type = true, by_type = is_text ? find_slot(plan_.answers_by_type, s) : -1;
      else seen_label = true, by_label = is_text ? find_slot(plan_.answers_by_label, s) : -1;
    } else if (key.is("value")) {
      // TimeRex sends field_type and label first: an unwanted (often long) value is skipped.
      if (seen_type && seen_label && by_type < 0 && by_label < 0) continue;
      if (!answer_value(field.value(), value)) return false;
    }
  }
  if (by_type >= 0) assign_first(by_type, value);
  if (by_label >= 0) assign_first(by_label, value);
  return true;
}

bool BookingReader::url_params(ovalue& v, const ReadNode& node) {
  return for_each_element(v, node.path, [&](ovalue& item) {
    od::object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) return shape("booking.event.url_params[]", "an object", item);
    for (auto result : obj) {
      FieldKey key;
      if (auto e = key.read(result, escaped_)) return json_error(e);
      od::field& field = result.value_unsafe();
      std::int32_t slot = -1;
      for (const auto& p : plan_.url_params)
        if (key.is(p.key)) slot = p.slot;
      if (slot < 0) continue;
      Value param;
      if (!scalar(field.value(), "booking.event.url_params[] value", param)) return false;
      assign_first(slot, param.kind == Kind::string ? trimmed_text(param.text) : param);
    }
    return true;
  });
}

void BookingReader::forget(const ReadNode& node) {
  for (const std::int32_t slot : node.subtree_slots) {
    slots_[slot] = Value::null();
    assigned_[slot] = 0;
  }
}

void BookingReader::assign_first(std::int32_t slot, Value v) {
  if (assigned_[slot]) return;
  assigned_[slot] = 1;
  slots_[slot] = v;
}

}  // namespace hubrules::engine

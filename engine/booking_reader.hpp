#pragma once
// The one pass over a booking document: walks the simdjson On-Demand document once, following
// the plan's read tree, and drops every value the plan reads into its slot. Nothing else of the
// document is materialised.
#include <simdjson.h>

#include <string>
#include <vector>

#include "engine/arena.hpp"
#include "engine/plan.hpp"

namespace hubrules::engine {

struct ReadError {
  std::string_view code;  // R001 (not JSON) or R002 (wrong shape); empty when the read succeeded
  std::string message;
};

class BookingReader {
 public:
  explicit BookingReader(const Plan& plan) : plan_(plan), assigned_(plan.slot_count) {}

  // Fills slots (plan.slot_count entries, reset to null by the caller); false with `error` set
  // when the booking is not JSON (R001, the walk stops) or has a wrong shape (R002, the walk
  // goes on so the booking id is still read). escaped_keys: whether
  // the document holds a backslash, so that a key may need unescaping.
  bool read(simdjson::ondemand::document& doc, bool escaped_keys, Value* slots, Arena& arena, ReadError& error);

 private:
  using ovalue = simdjson::ondemand::value;
  bool walk_array(ovalue& v, const ReadNode& node);
  template <typename F>
  bool for_each_element(ovalue& v, std::string_view path, F&& each);
  bool walk(ovalue& v, const ReadNode& node);
  bool walk_fields(simdjson::ondemand::object obj, const ReadNode& node);
  bool scalar(ovalue& v, std::string_view path, Value& out);
  bool answer_value(ovalue& v, Value& out);
  bool form_answers(ovalue& v, const ReadNode& node);
  bool form_entry(ovalue& entry);
  bool url_params(ovalue& v, const ReadNode& node);
  void assign_first(std::int32_t slot, Value v);
  void forget(const ReadNode& node);
  bool shape(std::string_view path, std::string_view expected, ovalue& v);
  bool json_error(simdjson::error_code e);

  const Plan& plan_;
  std::vector<unsigned char> assigned_;    // first answer wins
  std::vector<std::string_view> parts_;   // scratch for joining array answers
  bool escaped_ = false;
  Value* slots_ = nullptr;
  Arena* arena_ = nullptr;
  ReadError* error_ = nullptr;
};

}  // namespace hubrules::engine

#pragma once
// Building JSON documents (the sandbox's answers, the client's requests): a thin layer over
// append_json_string that takes care of commas, so builders read as the shape they produce.
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/text/json_writer.hpp"

namespace hubrules::runtime {

class JsonOut {
 public:
  JsonOut& begin_object() { return open('{'); }
  JsonOut& end_object() { return close('}'); }
  JsonOut& begin_array() { return open('['); }
  JsonOut& end_array() { return close(']'); }
  JsonOut& key(std::string_view k) {
    comma();
    text::append_json_string(out_, k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  JsonOut& string(std::string_view v) {
    comma();
    text::append_json_string(out_, v);
    return *this;
  }
  JsonOut& number(std::int64_t v) {
    comma();
    out_ += std::to_string(v);
    return *this;
  }
  JsonOut& boolean(bool v) { return raw(v ? "true" : "false"); }
  JsonOut& null() { return raw("null"); }
  // Already-valid JSON (a nested document, a literal).
  JsonOut& raw(std::string_view json) {
    comma();
    out_ += json;
    return *this;
  }
  JsonOut& field(std::string_view k, std::string_view v) { return key(k).string(v); }
  JsonOut& field(std::string_view k, const char* v) { return key(k).string(v); }
  JsonOut& field(std::string_view k, std::int64_t v) { return key(k).number(v); }
  JsonOut& field(std::string_view k, int v) { return key(k).number(v); }
  JsonOut& field(std::string_view k, bool v) { return key(k).boolean(v); }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  JsonOut& open(char c) {
    comma();
    out_ += c;
    first_ = true;
    return *this;
  }
  JsonOut& close(char c) {
    out_ += c;
    first_ = false;
    return *this;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }

  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace hubrules::runtime

#include "runtime/store/stored_values.hpp"

#include <chrono>

#include "engine/text/ascii_case.hpp"

namespace hubrules::runtime::stored {

std::int64_t to_millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::optional<std::int64_t> to_millis(const std::optional<TimePoint>& t) {
  return t ? std::optional(to_millis(*t)) : std::nullopt;
}

TimePoint from_millis(std::int64_t millis) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(millis)));
}

std::optional<TimePoint> from_millis(const std::optional<std::int64_t>& millis) {
  return millis ? std::optional(from_millis(*millis)) : std::nullopt;
}

std::optional<std::string> stored_key(const std::optional<std::string>& value) {
  if (!value || value->empty()) return std::nullopt;
  return text::lower_ascii(*value);
}

Disposition disposition_from_string(std::string_view text) {
  if (text == "created") return Disposition::created;
  if (text == "duplicate") return Disposition::duplicate;
  return Disposition::none;
}

std::string statement_excerpt(std::string_view sql) {
  constexpr std::size_t max_length = 80;
  std::string excerpt(sql.substr(0, max_length));
  for (char& c : excerpt) {
    if (c == '\n') c = ' ';
  }
  return sql.size() > max_length ? excerpt + "…" : excerpt;
}

}  // namespace hubrules::runtime::stored

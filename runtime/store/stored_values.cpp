#include "runtime/store/stored_values.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

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

std::map<BookingState, std::size_t> zero_counts() {
  std::map<BookingState, std::size_t> counts;
  for (auto state : {BookingState::pending, BookingState::delivered, BookingState::skipped, BookingState::invalid,
                     BookingState::failed, BookingState::parked}) {
    counts[state] = 0;
  }
  return counts;
}

std::size_t page_limit(std::size_t requested) { return std::clamp<std::size_t>(requested, 1, kMaxPageLimit); }

std::int64_t before_or_newest(const std::optional<std::int64_t>& before) {
  return before.value_or(std::numeric_limits<std::int64_t>::max());
}

namespace {

// Appends "AND <column> <op> <placeholder>" and the value it binds.
class PageConditions {
 public:
  PageConditions(PageStatement& statement, std::string_view columns, char marker)
      : statement_(statement), columns_(columns), marker_(marker) {}

  template <typename Value>
  void add(std::string_view column, std::string_view op, Value value) {
    statement_.values.emplace_back(std::move(value));
    statement_.sql += statement_.values.size() == 1 ? " WHERE " : " AND ";
    statement_.sql += std::string(columns_) + std::string(column) + " " + std::string(op) + " " + placeholder();
  }

  std::string placeholder() const { return marker_ + std::to_string(statement_.values.size()); }

 private:
  PageStatement& statement_;
  std::string_view columns_;
  char marker_;
};

}  // namespace

PageStatement booking_page_statement(const BookingQuery& query, std::string_view select_from,
                                     std::string_view columns, char marker) {
  PageStatement statement{std::string(select_from), {}};
  PageConditions conditions(statement, columns, marker);
  if (query.integration) conditions.add("integration", "=", *query.integration);
  if (query.state) conditions.add("state", "=", std::string(to_string(*query.state)));
  if (query.received_from) conditions.add("received_at", ">=", to_millis(*query.received_from));
  if (query.received_before) conditions.add("received_at", "<", to_millis(*query.received_before));
  if (query.before_sequence) conditions.add("intake_sequence", "<", *query.before_sequence);
  statement.values.emplace_back(static_cast<std::int64_t>(page_limit(query.limit) + 1));
  statement.sql += " ORDER BY " + std::string(columns) + "intake_sequence DESC LIMIT " + conditions.placeholder();
  return statement;
}

BookingPage booking_page(std::vector<JournaledBooking> rows, const BookingQuery& query) {
  BookingPage page{std::move(rows), std::nullopt};
  if (page.rows.size() > page_limit(query.limit)) {
    page.rows.resize(page_limit(query.limit));
    page.next_before = page.rows.back().intake_sequence;
  }
  return page;
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

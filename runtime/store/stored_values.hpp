#pragma once
// How both stores write values into their tables and messages: times as milliseconds since the
// Unix epoch, dedupe keys lowercase, dispositions as words, statements shortened for errors.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/base/clock.hpp"
#include "runtime/store/state_store.hpp"

namespace hubrules::runtime::stored {

std::int64_t to_millis(TimePoint t);
std::optional<std::int64_t> to_millis(const std::optional<TimePoint>& t);
TimePoint from_millis(std::int64_t millis);
std::optional<TimePoint> from_millis(const std::optional<std::int64_t>& millis);

// A dedupe key as stored: lowercase, and absent when empty, so that it never matches.
std::optional<std::string> stored_key(const std::optional<std::string>& value);

Disposition disposition_from_string(std::string_view text);

// Every state with 0, for the counts to start from (a state without bookings is still listed).
std::map<BookingState, std::size_t> zero_counts();

// A page's limit as served: at least 1 (a page tells whether more follow only from a row it
// shows), at most kMaxPageLimit.
std::size_t page_limit(std::size_t requested);

// A keyset bound as bound: "below nothing" reads from the newest row, so the statement keeps one
// shape (an index range) with or without a bound.
std::int64_t before_or_newest(const std::optional<std::int64_t>& before);

// One page of the journal as a statement built at run time: `select_from` ("SELECT … FROM …")
// narrowed by the filters the query sets, newest first, limited to one row more than the page
// (which tells that more follow). Each condition names a column as `columns` + its name (e.g.
// "b." for an alias) and a placeholder as `marker` + its number ('?' in SQLite, '$' in
// PostgreSQL); `values` are bound to placeholders 1, 2, … in order. Only the conditions set
// appear, so that each shape of query gets its own plan and index.
struct PageStatement {
  std::string sql;
  std::vector<std::variant<std::string, std::int64_t>> values;
};
PageStatement booking_page_statement(const BookingQuery& query, std::string_view select_from,
                                     std::string_view columns, char marker);

// The rows the page statement read as the page: a row beyond the limit only says more follow.
BookingPage booking_page(std::vector<JournaledBooking> rows, const BookingQuery& query);

// Enough of a statement to recognise it in an error; placeholders stand where values go, so no
// value (a token, a payload) is ever shown.
std::string statement_excerpt(std::string_view sql);

}  // namespace hubrules::runtime::stored

#pragma once
// How both stores write values into their tables and messages: times as milliseconds since the
// Unix epoch, dedupe keys lowercase, dispositions as words, statements shortened for errors.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

// Enough of a statement to recognise it in an error; placeholders stand where values go, so no
// value (a token, a payload) is ever shown.
std::string statement_excerpt(std::string_view sql);

}  // namespace hubrules::runtime::stored

#pragma once
// Deterministic TimeRex-style booking webhooks (NDJSON), shared by gen_bookings and the delivery
// benchmark so that both make byte-identical bookings from one seed.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace hubrules::bench {

struct GenOptions {
  long long count = 1000;
  std::uint64_t seed = 1;
  double freemail = 0.4, repeat = 0.2, cancel = 0.05, bad = 0.0;
};

// Hands the lines to `sink` in pieces of whole lines (about 1 MiB each, every line ending in
// '\n'); stops and returns false as soon as the sink returns false.
bool generate_bookings(const GenOptions& opt, const std::function<bool(std::string_view)>& sink);

// All of it in one string.
std::string generate_bookings(const GenOptions& opt);

}  // namespace hubrules::bench

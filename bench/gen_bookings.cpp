// gen_bookings: deterministic, seeded generator of TimeRex-style booking webhooks, one JSON
// document a line (NDJSON), for the mapping benchmark and for tests.
//
//   gen_bookings --count 100000 --seed 1 > bookings.ndjson
//
// Knobs (defaults in brackets):
//   --count N      number of lines [1000]
//   --seed S       PRNG seed [1]
//   --freemail F   share of guests with a free-mail address [0.4]
//   --repeat R     share of bookings that reuse an earlier guest or company [0.2]
//   --cancel C     share of event_cancelled webhooks [0.05]
//   --bad B        share of damaged lines: truncated JSON, "form":7, a non-JSON line [0]
//
// The generation itself is booking_generator.cpp, shared with the delivery benchmark.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "bench/booking_generator.hpp"

namespace {

using sv = std::string_view;
using hubrules::bench::GenOptions;

constexpr const char* kUsage =
    "usage: gen_bookings [--count N] [--seed S] [--freemail F] [--repeat R] [--cancel C] [--bad B]\n"
    "  --count N     bookings, one JSON document a line [1000]\n"
    "  --seed S      PRNG seed; the same seed gives the same bytes everywhere [1]\n"
    "  --freemail F  share of guests with a free-mail address [0.4]\n"
    "  --repeat R    share of bookings that reuse an earlier guest or company [0.2]\n"
    "  --cancel C    share of event_cancelled webhooks [0.05]\n"
    "  --bad B       share of damaged lines: truncated, \"form\":7, not JSON [0]\n";

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "gen_bookings: %s\n%s", why, kUsage);
  std::exit(2);
}

double parse_share(const char* s) {
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || !(v >= 0.0 && v <= 1.0)) usage("a share must be a number in [0, 1]");
  return v;
}

long long parse_int(const char* s) {
  char* end = nullptr;
  const long long v = std::strtoll(s, &end, 10);
  if (end == s || *end != '\0' || v < 0) usage("a count or seed must be a non-negative integer");
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  GenOptions opt;
  for (int a = 1; a < argc; ++a) {
    const sv flag = argv[a];
    if (flag == "-h" || flag == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a + 1 >= argc) usage("a flag needs a value");
    const char* value = argv[++a];
    if (flag == "--count") opt.count = parse_int(value);
    else if (flag == "--seed") opt.seed = std::uint64_t(parse_int(value));
    else if (flag == "--freemail") opt.freemail = parse_share(value);
    else if (flag == "--repeat") opt.repeat = parse_share(value);
    else if (flag == "--cancel") opt.cancel = parse_share(value);
    else if (flag == "--bad") opt.bad = parse_share(value);
    else usage("unknown flag");
  }

  const bool written = hubrules::bench::generate_bookings(opt, [](sv part) {
    return std::fwrite(part.data(), 1, part.size(), stdout) == part.size();
  });
  return written && std::fflush(stdout) == 0 ? 0 : 1;
}

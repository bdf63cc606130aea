// Evaluation is allocation-free in the steady state: once the parser, arena and output buffer
// have grown to fit, mapping more bookings allocates nothing.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "../test_support.hpp"
#include "runtime/mapping/rules_loader.hpp"

// AddressSanitizer replaces operator new itself; a second replacement here would mix its
// allocations with our frees. The count is taken in the normal build only.
#ifndef __SANITIZE_ADDRESS__

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

TEST_CASE("mapping bookings allocates nothing once warmed up", "[evaluation][performance]") {
  const auto rules = hubrules::runtime::load_rules(hubrules::testing::source_dir() + "/rules/timerex.rules",
                                                   hubrules::engine::HubSpotSchema::bundled());
  REQUIRE(rules.compilation.plan);
  const auto text = hubrules::runtime::read_text_file(hubrules::testing::source_dir() + "/rules/samples/timerex-bookings.ndjson");
  REQUIRE(text);
  std::vector<simdjson::padded_string> bookings;
  for (std::size_t at = 0; at < text->size();) {
    const std::size_t nl = text->find('\n', at);
    bookings.emplace_back(text->substr(at, nl - at));
    at = nl == std::string::npos ? text->size() : nl + 1;
  }
  hubrules::engine::Evaluator evaluator(rules.compilation.plan);
  std::string out;
  auto map_all = [&] {
    out.clear();
    for (std::size_t i = 0; i < bookings.size(); ++i) hubrules::engine::append_map_line(out, i + 1, evaluator.evaluate(bookings[i]));
  };
  map_all();  // warm-up: buffers grow to their working size
  const long before = allocations.load();
  for (int round = 0; round < 3; ++round) map_all();
  CHECK(allocations.load() - before == 0);
  CHECK(out.find("\"contacts\":{") != std::string::npos);
}

#endif  // __SANITIZE_ADDRESS__

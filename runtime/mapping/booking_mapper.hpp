#pragma once
// `hubrules map`: evaluates a plan on every line of an NDJSON stream and writes one JSON line per
// input line, in input order, spreading each chunk over threads.
#include <cstddef>
#include <string>

#include "engine/evaluation.hpp"
#include "engine/plan.hpp"

namespace hubrules::runtime {

struct MapStats {
  std::size_t lines = 0;
  std::size_t with_records = 0;
  std::size_t skipped = 0;
  std::size_t errors = 0;
  std::size_t bytes = 0;

  void count(engine::Outcome o) {
    ++lines;
    if (o == engine::Outcome::records) ++with_records;
    else if (o == engine::Outcome::skipped) ++skipped;
    else ++errors;
  }
  MapStats& operator+=(const MapStats& o) {
    lines += o.lines, with_records += o.with_records, skipped += o.skipped, errors += o.errors;
    return *this;
  }
};

// input_name names the input in error messages.
MapStats map_bookings(const engine::PlanPtr& plan, int in_fd, int out_fd, unsigned threads,
                      const std::string& input_name = "bookings");

// Writes all of [data, data+size) to fd; throws std::runtime_error on failure.
void write_all(int fd, const char* data, std::size_t size);

}  // namespace hubrules::runtime

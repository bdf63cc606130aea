#include "runtime/booking_mapper.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/evaluator.hpp"
#include "engine/map_output.hpp"
#include "runtime/ndjson_chunks.hpp"

namespace hubrules::runtime {

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("writing output: ") + std::strerror(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

namespace {

constexpr std::size_t bytes_per_thread = 4 << 20;

// What one thread maps: whole lines, with their first line number.
struct Part {
  const char* begin = nullptr;
  const char* end = nullptr;
  std::size_t first_line = 0;
};

struct Worker {
  explicit Worker(const engine::PlanPtr& plan) : evaluator(plan) {}
  engine::Evaluator evaluator;
  std::string out;
  MapStats stats;
};

void map_part(Worker& w, const Part& part, const char* readable) {
  w.out.clear();
  w.stats = {};
  for_each_line(part.begin, part.end, part.first_line, [&](std::size_t line, const char* p, std::size_t len) {
    const engine::Evaluation& r = w.evaluator.evaluate(p, len, static_cast<std::size_t>(readable - p));
    engine::append_map_line(w.out, line, r);
    w.stats.count(r.outcome);
  });
}

// Cuts a chunk into up to n parts of about equal size, at line boundaries.
std::vector<Part> split(const Chunk& c, std::size_t first_line, std::size_t n) {
  std::vector<Part> parts;
  const char* p = c.begin;
  std::size_t line = first_line;
  const auto share = static_cast<std::size_t>(c.end - c.begin) / n + 1;
  while (p < c.end) {
    const char* cut = std::min(c.end, p + share);
    if (cut < c.end) {
      const auto* nl = static_cast<const char*>(std::memchr(cut, '\n', static_cast<std::size_t>(c.end - cut)));
      cut = nl != nullptr ? nl + 1 : c.end;
    }
    parts.push_back({p, cut, line});
    line += static_cast<std::size_t>(std::count(p, cut, '\n'));
    p = cut;
  }
  return parts;
}

}  // namespace

MapStats map_bookings(const engine::PlanPtr& plan, int in_fd, int out_fd, unsigned threads, const std::string& input_name) {
  threads = std::max(1u, threads);
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>(plan));
  NdjsonChunks chunks(in_fd, input_name, bytes_per_thread * threads);
  MapStats total;
  while (auto chunk = chunks.next()) {
    const std::size_t first_line = total.lines + 1;
    const std::vector<Part> parts = threads == 1 ? std::vector<Part>{{chunk->begin, chunk->end, first_line}}
                                                 : split(*chunk, first_line, threads);
    std::vector<std::thread> running;
    for (std::size_t i = 1; i < parts.size(); ++i)
      running.emplace_back(map_part, std::ref(*workers[i]), std::cref(parts[i]), chunk->readable);
    map_part(*workers[0], parts[0], chunk->readable);
    for (auto& t : running) t.join();
    for (std::size_t i = 0; i < parts.size(); ++i) {
      write_all(out_fd, workers[i]->out.data(), workers[i]->out.size());
      total += workers[i]->stats;
    }
  }
  total.bytes = chunks.bytes_read();
  return total;
}

}  // namespace hubrules::runtime

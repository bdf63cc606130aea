// hubrules map RULES [BOOKINGS|-] [--threads N] [--as-batches [--hubspot-api 2026-03|v3]] [--schema DIR]
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include "engine/evaluator.hpp"
#include "runtime/mapping/batch_preview.hpp"
#include "runtime/mapping/booking_mapper.hpp"
#include "runtime/cli/command_line.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/cli/portal_options.hpp"
#include "runtime/mapping/ndjson_chunks.hpp"
#include "runtime/mapping/rules_loader.hpp"

namespace hubrules::runtime {

namespace {

// Opens BOOKINGS, or standard input for "-" or no argument.
int open_bookings(const CommandLine& cl) {
  if (cl.positionals().size() < 2 || cl.positionals()[1] == "-") return STDIN_FILENO;
  const int fd = ::open(cl.positionals()[1].c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(cl.positionals()[1] + ": " + std::strerror(errno));
  return fd;
}

std::string input_name(const CommandLine& cl) {
  return cl.positionals().size() < 2 || cl.positionals()[1] == "-" ? "standard input" : cl.positionals()[1];
}

MapStats preview_batches(const engine::PlanPtr& plan, int fd, const std::string& name, hubspot::ApiFamily family) {
  engine::Evaluator evaluator(plan);
  BatchPreview preview(*plan, hubspot::ApiPaths(family));
  NdjsonChunks chunks(fd, name, 8 << 20);
  MapStats stats;
  while (auto c = chunks.next()) {
    for_each_line(c->begin, c->end, stats.lines + 1, [&](std::size_t line, const char* p, std::size_t len) {
      const engine::Evaluation& e = evaluator.evaluate(p, len, static_cast<std::size_t>(c->readable - p));
      stats.count(e.outcome);
      if (e.outcome == engine::Outcome::error) {
        spdlog::warn("line {}: error[{}]: {}", line, e.error_code, e.error_message);
      }
      preview.add(e);
    });
  }
  stats.bytes = chunks.bytes_read();
  spdlog::info("left out as duplicates: {} companies, {} contacts", preview.duplicates(true), preview.duplicates(false));
  const std::string out = preview.render();
  write_all(STDOUT_FILENO, out.data(), out.size());
  return stats;
}

}  // namespace

int run_map(const Args& args) {
  const CommandLine cl(args, {"threads", "schema", "hubspot-api"}, {"as-batches"});
  if (cl.positionals().empty() || cl.positionals().size() > 2)
    throw UsageError(
        "usage: hubrules map RULES [BOOKINGS|-] [--threads N] [--as-batches [--hubspot-api 2026-03|v3]] [--schema DIR]");
  const hubspot::ApiFamily family = api_family_from(cl);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const auto threads = static_cast<unsigned>(cl.number("threads", cores, 1, 256));
  const LoadedRules rules = load_rules(cl.positionals()[0], schema_for(cl.value("schema")));
  std::cerr << rules.rendered;
  if (!rules.compilation.plan) return 1;
  const int fd = open_bookings(cl);
  const auto start = std::chrono::steady_clock::now();
  const MapStats stats = cl.flag("as-batches") ? preview_batches(rules.compilation.plan, fd, input_name(cl), family)
                                               : map_bookings(rules.compilation.plan, fd, STDOUT_FILENO, threads, input_name(cl));
  if (fd != STDIN_FILENO) ::close(fd);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("{} lines: {} with records, {} skipped, {} errors ({:.1f} MB in {:.2f} s)", stats.lines,
               stats.with_records, stats.skipped, stats.errors, double(stats.bytes) / 1e6, seconds);
  return stats.errors > 0 ? 1 : 0;
}

}  // namespace hubrules::runtime

// delivery_bench: bookings per second end to end and HubSpot API calls per 1,000 bookings, for
// `hubrules sync` and for the naive per-booking strategy peers use, against the in-process
// sandbox with the free tier's limits; then the final CRM state of each, its duplicates, and
// whether the two strategies leave HubSpot the same.
//
//   delivery_bench --hubrules build/hubrules [--count 1000] [--naive-count 300]
//
// See bench/README.md ("The delivery benchmark") and bench/run_delivery_bench.sh.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bench/booking_generator.hpp"
#include "bench/delivery_bench.hpp"
#include "runtime/mapping/rules_loader.hpp"

extern char** environ;

namespace hubrules::bench {

namespace {

namespace fs = std::filesystem;

constexpr double kTargetCallsPer1000 = 60;
// A portal whose headers say its limit is used at least this much with no flag (issue 8).
constexpr double kTargetLimitShare = 0.9;

struct Flags {
  std::string hubrules;  // empty: the naive strategy only
  std::string rules = HUBRULES_SOURCE_DIR "/rules/timerex.rules";
  long long count = 1000;
  long long naive_count = 300;
  std::uint64_t seed = 1;
  Limits limits;
  bool keep = false;
  // A portal whose rate headers say `portal_limit` per 10 s, synced without --burst-limit:
  // hubrules must learn the limit from the headers and use most of it.
  int portal_limit = 0;  // 0: no such row
  long long portal_count = 25000;  // ~750 calls counted in the limit: about four of its windows
  bool learn_limit = false;  // this run gives sync no --burst-limit
};

// The most `hubrules sync` takes (--burst-limit 10,000 per 10 s, --search-rate 1,000 per s):
// a large sync then measures the sandbox's work, not the free tier's waits.
constexpr Limits kLiftedLimits{10000, 1000, 3000};

struct Row {
  std::string strategy;
  long long bookings = 0;
  double seconds = 0;
  // CPU seconds this process spent while `hubrules sync` ran in its own: the in-process sandbox
  // serving it, as nothing else runs here meanwhile. Negative when not measured (naive rows,
  // whose client runs in this process too).
  double sandbox_cpu = -1;
  runtime::SandboxStats stats;
  CrmView crm;
  bool ok = true;
  std::string note;          // why it failed, or what else is worth knowing
  std::string same = "n/a";  // the "same CRM state" column
  int learned_limit = 0;     // the portal's limit sync had to learn, for the share of it used
};

// ---- flags -------------------------------------------------------------------------------------

constexpr const char* kUsage =
    "usage: delivery_bench [--hubrules PATH] [--rules FILE] [--count N] [--naive-count M] [--seed S]\n"
    "                      [--burst-limit N] [--search-rate N] [--search-lag-ms N] [--lift-limits]\n"
    "                      [--portal-limit N] [--portal-count M] [--keep]\n"
    "  --hubrules PATH     the hubrules binary whose `sync` is measured (without it: naive only)\n"
    "  --rules FILE        rule file [rules/timerex.rules of the source tree]\n"
    "  --count N           bookings for hubrules sync [1000]\n"
    "  --naive-count M     bookings for the naive strategy, the first M of the same ones [300]\n"
    "  --seed S            seed of the bookings and of the pre-existing records [1]\n"
    "  --burst-limit N     requests per rolling 10 s, sandbox and clients [100]\n"
    "  --search-rate N     searches per second, sandbox and clients [5]\n"
    "  --search-lag-ms N   how long new records stay invisible to search [3000]\n"
    "  --portal-limit N    also sync into a portal whose rate headers say N per 10 s (e.g. 190), without\n"
    "                      --burst-limit, and report the share of that limit used [off]\n"
    "  --portal-count M    bookings for that run [25000]\n"
    "  --lift-limits       burst 10,000 per 10 s and search 1,000/s, the most sync takes: for large\n"
    "                      counts, where the sandbox CPU column is the point\n"
    "  --keep              keep the working directory (bookings, state files, sync's log, final CRMs)\n";

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "delivery_bench: " << why << "\n" << kUsage;
  std::exit(2);
}

long long number(const char* s, long long min) {
  char* end = nullptr;
  const long long v = std::strtoll(s, &end, 10);
  if (end == s || *end != '\0' || v < min) usage(std::string("not a number ≥ ") + std::to_string(min) + ": " + s);
  return v;
}

Flags parse_flags(int argc, char** argv) {
  Flags f;
  for (int a = 1; a < argc; ++a) {
    const std::string_view flag = argv[a];
    if (flag == "-h" || flag == "--help") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (flag == "--keep") {
      f.keep = true;
      continue;
    }
    if (flag == "--lift-limits") {
      f.limits.burst_limit = kLiftedLimits.burst_limit;
      f.limits.search_rate = kLiftedLimits.search_rate;
      continue;
    }
    if (a + 1 >= argc) usage(std::string(flag) + " needs a value");
    const char* v = argv[++a];
    if (flag == "--hubrules") f.hubrules = v;
    else if (flag == "--rules") f.rules = v;
    else if (flag == "--count") f.count = number(v, 1);
    else if (flag == "--naive-count") f.naive_count = number(v, 0);
    else if (flag == "--seed") f.seed = std::uint64_t(number(v, 0));
    else if (flag == "--burst-limit") f.limits.burst_limit = int(number(v, 1));
    else if (flag == "--search-rate") f.limits.search_rate = int(number(v, 1));
    else if (flag == "--search-lag-ms") f.limits.search_lag_ms = long(number(v, 0));
    else if (flag == "--portal-limit") f.portal_limit = int(number(v, 1));
    else if (flag == "--portal-count") f.portal_count = number(v, 1);
    else usage("unknown flag " + std::string(flag));
  }
  return f;
}

// ---- running a strategy --------------------------------------------------------------------------

// What every strategy starts from and is judged by.
struct Setup {
  std::vector<SeedRecord> seeds;
  CompanyLabels labels;
  fs::path work;  // bookings, state files, logs, final CRMs
};

// A few of the duplicates, so that a person can look them up.
void print_duplicates(const std::string& who, const CrmView& v) {
  for (std::size_t i = 0; i < v.duplicate_examples.size() && i < 4; ++i)
    std::cerr << "  " << who << ": " << v.duplicate_examples[i] << "\n";
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), std::streamsize(text.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string last_lines(const fs::path& path, std::size_t n) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) out += "  | " + lines[i] + "\n";
  return out;
}

// Runs argv with stdout and stderr into `log`; returns the exit status (128 + signal when killed).
int run_process(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error(args[0] + ": " + std::strerror(error));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::string> sync_command(const Flags& f, const fs::path& bookings, const fs::path& state,
                                      const std::string& url) {
  std::vector<std::string> args = {f.hubrules, "sync", f.rules, bookings.string(), "--hubspot-url", url, "--token",
                                   std::string(kToken), "--state", state.string(), "--search-rate",
                                   std::to_string(f.limits.search_rate), "--search-lag-ms",
                                   std::to_string(f.limits.search_lag_ms)};
  if (!f.learn_limit) {
    args.push_back("--burst-limit");
    args.push_back(std::to_string(f.limits.burst_limit));
  }
  return args;
}

// What the run cost and left in HubSpot; the state also goes to the working directory as JSON,
// for a person to look into with --keep.
void finish_row(Row& row, const runtime::Sandbox& sandbox, const Setup& setup) {
  row.stats = sandbox.stats();
  row.crm = view_of(sandbox.state(), setup.labels);
  print_duplicates(row.strategy, row.crm);
  const std::string name = row.strategy.substr(0, row.strategy.find(' '));
  write_file(setup.work / ("crm-" + name + "-" + std::to_string(row.bookings) + ".json"), sandbox.state_json());
}

Row run_hubrules(const Flags& f, const Setup& setup, std::string_view ndjson, long long bookings) {
  Row row;
  row.strategy = "hubrules sync";
  row.bookings = bookings;
  const std::string tag = std::to_string(bookings);
  const fs::path input = setup.work / ("bookings-" + tag + ".ndjson"), log = setup.work / ("sync-" + tag + ".log");
  write_file(input, ndjson);
  auto sandbox = start_sandbox(f.limits, setup.seeds);
  std::cerr << "== hubrules sync: " << bookings << " bookings against " << sandbox->base_url() << "\n";
  const auto start = std::chrono::steady_clock::now();
  const double cpu_before = process_cpu_seconds();
  const int status = run_process(sync_command(f, input, setup.work / ("state-" + tag + ".db"), sandbox->base_url()), log);
  row.sandbox_cpu = process_cpu_seconds() - cpu_before;
  row.seconds = seconds_since(start);
  std::cerr << last_lines(log, 25);
  if (status != 0) {
    row.ok = false;
    row.note = "exit status " + std::to_string(status);
  }
  finish_row(row, *sandbox, setup);
  return row;
}

Row run_naive_row(const Flags& f, const engine::PlanPtr& plan, const Setup& setup, std::string_view ndjson,
                  long long bookings) {
  Row row;
  row.strategy = "naive per booking";
  row.bookings = bookings;
  auto sandbox = start_sandbox(f.limits, setup.seeds);
  std::cerr << "== naive per booking: " << bookings << " bookings against " << sandbox->base_url() << "\n";
  const auto start = std::chrono::steady_clock::now();
  const NaiveOutcome out = run_naive(plan, ndjson, sandbox->base_url(), f.limits);
  row.seconds = seconds_since(start);
  for (const auto& e : out.first_errors) std::cerr << "  naive: " << e << "\n";
  std::cerr << "  naive: " << out.bookings_with_records << " bookings with records, " << out.conflicts_409
            << " contact creates answered 409 (search lag), " << out.failed_bookings << " failed\n";
  row.ok = out.failed_bookings == 0;
  if (!row.ok) row.note = std::to_string(out.failed_bookings) + " bookings failed";
  finish_row(row, *sandbox, setup);
  return row;
}

// ---- the report --------------------------------------------------------------------------------

// The calls HubSpot counts in the burst limit (search is counted apart) against the most the
// limit allows in the run's time: a full window at once, then one per 10 s begun.
double limit_share(const Row& r) {
  long counted = 0;
  for (const auto& [endpoint, n] : r.stats.calls)
    if (endpoint.find("/search") == std::string::npos) counted += n;
  const double allowed = r.learned_limit * std::ceil(r.seconds / 10.0);
  return allowed > 0 ? double(counted) / allowed : 0;
}

double per_1000(const Row& r) { return r.bookings ? 1000.0 * double(r.stats.crm_requests) / double(r.bookings) : 0; }

std::string too_many(const runtime::SandboxStats& s) {
  const long n = s.burst_limited + s.search_limited;
  if (n == 0) return "0";
  return std::to_string(n) + " (" + std::to_string(s.burst_limited) + " burst, " + std::to_string(s.search_limited) + " search)";
}

std::string duplicates(const CrmView& v) {
  if (v.company_duplicates + v.contact_duplicates == 0) return "0";
  return std::to_string(v.company_duplicates) + " companies, " + std::to_string(v.contact_duplicates) + " contacts";
}

void print_table(const std::vector<Row>& rows) {
  std::printf("| strategy | bookings | seconds | bookings/s | sandbox CPU s | API calls | calls per 1,000 bookings | 429s | duplicates in CRM | same CRM state as hubrules |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n");
  for (const auto& r : rows) {
    const std::string name = r.ok ? r.strategy : r.strategy + " (FAILED: " + r.note + ")";
    char cpu[32] = "—";
    if (r.sandbox_cpu >= 0) std::snprintf(cpu, sizeof cpu, "%.2f", r.sandbox_cpu);
    std::printf("| %s | %lld | %.1f | %.1f | %s | %ld | %.0f | %s | %s | %s |\n", name.c_str(), r.bookings, r.seconds,
                double(r.bookings) / r.seconds, cpu, r.stats.crm_requests, per_1000(r), too_many(r.stats).c_str(),
                duplicates(r.crm).c_str(), r.same.c_str());
  }
}

void print_endpoints(const std::vector<Row>& rows) {
  std::set<std::string> endpoints;
  for (const auto& r : rows)
    for (const auto& [endpoint, n] : r.stats.calls) endpoints.insert(endpoint);
  std::printf("\nCalls by endpoint:\n\n| endpoint |");
  for (const auto& r : rows) std::printf(" %s, %lld |", r.strategy.c_str(), r.bookings);
  std::printf("\n| --- |");
  for (std::size_t i = 0; i < rows.size(); ++i) std::printf(" ---: |");
  std::printf("\n");
  for (const auto& e : endpoints) {
    std::printf("| `%s` |", e.c_str());
    for (const auto& r : rows) {
      const auto it = r.stats.calls.find(e);
      std::printf(" %ld |", it == r.stats.calls.end() ? 0L : it->second);
    }
    std::printf("\n");
  }
}

// Exit status: 0 all ran and hubrules meets its targets, 1 a strategy failed, 2 a target missed.
int print_targets(const Row* hubrules, const std::vector<Row>& rows) {
  int status = 0;
  for (const auto& r : rows)
    if (!r.ok) status = 1;
  std::printf("\n");
  if (!hubrules) {
    std::printf("- targets not evaluated: no --hubrules\n");
    return status;
  }
  const bool calls_ok = per_1000(*hubrules) <= kTargetCallsPer1000;
  const bool dups_ok = hubrules->crm.company_duplicates + hubrules->crm.contact_duplicates == 0;
  std::printf("- hubrules sync: %.0f API calls per 1,000 bookings ≤ %.0f — %s\n", per_1000(*hubrules),
              kTargetCallsPer1000, calls_ok ? "PASS" : "FAIL");
  std::printf("- hubrules sync: no duplicate in the CRM — %s\n", dups_ok ? "PASS" : "FAIL");
  bool share_ok = true;
  for (const auto& r : rows)
    if (r.learned_limit > 0) {
      const double share = limit_share(r);
      share_ok = share >= kTargetLimitShare;
      std::printf("- hubrules sync without --burst-limit: %.0f %% of the portal's %d per 10 s used (calls counted in "
                  "the burst limit, of the most it allows in the run's time) ≥ %.0f %% — %s\n",
                  100 * share, r.learned_limit, 100 * kTargetLimitShare, share_ok ? "PASS" : "FAIL");
    }
  if (status == 0 && !(calls_ok && dups_ok && share_ok)) status = 2;
  return status;
}

void print_header(const Flags& f, const std::vector<SeedRecord>& seeds) {
  long companies = 0, name_only = 0;
  for (const auto& s : seeds)
    if (s.object == "companies") {
      ++companies;
      name_only += !s.properties.count("domain");
    }
  std::printf("Delivery benchmark: TimeRex bookings (seed %llu) into the in-process HubSpot sandbox; burst %d per 10 s, "
              "search %d/s, search lag %ld ms; pre-existing: %ld companies (%ld by name only), %ld contacts.\n\n",
              static_cast<unsigned long long>(f.seed), f.limits.burst_limit, f.limits.search_rate,
              f.limits.search_lag_ms, companies, name_only, long(seeds.size()) - companies);
}

void print_differences(const std::string& what, const CrmDiff& d) {
  if (d.same()) return;
  std::cerr << "== " << what << ": " << d.summary() << "\n";
  for (const auto& e : d.examples) std::cerr << "   e.g. " << e << "\n";
}

engine::PlanPtr load_plan(const std::string& path) {
  const runtime::LoadedRules rules = runtime::load_rules(path, runtime::schema_for(std::nullopt));
  if (!rules.compilation.plan) throw std::runtime_error(path + ":\n" + rules.rendered);
  return rules.compilation.plan;
}

fs::path make_work_dir() {
  std::string tmpl = (fs::temp_directory_path() / "delivery-bench.XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  return tmpl;
}

// hubrules against a portal whose headers say `portal_limit` per 10 s, told nothing of it.
Row run_learning_limit(const Flags& f, const Setup& setup, std::string_view all) {
  Flags portal = f;
  portal.limits.burst_limit = f.portal_limit;
  portal.learn_limit = true;
  Row row = run_hubrules(portal, setup, first_lines(all, f.portal_count), f.portal_count);
  row.strategy = "hubrules sync, no --burst-limit, portal limit " + std::to_string(f.portal_limit) + " per 10 s";
  row.same = "—";
  row.learned_limit = f.portal_limit;
  return row;
}

// The strategies' rows: hubrules on all N bookings, hubrules on the naive run's M (the
// reference its CRM state is compared with; the same row when M = N), the naive strategy on M.
std::vector<Row> run_strategies(const Flags& f, const engine::PlanPtr& plan, const Setup& setup, std::string_view all) {
  std::vector<Row> rows;
  std::optional<Row> reference;
  if (!f.hubrules.empty()) {
    rows.push_back(run_hubrules(f, setup, first_lines(all, f.count), f.count));
    rows.back().same = "—";
    if (f.naive_count > 0 && f.naive_count != f.count)
      rows.push_back(run_hubrules(f, setup, first_lines(all, f.naive_count), f.naive_count));
    if (f.naive_count > 0) {
      rows.back().same = "reference for the row below";
      reference = rows.back();
    }
  }
  if (!f.hubrules.empty() && f.portal_limit > 0) rows.push_back(run_learning_limit(f, setup, all));
  if (f.naive_count == 0) return rows;
  rows.push_back(run_naive_row(f, plan, setup, first_lines(all, f.naive_count), f.naive_count));
  if (reference) {
    const CrmDiff d = compare(reference->crm, rows.back().crm);
    rows.back().same = d.summary();
    print_differences("naive vs hubrules on the same " + std::to_string(f.naive_count) + " bookings", d);
  }
  return rows;
}

int run(const Flags& f) {
  const engine::PlanPtr plan = load_plan(f.rules);
  GenOptions gen;
  gen.count = std::max({f.count, f.naive_count, f.portal_limit > 0 ? f.portal_count : 0});
  gen.seed = f.seed;
  const std::string all = generate_bookings(gen);
  const Setup setup{choose_seed_records(plan, all, f.seed), company_labels(plan, all), make_work_dir()};

  const std::vector<Row> rows = run_strategies(f, plan, setup, all);
  print_header(f, setup.seeds);
  print_table(rows);
  print_endpoints(rows);
  const int status = print_targets(f.hubrules.empty() ? nullptr : &rows.front(), rows);
  if (f.keep) std::cerr << "== kept " << setup.work.string() << "\n";
  else fs::remove_all(setup.work);
  return status;
}

}  // namespace

}  // namespace hubrules::bench

int main(int argc, char** argv) {
  const auto flags = hubrules::bench::parse_flags(argc, argv);
  try {
    return hubrules::bench::run(flags);
  } catch (const std::exception& e) {
    std::cerr << "delivery_bench: " << e.what() << "\n";
    return 1;
  }
}

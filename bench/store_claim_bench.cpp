// store_claim_bench: the delivery side of the state store, without HubSpot — how many pending
// bookings a second W workers move to `delivered`, and how long the claim call takes, through the
// StateStore interface (open_state_store: a SQLite file or a postgresql:// URL), for
// bench/run_workers_bench.sh.
//
//   store_claim_bench prefill --state LOC --integrations I --finished F --pending R [--payload-bytes B]
//   store_claim_bench run     --state LOC --integrations I --workers W [--batch 100]
//
// prefill journals F bookings and finishes them (delivered), then journals R pending ones, both
// spread round-robin over integrations bench-0 … bench-(I-1): the finished rows sit in the same
// integrations as the pending ones, so every claim has them "behind it" in the journal. Received
// 40 days ago (finished) and 1 day ago (pending), so every pending row is due.
//
// run starts W threads, each with a store object of its own (its own database session; SQLite:
// its own connection), each owning the integrations j with j % W == its number, as a lease owner
// owns its portals. Each takes the lease of its integrations once, then loops over them:
//
//   transaction { holds_lease(lease); rows = pending_of(integration, batch, now);
//                 for each row: set_state(event_id, delivered); }
//
// — the fencing check, the claim and the completion in one commit, as a delivery round writes
// its results — until no integration of its own has pending rows. The claim latency is the
// pending_of call alone (inside the transaction); the transaction latency is the whole block,
// its commit (fsync) included. Prints one JSON object.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "runtime/store/open_state_store.hpp"

namespace {

using namespace hubrules::runtime;
using Steady = std::chrono::steady_clock;

struct Args {
  std::string mode, state;
  long integrations = 12, finished = 50'000, pending = 30'000, workers = 1, batch = 100, payload_bytes = 1900;
};

[[noreturn]] void usage(const std::string& message) {
  std::fprintf(stderr,
               "store_claim_bench: %s\nusage: store_claim_bench prefill --state LOC --integrations I --finished F "
               "--pending R [--payload-bytes B]\n       store_claim_bench run --state LOC --integrations I --workers W "
               "[--batch N]\n",
               message.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  if (argc < 2) usage("a mode is needed");
  Args a;
  a.mode = argv[1];
  if (a.mode != "prefill" && a.mode != "run") usage("unknown mode " + a.mode);
  for (int i = 2; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) usage(k + " needs a value");
    const std::string v = argv[++i];
    if (k == "--state") {
      a.state = v;
      continue;
    }
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != '\0' || n < 0) usage(k + " needs a number");
    if (k == "--integrations") a.integrations = n;
    else if (k == "--finished") a.finished = n;
    else if (k == "--pending") a.pending = n;
    else if (k == "--workers") a.workers = n;
    else if (k == "--batch") a.batch = n;
    else if (k == "--payload-bytes") a.payload_bytes = n;
    else usage("unknown argument " + k);
  }
  if (a.state.empty()) usage("--state is required");
  if (a.integrations < 1 || a.workers < 1 || a.batch < 1) usage("integrations, workers and batch must be ≥ 1");
  return a;
}

std::string integration(long j) { return "bench-" + std::to_string(j); }

// A booking-sized payload (serve journals the webhook's body; ~1.9 kB for the generator's).
std::string payload(long bytes, long i) {
  std::string p = R"({"webhook_type":"event_confirmed","event":{"id":")" + std::to_string(i) + R"(","note":")";
  if (static_cast<long>(p.size()) + 3 < bytes) p.append(static_cast<std::size_t>(bytes - p.size() - 3), 'x');
  return p + "\"}}";
}

double ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto k = static_cast<std::size_t>(std::clamp<double>(p / 100.0 * v.size() + 0.5, 1, v.size())) - 1;
  return v[k];
}

// Journals in transactions of 500: the prefill's speed is not what is measured.
int prefill(const Args& a) {
  auto store = open_state_store(a.state);
  const auto now = std::chrono::system_clock::now();
  const auto t0 = Steady::now();
  constexpr long kChunk = 500;
  auto fill = [&](const std::string& prefix, long count, TimePoint at, bool finish) {
    for (long first = 0; first < count; first += kChunk) {
      store->transaction([&](StateStore& s) {
        for (long i = first; i < std::min(count, first + kChunk); ++i) {
          const std::string id = prefix + std::to_string(i);
          s.journal(integration(i % a.integrations), id, payload(a.payload_bytes, i), at + Millis(i));
          if (finish) s.set_state(id, BookingState::delivered);
        }
      });
    }
  };
  fill("done-", a.finished, now - std::chrono::hours(24 * 40), true);
  fill("pending-", a.pending, now - std::chrono::hours(24), false);
  std::printf("{\"finished\":%ld,\"pending\":%ld,\"integrations\":%ld,\"seconds\":%.1f}\n", a.finished, a.pending,
              a.integrations, std::chrono::duration<double>(Steady::now() - t0).count());
  return 0;
}

int run(const Args& a) {
  const long W = a.workers;
  std::vector<std::unique_ptr<StateStore>> stores;
  for (long w = 0; w < W; ++w) stores.push_back(open_state_store(a.state));  // sessions opened before the clock starts

  struct Result {
    long rows = 0, claims = 0, empty_claims = 0;
    std::vector<double> claim_ms, txn_ms;
    std::string error;
  };
  std::vector<Result> results(static_cast<std::size_t>(W));
  std::barrier start(static_cast<std::ptrdiff_t>(W + 1));
  std::vector<std::thread> threads;
  for (long w = 0; w < W; ++w) {
    threads.emplace_back([&, w] {
      Result& r = results[static_cast<std::size_t>(w)];
      StateStore& store = *stores[static_cast<std::size_t>(w)];
      const std::string owner = "claim-bench-" + std::to_string(w);
      std::vector<std::pair<std::string, Lease>> mine;
      try {
        for (long j = w; j < a.integrations; j += W) {
          auto lease = store.acquire_lease(integration(j), owner, Millis(600'000));
          if (!lease) throw std::runtime_error("the lease of " + integration(j) + " is held by someone else");
          mine.emplace_back(integration(j), *lease);
        }
      } catch (const std::exception& e) {
        r.error = e.what();
      }
      start.arrive_and_wait();
      if (!r.error.empty()) return;
      try {
        std::size_t next = 0;
        while (!mine.empty()) {
          next %= mine.size();
          const auto& [name, lease] = mine[next];
          std::size_t claimed = 0;
          const auto t0 = Steady::now();
          store.transaction([&](StateStore& s) {
            if (!s.holds_lease(lease)) throw LeaseLost("lost the lease of " + name);
            const auto c0 = Steady::now();
            auto rows = s.pending_of(name, static_cast<std::size_t>(a.batch), std::chrono::system_clock::now());
            r.claim_ms.push_back(ms(Steady::now() - c0));
            for (const auto& b : rows) s.set_state(b.event_id, BookingState::delivered);
            claimed = rows.size();
          });
          r.txn_ms.push_back(ms(Steady::now() - t0));
          ++r.claims;
          r.rows += static_cast<long>(claimed);
          if (claimed == 0) {
            ++r.empty_claims;
            mine.erase(mine.begin() + static_cast<std::ptrdiff_t>(next));  // this integration is done
          } else {
            ++next;
          }
        }
      } catch (const std::exception& e) {
        r.error = e.what();
      }
    });
  }
  start.arrive_and_wait();
  const auto t0 = Steady::now();
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Steady::now() - t0).count();

  long rows = 0, claims = 0;
  std::vector<double> claim_ms, txn_ms;
  for (auto& r : results) {
    if (!r.error.empty()) {
      std::fprintf(stderr, "store_claim_bench: a worker failed: %s\n", r.error.c_str());
      return 1;
    }
    rows += r.rows;
    claims += r.claims;
    claim_ms.insert(claim_ms.end(), r.claim_ms.begin(), r.claim_ms.end());
    txn_ms.insert(txn_ms.end(), r.txn_ms.begin(), r.txn_ms.end());
  }
  const auto left = stores.front()->count_by_state();
  std::printf("{\"workers\":%ld,\"rows\":%ld,\"claims\":%ld,\"seconds\":%.3f,\"rows_per_s\":%.0f,"
              "\"claim_p50_ms\":%.3f,\"claim_p99_ms\":%.3f,\"claim_max_ms\":%.3f,\"txn_p50_ms\":%.3f,"
              "\"txn_p99_ms\":%.3f,\"pending_left\":%zu,\"delivered\":%zu}\n",
              W, rows, claims, seconds, rows / std::max(seconds, 1e-9), percentile(claim_ms, 50),
              percentile(claim_ms, 99), claim_ms.empty() ? 0.0 : *std::max_element(claim_ms.begin(), claim_ms.end()),
              percentile(txn_ms, 50), percentile(txn_ms, 99), left.at(BookingState::pending),
              left.at(BookingState::delivered));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  try {
    return a.mode == "prefill" ? prefill(a) : run(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_claim_bench: %s\n", e.what());
    return 1;
  }
}

// sandbox_fleet: many HubSpot portals in one process, for bench/run_workers_bench.sh's
// "1,000 portals at a trickle". Each portal is an in-process hubrules::runtime::Sandbox of its
// own (its own port, its own rate window, its own records) that accepts only its own token, so a
// booking delivered to the wrong portal would be refused, and each portal's burst limit is
// checked on its own.
//
//   sandbox_fleet --count N [--token-prefix P] [--burst-limit 100] [--search-rate 5]
//                 [--search-lag-ms 3000]
//
// Prints `SANDBOX i URL TOKEN` for each portal i (token = P + i), then `READY`, and serves until
// stdin closes or SIGTERM/SIGINT. Then prints one line of JSON with the stats summed over the
// portals (requests, crm_requests, burst_limited, search_limited, contacts, companies) and the
// busiest portal's request count, and exits.
//
// One process and one io thread per portal: 1,000 portals are 1,000 idle threads, which costs
// memory, not CPU (a portal at a trickle serves a few requests a second at most).
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "runtime/sandbox/sandbox.hpp"

namespace {

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr, "sandbox_fleet: %s\nusage: sandbox_fleet --count N [--token-prefix P] [--burst-limit N] "
                       "[--search-rate N] [--search-lag-ms N]\n", message);
  std::exit(2);
}

long number(int argc, char** argv, int& i) {
  if (i + 1 >= argc) usage("a flag needs a value");
  char* end = nullptr;
  const long v = std::strtol(argv[++i], &end, 10);
  if (end == argv[i] || *end != '\0' || v < 0) usage("a number is expected");
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  long count = 0, burst = 100, search_rate = 5, search_lag_ms = 3000;
  std::string prefix = "pat-portal-";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--count") count = number(argc, argv, i);
    else if (a == "--burst-limit") burst = number(argc, argv, i);
    else if (a == "--search-rate") search_rate = number(argc, argv, i);
    else if (a == "--search-lag-ms") search_lag_ms = number(argc, argv, i);
    else if (a == "--token-prefix" && i + 1 < argc) prefix = argv[++i];
    else usage(("unknown argument " + a).c_str());
  }
  if (count <= 0) usage("--count N is required");

  // The signals are taken synchronously below (sigtimedwait), so block them before any sandbox
  // starts its threads: they inherit the mask and no thread is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::vector<std::unique_ptr<hubrules::runtime::Sandbox>> fleet;
  fleet.reserve(static_cast<std::size_t>(count));
  for (long i = 0; i < count; ++i) {
    hubrules::runtime::SandboxOptions o;
    o.tokens = {prefix + std::to_string(i)};
    o.burst_limit = static_cast<int>(burst);
    o.search_rate = static_cast<int>(search_rate);
    o.search_lag = hubrules::runtime::Millis(search_lag_ms);
    auto sandbox = std::make_unique<hubrules::runtime::Sandbox>(o);
    sandbox->start();
    std::printf("SANDBOX %ld %s %s\n", i, sandbox->base_url().c_str(), o.tokens.front().c_str());
    fleet.push_back(std::move(sandbox));
  }
  std::printf("READY\n");
  std::fflush(stdout);

  // Serve until stdin closes (the script's end, however it ends) or a signal.
  const timespec tick{0, 200'000'000};
  while (true) {
    pollfd in{STDIN_FILENO, POLLIN, 0};
    if (poll(&in, 1, 0) > 0) {
      char buffer[256];
      if (read(STDIN_FILENO, buffer, sizeof buffer) <= 0) break;
    }
    if (sigtimedwait(&signals, nullptr, &tick) > 0) break;
  }

  long requests = 0, crm = 0, burst_limited = 0, search_limited = 0, contacts = 0, companies = 0, busiest = 0;
  long portals_limited = 0;
  for (auto& s : fleet) {
    const auto st = s->stats();
    requests += st.requests;
    crm += st.crm_requests;
    burst_limited += st.burst_limited;
    search_limited += st.search_limited;
    portals_limited += st.burst_limited > 0 ? 1 : 0;
    busiest = std::max(busiest, st.requests);
    const auto state = s->state();
    contacts += static_cast<long>(state.contacts.size());
    companies += static_cast<long>(state.companies.size());
  }
  for (auto& s : fleet) s->stop();
  std::printf("{\"portals\":%ld,\"requests\":%ld,\"crm_requests\":%ld,\"burst_limited\":%ld,"
              "\"portals_burst_limited\":%ld,\"search_limited\":%ld,\"contacts\":%ld,\"companies\":%ld,"
              "\"busiest_portal_requests\":%ld}\n",
              count, requests, crm, burst_limited, portals_limited, search_limited, contacts, companies, busiest);
  std::fflush(stdout);
  return 0;
}

// hubrules sandbox: the local HubSpot as a command, serving until SIGINT or SIGTERM.
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "runtime/cli/command_line.hpp"
#include "runtime/sandbox/sandbox.hpp"

namespace hubrules::runtime {

namespace {

SandboxOptions parse_listen(const std::string& listen, SandboxOptions o) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) throw UsageError("--listen needs HOST:PORT");
  o.address = listen.substr(0, colon);
  const CommandLine port({"--port", listen.substr(colon + 1)}, {"port"}, {});
  o.port = static_cast<unsigned short>(port.number("port", 0, 0, 65535));
  return o;
}

double parse_rate(const std::optional<std::string>& v) {
  if (!v) return 0;
  try {
    std::size_t used = 0;
    const double p = std::stod(*v, &used);
    if (used == v->size() && p >= 0 && p <= 1) return p;
  } catch (const std::exception&) {
  }
  throw UsageError("--fail-rate must be a number from 0 to 1");
}

SandboxOptions sandbox_options(const CommandLine& cl) {
  SandboxOptions o = parse_listen(cl.value("listen").value_or("127.0.0.1:8089"), {});
  o.db_path = cl.value("db").value_or(":memory:");
  o.search_lag = Millis(cl.number("search-lag-ms", 3000, 0, 600000));
  o.burst_limit = static_cast<int>(cl.number("burst-limit", 100, 1, 1000000));
  o.search_rate = static_cast<int>(cl.number("search-rate", 5, 1, 1000000));
  o.fail_rate = parse_rate(cl.value("fail-rate"));
  o.seed = static_cast<std::uint64_t>(cl.number("seed", 1, 0, 1L << 62));
  if (auto t = cl.value("token")) o.tokens.push_back(*t);
  o.client_id = cl.value("client-id").value_or("");
  o.client_secret = cl.value("client-secret").value_or("");
  o.legacy_sunset = cl.flag("legacy-sunset");
  o.batch_errors_in_body = cl.flag("batch-errors-in-body");
  return o;
}

int wait_for_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace

int run_sandbox(const std::vector<std::string>& args) {
  SandboxOptions options;
  try {
    const CommandLine cl(args, {"listen", "db", "search-lag-ms", "burst-limit", "search-rate", "fail-rate", "seed",
                                "token", "client-id", "client-secret"},
                         {"legacy-sunset", "batch-errors-in-body"});
    if (!cl.positionals().empty()) throw UsageError("unexpected argument " + cl.positionals().front());
    options = sandbox_options(cl);
  } catch (const UsageError& e) {
    std::cerr << "hubrules sandbox: " << e.what() << "\n";
    return 2;
  }
  // Blocked before the server's threads start, so they inherit the mask and only sigwait sees
  // the signals.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  try {
    Sandbox sandbox(options);
    sandbox.start();
    std::cout << "hubrules sandbox listening on " << sandbox.base_url() << std::endl;
    const int sig = wait_for_signal();
    spdlog::info("sandbox: signal {}, stopping", sig);
  } catch (const std::exception& e) {
    std::cerr << "hubrules sandbox: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace hubrules::runtime

// kill -9 at any moment, run again: HubSpot ends with exactly what one clean run makes. The
// real `hubrules sync` binary is killed mid-run, repeatedly, against an in-process sandbox.
#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "runtime/sandbox/sandbox.hpp"
#include "tests/process_support.hpp"
#include "tests/sync_harness.hpp"

using namespace hubrules;
using namespace hubrules::runtime;
using hubrules::testing::booking;
using hubrules::testing::picture;
using hubrules::testing::wait_exit;
using hubrules::testing::TempDir;

namespace {

std::string bookings_file(const TempDir& dir) {
  std::string text;
  for (int i = 0; i < 900; ++i) {
    const int guest = i % 700;  // some guests book twice
    const bool free_mail = guest % 5 == 0;
    const std::string email = "g" + std::to_string(guest) + (free_mail ? "@gmail.com" : "@c" + std::to_string(guest % 131) + ".co.jp");
    text += booking("ev-" + std::to_string(i), email, guest % 7 == 0 ? "" : "C " + std::to_string(guest % 131)) + "\n";
  }
  const auto path = dir.file("bookings.ndjson").string();
  testing::write_file(path, text);
  return path;
}

pid_t start_sync(const std::string& bookings, const std::string& url, const std::string& state) {
  return testing::spawn_hubrules({"sync", testing::source_dir() + "/rules/timerex.rules", bookings, "--hubspot-url", url,
                                  "--token", "pat-crash-test", "--state", state, "--search-lag-ms", "1500",
                                  "--no-progress"});
}

SandboxOptions sandbox_options() {
  SandboxOptions o;
  o.search_lag = Millis(1000);
  o.burst_limit = 1000;  // the kills, not the limits, are under test
  return o;
}

}  // namespace

TEST_CASE("sync: killed with SIGKILL at any moment and run again, HubSpot holds what one clean run makes", "[sync][crash]") {
  TempDir dir;
  const std::string bookings = bookings_file(dir);

  Sandbox clean(sandbox_options());
  clean.start();
  REQUIRE(wait_exit(start_sync(bookings, clean.base_url(), dir.file("clean.db").string())) == 0);
  const auto expected = picture(clean.state());
  REQUIRE(clean.state().contacts.size() == 700);

  Sandbox crashed(sandbox_options());
  crashed.start();
  const std::string state = dir.file("crashed.db").string();
  // Each run is killed when the sandbox has taken its k-th request: after a lookup, a company
  // create, a contact create (answered or not), in the first batch and in later ones.
  std::vector<std::size_t> contacts_after_kill;
  for (const long k : {3L, 4L, 2L, 4L, 5L, 7L, 8L, 6L, 9L, 12L}) {
    const long base = crashed.stats().crm_requests;
    const pid_t pid = start_sync(bookings, crashed.base_url(), state);
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (crashed.stats().crm_requests >= base + k) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    contacts_after_kill.push_back(crashed.state().contacts.size());
  }
  INFO("contacts after each kill: " << Catch::Detail::stringify(contacts_after_kill));
  // Some kills must land mid-delivery, or the test proves nothing.
  CHECK(std::count_if(contacts_after_kill.begin(), contacts_after_kill.end(), [](std::size_t n) { return n > 0 && n < 700; }) >= 3);
  REQUIRE(wait_exit(start_sync(bookings, crashed.base_url(), state)) == 0);
  const auto got = picture(crashed.state());
  CHECK(got.size() == expected.size());
  CHECK(got == expected);
  // Nothing twice: one contact per email, one company per key.
  std::set<std::string> unique(got.begin(), got.end());
  CHECK(unique.size() == got.size());
}

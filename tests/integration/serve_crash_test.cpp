// kill -9 `hubrules serve` at random moments while bookings arrive the way TimeRex sends them
// (retried until acknowledged), restart it on the same state file each time: every booking that
// was acknowledged is delivered, and HubSpot ends with exactly what one clean run makes.
#include <catch2/catch.hpp>
#include <memory>
#include <random>

#include "tests/process_support.hpp"

using namespace hubrules;
using namespace hubrules::testing;

namespace {

// Why the first pending bookings still wait (for a failure's message).
std::string pending_reasons(const std::string& state) {
  runtime::SqliteStateStore store(state);
  std::string out;
  for (const auto& b : store.pending_of(runtime::kDefaultIntegration, 3))
    out += b.event_id + ": attempts " + std::to_string(b.attempts) + ", " + b.reason + (b.retry_at ? " (retry later)" : "") + "\n";
  return out;
}

std::size_t pending_in(const std::string& state) {
  const auto counts = booking_counts(state);
  return counts.at(runtime::BookingState::pending);
}

}  // namespace

TEST_CASE("serve: killed with SIGKILL at random moments and restarted, every acknowledged booking reaches HubSpot once",
          "[serve][crash]") {
  TempDir dir;
  const auto bookings = many_bookings(600);
  const auto expected = clean_picture(dir, bookings, crash_sandbox_options());

  runtime::Sandbox crm(crash_sandbox_options());
  crm.start();
  const std::string state = dir.file("serve.db").string();
  SharedUrl target;
  auto serve = std::make_unique<ServeProcess>(dir, crm.base_url(), state, std::vector<std::string>{"--no-portal-schema"});
  target.set(serve->url());
  WebhookSender sender(bookings, [&] { return target.get(); });
  sender.start();

  std::mt19937 random(20261202);  // seeded: the same kill moments on every run
  std::uniform_int_distribution<int> run_ms(200, 1500);
  std::uniform_int_distribution<int> down_ms(0, 300);
  std::vector<std::string> at_kills;
  for (int kill = 0; kill < 5; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(random)));
    serve->kill_now();
    target.set("");  // down: the sender's posts are refused
    at_kills.push_back(std::to_string(sender.acknowledged()) + " acknowledged, " +
                       std::to_string(crm.state().contacts.size()) + " contacts");
    std::this_thread::sleep_for(std::chrono::milliseconds(down_ms(random)));
    serve = std::make_unique<ServeProcess>(dir, crm.base_url(), state, std::vector<std::string>{"--no-portal-schema"});
    target.set(serve->url());
  }
  INFO("at each kill: " << Catch::Detail::stringify(at_kills));

  // Generous: under ASan+UBSan on 2 cores the sender's 600 posts alone take over a minute.
  REQUIRE(eventually([&] { return sender.done(); }, 240s));
  sender.join();
  const bool drained = eventually([&] { return pending_in(state) == 0; }, 120s, 200ms);
  INFO("last serve's log:\n" << serve->stderr_text());
  INFO("pending:\n" << pending_reasons(state));
  INFO("pending " << pending_in(state) << ", contacts " << crm.state().contacts.size());
  REQUIRE(drained);
  const auto counts = booking_counts(state);
  CHECK(counts.at(runtime::BookingState::delivered) == bookings.size());
  CHECK(sender.attempts() > bookings.size());  // some posts were refused or cut off by the kills

  const auto got = picture(crm.state());
  CHECK(got.size() == expected.size());
  CHECK(got == expected);
  CHECK(nothing_twice(got));
}

// A deliverer that is paused (SIGSTOP) past its lease is taken over by a second `serve` on the
// same state file; resumed (SIGCONT), the first one sends nothing more to HubSpot, and every
// booking is delivered exactly once.
#include <catch2/catch.hpp>
#include <memory>

#include "tests/process_support.hpp"

using namespace hubrules;
using namespace hubrules::testing;

TEST_CASE("serve: a paused owner is taken over after its lease expires and sends nothing once resumed",
          "[serve][lease]") {
  // With SQLite one process writes at a time, so a process paused inside a write transaction
  // holds the whole file until it resumes (PostgreSQL's row locks lift that). The pause here
  // lands between its rounds, while it holds the lease and renews it.
  TempDir dir;
  const auto bookings = many_bookings(300, "pause-");
  const auto expected = clean_picture(dir, bookings, crash_sandbox_options());
  runtime::Sandbox crm(crash_sandbox_options());
  crm.start();
  const std::string state = dir.file("serve.db").string();
  const std::vector<std::string> options = {"--no-portal-schema", "--lease-s", "2"};
  const std::vector<std::string> first(bookings.begin(), bookings.begin() + 100);
  const std::vector<std::string> rest(bookings.begin() + 100, bookings.end());

  ServeProcess paused(dir, crm.base_url(), state, options);
  SharedUrl target;
  target.set(paused.url());
  WebhookSender first_sender(first, [&] { return target.get(); });
  first_sender.start();
  REQUIRE(eventually([&] { return first_sender.done(); }, 30s));
  REQUIRE(eventually([&] { return booking_counts(state).at(runtime::BookingState::pending) == 0; }, 30s, 50ms));
  paused.signal(SIGSTOP);
  const auto paused_at = std::chrono::steady_clock::now();
  const auto contacts_at_pause = crm.state().contacts.size();
  WebhookSender sender(rest, [&] { return target.get(); });

  ServeProcess successor(dir, crm.base_url(), state, options);
  target.set(successor.url());
  sender.start();
  // Its lease must run out first (2 s, renewed every 0.4 s); then the successor delivers everything.
  REQUIRE(eventually([&] { return crm.state().contacts.size() > contacts_at_pause; }, 30s, 20ms));
  CHECK(std::chrono::steady_clock::now() - paused_at >= 1500ms);
  REQUIRE(eventually([&] { return sender.done(); }, 60s));
  REQUIRE(eventually([&] { return booking_counts(state).at(runtime::BookingState::pending) == 0; }, 60s, 200ms));

  // Resumed, the old owner finds its lease gone: no request reaches HubSpot from it.
  const auto requests_before = crm.stats().crm_requests;
  paused.signal(SIGCONT);
  std::this_thread::sleep_for(4s);
  CHECK(crm.stats().crm_requests == requests_before);
  CHECK(!wait_exit_within(paused.pid(), 0ms).has_value());  // still running, not crashed

  CHECK(booking_counts(state).at(runtime::BookingState::delivered) == bookings.size());
  const auto got = picture(crm.state());
  CHECK(got == expected);
  CHECK(nothing_twice(got));
}

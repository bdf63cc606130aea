// Two processes on one state file and one HubSpot connection: two `serve`s, two `sync`s (the
// overlapping cron jobs that made 729 duplicate companies before leases), `sync` beside
// `serve`. Only the lease's owner delivers, so nothing is sent twice and nothing is lost.
#include <catch2/catch.hpp>
#include <set>

#include "tests/process_support.hpp"

using namespace hubrules;
using namespace hubrules::testing;

namespace {

std::size_t distinct_emails(const std::vector<std::string>& bookings) {
  std::set<std::string> emails;
  for (const auto& b : bookings) {
    const auto at = b.find("\"guest_email\"");
    const auto value = b.find("\"value\":\"", at) + 9;
    emails.insert(b.substr(value, b.find('"', value) - value));
  }
  return emails.size();
}

std::size_t in_state(const std::string& state, runtime::BookingState s) { return booking_counts(state).at(s); }

}  // namespace

TEST_CASE("serve: two serves on one state file, webhooks alternating between them: nothing twice, nothing lost",
          "[serve][lease]") {
  TempDir dir;
  const auto bookings = many_bookings(400, "two-");
  const auto expected = clean_picture(dir, bookings, crash_sandbox_options());

  runtime::Sandbox crm(crash_sandbox_options());
  crm.start();
  const std::string state = dir.file("serve.db").string();
  ServeProcess first(dir, crm.base_url(), state, {"--no-portal-schema"});
  ServeProcess second(dir, crm.base_url(), state, {"--no-portal-schema"});
  std::atomic<int> turn{0};
  WebhookSender sender(bookings, [&] { return turn++ % 2 == 0 ? first.url() : second.url(); });
  sender.start();

  REQUIRE(eventually([&] { return sender.done(); }, 240s));
  REQUIRE(eventually([&] { return in_state(state, runtime::BookingState::pending) == 0; }, 180s, 200ms));
  CHECK(in_state(state, runtime::BookingState::delivered) == bookings.size());
  const auto got = picture(crm.state());
  CHECK(got == expected);
  CHECK(nothing_twice(got));
}

TEST_CASE("sync: two runs started together on one state: one delivers, the other waits or exits 75, no duplicates",
          "[serve][lease]") {
  TempDir dir;
  const auto bookings = many_bookings(2000, "big-");
  const auto file = write_ndjson(dir, bookings, "bookings.ndjson");
  runtime::Sandbox crm(crash_sandbox_options());
  crm.start();
  const std::string state = dir.file("sync.db").string();
  const bool wait = GENERATE(false, true);
  INFO((wait ? "with --wait-s 120" : "without --wait-s"));
  const std::vector<std::string> extra = wait ? std::vector<std::string>{"--wait-s", "120"} : std::vector<std::string>{};

  const std::string out[2] = {dir.file("sync-1.out").string(), dir.file("sync-2.out").string()};
  const std::string err[2] = {dir.file("sync-1.err").string(), dir.file("sync-2.err").string()};
  const pid_t one = spawn_sync(file, crm.base_url(), state, extra, out[0], err[0]);
  const pid_t two = spawn_sync(file, crm.base_url(), state, extra, out[1], err[1]);
  const int status[2] = {wait_exit(one), wait_exit(two)};
  INFO("stderr 1:\n" << read_file(err[0]) << "\nstderr 2:\n" << read_file(err[1]));
  INFO("stdout 1:\n" << read_file(out[0]) << "\nstdout 2:\n" << read_file(out[1]));

  const int loser = status[0] == 0 && status[1] != 0 ? 1 : 0;
  if (wait) {
    CHECK(status[0] == 0);
    CHECK(status[1] == 0);
    // One of them delivered everything; the other, after its wait, found nothing to do.
    const bool one_idle = read_file(out[0]).find(" 0 delivered") != std::string::npos;
    const bool two_idle = read_file(out[1]).find(" 0 delivered") != std::string::npos;
    CHECK(one_idle != two_idle);
  } else {
    CHECK(std::multiset<int>{status[0], status[1]} == std::multiset<int>{0, 75});
    CHECK(read_file(err[loser]).find("another process is delivering for connection") != std::string::npos);
  }
  CHECK(in_state(state, runtime::BookingState::delivered) == bookings.size());
  const auto crm_state = crm.state();
  CHECK(crm_state.contacts.size() == distinct_emails(bookings));
  CHECK(nothing_twice(picture(crm_state)));
}

TEST_CASE("sync beside a running serve on the same state and connection: serve keeps the lease, nothing twice",
          "[serve][lease]") {
  TempDir dir;
  runtime::Sandbox crm(crash_sandbox_options());
  crm.start();
  const std::string state = dir.file("serve.db").string();
  ServeProcess serve(dir, crm.base_url(), state, {"--no-portal-schema"});
  // The same guests arrive live and from a file.
  const auto live = many_bookings(300, "live-");
  const auto from_file = many_bookings(300, "file-");
  WebhookSender sender(live, [&] { return serve.url(); });
  sender.start();
  REQUIRE(eventually([&] { return sender.acknowledged() >= 50; }, 30s));

  const std::string err = dir.file("sync.err").string();
  const int status = wait_exit(spawn_sync(write_ndjson(dir, from_file, "file.ndjson"), crm.base_url(), state, {}, "", err));
  INFO("sync stderr:\n" << read_file(err));
  CHECK(status == 75);
  CHECK(read_file(err).find("another process is delivering for connection") != std::string::npos);

  // The file's bookings were journaled by sync; serve, which holds the lease, delivers them.
  REQUIRE(eventually([&] { return sender.done(); }, 240s));
  REQUIRE(eventually([&] { return in_state(state, runtime::BookingState::pending) == 0; }, 180s, 200ms));
  CHECK(in_state(state, runtime::BookingState::delivered) == live.size() + from_file.size());
  const auto crm_state = crm.state();
  CHECK(crm_state.contacts.size() == distinct_emails(live));
  CHECK(nothing_twice(picture(crm_state)));
}

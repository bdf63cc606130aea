// The store's parts for `hubrules serve`: integrations, retry delays, leases and fencing, dead
// letters, retention, and records kept apart by connection. On real files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "runtime/store/fenced_store.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "runtime/sync/lease_keeper.hpp"
#include "tests/test_support.hpp"

using namespace hubrules::runtime;
using namespace std::chrono_literals;
using hubrules::testing::TempDir;

TEST_CASE("pending_of returns one integration's bookings, due ones only when asked", "[store][serve]") {
  TempDir dir;
  ManualClock clock(TimePoint{} + 1000h);
  SqliteStateStore store(dir.path() / "s.db", clock);
  store.journal("sales", "e1", "{}", clock.now());
  store.journal("support", "e2", "{}", clock.now());
  store.journal("e3", "{}", clock.now());  // the default integration
  store.journal("sales", "e4", "{}", clock.now());
  store.retry_later("e4", "HubSpot down", clock.now() + 60s);

  CHECK(store.booking("e3")->integration == kDefaultIntegration);
  CHECK(store.pending_of("sales", 10).size() == 2);
  const auto due = store.pending_of("sales", 10, clock.now());
  REQUIRE(due.size() == 1);
  CHECK(due[0].event_id == "e1");
  clock.advance(61s);
  CHECK(store.pending_of("sales", 10, clock.now()).size() == 2);
  const auto e4 = store.booking("e4");
  CHECK(e4->state == BookingState::pending);
  CHECK(e4->reason == "HubSpot down");
  CHECK(e4->retry_at.has_value());

  SECTION("hubrules retry makes waiting bookings due at once") {
    store.retry_later("e4", "again", clock.now() + 1h);
    CHECK(store.requeue_failed() == 1);
    CHECK(store.pending_of("sales", 10, clock.now()).size() == 2);
  }
  SECTION("queue stats count the pending bookings by integration") {
    const auto stats = store.queue_stats();
    REQUIRE(stats.size() == 3);
    for (const auto& s : stats) CHECK(s.pending == (s.integration == "sales" ? 2u : 1u));
  }
}

TEST_CASE("a lease has one owner; an expired one is taken over with a higher epoch", "[store][serve][lease]") {
  TempDir dir;
  ManualClock clock(TimePoint{} + 1000h);
  SqliteStateStore store(dir.path() / "s.db", clock);
  const auto first = store.acquire_lease("portal-1", "worker-a", 15s);
  REQUIRE(first);
  CHECK(first->epoch == 1);
  CHECK_FALSE(store.acquire_lease("portal-1", "worker-b", 15s));
  CHECK(store.acquire_lease("portal-2", "worker-b", 15s));  // another connection is free

  clock.advance(10s);
  const auto renewed = store.renew_lease(*first, 15s);
  REQUIRE(renewed);
  CHECK(renewed->epoch == 1);
  clock.advance(10s);
  CHECK_FALSE(store.acquire_lease("portal-1", "worker-b", 15s));  // renewed: still a's

  clock.advance(20s);
  const auto taken = store.acquire_lease("portal-1", "worker-b", 15s);
  REQUIRE(taken);
  CHECK(taken->epoch == 2);
  CHECK_FALSE(store.holds_lease(*first));
  CHECK(store.holds_lease(*taken));
  CHECK_FALSE(store.renew_lease(*first, 15s));  // the old owner cannot get it back by renewing

  store.release_lease(*taken);
  const auto again = store.acquire_lease("portal-1", "worker-a", 15s);
  REQUIRE(again);
  CHECK(again->epoch == 3);  // released, not forgotten: epochs keep rising
}

TEST_CASE("a fenced store writes nothing once its lease was taken over", "[store][serve][lease]") {
  TempDir dir;
  ManualClock clock(TimePoint{} + 1000h);
  SqliteStateStore store(dir.path() / "s.db", clock);
  store.journal("e1", "{}", clock.now());
  const auto lease = store.acquire_lease("portal-1", "worker-a", 15s);
  REQUIRE(lease);
  FencedStore fenced(store, *lease);
  fenced.record_attempt("e1");
  fenced.transaction([](StateStore& s) { s.set_state("e1", BookingState::failed, "first"); });
  CHECK(store.booking("e1")->state == BookingState::failed);

  clock.advance(16s);
  REQUIRE(store.acquire_lease("portal-1", "worker-b", 15s));
  CHECK_THROWS_AS(fenced.set_state("e1", BookingState::delivered), LeaseLost);
  CHECK_THROWS_AS(fenced.write_intents({{"t1", ObjectType::company, "e1", {{"domain", "a.jp"}}, "", {}}}), LeaseLost);
  CHECK_THROWS_AS(fenced.transaction([](StateStore& s) { s.set_state("e1", BookingState::delivered); }), LeaseLost);
  CHECK(store.booking("e1")->state == BookingState::failed);
  CHECK(store.unresolved_intents().empty());
  CHECK(fenced.booking("e1").has_value());  // reads still work
}

TEST_CASE("a lease keeper renews while held and waits for another's", "[store][serve][lease]") {
  TempDir dir;
  SqliteStateStore store(dir.path() / "s.db");
  LeaseOptions options{Millis(600), Millis(100)};
  LeaseKeeper a(store, "portal-1", "worker-a", options);
  LeaseKeeper b(store, "portal-1", "worker-b", options);
  REQUIRE(a.try_acquire());
  std::this_thread::sleep_for(1500ms);  // well past the lease time: only renewals keep it
  CHECK(a.held());
  CHECK_FALSE(b.acquire_within(Millis(300)));
  REQUIRE(b.holder());
  CHECK(b.holder()->owner == "worker-a");
  a.release();
  CHECK_FALSE(a.held());
  CHECK_THROWS_AS(a.check(), LeaseLost);
  CHECK(b.acquire_within(Millis(1000)));
  CHECK(b.lease().epoch == 2);
}

TEST_CASE("dead letters keep the bytes as received", "[store][serve]") {
  TempDir dir;
  ManualClock clock(TimePoint{} + 1000h);
  SqliteStateStore store(dir.path() / "s.db", clock);
  const std::string bytes = std::string("{\"event\":\xff\xfe", 11);
  const auto id = store.add_dead_letter({0, "sales", bytes, "not UTF-8", clock.now()});
  store.add_dead_letter({0, "sales", "", "empty body", clock.now()});
  const auto letters = store.dead_letters(10);
  REQUIRE(letters.size() == 2);
  CHECK(letters[1].id == id);
  CHECK(letters[1].body == bytes);
  CHECK(letters[1].reason == "not UTF-8");
  CHECK(letters[0].reason == "empty body");  // newest first
}

TEST_CASE("retention drops old payloads of finished bookings and keeps their outcome", "[store][serve]") {
  TempDir dir;
  ManualClock clock(TimePoint{} + 1000h);
  SqliteStateStore store(dir.path() / "s.db", clock);
  store.journal("old", "{\"payload\":1}", clock.now());
  store.journal("waiting", "{\"payload\":2}", clock.now());
  store.set_outcome("old", {std::string("c1"), std::nullopt, Disposition::created, Disposition::none, false});
  store.set_state("old", BookingState::delivered);
  store.add_dead_letter({0, "default", "garbage", "not JSON", clock.now()});
  clock.advance(24h * 31);
  store.journal("new", "{\"payload\":3}", clock.now());
  store.set_state("new", BookingState::delivered);

  CHECK(store.drop_payloads_before(clock.now() - 24h * 30) == 2);
  CHECK(store.booking("old")->payload.empty());
  CHECK(store.booking("old")->state == BookingState::delivered);
  CHECK(store.outcome("old")->contact_id == "c1");
  CHECK(store.booking("waiting")->payload == "{\"payload\":2}");  // not finished: kept whatever its age
  CHECK(store.booking("new")->payload == "{\"payload\":3}");
  CHECK(store.dead_letters(1)[0].body.empty());
  CHECK(store.dead_letters(1)[0].reason == "not JSON");
  clock.advance(1s);
  CHECK(store.drop_payloads_before(clock.now()) == 1);  // only "new" is left to drop
}

TEST_CASE("records created here belong to their connection", "[store][serve]") {
  TempDir dir;
  SqliteStateStore store(dir.path() / "s.db");
  store.remember_company({"101", std::string("a.jp"), std::string("A"), TimePoint{}, "portal-1"});
  store.remember_contact({"201", "x@a.jp", TimePoint{}, "portal-1"});
  CHECK(store.find_company(std::string("a.jp"), std::nullopt, "portal-1")->hubspot_id == "101");
  CHECK_FALSE(store.find_company(std::string("a.jp"), std::nullopt, "portal-2"));
  CHECK(store.find_contact("X@a.jp", "portal-1")->hubspot_id == "201");
  CHECK_FALSE(store.find_contact("x@a.jp", "portal-2"));
  store.remember_contact({"301", "x@a.jp", TimePoint{}, "portal-2"});  // the same guest in another portal
  CHECK(store.find_contact("x@a.jp", "portal-2")->hubspot_id == "301");
}

TEST_CASE("dropping old payloads gives their space back to the file system", "[store][serve]") {
  TempDir dir;
  const auto file = dir.path() / "s.db";
  ManualClock clock(TimePoint{} + 1000h);
  const std::string payload(2000, 'x');
  std::uintmax_t full = 0;
  {
    SqliteStateStore store(file, clock);
    for (int chunk = 0; chunk < 10; ++chunk)
      store.transaction([&](StateStore& s) {
        for (int i = 0; i < 500; ++i) {
          const std::string id = "e" + std::to_string(chunk * 500 + i);
          s.journal(id, payload, clock.now());
          s.set_state(id, BookingState::delivered);
        }
      });
  }
  full = std::filesystem::file_size(file);
  {
    SqliteStateStore store(file, clock);
    clock.advance(24h * 31);
    CHECK(store.drop_payloads_before(clock.now() - 24h * 30) == 5000);
    CHECK(store.booking("e42")->state == BookingState::delivered);
    CHECK(store.booking("e42")->payload.empty());
  }
  const auto after = std::filesystem::file_size(file);
  INFO("file size before " << full << " bytes, after " << after);
  CHECK(full > 10'000'000);
  CHECK(after * 4 < full);
}

// The store's parts for `hubrules serve`: integrations, retry delays, leases and fencing, workers,
// tokens refreshed once, dead letters, retention, and records kept apart by connection. Each case
// runs against SQLite (real files) and PostgreSQL (a fresh database) alike (tests/store_kinds.hpp);
// giving space back to the file system is SQLite's own.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "runtime/store/fenced_store.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "runtime/sync/lease_keeper.hpp"
#include "tests/store_kinds.hpp"
#include "tests/test_support.hpp"

using namespace hubrules::runtime;
using namespace std::chrono_literals;
using hubrules::testing::PostgresStoreKind;
using hubrules::testing::SqliteStoreKind;
using hubrules::testing::TempDir;

TEMPLATE_TEST_CASE("pending_of returns one integration's bookings, due ones only when asked",
                   "[store][serve][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
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
  SECTION("the due scanner sees each integration with a due booking once, none waiting out a delay") {
    store.retry_later("e1", "later", clock.now() + 1h);
    store.retry_later("e4", "later", clock.now() + 1h);
    store.set_state("e2", BookingState::delivered);
    auto due_now = store.integrations_with_due_pending(clock.now());
    CHECK(due_now == std::vector<std::string>{kDefaultIntegration});
    store.journal("sales", "e5", "{}", clock.now());
    store.journal("sales", "e6", "{}", clock.now());
    due_now = store.integrations_with_due_pending(clock.now());
    std::sort(due_now.begin(), due_now.end());
    std::vector<std::string> expected{kDefaultIntegration, "sales"};
    std::sort(expected.begin(), expected.end());
    CHECK(due_now == expected);
    CHECK(store.integrations_with_due_pending(clock.now() + 2h).size() == 2);
  }
}

TEMPLATE_TEST_CASE("a lease has one owner, and an expired one is taken over with a higher epoch",
                   "[store][serve][lease][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
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

TEMPLATE_TEST_CASE("a fenced store writes nothing once its lease was taken over",
                   "[store][serve][lease][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
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

TEMPLATE_TEST_CASE("a lease keeper renews while held and waits for another's",
                   "[store][serve][lease][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  const auto opened = kind.open();
  StateStore& store = *opened;
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

TEMPLATE_TEST_CASE("dead letters keep the bytes as received",
                   "[store][serve][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
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

TEMPLATE_TEST_CASE("retention drops old payloads of finished bookings and keeps their outcome",
                   "[store][serve][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
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

TEMPLATE_TEST_CASE("records created here belong to their connection",
                   "[store][serve][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  const auto opened = kind.open();
  StateStore& store = *opened;
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

// ---- what several workers need: all leases, heartbeats, tokens refreshed once, the previous hold

TEMPLATE_TEST_CASE("leases() lists every lease row, held, expired or released, by connection id",
                   "[store][serve][lease][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  CHECK(store.leases().empty());

  const auto b = store.acquire_lease("portal-b", "worker-1", 15s);
  const auto a = store.acquire_lease("portal-a", "worker-2", 30s);
  const auto c = store.acquire_lease("portal-c", "worker-1", 15s);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  store.release_lease(*c);
  clock.advance(20s);  // portal-b's lease has expired, portal-a's is still held

  const auto all = store.leases();
  REQUIRE(all.size() == 3);
  CHECK(all[0].connection_id == "portal-a");
  CHECK(all[0].owner == "worker-2");
  CHECK(all[0].epoch == 1);
  CHECK(all[0].expires_at == a->expires_at);
  CHECK(all[1].connection_id == "portal-b");
  CHECK(all[1].owner == "worker-1");
  CHECK(all[1].expires_at == b->expires_at);
  CHECK(all[1].expires_at < clock.now());
  CHECK(all[2].connection_id == "portal-c");
  CHECK(all[2].expires_at <= c->acquired_at);  // released: held no longer

  const auto taken = store.acquire_lease("portal-b", "worker-2", 15s);
  REQUIRE(taken);
  const auto after = store.leases();
  REQUIRE(after.size() == 3);
  CHECK(after[1].owner == "worker-2");
  CHECK(after[1].epoch == 2);
}

TEMPLATE_TEST_CASE("a lease taken from another owner tells when the other's hold ended",
                   "[store][serve][lease][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;

  const auto first = store.acquire_lease("portal-1", "worker-a", 15s);
  REQUIRE(first);
  CHECK_FALSE(first->previous_until);  // nobody held it before
  CHECK(first->acquired_at == clock.now());

  clock.advance(5s);
  const auto renewed = store.renew_lease(*first, 15s);
  REQUIRE(renewed);
  CHECK_FALSE(renewed->previous_until);  // a renewal takes nothing from anyone

  SECTION("an expired lease: the other's hold ended at its expiry") {
    const TimePoint expiry = renewed->expires_at;
    clock.advance(30s);
    const auto taken = store.acquire_lease("portal-1", "worker-b", 15s);
    REQUIRE(taken);
    CHECK(taken->epoch == 2);
    REQUIRE(taken->previous_until);
    CHECK(*taken->previous_until == expiry);
    CHECK(taken->acquired_at == clock.now());
  }
  SECTION("a released lease: the other's hold ended when it released") {
    clock.advance(2s);
    const TimePoint released_at = clock.now();
    store.release_lease(*renewed);
    clock.advance(3s);
    const auto taken = store.acquire_lease("portal-1", "worker-b", 15s);
    REQUIRE(taken);
    REQUIRE(taken->previous_until);
    CHECK(*taken->previous_until == released_at);
    CHECK(taken->acquired_at == clock.now());
  }
  SECTION("a dead owner's lease: its hold ended when it was found dead") {
    clock.advance(2s);
    const auto taken = store.take_over_lease(*renewed, "worker-b", 15s);
    REQUIRE(taken);
    CHECK(taken->epoch == 2);
    REQUIRE(taken->previous_until);
    CHECK(*taken->previous_until == clock.now());
    CHECK(taken->acquired_at == clock.now());
    const auto renewed_by_b = store.renew_lease(*taken, 15s);
    REQUIRE(renewed_by_b);
    CHECK_FALSE(renewed_by_b->previous_until);
  }
}

TEMPLATE_TEST_CASE("workers say they are alive, expire, and leave",
                   "[store][serve][workers][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  CHECK(store.live_workers().empty());

  const TimePoint t0 = clock.now();
  store.heartbeat("worker-b", 10s);
  store.heartbeat("worker-a", 20s);
  auto live = store.live_workers();
  REQUIRE(live.size() == 2);
  CHECK(live[0].owner == "worker-a");  // by owner
  CHECK(live[0].expires_at == t0 + 20s);
  CHECK(live[1].owner == "worker-b");
  CHECK(live[1].expires_at == t0 + 10s);

  clock.advance(15s);  // worker-b missed its heartbeat
  live = store.live_workers();
  REQUIRE(live.size() == 1);
  CHECK(live[0].owner == "worker-a");

  store.heartbeat("worker-b", 10s);  // back: its row is extended, not doubled
  live = store.live_workers();
  REQUIRE(live.size() == 2);
  CHECK(live[1].owner == "worker-b");
  CHECK(live[1].expires_at == clock.now() + 10s);

  store.leave("worker-a");
  live = store.live_workers();
  REQUIRE(live.size() == 1);
  CHECK(live[0].owner == "worker-b");

  SECTION("another store object on the same location sees the same workers") {
    const auto other = kind.open(clock);
    other->heartbeat("worker-c", 10s);
    CHECK(store.live_workers().size() == 2);
    CHECK(other->live_workers().size() == 2);
  }
}

namespace {

Connection oauth_connection_for_refresh(const std::string& id) {
  Connection c;
  c.id = id;
  c.portal_id = 20261203;
  c.auth = AuthKind::oauth;
  c.access_token = "access-SECRET-1";
  c.refresh_token = "refresh-SECRET-1";
  c.access_expires_at = TimePoint{} + 1000h;
  c.client_id = "client-1";
  c.client_secret = "secret-1";
  c.api_base_url = "http://127.0.0.1:8089";
  return c;
}

}  // namespace

TEMPLATE_TEST_CASE("refresh_tokens_once stores what the refresh returns, and nothing else",
                   "[store][serve][tokens][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  store.save_connection(oauth_connection_for_refresh("portal-1"));
  int calls = 0;

  SECTION("the refresh sees the connection as stored; its tokens are stored") {
    store.refresh_tokens_once("portal-1", [&](const Connection& c) -> std::optional<TokenUpdate> {
      ++calls;
      CHECK(c.id == "portal-1");
      CHECK(c.access_token == "access-SECRET-1");
      CHECK(c.refresh_token == "refresh-SECRET-1");
      CHECK(c.client_id == "client-1");
      return TokenUpdate{"access-SECRET-2", "refresh-SECRET-2", clock.now() + 30min};
    });
    CHECK(calls == 1);
    const auto c = store.connection("portal-1");
    REQUIRE(c);
    CHECK(c->access_token == "access-SECRET-2");
    CHECK(c->refresh_token == "refresh-SECRET-2");
    CHECK(c->access_expires_at == clock.now() + 30min);
  }
  SECTION("an empty refresh token keeps the stored one") {
    store.refresh_tokens_once("portal-1", [&](const Connection&) -> std::optional<TokenUpdate> {
      return TokenUpdate{"access-SECRET-2", "", clock.now() + 30min};
    });
    const auto c = store.connection("portal-1");
    CHECK(c->access_token == "access-SECRET-2");
    CHECK(c->refresh_token == "refresh-SECRET-1");
  }
  SECTION("nullopt stores nothing") {
    store.refresh_tokens_once("portal-1", [&](const Connection&) -> std::optional<TokenUpdate> {
      ++calls;
      return std::nullopt;
    });
    CHECK(calls == 1);
    const auto c = store.connection("portal-1");
    CHECK(c->access_token == "access-SECRET-1");
    CHECK(c->refresh_token == "refresh-SECRET-1");
    CHECK(c->access_expires_at == TimePoint{} + 1000h);
  }
  SECTION("what the refresh throws propagates, and nothing is stored") {
    CHECK_THROWS_WITH(store.refresh_tokens_once("portal-1",
                                                [&](const Connection&) -> std::optional<TokenUpdate> {
                                                  ++calls;
                                                  throw std::runtime_error("token endpoint said 502");
                                                }),
                      "token endpoint said 502");
    CHECK(calls == 1);
    CHECK(store.connection("portal-1")->access_token == "access-SECRET-1");
    // The store is usable afterwards (no lock or transaction left behind).
    store.refresh_tokens_once("portal-1", [&](const Connection&) -> std::optional<TokenUpdate> {
      return TokenUpdate{"access-SECRET-3", "", std::nullopt};
    });
    CHECK(store.connection("portal-1")->access_token == "access-SECRET-3");
  }
  SECTION("an unknown connection is a StoreError, and the refresh is not called") {
    CHECK_THROWS_AS(store.refresh_tokens_once("portal-unknown",
                                              [&](const Connection&) -> std::optional<TokenUpdate> {
                                                ++calls;
                                                return TokenUpdate{"x", "y", std::nullopt};
                                              }),
                    StoreError);
    CHECK(calls == 0);
    CHECK_FALSE(store.connection("portal-unknown"));
  }
}

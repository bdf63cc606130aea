// The PostgreSQL store's own behaviour against a real server, each case on a fresh database of
// the tests' cluster (tests/postgres_test_database.hpp): the schema, the hot queue, NOTIFY, the
// row lock of a refresh, and what the contract tests in state_store_test.cpp do not cover.
#include <libpq-fe.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/store/open_state_store.hpp"
#include "runtime/store/postgres_state_store.hpp"
#include "tests/postgres_test_database.hpp"

using namespace hubrules::runtime;
using namespace std::chrono_literals;

namespace {

// The current test's database, fresh for each (tests/postgres_test_database.hpp).
std::string& test_url() {
  static std::string url;
  return url;
}

// Runs SQL behind the store's back.
void run_sql(const std::string& sql) {
  PGconn* conn = PQconnectdb(test_url().c_str());
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  PGresult* result = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(result);
  PQclear(result);
  PQfinish(conn);
  REQUIRE((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK));
}

bool fresh_database() {
  test_url() = hubrules::testing::fresh_test_database_url();
  return true;
}

PostgresStoreOptions test_options() {
  PostgresStoreOptions options;
  options.migrate = true;
  options.database_clock = false;
  return options;
}

#define REQUIRE_DATABASE()                                   \
  if (!fresh_database()) {                                   \
    FAIL("no test database");                                \
    return;                                                  \
  }

}  // namespace

TEST_CASE("postgres store: migrate, or refuse an old schema with the command to run", "[store][postgres]") {
  REQUIRE_DATABASE();
  ManualClock clock;
  try {
    PostgresStateStore store(test_url(), clock);
    FAIL("an empty database must be refused without migrate");
  } catch (const StoreError& e) {
    CHECK_THAT(e.what(), Catch::Contains("schema version 0") && Catch::Contains("hubrules migrate --state"));
  }
  PostgresStateStore store(test_url(), clock, test_options());
  CHECK(store.schema_version() == PostgresStateStore::latest_schema_version());
  CHECK(store.migrate() == PostgresStateStore::latest_schema_version());  // nothing left to apply
  PostgresStoreOptions check_only = test_options();
  check_only.migrate = false;
  CHECK_NOTHROW(PostgresStateStore(test_url(), clock, check_only));
}

TEST_CASE("postgres store: workers starting together migrate once", "[store][postgres]") {
  REQUIRE_DATABASE();
  ManualClock clock;
  std::atomic<int> at_latest{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back([&] {
      try {
        PostgresStateStore store(test_url(), clock, test_options());
        if (store.schema_version() == PostgresStateStore::latest_schema_version()) ++at_latest;
      } catch (const StoreError&) {
      }
    });
  }
  for (auto& worker : workers) worker.join();
  CHECK(at_latest == 4);
}

TEST_CASE("postgres store: journal once, states, queue, pending_of", "[store][postgres]") {
  REQUIRE_DATABASE();
  ManualClock clock;
  PostgresStateStore store(test_url(), clock, test_options());
  const std::string payload = std::string("{\"a\":\"\xe6\x97\xa5\"}\0x", 12);
  CHECK(store.journal("sales", "ev-1", payload, clock.now()));
  CHECK_FALSE(store.journal("sales", "ev-1", "other", clock.now() + 1h));
  CHECK(store.journal("sales", "ev-2", "{}", clock.now()));
  CHECK(store.journal("ops", "ev-3", "{}", clock.now()));
  auto b = store.booking("ev-1");
  REQUIRE(b);
  CHECK(b->payload == payload);
  CHECK(b->integration == "sales");
  CHECK(b->received_at == clock.now());

  auto pending = store.pending_of("sales", 10);
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].event_id == "ev-1");
  CHECK(pending[1].intake_sequence > pending[0].intake_sequence);

  CHECK(store.record_attempt("ev-1") == 1);
  store.retry_later("ev-1", "429", clock.now() + 1min);
  CHECK(store.pending_of("sales", 10, clock.now()).size() == 1);
  CHECK(store.pending_of("sales", 10, clock.now() + 2min).size() == 2);
  CHECK(store.pending_of("sales", 10).size() == 2);

  store.set_state("ev-1", BookingState::delivered);
  CHECK_THROWS_WITH(store.set_state("ev-1", BookingState::failed), Catch::Contains("ev-1 is delivered"));
  CHECK_NOTHROW(store.set_state("ev-1", BookingState::delivered));
  CHECK_THROWS_WITH(store.set_state("ev-x", BookingState::skipped), Catch::Contains("no booking with event id ev-x"));
  CHECK_THROWS_AS(store.record_attempt("ev-x"), StoreError);
  CHECK_THROWS_WITH(store.set_state("ev-2", BookingState::parked), Catch::Contains("park()"));
  CHECK(store.pending_of("sales", 10).size() == 1);

  store.set_state("ev-2", BookingState::failed, "gave up");
  CHECK(store.failed().size() == 1);
  CHECK(store.requeue_failed() == 1);
  CHECK(store.failed().empty());

  Connection c;
  c.id = "portal-1";
  store.save_connection(c);
  store.park("ev-2", "portal-1", "broken");
  CHECK_THROWS_AS(store.park("ev-3", "no-such-connection", "x"), StoreError);
  CHECK(store.parked("portal-1").size() == 1);
  CHECK(store.pending_of("sales", 10).empty());
  CHECK(store.release_parked("portal-1") == 1);
  CHECK(store.pending_of("sales", 10).size() == 1);

  const auto counts = store.count_by_state();
  CHECK(counts.at(BookingState::delivered) == 1);
  CHECK(counts.at(BookingState::pending) == 2);
  CHECK(counts.at(BookingState::parked) == 0);
  const auto stats = store.queue_stats();
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].integration == "ops");
  CHECK(stats[1].pending == 1);

  CHECK_THROWS_AS(store.set_outcome("ev-unknown", {}), StoreError);
  store.set_outcome("ev-1", {"c1", std::nullopt, Disposition::created, Disposition::none, true});
  CHECK(store.outcome("ev-1")->associated);
  CHECK(store.outcome("ev-1")->contact_id == "c1");

  // Retention: the finished booking's payload goes, the pending ones stay.
  clock.advance(48h);
  CHECK(store.drop_payloads_before(clock.now() - 24h) == 1);
  CHECK(store.booking("ev-1")->payload.empty());
  CHECK(store.booking("ev-2")->payload == "{}");
}

TEST_CASE("postgres store: a final booking leaves the hot queue", "[store][postgres]") {
  REQUIRE_DATABASE();
  ManualClock clock;
  PostgresStateStore store(test_url(), clock, test_options());
  store.journal("e1", "{}", clock.now());
  store.journal("e2", "{}", clock.now());
  store.set_state("e1", BookingState::skipped, "nothing to post");
  PGconn* conn = PQconnectdb(test_url().c_str());
  PGresult* r = PQexec(conn, "SELECT event_id FROM booking_queue ORDER BY intake_sequence");
  REQUIRE(PQntuples(r) == 1);
  CHECK(std::string(PQgetvalue(r, 0, 0)) == "e2");
  PQclear(r);
  PQfinish(conn);
}

TEST_CASE("postgres store: transactions commit together, inner failures undo only themselves", "[store][postgres]") {
  REQUIRE_DATABASE();
  ManualClock clock;
  PostgresStateStore store(test_url(), clock, test_options());
  CHECK_THROWS_WITH(store.transaction([&](StateStore& s) {
    s.journal("t1", "{}", clock.now());
    throw std::runtime_error("boom");
  }),
                    "boom");
  CHECK_FALSE(store.booking("t1"));
  store.transaction([&](StateStore& s) {
    s.journal("t2", "{}", clock.now());
    CHECK_THROWS(s.transaction([&](StateStore& inner) {
      inner.journal("t3", "{}", clock.now());
      inner.set_outcome("no-such-booking", {});  // fails in PostgreSQL: a savepoint keeps the outer alive
    }));
    CHECK_THROWS_AS(s.set_outcome("no-such-booking", {}), StoreError);
    s.journal("t4", "{}", clock.now());
  });
  CHECK(store.booking("t2"));
  CHECK_FALSE(store.booking("t3"));
  CHECK(store.booking("t4"));
}

TEST_CASE("postgres store: intents, records, connections and tokens", "[store][postgres]") {
  REQUIRE_DATABASE();
  ManualClock clock;
  PostgresStateStore store(test_url(), clock, test_options());
  store.journal("ev-1", "{}", clock.now());
  store.write_intents({{"t1", ObjectType::company, "ev-1", {{"domain", "a.jp"}}, "", {}}});
  CHECK_THROWS_AS(store.write_intents({{"t2", ObjectType::contact, "ev-1", {}, "", {}},
                                       {"t1", ObjectType::contact, "ev-1", {}, "", {}}}),
                  StoreError);
  const auto intents = store.unresolved_intents();
  REQUIRE(intents.size() == 1);
  CHECK(intents[0].keys.size() == 1);
  CHECK(store.unresolved_intents(std::string("other")).empty());
  store.resolve_intent_created("t1", "hs-1");
  CHECK(store.unresolved_intents().empty());
  CHECK_THROWS_WITH(store.resolve_intent_failed("t-unknown", "x"), Catch::Contains("t-unknown"));

  store.remember_company({"co-1", std::string("A.JP"), std::string("Acme"), clock.now(), "p1"});
  CHECK(store.find_company(std::string("a.jp"), std::nullopt, "p1")->hubspot_id == "co-1");
  CHECK_FALSE(store.find_company(std::string("a.jp"), std::nullopt, "p2"));
  store.remember_contact({"ct-1", "Mail@Example.JP", clock.now(), "p1"});
  CHECK(store.find_contact("mail@example.jp", "p1")->hubspot_id == "ct-1");

  Connection c;
  c.id = "default";
  c.auth = AuthKind::oauth;
  c.access_token = "access-SECRET-1";
  c.refresh_token = "refresh-SECRET-1";
  store.save_connection(c);
  store.update_tokens("default", "access-SECRET-2", "", clock.now() + 30min);
  CHECK(store.connection("default")->refresh_token == "refresh-SECRET-1");
  store.record_successful_post("default", clock.now());
  store.record_successful_post("default", clock.now() - 1h);
  CHECK(store.connection("default")->last_successful_post_at == clock.now());
  try {
    store.update_tokens("missing", "access-SECRET-3", "refresh-SECRET-3", std::nullopt);
    FAIL("an unknown connection must be an error");
  } catch (const StoreError& e) {
    CHECK_THAT(e.what(), Catch::Contains("missing") && !Catch::Contains("SECRET"));
  }
  // A failing statement with tokens bound to it: PostgreSQL's message (DETAIL quotes the row)
  // must not carry them.
  run_sql("ALTER TABLE connections ADD CONSTRAINT refuse CHECK (access_token NOT LIKE '%SECRET-9%')");
  c.id = "another";
  c.access_token = "SECRET-9";
  try {
    store.save_connection(c);
    FAIL("the check must refuse the insert");
  } catch (const StoreError& e) {
    CHECK_THAT(e.what(), Catch::Contains("refuse") && !Catch::Contains("SECRET"));
  }

  store.refresh_tokens_once("default", [](const Connection& current) {
    CHECK(current.access_token == "access-SECRET-2");
    return std::optional<TokenUpdate>(TokenUpdate{"access-SECRET-4", "", std::nullopt});
  });
  CHECK(store.connection("default")->access_token == "access-SECRET-4");
  CHECK(store.connection("default")->refresh_token == "refresh-SECRET-1");
  CHECK_THROWS_WITH(store.refresh_tokens_once("default",
                                              [](const Connection&) -> std::optional<TokenUpdate> {
                                                throw std::runtime_error("token endpoint down");
                                              }),
                    "token endpoint down");
  CHECK(store.connection("default")->access_token == "access-SECRET-4");
  CHECK_THROWS_AS(store.refresh_tokens_once("nope", [](const Connection&) { return std::optional<TokenUpdate>(); }),
                  StoreError);

  store.record_notification({"default", clock.now(), "subject"});
  CHECK(store.last_notification("default")->subject == "subject");
  CHECK_THROWS_AS(store.record_notification({"no-such", clock.now(), "x"}), StoreError);
  store.save_portal_schema("default", "contacts", {"[]", clock.now()});
  CHECK(store.portal_schema("default", "contacts")->json == "[]");
  store.forget_portal_schema("default");
  CHECK_FALSE(store.portal_schema("default", "contacts"));

  const std::string bytes = std::string("{\"event\":\xff\xfe\0", 12);
  const auto id = store.add_dead_letter({0, "sales", bytes, "not UTF-8", clock.now()});
  const auto letters = store.dead_letters(10);
  REQUIRE(letters.size() == 1);
  CHECK(letters[0].id == id);
  CHECK(letters[0].body == bytes);
}

TEST_CASE("postgres store: refresh_tokens_once keeps a second worker's refresh out", "[store][postgres]") {
  REQUIRE_DATABASE();
  ManualClock clock;
  PostgresStateStore a(test_url(), clock, test_options());
  PostgresStateStore b(test_url(), clock, test_options());
  Connection c;
  c.id = "default";
  c.access_token = "old";
  a.save_connection(c);
  std::atomic<bool> a_inside{false};
  std::thread first([&] {
    a.refresh_tokens_once("default", [&](const Connection&) {
      a_inside = true;
      std::this_thread::sleep_for(300ms);
      return std::optional<TokenUpdate>(TokenUpdate{"new", "", std::nullopt});
    });
  });
  while (!a_inside) std::this_thread::sleep_for(5ms);
  std::string seen;
  b.refresh_tokens_once("default", [&](const Connection& current) {
    seen = current.access_token;
    return std::optional<TokenUpdate>();
  });
  first.join();
  CHECK(seen == "new");  // b waited for a's row lock, then saw a's token
}

TEST_CASE("postgres store: leases and workers", "[store][postgres][lease]") {
  REQUIRE_DATABASE();
  ManualClock clock;
  PostgresStateStore store(test_url(), clock, test_options());
  auto a = store.acquire_lease("p1", "worker-a", 10s);
  REQUIRE(a);
  CHECK(a->epoch == 1);
  CHECK_FALSE(a->previous_until);
  CHECK(a->acquired_at == clock.now());
  CHECK_FALSE(store.acquire_lease("p1", "worker-b", 10s));
  clock.advance(5s);
  auto renewed = store.acquire_lease("p1", "worker-a", 10s);
  REQUIRE(renewed);
  CHECK(renewed->epoch == 1);
  CHECK_FALSE(renewed->previous_until);
  CHECK(store.renew_lease(*a, 10s)->expires_at == clock.now() + 10s);
  CHECK(store.holds_lease(*a));
  clock.advance(11s);
  auto b = store.acquire_lease("p1", "worker-b", 10s);
  REQUIRE(b);
  CHECK(b->epoch == 2);
  REQUIRE(b->previous_until);
  CHECK(*b->previous_until == clock.now() - 1s);  // a's expiry
  CHECK_FALSE(store.holds_lease(*a));
  CHECK_FALSE(store.renew_lease(*a, 10s));
  store.release_lease(*b);
  CHECK(store.lease("p1")->expires_at == clock.now());
  auto c = store.acquire_lease("p1", "worker-c", 10s);
  REQUIRE(c);
  CHECK(c->epoch == 3);
  CHECK(*c->previous_until == clock.now());
  auto d = store.take_over_lease(*c, "worker-d", 10s);
  REQUIRE(d);
  CHECK(d->epoch == 4);
  CHECK(*d->previous_until == clock.now());
  CHECK_FALSE(store.take_over_lease(*c, "worker-e", 10s));
  store.acquire_lease("p2", "worker-d", 10s);
  CHECK(store.leases().size() == 2);

  store.heartbeat("worker-a", 10s);
  store.heartbeat("worker-b", 1s);
  clock.advance(2s);
  auto live = store.live_workers();
  REQUIRE(live.size() == 1);
  CHECK(live[0].owner == "worker-a");
  store.leave("worker-a");
  CHECK(store.live_workers().empty());

  // On the database's clock.
  PostgresStoreOptions db_clock = test_options();
  db_clock.database_clock = true;
  PostgresStateStore real(test_url(), clock, db_clock);
  auto e = real.acquire_lease("p3", "worker-e", 10s);
  REQUIRE(e);
  const auto skew = e->acquired_at - std::chrono::system_clock::now();
  CHECK(std::chrono::abs(skew) < 5s);
  real.heartbeat("worker-e", 10s);
  CHECK(real.live_workers().size() == 1);
}

TEST_CASE("postgres store: pending_of skips rows another session holds", "[store][postgres]") {
  REQUIRE_DATABASE();
  ManualClock clock;
  PostgresStateStore a(test_url(), clock, test_options());
  PostgresStateStore b(test_url(), clock, test_options());
  for (int i = 0; i < 4; ++i) a.journal("e" + std::to_string(i), "{}", clock.now());
  std::vector<JournaledBooking> claimed_by_b;
  a.transaction([&](StateStore& s) {
    const auto mine = s.pending_of(kDefaultIntegration, 2);
    REQUIRE(mine.size() == 2);
    claimed_by_b = b.pending_of(kDefaultIntegration, 10);  // while a holds its two
  });
  REQUIRE(claimed_by_b.size() == 2);
  CHECK(claimed_by_b[0].event_id == "e2");
}

TEST_CASE("postgres store: commits notify the pending listener once per integration", "[store][postgres]") {
  REQUIRE_DATABASE();
  ManualClock clock;
  PostgresStateStore store(test_url(), clock, test_options());
  std::mutex mutex;
  std::vector<std::string> heard;
  PendingListener listener(test_url(), [&](const std::string& integration) {
    std::lock_guard lock(mutex);
    heard.push_back(integration);
  });
  std::this_thread::sleep_for(500ms);  // LISTEN in place
  store.transaction([&](StateStore& s) {
    for (int i = 0; i < 5; ++i) s.journal("sales", "s" + std::to_string(i), "{}", clock.now());
    s.journal("ops", "o1", "{}", clock.now());
  });
  CHECK_THROWS(store.transaction([&](StateStore& s) {
    s.journal("never", "n1", "{}", clock.now());
    throw std::runtime_error("rolled back");
  }));
  store.journal("single", "x1", "{}", clock.now());
  store.journal("single", "x1", "{}", clock.now());  // a duplicate: nothing new, no notification
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex);
      if (heard.size() >= 3) break;
    }
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(200ms);
  std::lock_guard lock(mutex);
  CHECK(heard == std::vector<std::string>{"ops", "sales", "single"});
}

TEST_CASE("postgres store: a killed connection fails one call, then heals, the listener says so", "[store][postgres]") {
  REQUIRE_DATABASE();
  ManualClock clock;
  PostgresStateStore store(test_url(), clock, test_options());
  store.journal("e1", "{}", clock.now());
  std::atomic<int> wake_ups_for_anything{0};
  PendingListener listener(test_url(), [&](const std::string& integration) {
    if (integration.empty()) ++wake_ups_for_anything;
  });
  std::this_thread::sleep_for(500ms);
  // As a PostgreSQL restart would: every hubrules session of this database goes.
  run_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hubrules' "
          "AND datname = current_database() AND pid <> pg_backend_pid()");
  CHECK_THROWS_AS(store.booking("e1"), StoreError);
  CHECK(store.booking("e1"));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (wake_ups_for_anything == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  CHECK(wake_ups_for_anything == 1);
}

TEST_CASE("postgres store: a location never shows its password", "[store][postgres]") {
  CHECK(redacted_location("postgresql://hub:s3cret@db.example:5432/hubrules") ==
        "postgresql://hub:***@db.example:5432/hubrules");
  CHECK(redacted_location("postgres://db.example/hubrules?user=hub&password=s3cret&sslmode=require") ==
        "postgres://db.example/hubrules?user=hub&password=***&sslmode=require");
  CHECK(redacted_location("postgresql:///hubrules?host=/tmp/x&port=5499") == "postgresql:///hubrules?host=/tmp/x&port=5499");
  CHECK(redacted_location("host=db password=s3cret user=hub") == "host=db password=*** user=hub");
  CHECK(redacted_location("host=/tmp/x password='s3 cret' user=hub") == "host=/tmp/x password=*** user=hub");
  CHECK(redacted_location("postgresql://hub@db/x?password=a%20b") == "postgresql://hub@db/x?password=***");
  CHECK(redacted_location("/var/lib/hubrules/state.db") == "/var/lib/hubrules/state.db");
}

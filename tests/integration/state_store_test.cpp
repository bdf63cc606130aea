// The state store's contract, what delivery relies on to be idempotent and crash-safe: each case
// runs against SQLite (real files) and PostgreSQL (a fresh database on the tests' throw-away
// cluster) alike (tests/store_kinds.hpp). What is about SQLite's files stays SQLite-only.
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "runtime/store/sqlite_state_store.hpp"
#include "tests/store_kinds.hpp"
#include "tests/test_support.hpp"

using namespace hubrules::runtime;
using namespace std::chrono_literals;

namespace {

using hubrules::testing::PostgresStoreKind;
using hubrules::testing::SqliteStoreKind;
using hubrules::testing::TempDir;

unsigned file_mode(const std::filesystem::path& file) {
  struct stat status {};
  REQUIRE(::stat(file.c_str(), &status) == 0);
  return status.st_mode & 0777;
}

std::vector<std::string> event_ids(const std::vector<JournaledBooking>& bookings) {
  std::vector<std::string> ids;
  for (const auto& b : bookings) ids.push_back(b.event_id);
  return ids;
}

Connection oauth_connection(const std::string& id) {
  Connection c;
  c.id = id;
  c.portal_id = 20261127;
  c.auth = AuthKind::oauth;
  c.access_token = "access-SECRET-1";
  c.refresh_token = "refresh-SECRET-1";
  c.access_expires_at = TimePoint{} + 1000h;
  c.admin_email = "admin@example.jp";
  c.client_id = "client-1";
  c.client_secret = "secret-1";
  c.api_base_url = "http://127.0.0.1:8089";
  c.scopes = "crm.objects.contacts.write oauth";
  c.connected_at = TimePoint{} + 900h;
  return c;
}

// Runs SQL on a file behind the store's back.
void run_sql(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  const int code = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  REQUIRE(code == SQLITE_OK);
}

std::int64_t count_rows(const std::filesystem::path& file, const std::string& table) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  const std::string sql = "SELECT count(*) FROM " + table;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  const auto count = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return count;
}

}  // namespace

TEMPLATE_TEST_CASE("store: a booking is journaled once, and a re-delivery changes nothing",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  const TimePoint received = clock.now();

  CHECK(store.journal("ev-1", R"({"event":{"id":"ev-1"}})", received));
  store.set_state("ev-1", BookingState::delivered);
  clock.advance(1h);
  CHECK_FALSE(store.journal("ev-1", R"({"changed":true})", clock.now()));

  const auto booking = store.booking("ev-1");
  REQUIRE(booking);
  CHECK(booking->payload == R"({"event":{"id":"ev-1"}})");
  CHECK(booking->state == BookingState::delivered);
  CHECK(booking->received_at == received);
  CHECK_FALSE(store.booking("ev-unknown"));
}

TEMPLATE_TEST_CASE("store: booking states move with their reason, attempts and timestamps",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  store.journal("ev-1", "{}", clock.now());

  clock.advance(5s);
  CHECK(store.record_attempt("ev-1") == 1);
  CHECK(store.record_attempt("ev-1") == 2);
  store.set_state("ev-1", BookingState::failed, "503 from HubSpot for 10 minutes");
  auto b = store.booking("ev-1");
  REQUIRE(b);
  CHECK(b->state == BookingState::failed);
  CHECK(b->reason == "503 from HubSpot for 10 minutes");
  CHECK(b->attempts == 2);
  CHECK(b->last_attempt_at == clock.now());
  CHECK(b->updated_at == clock.now());

  SECTION("a failed booking is requeued with fresh attempts") {
    CHECK(store.failed().size() == 1);
    CHECK(store.requeue_failed() == 1);
    b = store.booking("ev-1");
    CHECK(b->state == BookingState::pending);
    CHECK(b->reason.empty());
    CHECK(b->attempts == 0);
    CHECK(store.failed().empty());
  }
  SECTION("a final state stays final") {
    store.set_state("ev-1", BookingState::delivered);
    store.set_state("ev-1", BookingState::delivered);  // said twice is fine
    CHECK_THROWS_WITH(store.set_state("ev-1", BookingState::failed), Catch::Contains("ev-1 is delivered"));
    CHECK_THROWS_AS(store.set_state("ev-1", BookingState::pending), StoreError);
    CHECK(store.booking("ev-1")->state == BookingState::delivered);
  }
  SECTION("unknown bookings and parking without a connection are errors") {
    CHECK_THROWS_WITH(store.set_state("ev-x", BookingState::skipped), Catch::Contains("no booking with event id ev-x"));
    CHECK_THROWS_AS(store.record_attempt("ev-x"), StoreError);
    CHECK_THROWS_WITH(store.set_state("ev-1", BookingState::parked), Catch::Contains("park()"));
  }
}

TEMPLATE_TEST_CASE("store: pending bookings come in intake order, in batches",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  for (const auto* id : {"ev-c", "ev-a", "ev-d", "ev-b", "ev-e"}) store.journal(id, "{}", clock.now());

  CHECK(event_ids(store.pending_of(kDefaultIntegration, 2)) == std::vector<std::string>{"ev-c", "ev-a"});
  store.set_state("ev-c", BookingState::delivered);
  store.set_state("ev-d", BookingState::skipped, "webhook_type event_cancelled");
  store.set_state("ev-b", BookingState::invalid, "no event.id");
  CHECK(event_ids(store.pending_of(kDefaultIntegration, 100)) == std::vector<std::string>{"ev-a", "ev-e"});

  const auto counts = store.count_by_state();
  CHECK(counts.at(BookingState::pending) == 2);
  CHECK(counts.at(BookingState::delivered) == 1);
  CHECK(counts.at(BookingState::skipped) == 1);
  CHECK(counts.at(BookingState::invalid) == 1);
  CHECK(counts.at(BookingState::failed) == 0);
  CHECK(counts.at(BookingState::parked) == 0);
}

TEMPLATE_TEST_CASE("store: bookings of a broken connection are parked, then released",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  store.save_connection(oauth_connection("portal-a"));
  store.save_connection(oauth_connection("portal-b"));
  for (const auto* id : {"ev-1", "ev-2", "ev-3"}) store.journal(id, "{}", clock.now());

  store.park("ev-2", "portal-a", "BAD_REFRESH_TOKEN");
  store.park("ev-1", "portal-a", "BAD_REFRESH_TOKEN");
  store.park("ev-3", "portal-b", "180 days without a post");
  const auto parked = store.parked("portal-a");
  CHECK(event_ids(parked) == std::vector<std::string>{"ev-1", "ev-2"});
  CHECK(parked[0].reason == "BAD_REFRESH_TOKEN");
  CHECK(parked[0].connection_id == "portal-a");
  CHECK(store.pending_of(kDefaultIntegration, 10).empty());

  CHECK(store.release_parked("portal-a") == 2);
  CHECK(event_ids(store.pending_of(kDefaultIntegration, 10)) == std::vector<std::string>{"ev-1", "ev-2"});
  CHECK(store.booking("ev-1")->connection_id.empty());
  CHECK(store.parked("portal-b").size() == 1);
  CHECK_THROWS_AS(store.park("ev-1", "no-such-connection", "x"), StoreError);
}

TEMPLATE_TEST_CASE("store: a booking's outcome round-trips", "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  store.journal("ev-1", "{}", clock.now());
  CHECK_FALSE(store.outcome("ev-1"));

  store.set_outcome("ev-1", {"101", std::nullopt, Disposition::created, Disposition::none, false});
  store.set_outcome("ev-1", {"101", "202", Disposition::created, Disposition::duplicate, true});
  const auto outcome = store.outcome("ev-1");
  REQUIRE(outcome);
  CHECK(outcome->contact_id == "101");
  CHECK(outcome->company_id == "202");
  CHECK(outcome->contact == Disposition::created);
  CHECK(outcome->company == Disposition::duplicate);
  CHECK(outcome->associated);
  CHECK_THROWS_AS(store.set_outcome("ev-unknown", {}), StoreError);
}

TEMPLATE_TEST_CASE("store: records created here are found by domain first, then the oldest by name",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  const TimePoint t0 = clock.now();
  store.remember_company({"c-name-new", std::nullopt, "Acme", t0 + 2h});
  store.remember_company({"c-name-old", std::nullopt, "ACME", t0 + 1h});
  store.remember_company({"c-domain", "Acme.co.jp", "Acme Japan", t0 + 3h});
  store.remember_company({"c-domain-newer", "acme.co.jp", std::nullopt, t0 + 4h});

  CHECK(store.find_company("ACME.CO.JP", "acme")->hubspot_id == "c-domain");
  CHECK(store.find_company(std::nullopt, "acme")->hubspot_id == "c-name-old");
  CHECK(store.find_company("other.jp", "Acme")->hubspot_id == "c-name-old");
  CHECK_FALSE(store.find_company(std::string(), std::string()));
  CHECK_FALSE(store.find_company("other.jp", "Other"));
  const auto found = store.find_company("acme.co.jp", std::nullopt);
  CHECK(found->domain == "acme.co.jp");
  CHECK(found->name == "acme japan");
  CHECK(found->created_at == t0 + 3h);

  store.remember_contact({"p-1", "Taro@Example.JP", t0});
  store.remember_contact({"p-2", "taro@example.jp", t0 + 1h});  // the first one stays
  CHECK(store.find_contact("TARO@example.jp")->hubspot_id == "p-1");
  CHECK_FALSE(store.find_contact("hanako@example.jp"));
}

TEMPLATE_TEST_CASE("store: in-doubt creates survive a crash and are resolved",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  {
    const auto first = kind.open(clock);
    StateStore& store = *first;
    store.journal("ev-1", "{}", clock.now());
    store.journal("ev-2", "{}", clock.now());
    store.write_intents({
        {"t-company-1", ObjectType::company, "ev-1", {{"domain", "acme.co.jp"}, {"name", "acme"}}, {}, {}},
        {"t-contact-1", ObjectType::contact, "ev-1", {{"email", "taro@acme.co.jp"}}, {}, {}},
        {"t-contact-2", ObjectType::contact, "ev-2", {}, "901", {}},
    });
    store.resolve_intent_created("t-contact-1", "501");
    // The process dies here: the store is closed with two intents unresolved.
  }
  const auto reopened = kind.open(clock);
  StateStore& store = *reopened;
  const auto in_doubt = store.unresolved_intents();
  REQUIRE(in_doubt.size() == 2);
  CHECK(in_doubt[0].trace_id == "t-company-1");
  CHECK(in_doubt[0].object_type == ObjectType::company);
  CHECK(in_doubt[0].event_id == "ev-1");
  REQUIRE(in_doubt[0].keys.size() == 2);
  CHECK(in_doubt[0].keys[0].property == "domain");
  CHECK(in_doubt[0].keys[1].value == "acme");
  CHECK(in_doubt[0].written_at == clock.now());
  CHECK(in_doubt[1].trace_id == "t-contact-2");
  CHECK(in_doubt[1].keys.empty());
  CHECK(in_doubt[0].associated_company_id.empty());
  CHECK(in_doubt[1].associated_company_id == "901");

  store.resolve_intent_created("t-company-1", "901");
  store.resolve_intent_failed("t-contact-2", "INVALID_EMAIL");
  CHECK(store.unresolved_intents().empty());
  CHECK_THROWS_WITH(store.resolve_intent_failed("t-unknown", "x"), Catch::Contains("t-unknown"));

  SECTION("a batch of intents is written whole or not at all") {
    CHECK_THROWS_AS(store.write_intents({{"t-new", ObjectType::contact, "ev-2", {}, {}, {}},
                                         {"t-company-1", ObjectType::company, "ev-2", {}, {}, {}}}),
                    StoreError);
    CHECK(store.unresolved_intents().empty());
  }
}

TEMPLATE_TEST_CASE("store: a transaction commits everything or nothing",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  store.journal("ev-1", "{}", clock.now());
  store.write_intents({{"t-1", ObjectType::contact, "ev-1", {{"email", "a@b.jp"}}, {}, {}}});

  const auto resolve_all = [&](StateStore& s) {
    s.resolve_intent_created("t-1", "301");
    s.remember_contact({"301", "a@b.jp", clock.now()});
    s.set_outcome("ev-1", {"301", std::nullopt, Disposition::created, Disposition::none, false});
  };
  SECTION("a throw rolls it all back") {
    CHECK_THROWS_WITH(store.transaction([&](StateStore& s) {
      resolve_all(s);
      throw std::runtime_error("answer was garbled");
    }),
                      "answer was garbled");
    CHECK(store.unresolved_intents().size() == 1);
    CHECK_FALSE(store.find_contact("a@b.jp"));
    CHECK_FALSE(store.outcome("ev-1"));
  }
  SECTION("it commits together") {
    store.transaction([&](StateStore& s) {
      resolve_all(s);
      s.set_state("ev-1", BookingState::delivered);
    });
    CHECK(store.unresolved_intents().empty());
    CHECK(store.find_contact("a@b.jp"));
    CHECK(store.booking("ev-1")->state == BookingState::delivered);
  }
  SECTION("a failed inner transaction undoes only its own work") {
    store.transaction([&](StateStore& s) {
      s.remember_contact({"302", "c@d.jp", clock.now()});
      CHECK_THROWS(s.transaction([&](StateStore& inner) {
        inner.remember_contact({"303", "e@f.jp", clock.now()});
        inner.set_state("ev-unknown", BookingState::delivered);
      }));
    });
    CHECK(store.find_contact("c@d.jp"));
    CHECK_FALSE(store.find_contact("e@f.jp"));
  }
}

TEMPLATE_TEST_CASE("store: connections and tokens round-trip, and no error shows a token",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  const Connection original = oauth_connection("default");
  store.save_connection(original);

  auto c = store.connection("default");
  REQUIRE(c);
  CHECK(c->portal_id == 20261127);
  CHECK(c->auth == AuthKind::oauth);
  CHECK(c->access_token == "access-SECRET-1");
  CHECK(c->refresh_token == "refresh-SECRET-1");
  CHECK(c->access_expires_at == original.access_expires_at);
  CHECK(c->status == ConnectionStatus::ok);
  CHECK_FALSE(c->last_successful_post_at);
  CHECK(c->admin_email == "admin@example.jp");
  CHECK(c->client_id == "client-1");
  CHECK(c->client_secret == "secret-1");
  CHECK(c->api_base_url == "http://127.0.0.1:8089");
  CHECK(c->scopes == "crm.objects.contacts.write oauth");
  CHECK(c->connected_at == TimePoint{} + 900h);

  store.update_tokens("default", "access-SECRET-2", "", clock.now() + 30min);
  c = store.connection("default");
  CHECK(c->access_token == "access-SECRET-2");
  CHECK(c->refresh_token == "refresh-SECRET-1");
  CHECK(c->access_expires_at == clock.now() + 30min);

  store.record_successful_post("default", clock.now());
  store.record_successful_post("default", clock.now() - 1h);  // a late report never moves it back
  CHECK(store.connection("default")->last_successful_post_at == clock.now());

  store.mark_broken("default", "BAD_REFRESH_TOKEN");
  c = store.connection("default");
  CHECK(c->status == ConnectionStatus::broken);
  CHECK(c->broken_reason == "BAD_REFRESH_TOKEN");
  store.mark_ok("default");
  CHECK(store.connection("default")->status == ConnectionStatus::ok);

  store.forget_tokens("default");
  c = store.connection("default");
  CHECK(c->access_token.empty());
  CHECK(c->refresh_token.empty());
  CHECK(c->admin_email == "admin@example.jp");
  CHECK(store.connections().size() == 1);

  try {
    store.update_tokens("missing", "access-SECRET-3", "refresh-SECRET-3", std::nullopt);
    FAIL("an unknown connection must be an error");
  } catch (const StoreError& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Catch::Contains("missing") && Catch::Contains(kind.shown_location()));
    CHECK_THAT(message, !Catch::Contains("SECRET"));
  }
  // A failing statement with tokens bound to it: the database's message must not carry them either.
  kind.refuse_connection_inserts();
  try {
    store.save_connection(oauth_connection("another"));
    FAIL("the trigger must refuse the insert");
  } catch (const StoreError& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Catch::Contains("refused"));
    CHECK_THAT(message, !Catch::Contains("SECRET"));
  }
}

TEMPLATE_TEST_CASE("store: the last notification per connection drives the weekly throttle",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  store.save_connection(oauth_connection("portal-a"));
  store.save_connection(oauth_connection("portal-b"));
  const auto due = [&](const std::string& connection) {
    const auto last = store.last_notification(connection);
    return !last || clock.now() - last->sent_at >= std::chrono::hours(24 * 7);
  };

  CHECK(due("portal-a"));
  store.record_notification({"portal-a", clock.now(), "hubrules: posting to HubSpot failed"});
  clock.advance(std::chrono::hours(24 * 6));
  CHECK_FALSE(due("portal-a"));
  CHECK(due("portal-b"));
  clock.advance(std::chrono::hours(24));
  CHECK(due("portal-a"));
  store.record_notification({"portal-a", clock.now(), "second"});
  const auto last = store.last_notification("portal-a");
  REQUIRE(last);
  CHECK(last->subject == "second");
  CHECK(last->sent_at == clock.now());
  CHECK_THROWS_AS(store.record_notification({"no-such", clock.now(), "x"}), StoreError);
}

TEST_CASE("store: the file and its companions are private (0600)", "[store]") {
  TempDir dir;
  ManualClock clock;
  SECTION("a new file") {
    SqliteStateStore store(dir.file(), clock);
    store.journal("ev-1", "{}", clock.now());
    CHECK(file_mode(dir.file()) == 0600);
    CHECK(file_mode(dir.file().string() + "-wal") == 0600);
    CHECK(file_mode(dir.file().string() + "-shm") == 0600);
  }
  SECTION("an existing file readable by others is narrowed") {
    std::ofstream(dir.file()).close();
    std::filesystem::permissions(dir.file(), std::filesystem::perms(0644));
    REQUIRE(file_mode(dir.file()) == 0644);
    SqliteStateStore store(dir.file(), clock);
    CHECK(file_mode(dir.file()) == 0600);
  }
  SECTION("a file that cannot be created names itself") {
    CHECK_THROWS_WITH(SqliteStateStore(dir.file("missing-dir/state.db"), clock),
                      Catch::Contains("missing-dir/state.db"));
  }
}

TEST_CASE("store: an older schema is migrated on open, once", "[store]") {
  TempDir dir;
  ManualClock clock;
  REQUIRE(SqliteStateStore::latest_schema_version() >= 2);
  {
    SqliteStateStore old(dir.file(), clock, {.migrate_to_version = 1});
    CHECK(old.schema_version() == 1);
  }
  // Written as version 1 wrote it (today's store names columns version 1 did not have).
  run_sql(dir.file(),
          "INSERT INTO bookings (event_id, payload, state, received_at, updated_at) "
          "VALUES ('ev-old', '{\"old\":true}', 'pending', 0, 0)");
  {
    // A connection made before migration 4 (scopes, connected_at) keeps its tokens.
    SqliteStateStore v3(dir.file(), clock, {.migrate_to_version = 3});
    CHECK(v3.schema_version() == 3);
  }
  run_sql(dir.file(),
          "INSERT INTO connections (id, auth_kind, refresh_token, status, updated_at, client_id, api_base_url) "
          "VALUES ('before-4', 'oauth', 'refresh-SECRET-1', 'ok', 0, 'client-1', 'http://127.0.0.1:8089')");
  {
    SqliteStateStore store(dir.file(), clock);
    CHECK(store.schema_version() == SqliteStateStore::latest_schema_version());
    const auto kept = store.booking("ev-old");
    REQUIRE(kept);
    CHECK(kept->payload == R"({"old":true})");
    store.save_connection(oauth_connection("default"));
    store.park("ev-old", "default", "reconnect needed");
  }
  SqliteStateStore reopened(dir.file(), clock);
  CHECK(reopened.parked("default").size() == 1);
  const auto before = reopened.connection("before-4");
  REQUIRE(before);
  CHECK(before->refresh_token == "refresh-SECRET-1");
  CHECK(before->scopes.empty());
  CHECK_FALSE(before->connected_at);
  CHECK(count_rows(dir.file(), "schema_migrations") == SqliteStateStore::latest_schema_version());
}

TEST_CASE("store: a file from a newer hubrules is refused", "[store]") {
  TempDir dir;
  ManualClock clock;
  { SqliteStateStore store(dir.file(), clock); }
  run_sql(dir.file(), "PRAGMA user_version = 999");
  CHECK_THROWS_WITH(SqliteStateStore(dir.file(), clock),
                    Catch::Contains("999") && Catch::Contains("newer") && Catch::Contains(dir.file().string()));
}

TEMPLATE_TEST_CASE("store: two threads share a store, and a second process-like store shares the file",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  const auto other_opened = kind.open(clock);  // another connection to the same file or database
  StateStore& other = *other_opened;
  constexpr int per_thread = 30;
  std::atomic<int> surprises{0};  // Catch2's assertions are not for worker threads

  const auto work = [&](StateStore& s, const std::string& prefix) {
    for (int i = 0; i < per_thread; ++i) {
      const std::string id = prefix + std::to_string(i);
      s.transaction([&](StateStore& t) {
        if (!t.journal(id, "{}", clock.now())) ++surprises;
        t.record_attempt(id);
      });
      s.set_state(id, i % 2 == 0 ? BookingState::delivered : BookingState::failed, "done");
    }
  };
  std::thread first([&] { work(store, "a-"); });
  std::thread second([&] { work(store, "b-"); });
  std::thread third([&] { work(other, "c-"); });
  first.join();
  second.join();
  third.join();

  CHECK(surprises == 0);
  const auto counts = store.count_by_state();
  CHECK(counts.at(BookingState::delivered) == 3 * per_thread / 2);
  CHECK(counts.at(BookingState::failed) == 3 * per_thread / 2);
  CHECK(store.booking("c-7")->attempts == 1);
}

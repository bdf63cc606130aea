// The store's reads for the administrators' page: the journal a page at a time under filters,
// counts of one integration, one booking's Retry, dead letters a page at a time. Each case runs
// against SQLite (real files) and PostgreSQL (a fresh database) alike (tests/store_kinds.hpp);
// which index SQLite's pages use is SQLite's own.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "runtime/store/fenced_store.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "runtime/store/stored_values.hpp"
#include "tests/store_kinds.hpp"
#include "tests/test_support.hpp"

using namespace hubrules::runtime;
using namespace std::chrono_literals;
using hubrules::testing::PostgresStoreKind;
using hubrules::testing::SqliteStoreKind;
using hubrules::testing::TempDir;

namespace {

std::vector<std::string> event_ids(const BookingPage& page) {
  std::vector<std::string> ids;
  for (const auto& b : page.rows) ids.push_back(b.event_id);
  return ids;
}

std::vector<std::int64_t> letter_ids(const std::vector<DeadLetter>& letters) {
  std::vector<std::int64_t> ids;
  for (const auto& l : letters) ids.push_back(l.id);
  return ids;
}

// `count` bookings of the default integration, ev-0 the oldest, one second apart, in one commit.
void journal_many(StateStore& store, ManualClock& clock, int count) {
  store.transaction([&](StateStore& s) {
    for (int i = 0; i < count; ++i) {
      s.journal("ev-" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}", clock.now());
      clock.advance(1s);
    }
  });
}

}  // namespace

TEMPLATE_TEST_CASE("store pages: 120 bookings in pages of 50 come newest first, each exactly once",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  journal_many(store, clock, 120);

  std::vector<std::string> seen;
  std::vector<std::size_t> sizes;
  BookingQuery query{.limit = 50};
  for (;;) {
    const BookingPage page = store.bookings_page(query);
    sizes.push_back(page.rows.size());
    for (const auto& id : event_ids(page)) seen.push_back(id);
    if (!page.next_before) break;
    CHECK(*page.next_before == page.rows.back().intake_sequence);
    query.before_sequence = page.next_before;
  }
  CHECK(sizes == std::vector<std::size_t>{50, 50, 20});
  std::vector<std::string> expected;
  for (int i = 119; i >= 0; --i) expected.push_back("ev-" + std::to_string(i));
  CHECK(seen == expected);

  const auto first = store.bookings_page({.limit = 1});
  REQUIRE(first.rows.size() == 1);
  CHECK(first.rows[0].payload.empty());  // a list carries no webhooks
  CHECK(store.booking(first.rows[0].event_id)->payload == R"({"n":119})");  // the booking's own page does
  CHECK(first.rows[0].integration == kDefaultIntegration);
}

TEMPLATE_TEST_CASE("store pages: filters by integration, state and arrival combine, finished bookings included",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  const TimePoint day0 = clock.now(), day1 = day0 + 24h, day2 = day1 + 24h;
  store.journal("sales", "s1", "{}", day0);
  store.journal("support", "t1", "{}", day0);
  store.journal("sales", "s2", "{}", day1);
  store.journal("sales", "s3", "{}", day1 + 1h);
  store.journal("support", "t2", "{}", day1 + 2h);
  store.journal("sales", "s4", "{}", day2);
  store.journal("support", "t3", "{}", day2);
  for (const char* id : {"s1", "t1", "s3", "s4"}) store.set_state(id, BookingState::delivered);
  for (const char* id : {"s2", "t2"}) store.set_state(id, BookingState::failed, "503");

  using Ids = std::vector<std::string>;
  CHECK(event_ids(store.bookings_page({})) == Ids{"t3", "s4", "t2", "s3", "s2", "t1", "s1"});
  CHECK(event_ids(store.bookings_page({.integration = "sales"})) == Ids{"s4", "s3", "s2", "s1"});
  CHECK(event_ids(store.bookings_page({.state = BookingState::delivered})) == Ids{"s4", "s3", "t1", "s1"});
  CHECK(event_ids(store.bookings_page({.integration = "sales", .state = BookingState::delivered})) ==
        Ids{"s4", "s3", "s1"});
  // From inclusive, before exclusive.
  CHECK(event_ids(store.bookings_page({.received_from = day1, .received_before = day2})) == Ids{"t2", "s3", "s2"});
  CHECK(event_ids(store.bookings_page({.integration = "sales", .received_from = day1, .received_before = day2})) ==
        Ids{"s3", "s2"});
  CHECK(event_ids(store.bookings_page(
            {.integration = "sales", .state = BookingState::delivered, .received_from = day1})) == Ids{"s4", "s3"});
  CHECK(event_ids(store.bookings_page({.state = BookingState::failed})) == Ids{"t2", "s2"});

  // Paging under a filter.
  const auto first = store.bookings_page({.integration = "sales", .limit = 2});
  CHECK(event_ids(first) == Ids{"s4", "s3"});
  REQUIRE(first.next_before);
  const auto second = store.bookings_page({.integration = "sales", .before_sequence = first.next_before, .limit = 2});
  CHECK(event_ids(second) == Ids{"s2", "s1"});
  CHECK_FALSE(second.next_before);  // exactly two were left: no empty page after them

  const auto none = store.bookings_page({.integration = "marketing"});
  CHECK(none.rows.empty());
  CHECK_FALSE(none.next_before);
}

TEMPLATE_TEST_CASE("store pages: a page's limit is clamped to kMaxPageLimit and to at least one row",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  journal_many(store, clock, static_cast<int>(kMaxPageLimit) + 5);

  const auto big = store.bookings_page({.limit = 100000});
  CHECK(big.rows.size() == kMaxPageLimit);
  REQUIRE(big.next_before);
  CHECK(store.bookings_page({.before_sequence = big.next_before, .limit = 100000}).rows.size() == 5);

  const auto tiny = store.bookings_page({.limit = 0});
  CHECK(tiny.rows.size() == 1);
  CHECK(tiny.next_before.has_value());
}

TEMPLATE_TEST_CASE("store pages: requeue makes a failed or parked booking pending and claimable, nothing else",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  Connection connection;
  connection.id = "portal-1";
  store.save_connection(connection);
  for (const char* id : {"ev-failed", "ev-parked", "ev-done", "ev-waiting"}) store.journal(id, "{}", clock.now());
  store.record_attempt("ev-failed");
  store.record_attempt("ev-parked");
  store.set_state("ev-failed", BookingState::failed, "503 for 10 minutes");
  store.park("ev-parked", "portal-1", "reconnect needed");
  store.set_state("ev-done", BookingState::delivered);
  store.retry_later("ev-waiting", "429", clock.now() + 1h);
  clock.advance(1min);

  CHECK(store.requeue("ev-parked"));
  CHECK(store.requeue("ev-failed"));
  for (const char* id : {"ev-failed", "ev-parked"}) {
    const auto b = store.booking(id);
    REQUIRE(b);
    CHECK(b->state == BookingState::pending);
    CHECK(b->attempts == 0);
    CHECK(b->reason.empty());
    CHECK(b->connection_id.empty());
    CHECK_FALSE(b->retry_at);
    CHECK_FALSE(b->last_attempt_at);
    CHECK(b->updated_at == clock.now());
  }
  CHECK(store.failed().empty());
  CHECK(store.parked("portal-1").empty());
  const auto claimable = store.pending_of(kDefaultIntegration, 10, clock.now());
  std::set<std::string> claimed;
  for (const auto& b : claimable) claimed.insert(b.event_id);
  CHECK(claimed == std::set<std::string>{"ev-failed", "ev-parked"});  // ev-waiting is not due yet

  CHECK_FALSE(store.requeue("ev-failed"));  // pending now
  CHECK_FALSE(store.requeue("ev-done"));
  CHECK(store.booking("ev-done")->state == BookingState::delivered);
  CHECK_FALSE(store.requeue("ev-waiting"));
  CHECK(store.booking("ev-waiting")->retry_at == clock.now() - 1min + 1h);
  CHECK(store.booking("ev-waiting")->reason == "429");
  CHECK_FALSE(store.requeue("ev-unknown"));
}

TEMPLATE_TEST_CASE("store pages: a fenced requeue writes nothing once the lease was taken over",
                   "[store][lease][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  for (const char* id : {"e1", "e2"}) {
    store.journal(id, "{}", clock.now());
    store.set_state(id, BookingState::failed, "503");
  }
  const auto lease = store.acquire_lease("portal-1", "worker-a", 15s);
  REQUIRE(lease);
  FencedStore fenced(store, *lease);
  CHECK(fenced.requeue("e1"));
  CHECK(store.booking("e1")->state == BookingState::pending);

  clock.advance(16s);
  REQUIRE(store.acquire_lease("portal-1", "worker-b", 15s));
  CHECK_THROWS_AS(fenced.requeue("e2"), LeaseLost);
  CHECK(store.booking("e2")->state == BookingState::failed);
}

TEMPLATE_TEST_CASE("store pages: count_by_state_of counts one integration, every state listed",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock;
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  for (const char* id : {"s1", "s2", "s3"}) store.journal("sales", id, "{}", clock.now());
  for (const char* id : {"t1", "t2"}) store.journal("support", id, "{}", clock.now());
  store.set_state("s1", BookingState::delivered);
  store.set_state("s2", BookingState::failed, "503");
  store.set_state("t1", BookingState::delivered);

  const std::map<BookingState, std::size_t> sales = {
      {BookingState::pending, 1}, {BookingState::delivered, 1}, {BookingState::skipped, 0},
      {BookingState::invalid, 0}, {BookingState::failed, 1},    {BookingState::parked, 0}};
  CHECK(store.count_by_state_of("sales") == sales);
  CHECK(store.count_by_state_of("support").at(BookingState::pending) == 1);
  CHECK(store.count_by_state_of("support").at(BookingState::delivered) == 1);
  const auto none = store.count_by_state_of("marketing");
  CHECK(none.size() == 6);
  for (const auto& [state, count] : none) CHECK(count == 0);
  CHECK(store.count_by_state().at(BookingState::delivered) == 2);
}

TEMPLATE_TEST_CASE("store pages: dead letters page by id without their bodies, one letter with its body",
                   "[store][postgres]", SqliteStoreKind, PostgresStoreKind) {
  TestType kind;
  ManualClock clock(TimePoint{} + 1000h);
  const auto opened = kind.open(clock);
  StateStore& store = *opened;
  const std::string bytes = std::string("{\"event\":\xff\xfe", 11);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    const std::string n = std::to_string(i);
    ids.push_back(store.add_dead_letter({0, "sales", bytes + n, "not UTF-8 " + n, clock.now()}));
    clock.advance(1s);
  }

  const auto first = store.dead_letters_page(2, std::nullopt);
  CHECK(letter_ids(first) == std::vector<std::int64_t>{ids[4], ids[3]});
  for (const auto& l : first) CHECK(l.body.empty());
  CHECK(first[0].reason == "not UTF-8 4");
  CHECK(first[0].integration == "sales");
  CHECK(first[0].received_at == clock.now() - 1s);
  CHECK(letter_ids(store.dead_letters_page(2, first.back().id)) == std::vector<std::int64_t>{ids[2], ids[1]});
  CHECK(letter_ids(store.dead_letters_page(2, ids[1])) == std::vector<std::int64_t>{ids[0]});
  CHECK(store.dead_letters_page(2, ids[0]).empty());

  const auto one = store.dead_letter(ids[2]);
  REQUIRE(one);
  CHECK(one->body == bytes + "2");  // the bytes as received
  CHECK(one->reason == "not UTF-8 2");
  CHECK_FALSE(store.dead_letter(ids[4] + 100));
}

// The page statement the store builds, as SQLite plans it on a migrated file: an integration's
// page is a range of an index, read in order, never a scan of the journal nor a sort of it.
TEST_CASE("store pages: SQLite reads an integration's page through an index", "[store]") {
  TempDir dir;
  { SqliteStateStore store(dir.file()); }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(dir.file().c_str(), &db) == SQLITE_OK);
  const auto plan = [&](const BookingQuery& query) {
    const auto page = stored::booking_page_statement(query, "SELECT event_id FROM bookings", "", '?');
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + page.sql).c_str(), -1, &statement, nullptr) == SQLITE_OK);
    std::string details;
    while (sqlite3_step(statement) == SQLITE_ROW)
      details += reinterpret_cast<const char*>(sqlite3_column_text(statement, 3)) + std::string("\n");
    sqlite3_finalize(statement);
    return details;
  };
  const auto by_integration = plan({.integration = "sales", .before_sequence = 100});
  CHECK_THAT(by_integration, Catch::Contains("USING INDEX bookings_by_integration ") ||
                                 Catch::Contains("USING COVERING INDEX bookings_by_integration "));
  CHECK_THAT(by_integration, !Catch::Contains("TEMP B-TREE"));
  const auto by_both = plan({.integration = "sales", .state = BookingState::failed});
  CHECK_THAT(by_both, Catch::Contains("INDEX bookings_by_integration_state"));
  CHECK_THAT(by_both, !Catch::Contains("TEMP B-TREE"));
  sqlite3_close(db);
}

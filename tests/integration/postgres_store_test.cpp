// What only the PostgreSQL store promises: several workers (store objects, each with its own
// session) on one database. Each case gets a fresh database on the tests' throw-away cluster
// (tests/postgres_test_database.hpp); the restart case starts a cluster of its own.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/store/postgres_state_store.hpp"
#include "tests/postgres_test_database.hpp"

using namespace hubrules::runtime;
using namespace std::chrono_literals;
using hubrules::testing::fresh_test_database_url;
using hubrules::testing::PgSession;
using hubrules::testing::PostgresCluster;
using hubrules::testing::TestDatabase;

namespace {

// A worker's store: migrates the fresh database (the first one does; the others find it done).
std::unique_ptr<PostgresStateStore> worker_store(const std::string& url, Clock& clock = Clock::system()) {
  return std::make_unique<PostgresStateStore>(url, clock, PostgresStoreOptions{.migrate = true});
}

std::vector<std::string> event_ids(const std::vector<JournaledBooking>& bookings) {
  std::vector<std::string> ids;
  for (const auto& b : bookings) ids.push_back(b.event_id);
  return ids;
}

// What a PendingListener heard, for the test thread to wait on.
class Heard {
 public:
  void add(const std::string& integration) {
    std::lock_guard lock(mutex_);
    integrations_.push_back(integration);
    changed_.notify_all();
  }
  bool wait_for(const std::string& integration, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return contains(integration); });
  }
  bool heard(const std::string& integration) {
    std::lock_guard lock(mutex_);
    return contains(integration);
  }
  void clear() {
    std::lock_guard lock(mutex_);
    integrations_.clear();
  }

 private:
  bool contains(const std::string& integration) const {
    for (const auto& i : integrations_)
      if (i == integration) return true;
    return false;
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> integrations_;
};

// Waits until the listener hears a journal (its LISTEN may start after its constructor returns).
void wait_until_listening(StateStore& store, Heard& heard) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (int i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
    store.journal("warm-up", "warm-up-" + std::to_string(i), "{}", TimePoint{} + 1000h);
    if (heard.wait_for("warm-up", 200ms)) return;
  }
  FAIL("the PendingListener heard nothing within 10 s");
}

}  // namespace

TEST_CASE("postgres: the same event journaled by two workers at once is booked once", "[postgres][store]") {
  const TestDatabase database;
  const auto& url = database.url();
  const auto first = worker_store(url);
  const auto second = worker_store(url);
  constexpr int events = 200;
  std::atomic<int> new_bookings{0};
  std::atomic<int> errors{0};
  std::promise<void> go;
  const auto started = go.get_future().share();

  const auto intake = [&](StateStore& store) {
    started.wait();
    for (int i = 0; i < events; ++i) {
      try {
        if (store.journal("sales", "ev-" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}",
                          TimePoint{} + 1000h))
          ++new_bookings;
      } catch (const std::exception&) {
        ++errors;
      }
    }
  };
  std::thread a([&] { intake(*first); });
  std::thread b([&] { intake(*second); });
  go.set_value();
  a.join();
  b.join();

  CHECK(errors == 0);
  CHECK(new_bookings == events);  // each event is new for exactly one of the two
  CHECK(first->count_by_state().at(BookingState::pending) == events);
  CHECK(second->pending_of("sales", 1000).size() == events);
  CHECK(first->booking("ev-7")->payload == "{\"n\":7}");
}

TEST_CASE("postgres: pending_of skips rows another session holds, without waiting", "[postgres][store]") {
  const TestDatabase database;
  const auto& url = database.url();
  ManualClock clock(TimePoint{} + 1000h);
  const auto store = worker_store(url, clock);
  for (const auto* id : {"e1", "e2", "e3", "e4"}) store->journal("sales", id, "{}", clock.now());

  // Another worker is delivering e1 and e3: their queue rows are locked by its open transaction.
  PgSession other(url);
  other.exec("BEGIN");
  REQUIRE(other.exec("SELECT count(*) FROM (SELECT 1 FROM booking_queue WHERE event_id IN ('e1', 'e3') FOR UPDATE) "
                     "AS locked") == "2");

  const auto started = std::chrono::steady_clock::now();
  const auto pending = store->pending_of("sales", 10);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(event_ids(pending) == std::vector<std::string>{"e2", "e4"});
  CHECK(took < 2s);  // not waited on (the store's lock timeout is 5 s)

  // Intake goes on meanwhile, from this store and from another worker's.
  CHECK(store->journal("sales", "e5", "{}", clock.now()));
  const auto intake = worker_store(url, clock);
  CHECK(intake->journal("sales", "e6", "{}", clock.now()));
  CHECK(event_ids(store->pending_of("sales", 10)) == std::vector<std::string>{"e2", "e4", "e5", "e6"});
  CHECK(store->count_by_state().at(BookingState::pending) == 6);  // counting is not skipping

  other.exec("ROLLBACK");
  CHECK(event_ids(store->pending_of("sales", 10)) ==
        std::vector<std::string>{"e1", "e2", "e3", "e4", "e5", "e6"});
}

TEST_CASE("postgres: a database nobody migrated is refused, naming hubrules migrate", "[postgres][store]") {
  const TestDatabase database;
  const auto& url = database.url();
  CHECK_THROWS_AS(PostgresStateStore(url), StoreError);
  CHECK_THROWS_WITH(PostgresStateStore(url), Catch::Contains("hubrules migrate"));
  // Refusing changed nothing: migrating it then works, and the check passes afterwards.
  { PostgresStateStore migrating(url, Clock::system(), {.migrate = true}); }
  PostgresStateStore store(url);
  CHECK(store.schema_version() == PostgresStateStore::latest_schema_version());
}

TEST_CASE("postgres: workers starting together on an empty database migrate it once", "[postgres][store]") {
  const TestDatabase database;
  const auto& url = database.url();
  constexpr int workers = 4;
  std::atomic<int> opened{0};
  std::vector<std::string> failures(workers);
  std::promise<void> go;
  const auto started = go.get_future().share();
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; ++i)
    threads.emplace_back([&, i] {
      started.wait();
      try {
        PostgresStateStore store(url, Clock::system(), {.migrate = true});
        ++opened;
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
    });
  go.set_value();
  for (auto& t : threads) t.join();
  for (const auto& failure : failures) CHECK(failure.empty());
  CHECK(opened == workers);
  PostgresStateStore store(url);
  CHECK(store.schema_version() == PostgresStateStore::latest_schema_version());
  CHECK(PgSession(url).exec("SELECT count(*) FROM schema_migrations") ==
        std::to_string(PostgresStateStore::latest_schema_version()));
}

TEST_CASE("postgres: a PendingListener hears another worker's journal once it commits", "[postgres][store]") {
  const TestDatabase database;
  const auto& url = database.url();
  const auto writer = worker_store(url);
  Heard heard;
  PendingListener listener(url, [&](const std::string& integration) { heard.add(integration); });
  wait_until_listening(*writer, heard);
  heard.clear();

  std::promise<void> journaled;
  std::promise<void> checked;
  std::string failure;  // the worker thread's, for the test thread to report
  std::thread worker([&] {
    try {
      writer->transaction([&](StateStore& s) {
        s.journal("sales", "ev-1", "{}", TimePoint{} + 1000h);
        journaled.set_value();
        checked.get_future().wait();  // the test looks before this commits
      });
    } catch (const std::exception& e) {
      failure = e.what();
    }
    try {
      journaled.set_value();  // when the journal itself failed
    } catch (const std::future_error&) {
    }
  });
  journaled.get_future().wait();
  std::this_thread::sleep_for(500ms);
  CHECK_FALSE(heard.heard("sales"));  // not before the commit
  checked.set_value();
  worker.join();
  CHECK(failure.empty());
  CHECK(heard.wait_for("sales", 5000ms));
  CHECK_FALSE(heard.heard("support"));
}

TEST_CASE("postgres: a booking the administrator requeues is announced to the listening workers", "[postgres][store]") {
  const TestDatabase database;
  const auto& url = database.url();
  const auto admin = worker_store(url);
  admin->journal("sales", "ev-1", "{}", TimePoint{} + 1000h);
  admin->set_state("ev-1", BookingState::failed, "503");
  Heard heard;
  PendingListener listener(url, [&](const std::string& integration) { heard.add(integration); });
  wait_until_listening(*admin, heard);
  heard.clear();

  CHECK_FALSE(admin->requeue("ev-unknown"));
  CHECK(admin->requeue("ev-1"));
  CHECK(heard.wait_for("sales", 5000ms));
  // Back in the queue the deliveries claim from, for another worker too.
  const auto worker = worker_store(url);
  CHECK(event_ids(worker->pending_of("sales", 10)) == std::vector<std::string>{"ev-1"});
}

TEST_CASE("postgres: two workers refreshing one connection's tokens refresh it once", "[postgres][store]") {
  const TestDatabase database;
  const auto& url = database.url();
  const auto first = worker_store(url);
  const auto second = worker_store(url);
  Connection c;
  c.id = "portal-1";
  c.auth = AuthKind::oauth;
  c.access_token = "access-SECRET-old";
  c.refresh_token = "refresh-SECRET-old";
  first->save_connection(c);

  std::atomic<int> calls{0};
  std::atomic<int> refreshes{0};
  // Like the auth code: no request when the stored token is already a new one.
  const auto refresh = [&](const Connection& current) -> std::optional<TokenUpdate> {
    ++calls;
    if (current.access_token == "access-SECRET-new") return std::nullopt;
    ++refreshes;
    std::this_thread::sleep_for(300ms);  // the token request
    return TokenUpdate{"access-SECRET-new", "refresh-SECRET-new", TimePoint{} + 2000h};
  };
  std::promise<void> go;
  const auto started = go.get_future().share();
  std::atomic<int> errors{0};
  const auto run = [&](StateStore& store) {
    started.wait();
    try {
      store.refresh_tokens_once("portal-1", refresh);
    } catch (const std::exception&) {
      ++errors;
    }
  };
  std::thread a([&] { run(*first); });
  std::thread b([&] { run(*second); });
  go.set_value();
  a.join();
  b.join();

  CHECK(errors == 0);
  CHECK(calls == 2);
  CHECK(refreshes == 1);  // the second waited for the first's row lock and saw its tokens
  const auto stored = second->connection("portal-1");
  REQUIRE(stored);
  CHECK(stored->access_token == "access-SECRET-new");
  CHECK(stored->refresh_token == "refresh-SECRET-new");
}

TEST_CASE("postgres: a store and a listener survive a restart of PostgreSQL", "[postgres][store]") {
  PostgresCluster cluster;  // its own: the shared one is not restarted under other tests
  const auto url = cluster.create_database();
  const auto store = worker_store(url);
  REQUIRE(store->journal("sales", "before", "{}", TimePoint{} + 1000h));
  Heard heard;
  PendingListener listener(url, [&](const std::string& integration) { heard.add(integration); });
  wait_until_listening(*store, heard);
  heard.clear();

  cluster.restart();

  // The call that finds the session gone may fail; it must fail as a StoreError.
  try {
    store->booking("before");
  } catch (const StoreError&) {
  }
  CHECK(store->booking("before").has_value());
  CHECK(store->journal("sales", "after", "{}", TimePoint{} + 1000h));
  CHECK(event_ids(store->pending_of("sales", 10)) == std::vector<std::string>{"before", "after"});

  // The listener reconnects and says something may have been missed.
  CHECK(heard.wait_for("", 15s));
  heard.clear();
  CHECK(store->journal("sales", "after-2", "{}", TimePoint{} + 1000h));
  CHECK(heard.wait_for("sales", 5s));
}

TEST_CASE("postgres: the test cluster gives each test a fresh database", "[postgres]") {
  const auto first = fresh_test_database_url();
  const auto second = fresh_test_database_url();
  CHECK(first != second);
  CHECK_THAT(first, Catch::StartsWith("postgresql:///hubrules_test_"));
  PgSession session(first);
  CHECK(session.exec("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0");
  CHECK(session.exec("SHOW fsync") == "off");
  CHECK(session.exec("SELECT current_user") == "postgres");

  // A TestDatabase is dropped when it goes, even with a session still open on it.
  auto database = std::make_unique<TestDatabase>();
  const auto& url = database->url();
  const std::string prefix = "postgresql:///";
  const auto name = url.substr(prefix.size(), url.find('?') - prefix.size());
  PgSession left_open(url);
  PgSession admin(hubrules::testing::shared_test_cluster().url("postgres"));
  const auto exists = "SELECT count(*) FROM pg_database WHERE datname = '" + name + "'";
  CHECK(admin.exec(exists) == "1");
  database.reset();
  CHECK(admin.exec(exists) == "0");
}

// Several `hubrules serve` workers on one PostgreSQL, as real processes against the sandbox: a
// sender spreads webhooks over them while they are killed (-9), paused (SIGSTOP) or cut off from
// a restarting database; every acknowledged booking reaches HubSpot exactly once, and the CRM
// ends as one clean run leaves it.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <memory>
#include <mutex>
#include <sstream>

#include "tests/postgres_test_database.hpp"
#include "tests/process_support.hpp"

using namespace hubrules;
using namespace hubrules::testing;

namespace {

const std::vector<std::string> kWorkerOptions = {"--no-portal-schema", "--lease-s", "3"};

void migrate(const std::string& url) {
  REQUIRE(wait_exit(spawn_hubrules({"migrate", "--state", url})) == 0);
}

// The workers' URLs the sender may post to; a worker leaves the list before it is killed.
class LiveWorkers {
 public:
  void add(const std::string& url) {
    std::lock_guard lock(mutex_);
    urls_.push_back(url);
  }
  void remove(const std::string& url) {
    std::lock_guard lock(mutex_);
    std::erase(urls_, url);
  }
  // Round robin over the live ones.
  std::string next() {
    std::lock_guard lock(mutex_);
    return urls_.empty() ? std::string() : urls_[turn_++ % urls_.size()];
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> urls_;
  std::size_t turn_ = 0;
};

// How many connections the worker delivers for now (hubrules_delivery_owner … 1 in /metrics).
int leases_held(const ServeProcess& worker) {
  const auto metrics = http_call(worker.url(), "GET", "/metrics");
  std::istringstream lines(metrics.body);
  int held = 0;
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("hubrules_delivery_owner{") && line.ends_with(" 1")) ++held;
  return held;
}

ServeProcess* owner_of_the_portal(const std::vector<std::unique_ptr<ServeProcess>>& workers) {
  for (const auto& w : workers)
    if (w->running() && leases_held(*w) > 0) return w.get();
  return nullptr;
}

struct Workers {
  Workers(const TempDir& dir, const std::string& hubspot_url, const std::string& state, int count,
          const std::vector<std::string>& options = kWorkerOptions) {
    for (int i = 0; i < count; ++i) {
      all.push_back(std::make_unique<ServeProcess>(dir, hubspot_url, state, options));
      live.add(all.back()->url());
    }
  }
  void kill(ServeProcess& worker) {
    live.remove(worker.url());
    worker.kill_now();
  }
  std::vector<std::unique_ptr<ServeProcess>> all;
  LiveWorkers live;
};

// On failure the workers' logs are printed, since a stuck booking is explained only there.
void require_all_delivered(const std::string& state, std::size_t count, std::chrono::seconds within,
                           const Workers* workers = nullptr) {
  const bool drained =
      eventually([&] { return booking_counts(state).at(runtime::BookingState::pending) == 0; }, within, 200ms);
  if (!drained && workers)
    for (const auto& w : workers->all) UNSCOPED_INFO("worker " << w->pid() << " log:\n" << w->stderr_text());
  REQUIRE(drained);
  CHECK(booking_counts(state).at(runtime::BookingState::delivered) == count);
}

// One portal (a sandbox), a fresh database prepared by `hubrules migrate`, `count` workers on it,
// and a sender spreading `bookings` over the live workers; the CRM a clean run leaves, to compare.
struct OnePortalRun {
  OnePortalRun(std::vector<std::string> all, int count, runtime::SandboxOptions portal = crash_sandbox_options(),
               const std::vector<std::string>& options = kWorkerOptions)
      : bookings(std::move(all)), crm(portal), state(fresh_test_database_url()) {
    crm.start();
    migrate(state);
    workers = std::make_unique<Workers>(dir, crm.base_url(), state, count, options);
    sender = std::make_unique<WebhookSender>(bookings, [this] { return workers->live.next(); });
  }
  std::multiset<std::string> clean() { return clean_picture(dir, bookings, crash_sandbox_options()); }
  // Everything acknowledged, delivered, and in the CRM once.
  void require_all_delivered_once(const std::multiset<std::string>& expected) {
    REQUIRE(eventually([&] { return sender->done(); }, 240s));
    require_all_delivered(state, bookings.size(), 120s, workers.get());
    const auto got = picture(crm.state());
    CHECK(got == expected);
    CHECK(nothing_twice(got));
  }

  TempDir dir;
  const std::vector<std::string> bookings;
  runtime::Sandbox crm;
  const std::string state;
  std::unique_ptr<Workers> workers;
  std::unique_ptr<WebhookSender> sender;
};

}  // namespace

TEST_CASE("serve workers on PostgreSQL: two of three killed (-9) mid-batch lose nothing and double nothing",
          "[serve][postgres][workers]") {
  OnePortalRun run(many_bookings(600, "three-"), 3);
  const auto expected = run.clean();
  run.sender->start();

  // First the worker delivering for the portal, in the middle of its batches; then another.
  REQUIRE(eventually([&] { return run.sender->acknowledged() >= 150 && run.crm.state().contacts.size() > 20; }, 120s,
                     20ms));
  ServeProcess* owner = owner_of_the_portal(run.workers->all);
  REQUIRE(owner != nullptr);
  run.workers->kill(*owner);
  REQUIRE(eventually([&] { return run.sender->acknowledged() >= 350; }, 120s, 20ms));
  for (auto& w : run.workers->all)
    if (w->running()) {
      run.workers->kill(*w);
      break;
    }
  run.require_all_delivered_once(expected);
}

TEST_CASE("serve workers on PostgreSQL: a paused owner is taken over and, resumed, sends and writes nothing",
          "[serve][postgres][workers][lease]") {
  OnePortalRun run(many_bookings(400, "paused-"), 3);
  const auto expected = run.clean();
  run.sender->start();

  // Paused wherever it is — between rounds, in a transaction, with a create on the wire.
  REQUIRE(eventually([&] { return run.sender->acknowledged() >= 100 && run.crm.state().contacts.size() > 20; }, 120s,
                     20ms));
  ServeProcess* paused = owner_of_the_portal(run.workers->all);
  REQUIRE(paused != nullptr);
  run.workers->live.remove(paused->url());
  paused->signal(SIGSTOP);
  const auto contacts_at_pause = run.crm.state().contacts.size();

  // Another worker takes the portal once the lease runs out (or once PostgreSQL ends the paused
  // worker's open transaction) and delivers everything.
  REQUIRE(eventually([&] { return run.crm.state().contacts.size() > contacts_at_pause + 5; }, 90s, 50ms));
  run.require_all_delivered_once(expected);
  const auto journal_before = booking_counts(run.state);
  const auto requests_before = run.crm.stats().crm_requests;

  paused->signal(SIGCONT);
  std::this_thread::sleep_for(5s);
  CHECK(run.crm.stats().crm_requests == requests_before);
  CHECK(booking_counts(run.state) == journal_before);
  CHECK(!wait_exit_within(paused->pid(), 0ms).has_value());  // still running, not crashed
  CHECK(leases_held(*paused) == 0);
  CHECK(picture(run.crm.state()) == expected);
}

TEST_CASE("serve workers on PostgreSQL: one event id posted to two workers at the same moment is one booking",
          "[serve][postgres][workers]") {
  OnePortalRun run(many_bookings(40, "twice-"), 2);
  const auto& workers = run.workers->all;
  for (const auto& booking : run.bookings) {
    Answer first, second;
    std::thread a([&] { first = post_webhook(workers[0]->url(), booking); });
    std::thread b([&] { second = post_webhook(workers[1]->url(), booking); });
    a.join();
    b.join();
    CHECK(first.status == 200);
    CHECK(second.status == 200);
  }
  require_all_delivered(run.state, run.bookings.size(), 60s, run.workers.get());
  std::size_t journaled = 0;
  for (const auto& [state, n] : booking_counts(run.state)) journaled += n;
  CHECK(journaled == run.bookings.size());
  CHECK(picture(run.crm.state()) == run.clean());
  CHECK(nothing_twice(picture(run.crm.state())));
}

TEST_CASE("serve workers on PostgreSQL: a transaction held open elsewhere stops neither intake nor delivery",
          "[serve][postgres][workers]") {
  OnePortalRun run(many_bookings(200, "held-"), 2);
  // A report someone left open: a snapshot over the journal, and the queue rows of what is
  // journaled so far locked; the claims skip those rows rather than wait for them.
  REQUIRE(post_webhook(run.workers->all[0]->url(), run.bookings[0]).status == 200);
  PgSession analyst(run.state);
  // Under REPEATABLE READ the lock fails when a worker moved a row after the snapshot began (the
  // analyst's error, not the workers'): the analyst starts again, as a report tool would.
  REQUIRE(eventually([&] {
    try {
      analyst.exec("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM bookings; "
                   "SELECT event_id FROM booking_queue FOR UPDATE");
      return true;
    } catch (const std::exception&) {
      analyst.exec("ROLLBACK");
      return false;
    }
  }, 10s));
  run.sender->start();
  REQUIRE(eventually([&] { return run.sender->done(); }, 120s));
  REQUIRE(eventually(
      [&] { return booking_counts(run.state).at(runtime::BookingState::delivered) >= run.bookings.size() - 1; }, 120s,
      200ms));
  analyst.exec("COMMIT");
  require_all_delivered(run.state, run.bookings.size(), 60s, run.workers.get());
  CHECK(nothing_twice(picture(run.crm.state())));
}

TEST_CASE("serve workers on PostgreSQL: a restart of the database loses and doubles nothing",
          "[serve][postgres][workers][restart]") {
  TempDir dir;
  PostgresCluster cluster;  // its own: restarting the shared one would cut the other tests
  const std::string state = cluster.create_database();
  const auto bookings = many_bookings(400, "restart-");
  const auto expected = clean_picture(dir, bookings, crash_sandbox_options());
  runtime::Sandbox crm(crash_sandbox_options());
  crm.start();
  migrate(state);
  Workers workers(dir, crm.base_url(), state, 2);
  WebhookSender sender(bookings, [&] { return workers.live.next(); });
  sender.start();
  REQUIRE(eventually([&] { return sender.acknowledged() >= 150 && crm.state().contacts.size() > 20; }, 120s, 20ms));
  cluster.restart();
  REQUIRE(eventually([&] { return sender.done(); }, 240s));
  require_all_delivered(state, bookings.size(), 120s, &workers);
  for (const auto& w : workers.all) CHECK(!wait_exit_within(w->pid(), 0ms).has_value());  // they healed, not died
  const auto got = picture(crm.state());
  CHECK(got == expected);
  CHECK(nothing_twice(got));
}

namespace {

// A HubSpot portal of its own for each integration: a sandbox each, with its own token and its
// own rolling rate window (100 calls in any 10 s; a call over it is answered 429 and counted).
struct Portals {
  explicit Portals(int count) {
    for (int i = 0; i < count; ++i) {
      runtime::SandboxOptions o = crash_sandbox_options();
      o.burst_limit = 100;
      o.tokens = {token(i)};
      sandboxes.push_back(std::make_unique<runtime::Sandbox>(o));
      sandboxes.back()->start();
    }
  }
  static std::string token(int i) { return "pat-portal-" + std::to_string(i); }
  static std::string name(int i) {
    std::string n = std::to_string(i);
    return "team-" + std::string(3 - std::min<std::size_t>(3, n.size()), '0') + n;
  }
  std::vector<std::unique_ptr<runtime::Sandbox>> sandboxes;
};

std::string many_portals_config(const TempDir& dir, const Portals& portals, const std::string& state) {
  std::string text = "listen = \"127.0.0.1:0\"\nstate = \"" + state + "\"\nlease_s = 6\n" +
                     "[hubspot]\nurl = \"http://127.0.0.1:9\"\nportal_schema = false\n";
  for (std::size_t i = 0; i < portals.sandboxes.size(); ++i) {
    const auto token_file = dir.file("token-" + std::to_string(i)).string();
    write_file(token_file, Portals::token(static_cast<int>(i)) + "\n");
    ::chmod(token_file.c_str(), 0600);
    text += "[[integration]]\nname = \"" + Portals::name(static_cast<int>(i)) + "\"\nrules = \"" + source_dir() +
            "/rules/timerex.rules\"\ntoken_file = \"" + token_file + "\"\nsecret_env = \"HUBRULES_TEST_SECRET\"\n" +
            "hubspot_url = \"" + portals.sandboxes[i]->base_url() + "\"\n";
  }
  const auto file = dir.file("workers.toml").string();
  write_file(file, text);
  return file;
}

// Posts each (path, booking) until a worker acknowledges it, from a few threads, as TimeRex's
// many calendars would.
void post_everywhere(const std::vector<std::pair<std::string, std::string>>& posts, LiveWorkers& live) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t)
    senders.emplace_back([&] {
      for (std::size_t i = next++; i < posts.size(); i = next++) {
        while (post_webhook(live.next(), posts[i].second, kWebhookSecret, posts[i].first).status != 200)
          std::this_thread::sleep_for(20ms);
      }
    });
  for (auto& s : senders) s.join();
}

}  // namespace

TEST_CASE("serve workers on PostgreSQL: 200 portals over three workers, spread, each within its limit",
          "[serve][postgres][workers][portals]") {
  TempDir dir;
  const int count = 200;
  Portals portals(count);
  const std::string state = fresh_test_database_url();
  migrate(state);
  const auto config = many_portals_config(dir, portals, state);
  const std::vector<std::string> env = {std::string("HUBRULES_TEST_SECRET=") + kWebhookSecret};
  std::vector<std::unique_ptr<ServeProcess>> workers;
  LiveWorkers live;
  for (int i = 0; i < 3; ++i) {
    workers.push_back(std::make_unique<ServeProcess>(dir, config, env));
    live.add(workers.back()->url());
  }

  std::vector<std::pair<std::string, std::string>> posts;
  for (int i = 0; i < count; ++i)
    for (const auto& b : many_bookings(3, "p" + std::to_string(i) + "-"))
      posts.emplace_back("/webhooks/timerex/" + Portals::name(i), b);
  post_everywhere(posts, live);
  require_all_delivered(state, posts.size(), 240s);

  // About a third each: no worker holds more than its share, ceil(200 / 3).
  REQUIRE(eventually(
      [&] {
        int total = 0;
        for (const auto& w : workers) {
          const int held = leases_held(*w);
          if (held > 67) return false;
          total += held;
        }
        return total == count;
      },
      60s, 500ms));
  for (int i = 0; i < count; ++i) {
    INFO("portal " << i);
    const auto& crm = *portals.sandboxes[static_cast<std::size_t>(i)];
    CHECK(crm.stats().burst_limited == 0);
    CHECK(nothing_twice(picture(crm.state())));
    CHECK(crm.state().contacts.size() == 3);
  }

  // A worker that leaves (SIGTERM) hands its portals to the other two within the lease time.
  live.remove(workers.back()->url());
  workers.back()->signal(SIGTERM);
  REQUIRE(workers.back()->wait_within(60s) == 0);
  REQUIRE(eventually([&] { return leases_held(*workers[0]) + leases_held(*workers[1]) == count; }, 20s, 500ms));
  CHECK(leases_held(*workers[0]) <= 100);
  CHECK(leases_held(*workers[1]) <= 100);
}

TEST_CASE("serve workers on PostgreSQL: a worker refuses a database hubrules migrate has not prepared",
          "[serve][postgres][workers]") {
  TempDir dir;
  const std::string state = fresh_test_database_url();
  const auto err = dir.file("serve.err").string();
  const pid_t serve = spawn_hubrules({"serve", source_dir() + "/rules/timerex.rules", "--listen", "127.0.0.1:0",
                                      "--hubspot-url", "http://127.0.0.1:9", "--state", state, "--no-portal-schema"},
                                     {std::string("TIMEREX_WEBHOOK_SECRET=") + kWebhookSecret,
                                      std::string("HUBSPOT_TOKEN=") + kHubSpotToken},
                                     "", err);
  CHECK(wait_exit(serve) == 1);
  CHECK_THAT(read_file(err), Catch::Contains("schema version 0") && Catch::Contains("hubrules migrate --state"));
  migrate(state);
  // And a URL holding a password is refused before anything connects: it would show in `ps`.
  const pid_t with_password = spawn_hubrules({"migrate", "--state", "postgresql://u:hunter2@127.0.0.1:9/db"}, {}, "", err);
  CHECK(wait_exit(with_password) == 1);
  CHECK_THAT(read_file(err), Catch::Contains("PGPASSFILE") && !Catch::Contains("hunter2"));
}

TEST_CASE("serve workers on PostgreSQL: a portal's rate limit holds across a takeover",
          "[serve][postgres][workers][limits]") {
  // At a steady trickle the owner paces its rounds to use the portal's whole 10-second budget;
  // it dies, and the worker taking over at once (the dead owner's pid is gone) must not spend a
  // second budget inside the same window.
  runtime::SandboxOptions limited = crash_sandbox_options();
  limited.burst_limit = 100;
  OnePortalRun run(many_bookings(1200, "limit-"), 2, limited,
                   {"--no-portal-schema", "--lease-s", "3", "--burst-limit", "100"});
  const auto expected = run.clean();
  run.sender->start();
  REQUIRE(eventually([&] { return run.crm.stats().crm_requests >= 150; }, 120s, 10ms));
  ServeProcess* owner = owner_of_the_portal(run.workers->all);
  REQUIRE(owner != nullptr);
  run.workers->kill(*owner);
  run.require_all_delivered_once(expected);
  CHECK(run.crm.stats().burst_limited == 0);
}

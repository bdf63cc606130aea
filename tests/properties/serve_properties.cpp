// Properties of the live service's building blocks: the group commit acknowledges exactly what
// is durable, and a retry schedule never waits less than before nor past its give-up time.
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "runtime/serve/journal_committer.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "runtime/sync/retry_schedule.hpp"
#include "tests/test_support.hpp"

using namespace hubrules::runtime;

namespace {

struct Outcome {
  int calls = 0;
  bool ok = false;
};

}  // namespace

TEST_CASE("group commit: every write is answered once, and a write is on disk exactly when it was answered ok",
          "[serve][properties]") {
  rc::prop("any writes, some failing, from several threads", [] {
    const auto count = *rc::gen::inRange(1, 120);
    const auto failing = *rc::gen::container<std::vector<bool>>(static_cast<std::size_t>(count), rc::gen::weightedElement<bool>({{4, false}, {1, true}}));
    const auto threads = *rc::gen::inRange(1, 5);
    const auto max_group = *rc::gen::element<std::size_t>(1, 3, 1024);
    hubrules::testing::TempDir dir;
    std::map<std::string, Outcome> outcomes;
    std::mutex mutex;
    {
      SqliteStateStore store(dir.path() / "s.db");
      serve::JournalCommitter committer(store, {max_group});
      std::vector<std::thread> senders;
      for (int t = 0; t < threads; ++t)
        senders.emplace_back([&, t] {
          for (int i = t; i < count; i += threads) {
            const std::string id = "ev-" + std::to_string(i);
            const bool fail = failing[static_cast<std::size_t>(i)];
            committer.submit(
                [id, fail](StateStore& s) {
                  s.journal(id, "{}", TimePoint{});
                  if (fail) throw std::runtime_error("this write fails alone");
                },
                [&, id](bool ok, const std::string&) {
                  std::lock_guard lock(mutex);
                  ++outcomes[id].calls;
                  outcomes[id].ok = ok;
                });
          }
        });
      for (auto& s : senders) s.join();
    }  // the committer commits what was handed in, then stops
    SqliteStateStore reopened(dir.path() / "s.db");
    RC_ASSERT(outcomes.size() == static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      const std::string id = "ev-" + std::to_string(i);
      RC_ASSERT(outcomes[id].calls == 1);
      RC_ASSERT(outcomes[id].ok == !failing[static_cast<std::size_t>(i)]);
      RC_ASSERT(reopened.booking(id).has_value() == outcomes[id].ok);
    }
  });
}

TEST_CASE("retry schedule: delays never shrink and stay within the schedule", "[serve][properties]") {
  rc::prop("any attempt count and days", [] {
    const int days = *rc::gen::inRange(0, 30);
    const auto schedule = RetrySchedule::standard(days);
    const int attempts = *rc::gen::inRange(-3, 200);
    const auto now = schedule.delay_after(attempts);
    RC_ASSERT(now >= schedule.delay_after(attempts - 1));
    RC_ASSERT(now >= std::chrono::minutes(1));
    RC_ASSERT(now <= std::chrono::hours(24));
    RC_ASSERT(schedule.give_up_after == std::chrono::hours(24) * days);
  });
}

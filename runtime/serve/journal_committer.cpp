#include "runtime/serve/journal_committer.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

namespace hubrules::runtime::serve {

JournalCommitter::JournalCommitter(StateStore& store, CommitterOptions options, Observer observer)
    : store_(store), options_(options), observer_(std::move(observer)), thread_([this] { run(); }) {}

JournalCommitter::~JournalCommitter() { stop(); }

void JournalCommitter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void JournalCommitter::submit(Write write, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      done(false, "the service is stopping");
      return;
    }
    queue_.push_back({std::move(write), std::move(done), {}});
  }
  wake_.notify_one();
}

void JournalCommitter::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything handed in is committed
    std::deque<Item> group;
    while (!queue_.empty() && group.size() < options_.max_group) {
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    commit(group);
    lock.lock();
  }
}

void JournalCommitter::commit(std::deque<Item>& group) {
  const auto started = std::chrono::steady_clock::now();
  std::string failure;
  try {
    if (!write_group(group, false)) write_group(group, true);
  } catch (const std::exception& e) {
    failure = e.what();
    spdlog::error("intake: {} webhooks not journaled: {}", group.size(), failure);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (observer_) observer_(seconds, group.size(), failure.empty());
  for (Item& item : group) {
    const std::string& error = failure.empty() ? item.error : failure;
    item.done(error.empty(), error);
  }
}

// First every write straight in the group's transaction: a nested transaction for each would
// cost PostgreSQL two more round trips per webhook (SAVEPOINT, RELEASE). A write that fails by
// itself (not the store) undoes that attempt (false), and the group is written again with each
// write in a nested transaction of its own, so that only the failing one is left out.
bool JournalCommitter::write_group(std::deque<Item>& group, bool isolated) {
  struct WriteFailed {};
  try {
    store_.transaction([&](StateStore& s) {
      for (Item& item : group) {
        item.error.clear();
        try {
          if (isolated) s.transaction([&](StateStore& nested) { item.write(nested); });
          else item.write(s);
        } catch (const StoreError&) {
          throw;  // the store itself is in trouble: the whole group fails
        } catch (const std::exception& e) {
          if (!isolated) throw WriteFailed{};
          item.error = e.what();
        }
      }
    });
  } catch (const WriteFailed&) {
    return false;
  }
  return true;
}

}  // namespace hubrules::runtime::serve

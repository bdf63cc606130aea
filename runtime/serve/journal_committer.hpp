#pragma once
// Group commit for the intake: requests hand in their writes, one thread runs every write
// waiting at that moment in one transaction — one fsync for the group — and only then tells
// each request how it went. So a webhook is answered 200 only once its booking is on disk, and
// throughput comes from sharing fsyncs, never from answering early.
//
// A write that throws is undone alone (it runs in a nested transaction); a store that fails
// the whole commit (disk full, locked too long) fails every write of the group, and nothing of
// it is acknowledged.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/store/state_store.hpp"

namespace hubrules::runtime::serve {

struct CommitterOptions {
  std::size_t max_group = 1024;  // 1: a transaction (and an fsync) for every request
};

struct CommitStats {
  std::size_t groups = 0;
  std::size_t writes = 0;
  double last_commit_seconds = 0;
};

class JournalCommitter {
 public:
  using Write = std::function<void(StateStore&)>;
  // ok: the write is durable. Otherwise `error` says why nothing of it was kept.
  using Done = std::function<void(bool ok, const std::string& error)>;
  // Called after every commit attempt with its duration and size (for /metrics).
  using Observer = std::function<void(double seconds, std::size_t writes, bool ok)>;

  JournalCommitter(StateStore& store, CommitterOptions options = {}, Observer observer = {});
  ~JournalCommitter();  // commits what was handed in, then stops
  JournalCommitter(const JournalCommitter&) = delete;
  JournalCommitter& operator=(const JournalCommitter&) = delete;

  void submit(Write write, Done done);
  void stop();

 private:
  struct Item {
    Write write;
    Done done;
    std::string error;  // set when this write alone failed
  };
  void run();
  void commit(std::deque<Item>& group);
  bool write_group(std::deque<Item>& group, bool isolated);

  StateStore& store_;
  const CommitterOptions options_;
  Observer observer_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hubrules::runtime::serve

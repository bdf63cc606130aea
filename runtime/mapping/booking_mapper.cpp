#include "runtime/mapping/booking_mapper.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/evaluator.hpp"
#include "engine/map_output.hpp"
#include "runtime/mapping/ndjson_chunks.hpp"

namespace hubrules::runtime {

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("writing output: ") + std::strerror(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

namespace {

constexpr std::size_t chunk_bytes = 1 << 20;

// One chunk's way through the mapper: read by the main thread, mapped by a worker, written by
// the main thread in input order.
struct Task {
  ChunkBuffer input;
  std::size_t first_line = 0;
  std::string output;
  MapStats stats;
  bool done = false;
};

void map_chunk(engine::Evaluator& evaluator, Task& t) {
  t.output.clear();
  t.stats = {};
  const Chunk c = t.input.view();
  for_each_line(c.begin, c.end, t.first_line, [&](std::size_t line, const char* p, std::size_t len) {
    const engine::Evaluation& r = evaluator.evaluate(p, len, static_cast<std::size_t>(c.readable - p));
    engine::append_map_line(t.output, line, r);
    t.stats.count(r.outcome);
  });
}

MapStats map_sequentially(const engine::PlanPtr& plan, NdjsonChunks& chunks, int out_fd) {
  engine::Evaluator evaluator(plan);
  Task t;
  MapStats total;
  while (chunks.next_into(t.input)) {
    t.first_line = total.lines + 1;
    map_chunk(evaluator, t);
    write_all(out_fd, t.output.data(), t.output.size());
    total += t.stats;
  }
  return total;
}

std::size_t lines_in(const ChunkBuffer& b) {
  const char* end = b.bytes.data() + b.size;
  const auto newlines = static_cast<std::size_t>(std::count(b.bytes.data(), end, '\n'));
  return newlines + (end[-1] != '\n' ? 1 : 0);
}

// Workers map whole chunks while the main thread reads ahead and writes finished chunks in
// input order: reading and writing overlap the mapping, and no worker waits for a sibling.
class ParallelMapper {
 public:
  ParallelMapper(const engine::PlanPtr& plan, unsigned threads) : tasks_(2 * threads) {
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this, plan] { work(plan); });
  }
  ParallelMapper(const ParallelMapper&) = delete;
  ParallelMapper& operator=(const ParallelMapper&) = delete;
  ~ParallelMapper() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    queued_.notify_all();
    for (auto& w : workers_) w.join();
  }

  MapStats run(NdjsonChunks& chunks, int out_fd) {
    MapStats total;
    std::size_t next_line = 1, read = 0, written = 0;
    bool input_left = true;
    for (;;) {
      while (input_left && read - written < tasks_.size()) {
        Task& t = tasks_[read % tasks_.size()];
        if (!(input_left = chunks.next_into(t.input))) break;
        t.first_line = next_line;
        next_line += lines_in(t.input);
        enqueue(read++);
      }
      if (written == read) return total;
      Task& t = wait_done(written++);
      write_all(out_fd, t.output.data(), t.output.size());
      total += t.stats;
    }
  }

 private:
  void enqueue(std::size_t index) {
    {
      std::lock_guard lock(mutex_);
      tasks_[index % tasks_.size()].done = false;
      queue_.push_back(index);
    }
    queued_.notify_one();
  }

  Task& wait_done(std::size_t index) {
    Task& t = tasks_[index % tasks_.size()];
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [&] { return t.done; });
    return t;
  }

  void work(const engine::PlanPtr& plan) {
    engine::Evaluator evaluator(plan);
    for (;;) {
      std::size_t index = 0;
      {
        std::unique_lock lock(mutex_);
        queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        index = queue_.front();
        queue_.pop_front();
      }
      Task& t = tasks_[index % tasks_.size()];
      map_chunk(evaluator, t);
      {
        std::lock_guard lock(mutex_);
        t.done = true;
      }
      finished_.notify_all();
    }
  }

  std::vector<Task> tasks_;  // a ring: chunk k uses tasks_[k % size]
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable queued_, finished_;
  std::deque<std::size_t> queue_;
  bool stopping_ = false;
};

}  // namespace

MapStats map_bookings(const engine::PlanPtr& plan, int in_fd, int out_fd, unsigned threads, const std::string& input_name) {
  NdjsonChunks chunks(in_fd, input_name, chunk_bytes);
  MapStats total = threads <= 1 ? map_sequentially(plan, chunks, out_fd) : ParallelMapper(plan, threads).run(chunks, out_fd);
  total.bytes = chunks.bytes_read();
  return total;
}

}  // namespace hubrules::runtime

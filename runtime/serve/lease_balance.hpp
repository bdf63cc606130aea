#pragma once
// Spreads the connections' leases over the workers sharing a store: each worker says it is alive
// (a heartbeat row, renewed every few seconds) and takes no more than its share of the
// connections — ceil(connections / live workers). A worker above its share (another one joined)
// hands the surplus over, one lease at a time, between rounds; a worker that leaves or dies
// stops beating, and the others' shares grow to take its connections once their leases are free.
//
// Every worker runs the same configuration, so each counts the same connections.
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/base/clock.hpp"
#include "runtime/store/state_store.hpp"

namespace hubrules::runtime::serve {

class LeaseBalance {
 public:
  // Beats every `every`, alive for `ttl` after each beat.
  LeaseBalance(StateStore& store, std::string owner, Millis every, Millis ttl);
  ~LeaseBalance();  // stops beating and leaves
  LeaseBalance(const LeaseBalance&) = delete;
  LeaseBalance& operator=(const LeaseBalance&) = delete;

  void set_connections(std::size_t count);
  // Asked by a delivery without its lease: true when this worker is below its share.
  bool may_take();
  // Told by a delivery that took its lease, or let it go.
  void taken();
  void released();
  // Asked by a delivery holding its lease, between rounds: true (once per surplus lease) when
  // this worker holds more than its share and this one should go.
  bool should_hand_over();
  std::size_t share() const;
  std::size_t live_workers() const;

 private:
  void beat_until_stopped();
  void beat();
  std::size_t share_locked() const;

  StateStore& store_;
  const std::string owner_;
  const Millis every_;
  const Millis ttl_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::size_t connections_ = 0;
  std::size_t workers_ = 1;
  std::size_t held_ = 0;
  std::thread beater_;
};

}  // namespace hubrules::runtime::serve

#include "runtime/serve/lease_balance.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace hubrules::runtime::serve {

LeaseBalance::LeaseBalance(StateStore& store, std::string owner, Millis every, Millis ttl)
    : store_(store), owner_(std::move(owner)), every_(every), ttl_(ttl) {
  beat();
  beater_ = std::thread([this] { beat_until_stopped(); });
}

LeaseBalance::~LeaseBalance() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  beater_.join();
  try {
    store_.leave(owner_);
  } catch (const std::exception& e) {
    spdlog::warn("could not say this worker leaves (its heartbeat runs out instead): {}", e.what());
  }
}

void LeaseBalance::set_connections(std::size_t count) {
  std::lock_guard lock(mutex_);
  connections_ = count;
}

bool LeaseBalance::may_take() {
  std::lock_guard lock(mutex_);
  return held_ < share_locked();
}

void LeaseBalance::taken() {
  std::lock_guard lock(mutex_);
  ++held_;
}

void LeaseBalance::released() {
  std::lock_guard lock(mutex_);
  if (held_ > 0) --held_;
}

bool LeaseBalance::should_hand_over() {
  std::lock_guard lock(mutex_);
  if (held_ <= share_locked()) return false;
  --held_;  // counted gone now, so that only the surplus goes, not every lease asking at once
  return true;
}

std::size_t LeaseBalance::share() const {
  std::lock_guard lock(mutex_);
  return share_locked();
}

std::size_t LeaseBalance::live_workers() const {
  std::lock_guard lock(mutex_);
  return workers_;
}

std::size_t LeaseBalance::share_locked() const {
  const std::size_t workers = std::max<std::size_t>(workers_, 1);
  return (connections_ + workers - 1) / workers;
}

void LeaseBalance::beat_until_stopped() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, every_, [&] { return stopping_; })) {
    lock.unlock();
    beat();
    lock.lock();
  }
}

// A failed beat (the store away) keeps the last count: the share changes only on news.
void LeaseBalance::beat() {
  try {
    store_.heartbeat(owner_, ttl_);
    const std::size_t workers = store_.live_workers().size();
    std::lock_guard lock(mutex_);
    if (workers != workers_) spdlog::info("{} workers share the deliveries", workers);
    workers_ = workers;
  } catch (const std::exception& e) {
    spdlog::warn("worker heartbeat failed: {}", e.what());
  }
}

}  // namespace hubrules::runtime::serve

#include "runtime/sync/lease_keeper.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <random>

#include <spdlog/spdlog.h>

namespace hubrules::runtime {

namespace {
using SteadyClock = std::chrono::steady_clock;

// The store's clock and ours may tick apart a little; the owner gives up its own view early.
Millis safety_margin(const LeaseOptions& o) { return std::min(o.duration / 5, Millis{2'000}); }

std::string host_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return host;
}

// An owner on this machine whose process is gone (killed, crashed): its lease need not be
// waited out. A paused process (SIGSTOP) is still there, so it keeps its lease until it expires.
bool owner_is_dead_here(const std::string& owner) {
  const auto first = owner.find(':');
  const auto second = owner.find(':', first + 1);
  if (first == std::string::npos || second == std::string::npos || owner.substr(0, first) != host_name()) return false;
  const auto pid = std::strtol(owner.c_str() + first + 1, nullptr, 10);
  return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}
}  // namespace

std::string process_owner_id() {
  std::random_device random;
  return host_name() + ":" + std::to_string(::getpid()) + ":" + std::to_string(random());
}


LeaseKeeper::LeaseKeeper(StateStore& store, std::string connection_id, std::string owner, LeaseOptions options)
    : store_(store), connection_id_(std::move(connection_id)), owner_(std::move(owner)), options_(options) {}

LeaseKeeper::~LeaseKeeper() {
  try {
    release();
  } catch (const std::exception& e) {
    spdlog::warn("connection {}: could not release its lease: {}", connection_id_, e.what());
  }
}

bool LeaseKeeper::try_acquire() {
  if (held()) return true;
  stop_renewing();
  const auto started = SteadyClock::now();
  auto taken = store_.acquire_lease(connection_id_, owner_, options_.duration);
  std::optional<Lease> holder;
  if (!taken) {
    holder = store_.lease(connection_id_);
    if (holder && owner_is_dead_here(holder->owner)) {
      taken = store_.take_over_lease(*holder, owner_, options_.duration);
      if (taken) spdlog::info("connection {}: its last deliverer ({}) is gone; taking over", connection_id_, holder->owner);
    }
  }
  std::lock_guard lock(mutex_);
  if (!taken) {
    holder_ = holder;
    return false;
  }
  lease_ = taken;
  holder_.reset();
  valid_until_ = started + options_.duration - safety_margin(options_);
  stopping_ = false;
  renewer_ = std::thread([this] { renew_until_released(); });
  spdlog::info("connection {}: delivering here (lease epoch {})", connection_id_, taken->epoch);
  return true;
}

bool LeaseKeeper::acquire_within(Millis wait) {
  const auto deadline = SteadyClock::now() + wait;
  while (!try_acquire()) {
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::min<SteadyClock::duration>(options_.renew_every, deadline - SteadyClock::now()));
  }
  return true;
}

bool LeaseKeeper::held() const {
  std::lock_guard lock(mutex_);
  return lease_ && SteadyClock::now() < valid_until_;
}

void LeaseKeeper::check() const {
  if (!held())
    throw LeaseLost("connection " + connection_id_ + ": this process no longer holds its delivery lease; it sends nothing more");
}

Lease LeaseKeeper::lease() const {
  std::lock_guard lock(mutex_);
  if (!lease_) throw LeaseLost("connection " + connection_id_ + ": no delivery lease is held here");
  return *lease_;
}

std::optional<Lease> LeaseKeeper::holder() const {
  std::lock_guard lock(mutex_);
  return holder_;
}

void LeaseKeeper::release() {
  stop_renewing();
  std::optional<Lease> held_lease;
  {
    std::lock_guard lock(mutex_);
    held_lease.swap(lease_);
  }
  if (held_lease) store_.release_lease(*held_lease);
}

void LeaseKeeper::stop_renewing() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (renewer_.joinable()) renewer_.join();
}

// A failed renewal (the store busy) is tried again at the next tick; the lease stays valid in
// our view only until its last successful renewal runs out.
void LeaseKeeper::renew_until_released() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, options_.renew_every, [&] { return stopping_; })) {
    if (!lease_) return;
    const Lease current = *lease_;
    const auto started = SteadyClock::now();
    lock.unlock();
    std::optional<Lease> renewed;
    bool lost = false;
    try {
      renewed = store_.renew_lease(current, options_.duration);
      lost = !renewed;
    } catch (const StoreError& e) {
      spdlog::warn("connection {}: lease not renewed this time: {}", connection_id_, e.what());
    }
    lock.lock();
    if (renewed) valid_until_ = started + options_.duration - safety_margin(options_);
    if (lost) {
      spdlog::error("connection {}: another process took its delivery over; this one stops delivering it",
                    connection_id_);
      lease_.reset();
      return;
    }
  }
}

}  // namespace hubrules::runtime

#pragma once
// One owner delivers for a connection at a time: the keeper takes the connection's lease in the
// store, renews it from a thread of its own while it is held, and releases it when done.
//
// held() is the owner's own view, on the steady clock: the lease counts as held only until the
// last renewal's start plus the lease time, less a margin. Every HubSpot call checks it first
// (FencedTokens), and every store write of the delivery is fenced in the store (FencedStore), so
// a process that was paused past its lease sends and writes nothing once it resumes.
#include <condition_variable>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "runtime/base/clock.hpp"
#include "runtime/store/state_store.hpp"

namespace hubrules::runtime {

struct LeaseOptions {
  Millis duration{15'000};    // how long a lease lasts unless renewed; a dead owner's is free after this
  Millis renew_every{3'000};  // renewals while held; also how often a waiting process asks again
};

// Another process delivers for the connection and did not let go within the wait.
class LeaseBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// hostname:pid:random — unique for each process, so a restarted process is a new owner.
std::string process_owner_id();

class LeaseKeeper {
 public:
  LeaseKeeper(StateStore& store, std::string connection_id, std::string owner, LeaseOptions options = {});
  ~LeaseKeeper();  // releases the lease
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Takes the lease if it is free or expired; true when held now.
  bool try_acquire();
  // Asks again every renew_every until it is held (true) or `wait` has passed (false).
  bool acquire_within(Millis wait);
  bool held() const;
  // Throws LeaseLost when not held().
  void check() const;
  // The lease as taken (epoch and owner stay while it is held).
  Lease lease() const;
  // The other owner, when try_acquire found the lease taken.
  std::optional<Lease> holder() const;
  void release();

 private:
  void renew_until_released();
  void stop_renewing();

  StateStore& store_;
  const std::string connection_id_;
  const std::string owner_;
  const LeaseOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Lease> lease_;
  std::optional<Lease> holder_;
  std::chrono::steady_clock::time_point valid_until_{};
  bool stopping_ = false;
  std::thread renewer_;
};

}  // namespace hubrules::runtime

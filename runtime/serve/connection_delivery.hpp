#pragma once
// Continuous delivery for one connection (one HubSpot portal), on a thread of its own: while
// this process holds the connection's lease, it runs SyncPipeline::deliver_round for each
// integration posting to the connection, in turn, as long as bookings are due — the limiter
// paces the calls, so batches stay small at a trickle and fill to 100 under load — and sleeps
// until something wakes it: the intake, another worker's NOTIFY, or the service's due scanner
// (a booking's retry delay over). A round that left nothing to wait out looks again only after
// idle_quiet; one whose pipeline waits on time alone (creates in doubt, a broken connection)
// after idle_poll.
//
// Without the lease (another process delivers for this portal, or this worker holds its share
// of the leases already) it only waits and asks again.
// Every store write of the delivery is fenced by the lease's epoch, every HubSpot call checks
// the lease first: a process that was paused past its lease does nothing more.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/plan.hpp"
#include "runtime/auth/portal_api.hpp"
#include "runtime/base/clock.hpp"
#include "runtime/notify/notifier.hpp"
#include "runtime/serve/lease_balance.hpp"
#include "runtime/store/state_store.hpp"
#include "runtime/sync/lease_keeper.hpp"
#include "runtime/sync/sync_pipeline.hpp"

namespace hubrules::runtime::serve {

struct DeliveryIntegration {
  std::string name;
  engine::PlanPtr plan;
};

struct DeliverySettings {
  SyncOptions pipeline;  // integration set per integration
  LeaseOptions lease;
  std::string owner;               // this process (process_owner_id())
  Millis idle_poll{1'000};         // after a round that left something only time settles
  // After a round that left nothing: the wake-ups bring new work, so this is only the net under
  // them (a scanner query that failed). Long, because each round is several statements on the
  // worker's one delivery session and a worker runs hundreds of portals; as long as a lease, so
  // a lost wake-up costs no more than a worker's death does.
  Millis idle_quiet{15'000};
  // Told, for each booking delivered, its integration and how long after its arrival it reached
  // HubSpot (hubrules_ack_to_delivered_seconds).
  std::function<void(const std::string& integration, Millis)> on_delivered;
  // Several workers on one store: how many leases this one may hold (null: take every lease).
  LeaseBalance* balance = nullptr;
};

// A snapshot for /metrics and /readyz.
struct DeliveryStatus {
  bool owner = false;        // this process delivers for the connection now
  std::int64_t epoch = 0;
  std::uint64_t rounds = 0;
  std::uint64_t delivered = 0, failed = 0, retrying = 0, parked = 0, in_doubt_resolved = 0;
};

class ConnectionDelivery {
 public:
  ConnectionDelivery(std::string connection_id, StateStore& store, auth::PortalApi& portal, Clock& clock,
                     DeliverySettings settings, notify::ErrorNotifier* notifier);
  ~ConnectionDelivery();

  const std::string& connection_id() const { return connection_id_; }
  // Takes effect at the next round (a reload's new plans).
  void set_integrations(std::vector<DeliveryIntegration> integrations);
  void start();
  void wake();
  // The lease is held here now: only such a delivery is woken by the due scanner.
  bool owner() const;
  // Lets the current round finish, up to `timeout`; past it, HubSpot calls not yet sent are
  // refused (their creates stay in doubt, settled at the next start). Releases the lease.
  void stop(Millis timeout);
  DeliveryStatus status() const;

 private:
  struct Running;
  void run();
  bool own_lease(LeaseKeeper& keeper, std::unique_ptr<Running>& running);
  bool take_lease(LeaseKeeper& keeper);
  void wait_out_previous_owner(const Lease& lease);
  void hand_over(LeaseKeeper& keeper, std::unique_ptr<Running>& running);
  void count_held(bool held);
  std::size_t round(Running& running);
  static bool needs_prompt_recheck(const Running& running);
  void idle(Millis wait);
  void pace();

  const std::string connection_id_;
  StateStore& store_;
  auth::PortalApi& portal_;
  Clock& clock_;
  const DeliverySettings settings_;
  notify::ErrorNotifier* notifier_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool stopping_ = false;
  std::atomic<bool> refuse_sends_{false};
  std::vector<DeliveryIntegration> integrations_;
  std::uint64_t generation_ = 0;
  DeliveryStatus status_;
  bool counted_ = false;  // counted in the balance as a lease held here (the delivery thread's own)
  std::thread thread_;
};

}  // namespace hubrules::runtime::serve

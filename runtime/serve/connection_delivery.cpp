#include "runtime/serve/connection_delivery.hpp"

#include <algorithm>
#include <future>

#include <spdlog/spdlog.h>

#include "runtime/hubspot/hubspot_records.hpp"
#include "runtime/store/fenced_store.hpp"

namespace hubrules::runtime::serve {

// The pipelines of one lease: built over the store fenced by its epoch, rebuilt on reload.
struct ConnectionDelivery::Running {
  struct Integration {
    std::string name;
    std::unique_ptr<hubspot::HubSpotRecords> records;
    std::unique_ptr<SyncPipeline> pipeline;
  };
  std::unique_ptr<FencedStore> fenced;
  std::uint64_t generation = 0;
  std::vector<Integration> integrations;
};

ConnectionDelivery::ConnectionDelivery(std::string connection_id, StateStore& store, auth::PortalApi& portal,
                                       Clock& clock, DeliverySettings settings, notify::ErrorNotifier* notifier)
    : connection_id_(std::move(connection_id)),
      store_(store),
      portal_(portal),
      clock_(clock),
      settings_(std::move(settings)),
      notifier_(notifier) {}

ConnectionDelivery::~ConnectionDelivery() { stop(Millis{0}); }

void ConnectionDelivery::set_integrations(std::vector<DeliveryIntegration> integrations) {
  {
    std::lock_guard lock(mutex_);
    integrations_ = std::move(integrations);
    ++generation_;
  }
  wake();
}

void ConnectionDelivery::start() { thread_ = std::thread([this] { run(); }); }

void ConnectionDelivery::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void ConnectionDelivery::stop(Millis timeout) {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (!thread_.joinable()) return;
  auto finished = std::async(std::launch::async, [this] { thread_.join(); });
  if (finished.wait_for(timeout) == std::future_status::timeout) {
    spdlog::warn("connection {}: the current batch did not finish within the shutdown timeout; stopping its calls",
                 connection_id_);
    refuse_sends_ = true;
  }
  finished.wait();
}

bool ConnectionDelivery::owner() const {
  std::lock_guard lock(mutex_);
  return status_.owner;
}

DeliveryStatus ConnectionDelivery::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void ConnectionDelivery::run() {
  LeaseKeeper keeper(store_, connection_id_, settings_.owner, settings_.lease);
  portal_.guard_sends([this, &keeper] {
    if (refuse_sends_) throw std::runtime_error("the service is shutting down");
    keeper.check();
  });
  std::unique_ptr<Running> running;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    if (!own_lease(keeper, running)) {
      idle(settings_.lease.renew_every);
      continue;
    }
    std::size_t work = 0;
    bool quiet = false;  // only a wake-up can give the next round work
    try {
      work = round(*running);
      quiet = work == 0 && !needs_prompt_recheck(*running);
    } catch (const LeaseLost& lost) {
      spdlog::warn("{}", lost.what());
      running.reset();
    } catch (const std::exception& e) {
      spdlog::error("connection {}: delivery round failed: {}", connection_id_, e.what());
    }
    if (settings_.balance && settings_.balance->should_hand_over()) hand_over(keeper, running);
    else if (work == 0) idle(quiet ? settings_.idle_quiet : settings_.idle_poll);
    else if (work < settings_.pipeline.batch_size / 2) pace();
  }
  running.reset();
  portal_.guard_sends({});
  keeper.release();
  count_held(false);
  std::lock_guard lock(mutex_);
  status_.owner = false;
}

// True when this process delivers for the connection now, with pipelines for the current plans.
bool ConnectionDelivery::own_lease(LeaseKeeper& keeper, std::unique_ptr<Running>& running) {
  if (!keeper.held()) {
    running.reset();
    count_held(false);
    const bool taken = take_lease(keeper);
    std::lock_guard lock(mutex_);
    status_.owner = taken;
    if (!taken) return false;
    status_.epoch = keeper.lease().epoch;
  }
  std::lock_guard lock(mutex_);
  if (running && running->generation == generation_) return true;
  auto next = std::make_unique<Running>();
  next->fenced = running ? std::move(running->fenced) : std::make_unique<FencedStore>(store_, keeper.lease());
  next->generation = generation_;
  for (const auto& integration : integrations_) {
    SyncOptions options = settings_.pipeline;
    options.integration = integration.name;
    if (settings_.on_delivered)
      options.on_delivered = [report = settings_.on_delivered, name = integration.name](Millis m) { report(name, m); };
    auto records = std::make_unique<hubspot::HubSpotRecords>(
        portal_.api(), portal_.token_use(), company_dedupe_properties(*integration.plan), portal_.paths());
    auto pipeline = std::make_unique<SyncPipeline>(integration.plan, *next->fenced, *records, portal_.tokens(), clock_,
                                                   options, notifier_);
    next->integrations.push_back({integration.name, std::move(records), std::move(pipeline)});
  }
  running = std::move(next);
  return true;
}

bool ConnectionDelivery::take_lease(LeaseKeeper& keeper) {
  if (settings_.balance && !settings_.balance->may_take()) return false;
  try {
    if (!keeper.try_acquire()) return false;
  } catch (const StoreError& e) {
    spdlog::warn("connection {}: cannot take its lease now: {}", connection_id_, e.what());
    return false;
  }
  count_held(true);
  wait_out_previous_owner(keeper.lease());
  return true;
}

// The portal's rolling window may still hold the calls of the worker that delivered before
// (until one window after its hold ended): this one's calls wait until they have rolled out, so
// the portal's limit holds across a takeover, not only within one worker.
void ConnectionDelivery::wait_out_previous_owner(const Lease& lease) {
  if (!lease.previous_until) return;
  auto& limiter = portal_.limiter();
  const Millis since = std::chrono::duration_cast<Millis>(lease.acquired_at - *lease.previous_until);
  const Millis burst = limiter.burst_window() - since;
  if (burst > Millis{0}) {
    spdlog::info("connection {}: taken over; its first call waits {} ms, until the previous owner's have left "
                 "the rate window", connection_id_, burst.count());
    limiter.pause(http::LimitKind::Burst, burst);
  }
  const Millis search = limiter.limits().search_window - since;
  if (search > Millis{0}) limiter.pause(http::LimitKind::Search, search);
}

// This worker holds more than its share (another one joined): this connection goes to one of
// the others, between rounds, so no batch is cut.
void ConnectionDelivery::hand_over(LeaseKeeper& keeper, std::unique_ptr<Running>& running) {
  spdlog::info("connection {}: handed over to share the deliveries with the other workers", connection_id_);
  running.reset();
  keeper.release();
  counted_ = false;  // should_hand_over counted it gone already
  {
    std::lock_guard lock(mutex_);
    status_.owner = false;
  }
  idle(settings_.lease.renew_every);
}

void ConnectionDelivery::count_held(bool held) {
  if (!settings_.balance || held == counted_) return;
  counted_ = held;
  if (held) settings_.balance->taken();
  else settings_.balance->released();
}

// One round for each integration; returns how many bookings they took.
std::size_t ConnectionDelivery::round(Running& running) {
  std::size_t work = 0;
  for (auto& integration : running.integrations) {
    SyncPipeline& pipeline = *integration.pipeline;
    const SyncCounts before = pipeline.counts();
    work += pipeline.deliver_round();
    const SyncCounts& after = pipeline.counts();
    std::lock_guard lock(mutex_);
    ++status_.rounds;
    status_.delivered += after.delivered - before.delivered;
    status_.failed += after.failed - before.failed;
    status_.retrying += after.retrying - before.retrying;
    status_.parked += after.parked - before.parked;
    status_.in_doubt_resolved += after.in_doubt_resolved - before.in_doubt_resolved;
  }
  return work;
}

bool ConnectionDelivery::needs_prompt_recheck(const Running& running) {
  return std::any_of(running.integrations.begin(), running.integrations.end(),
                     [](const Running::Integration& i) { return i.pipeline->needs_prompt_recheck(); });
}

// A round that did not fill half a batch leaves time for more bookings to arrive before the
// next: a round costs about kCallsPerRound limited calls whatever its size, so back-to-back
// small rounds at a trickle would spend the portal's 10-second budget early and then make every
// booking wait for the window to roll. Spacing them to a share of the limit keeps batches growing
// with the load and the latency short. A full round goes on at once.
void ConnectionDelivery::pace() {
  constexpr int kCallsPerRound = 4;  // read contacts, create companies, create contacts, and a spare
  const auto& limiter = portal_.limiter();
  const auto spacing = limiter.burst_window() * kCallsPerRound / std::max<std::size_t>(limiter.burst_max(), 1);
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, spacing, [&] { return stopping_; });
}

void ConnectionDelivery::idle(Millis wait) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, wait, [&] { return woken_ || stopping_; });
  woken_ = false;
}

}  // namespace hubrules::runtime::serve

#pragma once
// POST /webhooks/timerex[/{integration}]: TimeRex's webhooks in, answered only once durable.
//
//   unknown integration → 404 · x-timerex-authorization missing or wrong → 401, nothing kept
//   (the body limit → 413 and the read timeouts are the HTTP server's)
//   not JSON, not UTF-8, no event.id → kept as a dead letter with the reason, 400
//   a booking → evaluated once (its event.id; whether the rules post anything; whether it is
//   this integration's team and calendar), journaled, 200 once the group commit is on disk;
//   a booking journaled before → 200, nothing changes
//   the store unavailable (disk full, locked too long) → 503 with Retry-After, nothing kept
//
// Evaluation runs on the committer's thread (the evaluators are not shared between threads).
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <simdjson.h>

#include "engine/evaluator.hpp"
#include "runtime/base/clock.hpp"
#include "runtime/http/http_server.hpp"
#include "runtime/serve/journal_committer.hpp"
#include "runtime/serve/secret_check.hpp"

namespace hubrules::runtime::serve {

struct IntakeRoute {
  std::string integration;
  std::shared_ptr<const SecretCheck> secrets;
  std::string team_url_path;      // empty: any team
  std::string calendar_url_path;  // empty: any calendar
  engine::PlanPtr plan;
};

// What the intake serves; replaced whole on reload.
struct IntakeRoutes {
  std::vector<IntakeRoute> routes;
  // The single-integration form: its one integration also answers at /webhooks/timerex.
  bool unnamed_path = false;
  const IntakeRoute* find(std::string_view name) const;
};

// How a webhook ended, for /metrics: "journaled", "duplicate", "skipped", "invalid",
// "dead_letter", "unauthorized", "not_found", "unavailable", "error".
using IntakeObserver = std::function<void(const std::string& integration, std::string_view result)>;

class WebhookIntake {
 public:
  WebhookIntake(JournalCommitter& committer, Clock& clock, IntakeObserver observer = {});

  void set_routes(std::shared_ptr<const IntakeRoutes> routes);
  // True for the paths it serves.
  static bool serves(std::string_view path);
  void handle(http::ServerRequest&& request, http::Respond respond);
  // Called after every journaled booking (the delivery loops wake up).
  void on_journaled(std::function<void(const std::string& integration)> listener);

 private:
  struct Verdict;
  const IntakeRoute* route_for(const IntakeRoutes& routes, std::string_view path) const;
  void journal(const IntakeRoute& route, std::string body, StateStore& s, Verdict& verdict);
  engine::Evaluator& evaluator_for(const engine::PlanPtr& plan);
  void answer(const std::string& integration, const Verdict& verdict, bool ok, const std::string& error,
              const http::Respond& respond);

  JournalCommitter& committer_;
  Clock& clock_;
  IntakeObserver observer_;
  std::function<void(const std::string&)> journaled_listener_;
  std::mutex routes_mutex_;
  std::shared_ptr<const IntakeRoutes> routes_;
  // Used only on the committer's thread.
  std::map<const engine::Plan*, std::pair<engine::PlanPtr, std::unique_ptr<engine::Evaluator>>> evaluators_;
  std::string padded_;
  simdjson::ondemand::parser fields_parser_;  // team_url_path / calendar_url_path of narrowed routes
};

}  // namespace hubrules::runtime::serve

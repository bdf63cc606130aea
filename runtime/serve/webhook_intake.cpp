#include "runtime/serve/webhook_intake.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "runtime/base/json_out.hpp"

namespace hubrules::runtime::serve {

namespace {

constexpr std::string_view kWebhookPath = "/webhooks/timerex";

http::ServerResponse json_answer(int status, std::string_view key, std::string_view value,
                                 std::string_view detail_key = {}, std::string_view detail = {}) {
  JsonOut out;
  out.begin_object().key(key).string(value);
  if (!detail_key.empty()) out.key(detail_key).string(detail);
  out.end_object();
  http::ServerResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = out.take();
  return r;
}

// TimeRex's top-level routing fields, read only when an integration narrows on them.
std::string top_level_text(simdjson::ondemand::parser& parser, const std::string& padded, std::size_t length,
                           std::string_view field) {
  auto doc = parser.iterate(padded.data(), length, padded.size());
  std::string_view value;
  if (doc.find_field_unordered(field).get_string().get(value) != simdjson::SUCCESS) return {};
  return std::string(value);
}

}  // namespace

struct WebhookIntake::Verdict {
  std::string result = "error";  // see IntakeObserver
  int status = 500;
  std::string event_id;
  std::string reason;
};

const IntakeRoute* IntakeRoutes::find(std::string_view name) const {
  for (const auto& r : routes)
    if (r.integration == name) return &r;
  return nullptr;
}

WebhookIntake::WebhookIntake(JournalCommitter& committer, Clock& clock, IntakeObserver observer)
    : committer_(committer), clock_(clock), observer_(std::move(observer)) {}

void WebhookIntake::set_routes(std::shared_ptr<const IntakeRoutes> routes) {
  std::lock_guard lock(routes_mutex_);
  routes_ = std::move(routes);
}

void WebhookIntake::on_journaled(std::function<void(const std::string&)> listener) {
  journaled_listener_ = std::move(listener);
}

bool WebhookIntake::serves(std::string_view path) {
  return path == kWebhookPath || (path.starts_with(kWebhookPath) && path[kWebhookPath.size()] == '/');
}

const IntakeRoute* WebhookIntake::route_for(const IntakeRoutes& routes, std::string_view path) const {
  if (path == kWebhookPath) return routes.unnamed_path && !routes.routes.empty() ? &routes.routes.front() : nullptr;
  return routes.find(path.substr(kWebhookPath.size() + 1));
}

void WebhookIntake::handle(http::ServerRequest&& request, http::Respond respond) {
  std::shared_ptr<const IntakeRoutes> routes;
  {
    std::lock_guard lock(routes_mutex_);
    routes = routes_;
  }
  const IntakeRoute* route = routes ? route_for(*routes, request.path) : nullptr;
  if (route == nullptr) {
    if (observer_) observer_("", "not_found");
    respond(json_answer(404, "error", "no integration at " + request.path));
    return;
  }
  if (request.method != "POST") {
    auto r = json_answer(405, "error", "webhooks are POSTed");
    r.headers.emplace_back("Allow", "POST");
    respond(std::move(r));
    return;
  }
  const auto presented = request.header("x-timerex-authorization");
  if (!presented || !route->secrets->accepts(*presented)) {
    if (observer_) observer_(route->integration, "unauthorized");
    respond(json_answer(401, "error", presented ? "wrong x-timerex-authorization" : "missing x-timerex-authorization"));
    return;
  }
  // The route (and its plan) must outlive a reload while the write waits for its group.
  auto verdict = std::make_shared<Verdict>();
  auto body = std::make_shared<std::string>(std::move(request.body));
  committer_.submit(
      // A copy of the body: the committer may run a write twice (its group written again).
      [this, routes, route, body, verdict](StateStore& s) { journal(*route, *body, s, *verdict); },
      [this, routes, route, verdict, respond](bool ok, const std::string& error) {
        answer(route->integration, *verdict, ok, error, respond);
      });
}

engine::Evaluator& WebhookIntake::evaluator_for(const engine::PlanPtr& plan) {
  auto found = evaluators_.find(plan.get());
  if (found != evaluators_.end()) return *found->second.second;
  if (evaluators_.size() > 64) evaluators_.clear();  // plans of earlier reloads
  auto evaluator = std::make_unique<engine::Evaluator>(plan);
  return *evaluators_.emplace(plan.get(), std::make_pair(plan, std::move(evaluator))).first->second.second;
}

// Runs inside the group's transaction, on the committer's thread.
void WebhookIntake::journal(const IntakeRoute& route, std::string body, StateStore& s, Verdict& v) {
  v = Verdict{};
  const auto now = clock_.now();
  padded_.assign(body);
  padded_.resize(body.size() + simdjson::SIMDJSON_PADDING, '\0');
  const engine::Evaluation& e = evaluator_for(route.plan).evaluate(padded_.data(), body.size(), padded_.size());
  if (e.booking_id.is_null()) {
    v.reason = e.outcome == engine::Outcome::error ? e.error_message : "the webhook has no event.id";
    s.add_dead_letter({0, route.integration, std::move(body), v.reason, now});
    v.result = "dead_letter";
    v.status = 400;
    return;
  }
  v.event_id = std::string(e.booking_id.text);
  std::string skip;
  BookingState state = BookingState::pending;
  if (e.outcome == engine::Outcome::error) {
    state = BookingState::invalid;
    skip = std::string(e.error_code) + ": " + e.error_message;
  } else if (e.outcome == engine::Outcome::skipped) {
    state = BookingState::skipped;
    skip = std::string(e.skip_reason);
  } else if (!e.contacts.present && !e.companies.present) {
    state = BookingState::skipped;
    skip = "no record to post";
  }
  if (state == BookingState::pending && (!route.team_url_path.empty() || !route.calendar_url_path.empty())) {
    for (const auto& [field, wanted] : {std::pair{"team_url_path", route.team_url_path},
                                        std::pair{"calendar_url_path", route.calendar_url_path}}) {
      if (wanted.empty()) continue;
      const std::string got = top_level_text(fields_parser_, padded_, body.size(), field);
      if (got != wanted) {
        state = BookingState::skipped;
        skip = std::string(field) + " \"" + got + "\" is not this integration's (\"" + wanted + "\")";
        break;
      }
    }
  }
  v.status = 200;
  if (!s.journal(route.integration, v.event_id, body, now)) {
    v.result = "duplicate";
    return;
  }
  v.result = state == BookingState::pending ? "journaled" : std::string(to_string(state));
  if (state != BookingState::pending) {
    v.reason = skip;
    s.set_state(v.event_id, state, skip);
  }
}

void WebhookIntake::answer(const std::string& integration, const Verdict& v, bool ok, const std::string& error,
                           const http::Respond& respond) {
  if (!ok) {
    // The commit failed (the store is full or locked, or this write alone failed): nothing of
    // it was kept, so TimeRex (or any sender) must try again.
    spdlog::warn("webhook for integration {} not journaled: {}", integration, error);
    if (observer_) observer_(integration, "unavailable");
    auto r = json_answer(503, "error", "the journal is unavailable; nothing was kept, try again");
    r.headers.emplace_back("Retry-After", "5");
    respond(std::move(r));
    return;
  }
  if (observer_) observer_(integration, v.result);
  if (v.status == 400) {
    respond(json_answer(400, "error", v.reason));
    return;
  }
  if (v.result == "journaled" && journaled_listener_) journaled_listener_(integration);
  respond(json_answer(200, "status", v.result == "duplicate" ? "already journaled" : "journaled", "event_id",
                      v.event_id));
}

}  // namespace hubrules::runtime::serve

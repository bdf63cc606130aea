#include "runtime/http/server_state.hpp"

#include <spdlog/spdlog.h>

#include "runtime/http/server_messages.hpp"

namespace hubrules::runtime::http {

bool ServerState::add(std::shared_ptr<ConnectionBase> connection) {
  std::lock_guard lock(registry_mutex_);
  if (!registry_open_) return false;
  const ConnectionBase* key = connection.get();
  registry_.emplace(key, std::move(connection));
  ++counters.connections_accepted;
  ++counters.connections_open;
  return true;
}

void ServerState::remove(const ConnectionBase* connection) {
  std::shared_ptr<ConnectionBase> last_reference;  // released after the lock, never under it
  std::lock_guard lock(registry_mutex_);
  auto it = registry_.find(connection);
  if (it == registry_.end()) return;
  last_reference = std::move(it->second);
  registry_.erase(it);
  --counters.connections_open;
}

std::vector<std::shared_ptr<ConnectionBase>> ServerState::connections() const {
  std::lock_guard lock(registry_mutex_);
  std::vector<std::shared_ptr<ConnectionBase>> out;
  out.reserve(registry_.size());
  for (const auto& [key, connection] : registry_) out.push_back(connection);
  return out;
}

std::vector<std::shared_ptr<ConnectionBase>> ServerState::close_registry() {
  std::lock_guard lock(registry_mutex_);
  registry_open_ = false;
  std::vector<std::shared_ptr<ConnectionBase>> out;
  out.reserve(registry_.size());
  for (auto& [key, connection] : registry_) out.push_back(std::move(connection));
  counters.connections_open -= registry_.size();
  registry_.clear();
  return out;
}

void ServerState::request_started() {
  std::lock_guard lock(in_flight_mutex_);
  ++in_flight_;
}

void ServerState::request_settled() {
  std::lock_guard lock(in_flight_mutex_);
  if (in_flight_ > 0 && --in_flight_ == 0) settled_.notify_all();
}

bool ServerState::wait_until_settled(Millis timeout) {
  std::unique_lock lock(in_flight_mutex_);
  return settled_.wait_for(lock, timeout, [this] { return in_flight_ == 0; });
}

void ServerState::deliver(const std::weak_ptr<ConnectionBase>& connection, std::uint64_t request_number,
                          ServerResponse response) {
  // Held while posting: stop() closes the answers under this lock before it tears the
  // io_context down, so a post never reaches a destroyed one.
  std::lock_guard lock(answers_mutex_);
  if (!answers_open_) return;
  if (auto open = connection.lock()) open->post_answer(request_number, std::move(response));
}

void ServerState::close_answers() {
  std::lock_guard lock(answers_mutex_);
  answers_open_ = false;
}

bool ServerState::answers_open() const {
  std::lock_guard lock(answers_mutex_);
  return answers_open_;
}

ServerCounts ServerState::snapshot() const {
  ServerCounts out;
  out.connections_accepted = counters.connections_accepted.load();
  out.connections_open = counters.connections_open.load();
  out.requests = counters.requests.load();
  out.timeouts = counters.timeouts.load();
  out.too_large = counters.too_large.load();
  out.bad_requests = counters.bad_requests.load();
  out.handler_errors = counters.handler_errors.load();
  out.tls_failures = counters.tls_failures.load();
  std::lock_guard lock(in_flight_mutex_);
  out.in_flight = in_flight_;
  return out;
}

namespace {

// One request's answer as the handler holds it (inside every copy of its Respond): answered at
// most once, and with 500 when the last copy goes away unanswered.
class PendingAnswer {
 public:
  PendingAnswer(std::shared_ptr<ServerState> state, std::weak_ptr<ConnectionBase> connection, std::uint64_t number)
      : state_(std::move(state)), connection_(std::move(connection)), number_(number) {}
  PendingAnswer(const PendingAnswer&) = delete;
  PendingAnswer& operator=(const PendingAnswer&) = delete;

  ~PendingAnswer() {
    if (answered_.exchange(true) || !state_->answers_open()) return;
    try {
      ++state_->counters.handler_errors;
      spdlog::error("http server: a handler dropped a request without answering it; answering 500");
      state_->deliver(connection_, number_, text_response(500, "internal error"));
    } catch (...) {  // a destructor must not throw; the connection then closes at its timeout or stop()
    }
  }

  void answer(ServerResponse response) {
    if (answered_.exchange(true)) {
      spdlog::debug("http server: a request was answered twice; the later answer is ignored");
      return;
    }
    state_->deliver(connection_, number_, std::move(response));
  }

 private:
  std::shared_ptr<ServerState> state_;
  std::weak_ptr<ConnectionBase> connection_;
  std::uint64_t number_;
  std::atomic<bool> answered_{false};
};

}  // namespace

Respond make_respond(std::shared_ptr<ServerState> state, std::weak_ptr<ConnectionBase> connection,
                     std::uint64_t request_number) {
  auto pending = std::make_shared<PendingAnswer>(std::move(state), std::move(connection), request_number);
  return [pending](ServerResponse response) { pending->answer(std::move(response)); };
}

}  // namespace hubrules::runtime::http

#pragma once
// What the listener, the connections and the handlers' pending answers share. It is held by
// shared_ptr, so that a Respond a handler keeps after the server is gone still finds it (closed).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "runtime/http/http_server.hpp"

namespace hubrules::runtime::http {

// One open connection, as the server sees it: each call posts onto the connection's strand, so
// any thread may make it.
class ConnectionBase : public std::enable_shared_from_this<ConnectionBase> {
 public:
  virtual ~ConnectionBase() = default;
  virtual void start() = 0;
  virtual void post_answer(std::uint64_t request_number, ServerResponse response) = 0;
  virtual void post_stop_accepting() = 0;  // an idle kept-alive connection closes
  virtual void post_close() = 0;           // closes at once, whatever it is doing
};

struct ServerCounters {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_open{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> too_large{0};
  std::atomic<std::uint64_t> bad_requests{0};
  std::atomic<std::uint64_t> handler_errors{0};
  std::atomic<std::uint64_t> tls_failures{0};
};

class ServerState {
 public:
  ServerState(ServerOptions server_options, Handler request_handler)
      : options(std::move(server_options)), handler(std::move(request_handler)) {}

  const ServerOptions options;
  const Handler handler;
  ServerCounters counters;
  // False once stop_accepting() or stop() ran: every answer then closes its connection.
  std::atomic<bool> accepting{true};

  // The open connections own themselves through this registry while no operation of theirs is
  // pending (a handler working on a request). add() refuses once close_registry() ran, so that no
  // connection escapes stop().
  bool add(std::shared_ptr<ConnectionBase> connection);
  void remove(const ConnectionBase* connection);
  std::vector<std::shared_ptr<ConnectionBase>> connections() const;
  std::vector<std::shared_ptr<ConnectionBase>> close_registry();

  // Requests handed to the handler whose answer is not written yet (drain()).
  void request_started();
  void request_settled();
  bool wait_until_settled(Millis timeout);

  // Hands a handler's answer to its connection's strand; dropped once close_answers() ran,
  // because the connection and its io_context may be gone.
  void deliver(const std::weak_ptr<ConnectionBase>& connection, std::uint64_t request_number, ServerResponse response);
  void close_answers();
  bool answers_open() const;

  ServerCounts snapshot() const;

 private:
  mutable std::mutex registry_mutex_;
  bool registry_open_ = true;
  std::unordered_map<const ConnectionBase*, std::shared_ptr<ConnectionBase>> registry_;

  mutable std::mutex in_flight_mutex_;
  std::condition_variable settled_;
  std::uint64_t in_flight_ = 0;

  mutable std::mutex answers_mutex_;
  bool answers_open_ = true;
};

// The Respond handed to the handler with request number `request_number` of `connection`.
Respond make_respond(std::shared_ptr<ServerState> state, std::weak_ptr<ConnectionBase> connection,
                     std::uint64_t request_number);

}  // namespace hubrules::runtime::http

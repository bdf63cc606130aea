#pragma once
// `hubrules serve` without its command line: the webhook intake, one delivery loop per HubSpot
// connection, /healthz, /readyz and /metrics, reloads and a graceful shutdown.
//
//   start()    checks every rule file (against its portal's properties, as `sync` does), opens
//              the store, starts the deliveries and then the HTTP server. Rule errors throw
//              StartError with every diagnostic, as `hubrules check` prints them.
//   reload()   (SIGHUP) reads the settings again and checks the rules; only when all of them
//              pass do the new plans, secrets and integrations replace the running ones.
//              Otherwise the running ones stay and /readyz, /metrics and the log say why.
//   shutdown() (SIGTERM) stops accepting, answers the requests in flight (their group commit),
//              lets each connection's current HubSpot batch finish (up to the timeout), and
//              releases the leases.
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "runtime/base/clock.hpp"
#include "runtime/serve/service_settings.hpp"

namespace hubrules::runtime::serve {

// The service cannot start; what() holds every reason (rule diagnostics included).
class StartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Service {
 public:
  // Reads the settings: at start and on each reload. Throws (std::exception) with the reason.
  using SettingsLoader = std::function<ServeSettings()>;

  explicit Service(SettingsLoader loader, Clock& clock = Clock::system());
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  void start();
  std::string url() const;
  // False (with the reason logged and shown by /readyz) when the running setup was kept.
  bool reload();
  void shutdown();
  // Empty when ready; else why not, one reason a line.
  std::string not_ready_reasons();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace hubrules::runtime::serve

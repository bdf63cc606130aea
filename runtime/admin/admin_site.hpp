#pragma once
// /admin of `hubrules serve`: the administrators' page. Sign-in with the admin token, then
// Connections (connect through OAuth with this server's own redirect, disconnect), Integrations
// (rule checks, webhook URLs, a test booking) and Bookings (counts, lists, retry, a booking's
// whole story). Server-rendered HTML, no JavaScript, English or Japanese.
//
// Requests are answered on the page's own thread, never on the HTTP server's io threads: a page
// reads the store and Connect talks to HubSpot, and neither may hold up the webhooks.
#include <memory>
#include <string>

#include "runtime/admin/admin_settings.hpp"
#include "runtime/admin/service_view.hpp"
#include "runtime/base/clock.hpp"
#include "runtime/hubspot/api_paths.hpp"
#include "runtime/http/http_server.hpp"
#include "runtime/store/state_store.hpp"

namespace hubrules::runtime::admin {

// What Connect and Disconnect talk to HubSpot with.
struct HubSpotAccess {
  std::string hubspot_url = "https://api.hubapi.com";
  std::vector<std::string> extra_ca_pem;
  hubspot::ApiFamily api_family = hubspot::ApiFamily::v2026_03;
};

class AdminSite {
 public:
  AdminSite(AdminSettings settings, HubSpotAccess hubspot, StateStore& store, ServiceView& service,
            Clock& clock = Clock::system());
  ~AdminSite();
  AdminSite(const AdminSite&) = delete;
  AdminSite& operator=(const AdminSite&) = delete;

  static bool serves(std::string_view path) { return path == "/admin" || path.starts_with("/admin/"); }
  void handle(http::ServerRequest&& request, http::Respond respond);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hubrules::runtime::admin

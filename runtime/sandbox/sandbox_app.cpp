#include "runtime/sandbox/sandbox_app.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "rules/bundled_data.hpp"
#include "runtime/sandbox/record_page.hpp"
#include "runtime/sandbox/single_object_api.hpp"

namespace hubrules::runtime::sandbox {

namespace {

OAuthSettings oauth_settings(const SandboxOptions& o) {
  OAuthSettings s;
  s.private_app_tokens = o.tokens;
  s.client_id = o.client_id;
  s.client_secret = o.client_secret;
  return s;
}

bool is_search(const std::vector<std::string_view>& p) {
  return p.size() == 5 && p[0] == "crm" && p[1] == "v3" && p[2] == "objects" && p[4] == "search";
}

// The endpoint's name for the stats, with ids and tokens left out.
std::string endpoint_key(const ApiRequest& req, const std::vector<std::string_view>& p) {
  std::string key = req.method + " ";
  for (std::size_t i = 0; i < p.size(); ++i) {
    const bool id_like = !p[i].empty() && !is_dated_version(p[i]) &&
                         (std::isdigit(static_cast<unsigned char>(p[i][0])) || p[i].size() > 40);
    key += "/";
    key += id_like ? std::string_view("{id}") : p[i];
  }
  return key;
}

// The granular scope a CRM call needs (HUBSPOT-API.md, Auth): reading or writing the object's
// records (associations: the `from` object's), or reading or writing its property definitions.
// Search and batch read are POSTs that only read. Empty when the path names no object.
std::string required_scope(const ApiRequest& req, const std::vector<std::string_view>& p) {
  if (p.size() < 4) return {};
  const std::string object = object_name(p[3]);
  if (object.empty()) return {};
  const bool reads = req.method == "GET" || p.back() == "search" || p.back() == "read";
  const std::string access = reads ? ".read" : ".write";
  if (p[2] == "objects" || p[2] == "associations") return "crm.objects." + object + access;
  if (p[2] == "properties") return "crm.schemas." + object + access;
  return {};
}

ApiResponse not_found(const ApiRequest& req) {
  return error_response(404, "OBJECT_NOT_FOUND", "No route for " + req.method + " " + req.path);
}

// What HubSpot answers on a numbered path after its cut-off (HUBSPOT-API.md, API versions).
ApiResponse sunset(const ApiRequest& req) {
  return error_response(404, "OBJECT_NOT_FOUND",
                        "No route for " + req.method + " " + req.path +
                            ": this API version is no longer supported; use 2026-03");
}

}  // namespace

SandboxApp::SandboxApp(const SandboxOptions& o)
    : clock_(*o.clock),
      store_(o.db_path),
      contacts_schema_("contacts", std::string(rules::bundled_schema("contacts"))),
      companies_schema_("companies", std::string(rules::bundled_schema("companies"))),
      context_{store_, contacts_schema_, companies_schema_, *o.clock, o.search_lag, o.whole_batch_errors,
                o.batch_errors_in_body},
      oauth_(store_, *o.clock, oauth_settings(o)),
      burst_(o.burst_limit, o.burst_window),
      search_(o.search_rate, Millis(1000)),
      faults_(o.fail_rate, o.seed),
      legacy_sunset_(o.legacy_sunset) {
  // The custom properties a --db file holds join the bundled ones.
  for (const auto& p : store_.custom_properties()) context_.schema(p.object).add(p.definition);
}

ApiResponse SandboxApp::handle(const ApiRequest& req) {
  std::lock_guard lock(mutex_);
  ++stats_.requests;
  const ApiRoute route = route_of(req.path);
  if (route.family != ApiFamily::none) ++stats_.requests_by_family[std::string(family_name(route.family))];
  if (legacy_sunset_ && route.family == ApiFamily::legacy) return sunset(req);
  const auto p = split_path(route.path);
  if (!p.empty() && p[0] == "oauth") return handle_oauth(req, p);
  if (!p.empty() && p[0] == "crm") return handle_crm(req, p);
  if (req.method == "GET" && p.size() == 5 && p[0] == "contacts" && p[2] == "record") return record_page(req, p);
  return not_found(req);
}

ApiResponse SandboxApp::record_page(const ApiRequest& req, const std::vector<std::string_view>& p) {
  const std::string object = p[3] == "0-1" ? "contacts" : p[3] == "0-2" ? "companies" : "";
  std::int64_t id = 0;
  std::from_chars(p[4].data(), p[4].data() + p[4].size(), id);
  // Any portal number: the sandbox has one portal, and a private-app connection may not know it.
  const Record* record = object.empty() ? nullptr : store_.find(object, id);
  if (!record || record->archived) return not_found(req);
  std::vector<std::int64_t> associated;
  for (const auto& a : store_.associations()) {
    if (object == "contacts" && a.contact_id == id) associated.push_back(a.company_id);
    if (object == "companies" && a.company_id == id) associated.push_back(a.contact_id);
  }
  ApiResponse r = json_response(200, render_record_page(*record, oauth_.hub_id(), associated));
  r.content_type = "text/html;charset=utf-8";
  return r;
}

ApiResponse SandboxApp::handle_oauth(const ApiRequest& req, const std::vector<std::string_view>& p) {
  // Counted so tests can tell how often the token layer refreshes (tokens in paths become {id}).
  ++stats_.calls[endpoint_key(req, p)];
  const bool post = req.method == "POST";
  if (req.method == "GET" && req.path == "/oauth/authorize") return oauth_.authorize(req);
  if (post && req.path == "/oauth/authorize") return oauth_.approve(req);
  if (post && req.path == "/oauth/v1/token") return oauth_.token(req, TokenAnswer::v1);
  if (req.method == "DELETE" && p.size() == 4 && p[2] == "refresh-tokens") return oauth_.revoke(std::string(p[3]));
  if (req.method == "GET" && p.size() == 4 && p[2] == "access-tokens")
    return oauth_.access_token_info(std::string(p[3]));
  if (post && req.path == "/oauth/2026-03/token") return oauth_.token(req, TokenAnswer::v2026_03);
  if (post && req.path == "/oauth/2026-03/token/revoke") return oauth_.revoke_token(req);
  if (post && req.path == "/oauth/2026-03/token/introspect") return oauth_.introspect(req);
  return not_found(req);
}

ApiResponse SandboxApp::handle_crm(const ApiRequest& req, const std::vector<std::string_view>& p) {
  const auto fault = faults_.next();
  if (fault && *fault != Fault::drop_after_applying) {
    ++stats_.faults;
    return fault_response(*fault);
  }
  if (auto denied = oauth_.check_bearer(req.authorization, required_scope(req, p))) return std::move(*denied);
  ++stats_.crm_requests;
  const std::string endpoint = endpoint_key(req, p);
  ++stats_.calls[endpoint];
  run_races(endpoint);
  const bool search = is_search(p);
  // Search has its own per-second limit and its answers carry no rate headers; everything else
  // counts against the rolling burst limit (HUBSPOT-API.md, Rate limits; Search).
  if (!(search ? search_ : burst_).admit(clock_.now())) return rate_limited(search);
  ApiResponse r = dispatch(req, p);
  if (!search) add_rate_headers(r);
  if (fault) {
    ++stats_.faults;
    r.delivery = Delivery::drop;
  }
  return r;
}

void SandboxApp::create_before(std::string endpoint, std::string object, Properties properties) {
  races_.push_back({std::move(endpoint), std::move(object), std::move(properties)});
}

ApiResponse SandboxApp::create_property(std::string_view object, const std::string& definition) {
  return sandbox::create_property(context_, object, definition);
}

void SandboxApp::run_races(const std::string& endpoint) {
  for (auto it = races_.begin(); it != races_.end();) {
    if (it->endpoint != endpoint) {
      ++it;
      continue;
    }
    const auto now = std::chrono::duration_cast<Millis>(clock_.now().time_since_epoch()).count();
    store_.create(it->object, std::move(it->properties), now, now);
    it = races_.erase(it);
  }
}

ApiResponse SandboxApp::dispatch(const ApiRequest& req, const std::vector<std::string_view>& p) {
  const auto n = p.size();
  const bool post = req.method == "POST", get = req.method == "GET";
  if (n >= 4 && p[1] == "v3" && p[2] == "objects") {
    const std::string object = object_name(p[3]);
    if (object.empty()) return not_found(req);
    if (get && n == 4) return list_objects(context_, object, req);
    if (get && n == 5) return get_object(context_, object, p[4], req);
    if (post && n == 5 && p[4] == "search") return search_objects(context_, object, req);
    if (post && n == 6 && p[4] == "batch") {
      if (p[5] == "create") return batch_create(context_, object, req);
      if (p[5] == "read") return batch_read(context_, object, req);
      if (p[5] == "update") return batch_update(context_, object, req);
      if (p[5] == "upsert") return batch_upsert(context_, object, req);
      if (p[5] == "archive") return batch_archive(context_, object, req);
    }
  }
  if (n >= 4 && p[1] == "v3" && p[2] == "properties" && !object_name(p[3]).empty()) {
    const std::string object = object_name(p[3]);
    if (get && n == 4) return list_properties(context_, object);
    if (get && n == 5 && p[4] == "groups") return json_response(200, context_.schema(object).groups_json());
    if (get && n == 5) return get_property(context_, object, p[4]);
    if (post && n == 4) return create_property(object, req.body);
  }
  if (post && n == 7 && p[1] == "v4" && p[2] == "associations" && p[5] == "batch") {
    const std::string from = object_name(p[3]), to = object_name(p[4]);
    if (p[6] == "create") return associations_batch_create(context_, from, to, req);
    if (p[6] == "read") return associations_batch_read(context_, from, to, req);
  }
  if (post && n == 8 && p[1] == "v4" && p[2] == "associations" && p[6] == "associate" && p[7] == "default")
    return associations_associate_default(context_, object_name(p[3]), object_name(p[4]), req);
  if (auto single = dispatch_single_object(context_, req, p)) return std::move(*single);
  return not_found(req);
}

ApiResponse SandboxApp::rate_limited(bool search) {
  (search ? stats_.search_limited : stats_.burst_limited)++;
  JsonOut j;
  j.begin_object().field("status", "error");
  // HUBSPOT-API.md, Rate limits and Search: the two 429 bodies.
  j.field("message", search ? "You have reached your secondly limit." : "You have reached your ten_secondly_rolling limit.");
  j.field("errorType", "RATE_LIMIT").field("correlationId", correlation_id()).field("category", "RATE_LIMITS");
  j.field("policyName", search ? "SECONDLY" : "TEN_SECONDLY_ROLLING").end_object();
  ApiResponse r = json_response(429, j.take());
  if (!search) add_rate_headers(r);
  return r;
}

void SandboxApp::add_rate_headers(ApiResponse& r) {
  r.headers.emplace_back("X-HubSpot-RateLimit-Max", std::to_string(burst_.limit()));
  r.headers.emplace_back("X-HubSpot-RateLimit-Remaining", std::to_string(burst_.remaining(clock_.now())));
  r.headers.emplace_back("X-HubSpot-RateLimit-Interval-Milliseconds", std::to_string(burst_.window().count()));
}

ApiResponse SandboxApp::fault_response(Fault f) {
  ApiResponse r;
  r.content_type = "text/html;charset=utf-8";
  switch (f) {
    case Fault::bad_gateway:
      r.status = 502;
      r.body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
      break;
    case Fault::unavailable:
      r.status = 503;
      r.body = "<html><body><h1>503 Service Unavailable</h1></body></html>";
      break;
    default: r.delivery = Delivery::drop;
  }
  return r;
}

}  // namespace hubrules::runtime::sandbox

#include "runtime/sandbox/oauth_api.hpp"

#include "runtime/base/split.hpp"

#include <algorithm>
#include <cctype>
#include <random>

#include "runtime/http/form_encoding.hpp"
#include "runtime/sandbox/api_common.hpp"
#include "runtime/sandbox/authorize_page.hpp"
#include "runtime/sandbox/pkce.hpp"

namespace hubrules::runtime::sandbox {

namespace {

using Form = std::map<std::string, std::string>;

std::vector<std::string> split_scopes(std::string_view text) {
  std::vector<std::string> out;
  for (const auto scope : split_nonempty(text, ' ')) out.emplace_back(scope);
  return out;
}

// What the sandbox's portal grants an app whose authorize request named no scopes: the scopes
// the client needs (HUBSPOT-API.md, Auth). Also what a token stored before scopes were holds.
constexpr const char* default_scopes = "crm.objects.contacts.read crm.objects.contacts.write "
                                       "crm.objects.companies.read crm.objects.companies.write "
                                       "crm.schemas.contacts.read crm.schemas.companies.read";
constexpr std::int64_t sandbox_user_id = 1;

// The authorize request's `scope` is space-separated; stored joined by single spaces.
std::string normalized_scopes(const std::string& requested) {
  std::string out;
  for (const auto& s : split_scopes(requested)) out += (out.empty() ? "" : " ") + s;
  return out.empty() ? default_scopes : out;
}

std::vector<std::string> scopes_of(const StoredToken& t) {
  return split_scopes(t.scopes.empty() ? default_scopes : t.scopes);
}

void write_scopes(JsonOut& j, const StoredToken& t) {
  j.key("scopes").begin_array();
  for (const auto& s : scopes_of(t)) j.string(s);
  j.end_array();
}

// HubSpot's 403 for a token without the call's scope (HUBSPOT-API.md, Errors: MISSING_SCOPES).
ApiResponse missing_scope(const std::string& scope) {
  JsonOut j;
  j.begin_object().field("status", "error");
  j.field("message", "This app hasn't been granted all required scopes to make this call. Read more about required "
                     "scopes here: https://developers.hubspot.com/scopes.");
  j.field("correlationId", correlation_id()).key("errors").begin_array().begin_object();
  j.field("message", "One or more of the following scopes are required.");
  j.key("context").begin_object().key("requiredGranularScopes").begin_array().string(scope).end_array().end_object();
  j.end_object().end_array();
  j.key("links").begin_object().field("scopes", "https://developers.hubspot.com/scopes").end_object();
  j.field("category", "MISSING_SCOPES").end_object();
  return json_response(403, j.take());
}

std::string random_hex(std::size_t bytes) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto b = static_cast<unsigned>(rng() & 0xff);
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

// OAuth errors have their own shape: {"status":"BAD_REFRESH_TOKEN","error":"invalid_grant",…}
// (HUBSPOT-API.md, Auth).
ApiResponse oauth_error(int status, std::string_view code, std::string_view error, std::string_view message) {
  JsonOut j;
  j.begin_object().field("status", code).field("message", message).field("correlationId", correlation_id());
  j.field("error", error).field("error_description", message).end_object();
  return json_response(status, j.take());
}

std::string get(const Form& f, const char* key) {
  const auto it = f.find(key);
  return it == f.end() ? std::string() : it->second;
}

}  // namespace

std::int64_t OAuth::now_ms() const {
  return std::chrono::duration_cast<Millis>(clock_.now().time_since_epoch()).count();
}

namespace {

ApiResponse html_answer(int status, std::string body) {
  ApiResponse r = json_response(status, std::move(body));
  r.content_type = "text/html;charset=utf-8";
  return r;
}

ApiResponse authorize_error(const std::string& message) { return html_answer(400, render_authorize_error(message)); }

// Where the browser goes back to, with the outcome and the request's state.
ApiResponse redirect_back(const Form& request, const std::string& outcome) {
  const std::string redirect = get(request, "redirect_uri");
  std::string location = redirect + (redirect.find('?') == std::string::npos ? '?' : '&') + outcome;
  if (const std::string state = get(request, "state"); !state.empty())
    location += "&state=" + runtime::http::form_url_encode(state);
  ApiResponse r = html_answer(302, "<html><body>Redirecting…</body></html>");
  r.headers.emplace_back("Location", location);
  return r;
}

}  // namespace

// Checked on the page and again on its POST, which a client could send without the page.
std::optional<std::string> OAuth::authorize_problem(const Form& request) const {
  const std::string client = get(request, "client_id");
  if (get(request, "redirect_uri").empty() || client.empty() ||
      (!settings_.client_id.empty() && client != settings_.client_id))
    return "Invalid client_id or redirect_uri";
  // HubSpot's 2026-03 OAuth takes S256 challenges only; "plain" would put the verifier in the URL.
  if (!get(request, "code_challenge").empty() && get(request, "code_challenge_method") != "S256")
    return "code_challenge_method must be S256";
  return std::nullopt;
}

// GET /oauth/authorize: the consent page, as HubSpot shows the portal admin.
ApiResponse OAuth::authorize(const ApiRequest& req) {
  if (const auto problem = authorize_problem(req.query)) return authorize_error(*problem);
  return html_answer(200, render_authorize_page({req.query, normalized_scopes(get(req.query, "scope")), settings_.hub_id}));
}

// POST /oauth/authorize: the page's Allow or Deny, back to the app's redirect URI.
ApiResponse OAuth::approve(const ApiRequest& req) {
  const Form form = runtime::http::parse_form(req.body);
  if (const auto problem = authorize_problem(form)) return authorize_error(*problem);
  if (get(form, "decision") != "allow")
    return redirect_back(form, "error=access_denied&error_description=" +
                                   runtime::http::form_url_encode("The user denied access"));
  if (get(form, "portal") != std::to_string(settings_.hub_id)) return authorize_error("Choose an account to connect");
  const std::string code = "sbx-code-" + random_hex(16);
  // The admin approves what the app asked for, so the grant is exactly the requested scopes.
  store_.save_token({code, "code", get(form, "redirect_uri"), now_ms() + 10 * 60 * 1000, false,
                     get(form, "code_challenge"), normalized_scopes(get(form, "scope"))});
  return redirect_back(form, "code=" + runtime::http::form_url_encode(code));
}

ApiResponse OAuth::token(const ApiRequest& req, TokenAnswer answer) {
  if (answer == TokenAnswer::v2026_03)
    if (auto bad = check_dated_request(req)) return std::move(*bad);
  const Form form = runtime::http::parse_form(req.body);
  if (auto bad = check_client(form)) return std::move(*bad);
  const std::string grant = get(form, "grant_type");
  if (grant == "authorization_code") return grant_code(form, answer);
  if (grant == "refresh_token") return grant_refresh(form, answer);
  return oauth_error(400, "BAD_GRANT_TYPE", "unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
}

std::optional<ApiResponse> OAuth::check_client(const Form& form) {
  const std::string id = get(form, "client_id"), secret = get(form, "client_secret");
  if (id.empty() || (!settings_.client_id.empty() && id != settings_.client_id))
    return oauth_error(400, "BAD_CLIENT_ID", "invalid_client", "missing or unknown client id");
  if (secret.empty() || (!settings_.client_secret.empty() && secret != settings_.client_secret))
    return oauth_error(400, "BAD_CLIENT_SECRET", "invalid_client", "missing or invalid client secret");
  return std::nullopt;
}

// The 2026-03 endpoints take every credential in the form body (HUBSPOT-API.md, API versions:
// "Secrets never in the URL"); a client that puts one in the query string is refused, so a
// test against the sandbox catches the leak.
std::optional<ApiResponse> OAuth::check_dated_request(const ApiRequest& req) {
  for (const char* secret : {"client_secret", "code", "code_verifier", "refresh_token", "token"})
    if (req.query.count(secret))
      return oauth_error(400, "BAD_REQUEST", "invalid_request", "credentials belong in the form body, not in the URL");
  return std::nullopt;
}

ApiResponse OAuth::grant_code(const Form& form, TokenAnswer answer) {
  StoredToken* code = store_.token(get(form, "code"));
  if (!code || code->kind != "code" || code->revoked || code->expires_ms <= now_ms())
    return oauth_error(400, "BAD_AUTH_CODE", "invalid_grant", "missing or unknown auth code");
  if (code->link != get(form, "redirect_uri"))
    return oauth_error(400, "BAD_REDIRECT_URI", "invalid_grant", "redirect_uri does not match the authorize request");
  // PKCE binds the code to the client that asked for it (RFC 7636 §4.6); a verifier for a code
  // issued without a challenge is refused too, so a client cannot believe it is protected.
  const std::string verifier = get(form, "code_verifier");
  if (code->challenge.empty() ? !verifier.empty() : s256_challenge(verifier) != code->challenge)
    return oauth_error(400, "BAD_CODE_VERIFIER", "invalid_grant", "code_verifier does not match the code_challenge");
  // A code is good for one exchange.
  code->revoked = true;
  store_.save_token(*code);
  const std::string refresh = "sbx-refresh-" + random_hex(16);
  store_.save_token({refresh, "refresh", "", 0, false, "", code->scopes});
  return issue(*store_.token(refresh), answer);
}

ApiResponse OAuth::grant_refresh(const Form& form, TokenAnswer answer) {
  const StoredToken* refresh = store_.token(get(form, "refresh_token"));
  if (!refresh || refresh->kind != "refresh" || refresh->revoked)
    return oauth_error(400, "BAD_REFRESH_TOKEN", "invalid_grant", "missing or unknown refresh token");
  // HubSpot keeps the refresh token, and so the grant's scopes, across refreshes; only the
  // access token is new.
  return issue(*refresh, answer);
}

ApiResponse OAuth::issue(const StoredToken& refresh, TokenAnswer answer) {
  const std::string access = "sbx-access-" + random_hex(24);
  store_.save_token({access, "access", refresh.token, now_ms() + settings_.access_token_lifetime.count(), false, "",
                     refresh.scopes});
  JsonOut j;
  j.begin_object().field("token_type", "bearer").field("refresh_token", refresh.token).field("access_token", access);
  j.field("expires_in", static_cast<std::int64_t>(settings_.access_token_lifetime.count() / 1000));
  // 2026-03 names the portal and the grant in the answer (HUBSPOT-API.md, API versions).
  if (answer == TokenAnswer::v2026_03) {
    j.field("token_use", "access_token").field("hub_id", settings_.hub_id).field("user_id", sandbox_user_id);
    write_scopes(j, refresh);
  }
  j.end_object();
  return json_response(200, j.take());
}

ApiResponse OAuth::revoke(const std::string& refresh_token) {
  StoredToken* t = store_.token(refresh_token);
  if (!t || t->kind != "refresh" || t->revoked)
    return oauth_error(404, "BAD_REFRESH_TOKEN", "invalid_grant", "missing or unknown refresh token");
  revoke_refresh(*t);
  ApiResponse r = json_response(204, "");
  r.content_type.clear();
  return r;
}

void OAuth::revoke_refresh(StoredToken& refresh) {
  refresh.revoked = true;
  store_.save_token(refresh);
  // Access tokens minted from it die with it, as after an uninstall.
  for (StoredToken* a : store_.tokens_of_kind("access"))
    if (a->link == refresh.token && !a->revoked) {
      a->revoked = true;
      store_.save_token(*a);
    }
}

ApiResponse OAuth::revoke_token(const ApiRequest& req) {
  if (auto bad = check_dated_request(req)) return std::move(*bad);
  const Form form = runtime::http::parse_form(req.body);
  if (auto bad = check_client(form)) return std::move(*bad);
  const std::string value = get(form, "token");
  if (value.empty()) return oauth_error(400, "BAD_REQUEST", "invalid_request", "token is required");
  // RFC 7009 §2.2: an unknown or already revoked token is answered 200 all the same, so the
  // answer tells nothing about which tokens exist. token_type_hint only speeds up a real lookup.
  if (StoredToken* t = store_.token(value); t && !t->revoked) {
    if (t->kind == "refresh") revoke_refresh(*t);
    if (t->kind == "access") {
      t->revoked = true;
      store_.save_token(*t);
    }
  }
  ApiResponse r = json_response(200, "");
  r.content_type.clear();
  return r;
}

ApiResponse OAuth::introspect(const ApiRequest& req) {
  if (auto bad = check_dated_request(req)) return std::move(*bad);
  const Form form = runtime::http::parse_form(req.body);
  if (auto bad = check_client(form)) return std::move(*bad);
  const StoredToken* t = store_.token(get(form, "token"));
  const std::int64_t now = now_ms();
  const bool live_access = t && t->kind == "access" && !t->revoked && t->expires_ms > now;
  const bool live_refresh = t && t->kind == "refresh" && !t->revoked;
  JsonOut j;
  // RFC 7662 §2.2: nothing but "active" about a token that is not.
  if (!live_access && !live_refresh) {
    j.begin_object().field("active", false).end_object();
    return json_response(200, j.take());
  }
  j.begin_object().field("active", true).field("client_id", get(form, "client_id")).field("hub_id", settings_.hub_id);
  j.field("user_id", sandbox_user_id).field("token_type", "bearer");
  j.field("token_use", live_access ? "access_token" : "refresh_token");
  if (live_access) j.field("exp", t->expires_ms / 1000).field("expires_in", (t->expires_ms - now) / 1000);
  write_scopes(j, *t);
  j.end_object();
  return json_response(200, j.take());
}

ApiResponse OAuth::access_token_info(const std::string& access_token) {
  const StoredToken* t = store_.token(access_token);
  const std::int64_t now = now_ms();
  if (!t || t->kind != "access" || t->revoked || t->expires_ms <= now)
    return oauth_error(404, "NOT_FOUND", "invalid_token", "missing, expired or unknown access token");
  JsonOut j;
  j.begin_object().field("token", access_token).field("user", "sandbox@hubrules.local");
  j.field("hub_domain", "sandbox.hubrules.local");
  write_scopes(j, *t);
  j.field("hub_id", settings_.hub_id).field("app_id", std::int64_t{1}).field("user_id", sandbox_user_id);
  j.field("expires_in", (t->expires_ms - now) / 1000).field("token_type", "access").end_object();
  return json_response(200, j.take());
}

void OAuth::revoke_all() {
  for (const char* kind : {"access", "refresh"})
    for (StoredToken* t : store_.tokens_of_kind(kind)) {
      t->revoked = true;
      store_.save_token(*t);
    }
}

std::optional<ApiResponse> OAuth::check_bearer(const std::string& authorization, const std::string& required_scope) {
  static constexpr std::string_view prefix = "Bearer ";
  const std::string token = authorization.rfind(prefix, 0) == 0 ? authorization.substr(prefix.size()) : std::string();
  const auto& pats = settings_.private_app_tokens;
  // Private-app tokens do not expire (HUBSPOT-API.md, Auth).
  if (pats.empty() ? token.rfind("pat-", 0) == 0 : std::find(pats.begin(), pats.end(), token) != pats.end())
    return std::nullopt;
  const StoredToken* t = token.empty() ? nullptr : store_.token(token);
  if (!t || t->kind != "access" || t->revoked)
    return error_response(401, "INVALID_AUTHENTICATION",
                          "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
                          "find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview");
  const std::int64_t now = now_ms();
  if (t->expires_ms <= now)
    return error_response(401, "EXPIRED_AUTHENTICATION",
                          "The OAuth token used to make this call expired " +
                              std::to_string((now - t->expires_ms) / 60000) + " minute(s) ago.");
  const auto granted = scopes_of(*t);
  if (!required_scope.empty() && std::find(granted.begin(), granted.end(), required_scope) == granted.end())
    return missing_scope(required_scope);
  return std::nullopt;
}

}  // namespace hubrules::runtime::sandbox

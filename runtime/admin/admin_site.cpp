#include "runtime/admin/admin_site.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "runtime/admin/admin_oauth.hpp"
#include "runtime/admin/admin_pages.hpp"
#include "runtime/admin/admin_sessions.hpp"
#include "runtime/admin/html.hpp"
#include "runtime/admin/test_booking.hpp"
#include "runtime/auth/connect.hpp"
#include "runtime/http/form_encoding.hpp"

namespace hubrules::runtime::admin {

namespace {

constexpr const char* kSessionCookie = "hubrules_admin";
constexpr const char* kSignInCookie = "hubrules_signin";  // binds the sign-in form's CSRF token

using Fields = std::map<std::string, std::string>;

struct Answer {
  int status = 200;
  std::string html;
  std::string location;  // a 303 to here when set
  std::vector<std::pair<std::string, std::string>> headers;
};

Answer redirect(std::string to) {
  Answer a;
  a.status = 303;
  a.location = std::move(to);
  return a;
}

std::optional<std::string> cookie(const http::ServerRequest& r, std::string_view name) {
  for (const auto& [header, value] : r.headers) {
    if (header.size() != 6 || strncasecmp(header.c_str(), "cookie", 6) != 0) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto end = rest.find(';');
      auto pair = rest.substr(0, end);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
        return std::string(pair.substr(name.size() + 1));
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
  }
  return std::nullopt;
}

std::string set_cookie(std::string_view name, std::string_view value, bool secure, std::chrono::seconds max_age) {
  std::string c = std::string(name) + "=" + std::string(value) + "; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=" +
                  std::to_string(max_age.count());
  return secure ? c + "; Secure" : c;
}

// Names the HubSpot page may send a browser to after Connect; every other form stays here.
std::string origin_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  const auto path = url.find('/', scheme + 3);
  return url.substr(0, path);
}

}  // namespace

struct AdminSite::Impl {
  Impl(AdminSettings s, HubSpotAccess h, StateStore& st, ServiceView& sv, Clock& c)
      : settings(std::move(s)), hubspot(std::move(h)), store(st), service(sv), clock(c), key(settings.token),
        sessions(key, clock), throttle(clock), oauth(key, clock) {
    if (!enabled()) return;
    worker = std::thread([this] { run(); });
  }
  ~Impl() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    if (worker.joinable()) worker.join();
  }

  AdminSettings settings;
  HubSpotAccess hubspot;
  StateStore& store;
  ServiceView& service;
  Clock& clock;
  SigningKey key;
  AdminSessions sessions;
  SignInThrottle throttle;
  AdminOAuth oauth;

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> jobs;
  bool stopping = false;
  std::thread worker;

  bool enabled() const { return !settings.token.empty(); }

  // ---- the page's own thread ----

  void post(std::function<void()> job) {
    {
      std::lock_guard lock(mutex);
      if (jobs.size() > 256) return;  // a flood: dropping the Respond answers 500
      jobs.push_back(std::move(job));
    }
    wake.notify_one();
  }

  void run() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stopping || !jobs.empty(); });
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      job();
    }
  }

  // ---- answering ----

  std::string base_url() {
    std::string url = settings.public_url.empty() ? service.listening_url() : settings.public_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  }

  http::ServerResponse to_response(Answer a) {
    http::ServerResponse r;
    r.status = a.status;
    r.content_type = a.html.empty() ? "" : "text/html; charset=utf-8";
    r.body = std::move(a.html);
    r.headers = std::move(a.headers);
    if (!a.location.empty()) r.headers.emplace_back("Location", a.location);
    // No framing, no sniffing, nothing cached, and no Referer: the callback's URL holds a code.
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    std::string form_action = "'self'";
    if (const auto o = origin_of(authorize_base()); !o.empty()) form_action += " " + o;
    r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                                                      "form-action " + form_action + "; frame-ancestors 'none'; base-uri 'none'");
    return r;
  }

  // Secure cookies under TLS, whether hubrules or a proxy in front of it (an https public_url) ends it.
  bool secure(const http::ServerRequest& r) const { return r.tls || settings.public_url.starts_with("https://"); }

  std::string authorize_base() const {
    return settings.authorize_url.empty() ? auth::default_authorize_url(hubspot.hubspot_url) : settings.authorize_url;
  }

  void handle(http::ServerRequest&& request, http::Respond respond) {
    if (!enabled()) {
      http::ServerResponse r;
      r.status = 404;
      r.body = "The admin page is off: start hubrules serve with HUBRULES_ADMIN_TOKEN or --admin-token-file "
               "(or [admin] token_env / token_file in the config).\n";
      return respond(std::move(r));
    }
    post([this, request = std::move(request), respond = std::move(respond)]() mutable {
      Answer a;
      try {
        a = answer(request);
      } catch (const std::exception& e) {
        spdlog::error("admin page {}: {}", request.path, e.what());
        a.status = 500;
        a.html = render_message(language_from(request.header("accept-language").value_or("")), "Error", e.what(), "");
      }
      respond(to_response(std::move(a)));
    });
  }

  Answer answer(const http::ServerRequest& r) {
    const Lang lang = language_from(r.header("accept-language").value_or(""));
    if (r.path == "/admin/login") return r.method == "POST" ? sign_in(r, lang) : sign_in_form(r, lang, "", false);
    if (r.path == "/admin/oauth/callback" && r.method == "GET") return oauth_callback(r, lang);
    const auto session = sessions.check(cookie(r, kSessionCookie).value_or(""));
    if (!session) return r.method == "GET" ? redirect("/admin/login") : forbidden(lang, "Sign in first.");
    Answer a = signed_in(r, *session, lang);
    if (a.headers.empty())  // slides the idle time, unless the answer ended the session
      a.headers.emplace_back("Set-Cookie", set_cookie(kSessionCookie, sessions.cookie_value(*session), secure(r),
                                                      AdminSessions::kLifetime));
    return a;
  }

  Answer forbidden(Lang lang, const std::string& why) {
    Answer a;
    a.status = 403;
    a.html = render_message(lang, std::string(tr(lang, "Refused")), std::string(tr(lang, why)), "");
    return a;
  }

  // ---- signing in ----

  Answer sign_in_form(const http::ServerRequest& r, Lang lang, const std::string& notice, bool is_error) {
    Answer a;
    std::string binding = cookie(r, kSignInCookie).value_or("");
    if (binding.empty() || binding.size() > 64) {
      binding = random_token(18);
      a.headers.emplace_back("Set-Cookie", set_cookie(kSignInCookie, binding, secure(r), std::chrono::hours(1)));
    }
    a.html = render_sign_in(lang, sessions.csrf_token("signin:" + binding), notice, is_error);
    if (is_error) a.status = 401;
    return a;
  }

  Answer sign_in(const http::ServerRequest& r, Lang lang) {
    const Fields form = http::parse_form(r.body);
    const std::string binding = cookie(r, kSignInCookie).value_or("");
    if (binding.empty() || !sessions.csrf_ok("signin:" + binding, value(form, "csrf")))
      return forbidden(lang, "The form was stale or not ours (CSRF). Open the page again.");
    if (const Millis wait = throttle.wait_for(r.remote_address); wait > Millis{0}) {
      Answer a = sign_in_form(r, lang, trf(lang, "Too many failed sign-ins. Try again in {} seconds.", (wait.count() + 999) / 1000), true);
      a.status = 429;
      a.headers.emplace_back("Retry-After", std::to_string((wait.count() + 999) / 1000));
      return a;
    }
    if (!equal_in_constant_time(value(form, "token"), settings.token)) {
      throttle.failed(r.remote_address);
      spdlog::warn("admin page: a failed sign-in from {}", r.remote_address);
      return sign_in_form(r, lang, std::string(tr(lang, "That is not the admin token.")), true);
    }
    throttle.succeeded(r.remote_address);
    spdlog::info("admin page: signed in from {}", r.remote_address);
    Answer a = redirect("/admin/connections");
    a.headers.emplace_back("Set-Cookie", set_cookie(kSessionCookie, sessions.cookie_value(sessions.start()), secure(r),
                                                    AdminSessions::kLifetime));
    return a;
  }

  static std::string value(const Fields& f, const std::string& name) {
    const auto it = f.find(name);
    return it == f.end() ? std::string() : it->second;
  }

  // ---- signed in ----

  Answer signed_in(const http::ServerRequest& r, const Session& session, Lang lang) {
    const std::string csrf = sessions.csrf_token(session.id);
    const Fields query = http::parse_form(r.query);
    if (r.method == "POST") {
      const Fields form = http::parse_form(r.body);
      if (!sessions.csrf_ok(session.id, value(form, "csrf")))
        return forbidden(lang, "The form was stale or not ours (CSRF). Open the page again.");
      return post_action(r, session, lang, form);
    }
    if (r.method != "GET") return forbidden(lang, "Not allowed.");
    PageContext c{lang, csrf, store, service, clock, settings, query, notice_text(lang, value(query, "notice")),
                  value(query, "notice").starts_with("error"), base_url()};
    Answer a;
    if (r.path == "/admin" || r.path == "/admin/") return redirect("/admin/connections");
    if (r.path == "/admin/connections") a.html = render_connections(c);
    else if (r.path == "/admin/disconnect") a.html = render_disconnect_confirmation(c, value(query, "connection"));
    else if (r.path == "/admin/integrations") a.html = render_integrations(c);
    else if (r.path == "/admin/bookings") a.html = render_bookings(c);
    else if (r.path.starts_with("/admin/bookings/")) {
      auto page = render_booking(c, http::percent_decode(r.path.substr(std::string("/admin/bookings/").size())));
      if (!page) return not_found(lang, csrf);
      a.html = std::move(*page);
    } else if (r.path.starts_with("/admin/dead-letters/")) {
      a.html = render_dead_letter(c, std::atoll(r.path.substr(std::string("/admin/dead-letters/").size()).c_str()));
    } else return not_found(lang, csrf);
    return a;
  }

  Answer not_found(Lang lang, const std::string& csrf) {
    Answer a;
    a.status = 404;
    a.html = render_message(lang, std::string(tr(lang, "Not found")), std::string(tr(lang, "There is no such page or booking.")), csrf);
    return a;
  }

  // Notices come by a fixed key in the redirect's query, never as text a link could forge.
  static std::string notice_text(Lang lang, const std::string& key) {
    static const std::map<std::string, std::string_view> texts = {
        {"connected", "Connected. Bookings are delivered through this connection now."},
        {"disconnected", "Disconnected: the token was revoked at HubSpot and forgotten here."},
        {"disconnected-not-revoked", "Disconnected here; HubSpot did not confirm the revoke (see the log)."},
        {"retried", "The booking is queued again."},
        {"not-retried", "Only a failed or parked booking can be retried."},
        {"test-sent", "The test booking was taken in; its delivery shows below."},
        {"error-oauth", "Connect failed. See the message on the connection's card and the log."},
    };
    const auto it = texts.find(key);
    return it == texts.end() ? std::string() : std::string(tr(lang, it->second));
  }

  Answer post_action(const http::ServerRequest& r, const Session& session, Lang lang, const Fields& form) {
    if (r.path == "/admin/logout") {
      sessions.sign_out(session);
      Answer a = redirect("/admin/login");
      a.headers.emplace_back("Set-Cookie", set_cookie(kSessionCookie, "", secure(r), std::chrono::seconds(0)));
      return a;
    }
    if (r.path == "/admin/connect") return connect(lang, session, value(form, "connection"));
    if (r.path == "/admin/disconnect") return disconnect(value(form, "connection"));
    if (r.path == "/admin/retry") {
      const std::string id = value(form, "event_id");
      const bool queued = store.requeue(id);
      if (queued) service.bookings_requeued();
      return redirect("/admin/bookings/" + url_encode(id) + "?notice=" + (queued ? "retried" : "not-retried"));
    }
    if (r.path == "/admin/test-booking") return test_booking(lang, value(form, "integration"));
    return forbidden(lang, "Not allowed.");
  }

  // ---- connections ----

  Answer connect(Lang lang, const Session& session, const std::string& connection) {
    if (settings.oauth_client_id.empty() || settings.oauth_client_secret.empty())
      return forbidden(lang, "Connect needs the HubSpot app's client id and secret: [oauth] client_id and "
                             "client_secret_file (or --oauth-client-id and --oauth-client-secret-file).");
    (void)session;
    return redirect(oauth.authorize_url(authorize_base(), settings.oauth_client_id, auth::kDefaultScopes,
                                        base_url() + "/admin/oauth/callback", connection));
  }

  auth::ConnectOptions connect_options() const {
    auth::ConnectOptions o;
    o.client_id = settings.oauth_client_id;
    o.client_secret = settings.oauth_client_secret;
    o.hubspot_url = hubspot.hubspot_url;
    o.extra_ca_pem = hubspot.extra_ca_pem;
    o.api_family = hubspot.api_family;
    return o;
  }

  // HubSpot sends the browser back here, from its own site: the session cookie (SameSite=Strict)
  // does not come along, so the signed, short-lived `state` is what proves a signed-in
  // administrator started this, and its PKCE verifier is derived from it.
  Answer oauth_callback(const http::ServerRequest& r, Lang lang) {
    const Fields query = http::parse_form(r.query);
    const std::string state = value(query, "state");
    const auto intended = oauth.check_state(state);
    if (!intended) return forbidden(lang, "This sign-in link is not ours or has expired. Start Connect again.");
    if (const auto error = value(query, "error"); !error.empty())
      return message(lang, "Connect was cancelled", trf(lang, "HubSpot answered: {}", error));
    const std::string code = value(query, "code");
    if (code.empty()) return forbidden(lang, "HubSpot's answer has no code.");
    try {
      const auto connected = auth::finish_oauth(store, clock, connect_options(), code, oauth.verifier_for(state),
                                                base_url() + "/admin/oauth/callback");
      spdlog::info("admin page: connection {} made (portal {})", connected.connection_id, connected.portal_id);
      service.connections_changed();
      std::string text = trf(lang, "HubSpot portal {} is connected as {}.", connected.portal_id, connected.connection_id);
      if (!intended->empty() && *intended != connected.connection_id)
        text += " " + trf(lang, "Note: the integration expects {}; the account chosen was another portal.", *intended);
      return message(lang, "Connected", text, "/admin/connections?notice=connected");
    } catch (const std::exception& e) {
      spdlog::error("admin page: connect failed: {}", e.what());
      return message(lang, "Connect failed", e.what(), "/admin/connections");
    }
  }

  // A page of our own, so the next click is a same-site navigation and the session cookie comes.
  Answer message(Lang lang, std::string_view title, const std::string& text, const std::string& continue_to = "") {
    Answer a;
    a.html = render_message(lang, std::string(tr(lang, title)), text, "", continue_to);
    return a;
  }

  Answer disconnect(const std::string& connection) {
    const auto result = auth::disconnect(store, connection, hubspot.extra_ca_pem, hubspot.api_family);
    spdlog::info("admin page: connection {} disconnected (revoked: {})", result.connection_id, result.revoked);
    if (!result.revoke_error.empty()) spdlog::warn("admin page: revoking {}: {}", result.connection_id, result.revoke_error);
    service.connections_changed();
    return redirect(std::string("/admin/connections?notice=") + (result.revoke_error.empty() ? "disconnected" : "disconnected-not-revoked"));
  }

  // ---- integrations ----

  Answer test_booking(Lang lang, const std::string& integration) {
    for (const auto& i : service.integrations()) {
      if (i.name != integration) continue;
      const std::string event_id = "hubrules-test-" + random_token(9);
      const auto result = service.post_test_booking(i.name, sample_webhook(i, event_id, clock.now()));
      if (result.status != 200) return message(lang, "The test booking was refused", result.body);
      return redirect("/admin/bookings/" + url_encode(event_id) + "?notice=test-sent");
    }
    return forbidden(lang, "No such integration.");
  }
};

AdminSite::AdminSite(AdminSettings settings, HubSpotAccess hubspot, StateStore& store, ServiceView& service, Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(hubspot), store, service, clock)) {}

AdminSite::~AdminSite() = default;

void AdminSite::handle(http::ServerRequest&& request, http::Respond respond) { impl_->handle(std::move(request), std::move(respond)); }

}  // namespace hubrules::runtime::admin

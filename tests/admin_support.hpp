#pragma once
// The admin page under test: a `hubrules serve --config` process with /admin on, a sandbox as
// its HubSpot (an OAuth app registered), an integration waiting for Connect, and a client that
// keeps cookies and posts forms as a browser does (without running any script).
#include <map>
#include <regex>

#include "runtime/http/form_encoding.hpp"
#include "tests/process_support.hpp"

namespace hubrules::testing {

inline constexpr const char* kAdminToken = "admin-token-for-the-tests-0123456789";
inline constexpr const char* kClientId = "hubrules-test-app";
inline constexpr const char* kClientSecret = "client-secret-of-the-test-app-abcdef";
inline constexpr std::int64_t kSandboxHubId = 1234567;  // runtime/sandbox/oauth_api.hpp
inline const std::string kConnectionId = "portal-1234567";

inline runtime::SandboxOptions admin_sandbox_options() {
  runtime::SandboxOptions o = crash_sandbox_options();
  o.client_id = kClientId;
  o.client_secret = kClientSecret;
  return o;
}

// A config with /admin on (unless `admin` is false), one integration "team" on the sandbox's
// portal, which is not connected yet.
inline std::string admin_config(const TempDir& dir, const std::string& hubspot_url, const std::string& state,
                                bool admin = true, const std::string& rules = source_dir() + "/rules/timerex.rules") {
  for (const auto& [name, secret] : {std::pair{"admin-token", kAdminToken}, std::pair{"client-secret", kClientSecret},
                                     std::pair{"webhook-secret", kWebhookSecret}}) {
    write_file(dir.file(name).string(), std::string(secret) + "\n");
    std::filesystem::permissions(dir.file(name), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  std::string text = "listen = \"127.0.0.1:0\"\nstate = \"" + state + "\"\nlease_s = 3\n[hubspot]\nurl = \"" + hubspot_url +
                     "\"\nportal_schema = false\n";
  if (admin) {
    text += "[admin]\ntoken_file = \"" + dir.file("admin-token").string() + "\"\n";
    text += "[oauth]\nclient_id = \"" + std::string(kClientId) + "\"\nclient_secret_file = \"" +
            dir.file("client-secret").string() + "\"\n";
  }
  text += "[[integration]]\nname = \"team\"\nrules = \"" + rules + "\"\n";
  // Without the page nothing could connect, so that integration posts with a private app's token.
  text += admin ? "connection = \"" + kConnectionId + "\"\n" : std::string("token_env = \"HUBSPOT_TOKEN\"\n");
  text += "secret_file = \"" + dir.file("webhook-secret").string() + "\"\n";
  const auto file = dir.file("serve.toml").string();
  write_file(file, text);
  return file;
}

// A browser without scripts: cookies by name, forms url-encoded, redirects not followed.
class AdminClient {
 public:
  explicit AdminClient(std::string base_url, std::string language = "en") : base_(std::move(base_url)), language_(std::move(language)) {}

  Answer get(const std::string& target) { return send("GET", target, ""); }
  Answer post(const std::string& target, const std::vector<std::pair<std::string, std::string>>& fields) {
    return send("POST", target, runtime::http::form_body(fields));
  }
  // Follows 303s (GETs) from `answer`, as a browser does.
  Answer follow(Answer answer) {
    for (int i = 0; i < 5 && (answer.status == 302 || answer.status == 303); ++i) answer = get(location(answer));
    return answer;
  }
  static std::string location(const Answer& a) {
    for (const auto& [name, value] : a.headers)
      if (strcasecmp(name.c_str(), "location") == 0) return value;
    return "";
  }
  // The value of the hidden field `csrf` in a page's first form.
  static std::string csrf_of(const std::string& html) {
    std::smatch m;
    static const std::regex field("name=\"csrf\" value=\"([^\"]*)\"");
    return std::regex_search(html, m, field) ? m[1].str() : "";
  }
  void sign_in(const std::string& token = kAdminToken) {
    const auto form = get("/admin/login");
    REQUIRE(form.status == 200);
    const auto done = post("/admin/login", {{"csrf", csrf_of(form.body)}, {"token", token}});
    REQUIRE(done.status == 303);
    REQUIRE(cookies_.contains("hubrules_admin"));
  }
  std::map<std::string, std::string>& cookies() { return cookies_; }
  std::vector<std::string> set_cookie_lines;  // every Set-Cookie seen, as sent

 private:
  Answer send(const std::string& method, const std::string& target, const std::string& body) {
    runtime::http::HttpClientOptions o;
    o.base_url = base_;
    o.connect_timeout = 2s;
    o.request_timeout = 30s;
    runtime::http::HttpClient client(o);
    runtime::http::HttpRequest r;
    r.method = method;
    r.target = target;
    r.headers.emplace_back("Accept-Language", language_);
    if (method == "POST") r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    std::string cookie;
    for (const auto& [name, value] : cookies_) cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
    if (!cookie.empty()) r.headers.emplace_back("Cookie", cookie);
    r.body = body;
    const auto answer = client.send(r);
    for (const auto& [name, value] : answer.headers)
      if (strcasecmp(name.c_str(), "set-cookie") == 0) keep_cookie(value);
    return {answer.status, answer.body, answer.headers};
  }
  void keep_cookie(const std::string& line) {
    set_cookie_lines.push_back(line);
    const auto eq = line.find('='), end = line.find(';');
    const std::string name = line.substr(0, eq), value = line.substr(eq + 1, end - eq - 1);
    if (value.empty() || line.find("Max-Age=0") != std::string::npos) cookies_.erase(name);
    else cookies_[name] = value;
  }
  std::string base_;
  std::string language_;
  std::map<std::string, std::string> cookies_;
};

}  // namespace hubrules::testing

#include "runtime/sandbox/authorize_page.hpp"

#include <string_view>

#include "runtime/base/split.hpp"
#include "runtime/http/html_escape.hpp"

namespace hubrules::runtime::sandbox {

namespace {

using http::html_escape;

constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#33475b}"
    "h1{font-size:1.4rem}fieldset{border:1px solid #cbd6e2;border-radius:6px;margin:1rem 0}"
    "label{display:block;padding:.4rem 0}ul{padding-left:1.2rem}"
    "button{font:inherit;padding:.5rem 1.1rem;margin-right:.5rem;border-radius:4px;min-height:2.5rem}"
    "#allow{background:#ff7a59;border:1px solid #ff7a59;color:#fff}#deny{background:#fff;border:1px solid #33475b}";

std::string page(std::string_view title, const std::string& body) {
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>" +
         html_escape(title) + "</title><style>" + std::string(kStyle) + "</style></head><body>" + body +
         "</body></html>";
}

std::string hidden_fields(const std::map<std::string, std::string>& request) {
  std::string out;
  for (const char* name : kAuthorizeFields) {
    const auto it = request.find(name);
    if (it == request.end() || it->second.empty()) continue;
    out += "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" + html_escape(it->second) + "\">";
  }
  return out;
}

std::string scope_list(const std::string& scopes) {
  std::string out = "<ul id=\"scopes\">";
  for (const auto scope : split_nonempty(scopes, ' ')) out += "<li>" + html_escape(scope) + "</li>";
  return out + "</ul>";
}

std::string field(const std::map<std::string, std::string>& request, const std::string& name) {
  const auto it = request.find(name);
  return it == request.end() ? std::string() : it->second;
}

}  // namespace

std::string render_authorize_page(const AuthorizePage& p) {
  const std::string hub = std::to_string(p.hub_id);
  std::string body = "<h1>Connect an app to HubSpot (sandbox)</h1>";
  body += "<p>The app <strong id=\"client\">" + html_escape(field(p.request, "client_id")) +
          "</strong> asks for access to your HubSpot account.</p>";
  body += "<form method=\"post\" action=\"/oauth/authorize\">" + hidden_fields(p.request);
  body += "<fieldset><legend>Choose an account</legend><label><input type=\"radio\" name=\"portal\" value=\"" + hub +
          "\" id=\"portal-" + hub + "\" checked required> Sandbox portal " + hub + "</label></fieldset>";
  body += "<p>It will be able to:</p>" + scope_list(p.scopes);
  body += "<p>You will be sent back to <code id=\"redirect\">" + html_escape(field(p.request, "redirect_uri")) +
          "</code>.</p>";
  body += "<button type=\"submit\" name=\"decision\" value=\"allow\" id=\"allow\">Allow</button>"
          "<button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Deny</button></form>";
  return page("Connect to HubSpot (sandbox)", body);
}

std::string render_authorize_error(const std::string& message) {
  return page("Authorization failed", "<h1>Authorization failed</h1><p id=\"error\">" + html_escape(message) + "</p>");
}

}  // namespace hubrules::runtime::sandbox

#include "runtime/hubspot/oauth_client.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "runtime/http/form_encoding.hpp"
#include "runtime/base/json_fields.hpp"
#include "runtime/http/redact.hpp"

namespace hubrules::runtime::hubspot {

namespace {

// HubSpot's OAuth errors: {"status":"BAD_REFRESH_TOKEN","message":…,"error":"invalid_grant",…}.
// The message is redacted: HubSpot echoes no secrets today, but nothing promises it never will.
[[noreturn]] void throw_oauth_error(const char* what, const http::HttpResponse& response) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string code, error, message;
  if (!parser.parse(response.body).get(doc)) {
    code = string_or_empty(doc, "status");
    error = string_or_empty(doc, "error");
    message = string_or_empty(doc, "message");
  }
  std::string text = std::string(what) + ": HubSpot answered " + std::to_string(response.status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += " (" + http::redact(message) + ")";
  if (error == "invalid_grant" || code == "BAD_REFRESH_TOKEN") throw InvalidGrant(text, response.status, code);
  throw OAuthError(text, response.status, code);
}

simdjson::dom::element parse_json(simdjson::dom::parser& parser, const http::HttpResponse& response, const char* what) {
  simdjson::dom::element doc;
  if (parser.parse(response.body).get(doc) || !doc.is_object())
    throw OAuthError(std::string(what) + ": HubSpot's answer is not a JSON object", response.status, "");
  return doc;
}

std::vector<std::string> read_scopes(simdjson::dom::element doc) {
  std::vector<std::string> out;
  simdjson::dom::array scopes;
  if (!doc["scopes"].get(scopes))
    for (const auto scope : scopes)
      if (std::string_view s; !scope.get(s)) out.emplace_back(s);
  return out;
}

http::HttpRequest form_post(std::string target, const std::vector<std::pair<std::string, std::string>>& form) {
  http::HttpRequest request;
  request.method = "POST";
  request.target = std::move(target);
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded;charset=utf-8"},
                     {"Accept", "application/json"}};
  request.body = http::form_body(form);
  return request;
}

TokenGrant parse_grant(const http::HttpResponse& response, const char* what) {
  simdjson::dom::parser parser;
  const auto doc = parse_json(parser, response, what);
  TokenGrant grant;
  grant.token_type = string_or_empty(doc, "token_type");
  grant.access_token = string_or_empty(doc, "access_token");
  grant.refresh_token = string_or_empty(doc, "refresh_token");
  std::int64_t seconds = 0;
  if (doc["expires_in"].get(seconds) || seconds <= 0 || grant.access_token.empty())
    throw OAuthError(std::string(what) + ": HubSpot's answer lacks access_token or expires_in", response.status, "");
  grant.expires_in = std::chrono::seconds(seconds);
  if (doc["hub_id"].get(grant.hub_id)) grant.hub_id = 0;
  grant.scopes = read_scopes(doc);
  return grant;
}

}  // namespace

http::HttpResponse OAuthClient::send(const http::HttpRequest& request) {
  std::lock_guard lock(mutex_);
  return client_.send(request);
}

TokenGrant OAuthClient::grant(const std::vector<std::pair<std::string, std::string>>& form, const char* what) {
  const auto response = send(form_post(paths_.oauth_token(), form));
  if (response.status != 200) throw_oauth_error(what, response);
  spdlog::debug("oauth: {} succeeded", what);
  return parse_grant(response, what);
}

TokenGrant OAuthClient::exchange_code(const OAuthApp& app, const std::string& code, const std::string& code_verifier) {
  std::vector<std::pair<std::string, std::string>> form = {{"grant_type", "authorization_code"},
                                                           {"client_id", app.client_id},
                                                           {"client_secret", app.client_secret},
                                                           {"redirect_uri", app.redirect_uri},
                                                           {"code", code}};
  if (!code_verifier.empty()) form.emplace_back("code_verifier", code_verifier);
  return grant(form, "exchanging the authorization code");
}

TokenGrant OAuthClient::refresh(const OAuthApp& app, const std::string& refresh_token) {
  std::vector<std::pair<std::string, std::string>> form = {
      {"grant_type", "refresh_token"}, {"client_id", app.client_id}, {"client_secret", app.client_secret}};
  if (!app.redirect_uri.empty()) form.emplace_back("redirect_uri", app.redirect_uri);
  form.emplace_back("refresh_token", refresh_token);
  return grant(form, "refreshing the access token");
}

TokenInfo OAuthClient::token_info(const std::string& access_token) {
  constexpr const char* what = "asking HubSpot about the access token";
  http::HttpRequest request;
  request.target = paths_.oauth_access_token_info(access_token);
  request.headers = {{"Accept", "application/json"}};
  const auto response = send(request);
  if (response.status != 200) throw_oauth_error(what, response);
  simdjson::dom::parser parser;
  const auto doc = parse_json(parser, response, what);
  TokenInfo info;
  if (doc["hub_id"].get(info.hub_id) || info.hub_id <= 0)
    throw OAuthError(std::string(what) + ": the answer lacks hub_id", response.status, "");
  info.user = string_or_empty(doc, "user");
  info.scopes = read_scopes(doc);
  return info;
}

void OAuthClient::revoke(const OAuthApp& app, const std::string& refresh_token) {
  http::HttpRequest request;
  if (paths_.revoke_in_body()) {
    request = form_post(paths_.oauth_revoke(refresh_token), {{"client_id", app.client_id},
                                                             {"client_secret", app.client_secret},
                                                             {"token", refresh_token},
                                                             {"token_type_hint", "refresh_token"}});
  } else {
    request.method = "DELETE";
    request.target = paths_.oauth_revoke(refresh_token);
  }
  const auto response = send(request);
  if (response.status != 204 && response.status != 200) throw_oauth_error("revoking the refresh token", response);
}

}  // namespace hubrules::runtime::hubspot

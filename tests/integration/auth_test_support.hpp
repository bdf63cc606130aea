#pragma once
// What the [auth] tests share: a scratch directory, HTTP helpers, and a browser's part of the
// OAuth authorize round trip.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "runtime/http/http_client.hpp"
#include "tests/test_support.hpp"

namespace hubrules::testing::auth {

using namespace std::chrono_literals;
namespace http = hubrules::runtime::http;

using hubrules::testing::TempDir;

inline std::unique_ptr<http::HttpClient> client_to(const std::string& base_url) {
  http::HttpClientOptions options;
  options.base_url = base_url;
  options.request_timeout = 10s;
  return std::make_unique<http::HttpClient>(std::move(options));
}

inline http::HttpRequest get(const std::string& target, const std::string& bearer = "") {
  http::HttpRequest request;
  request.method = "GET";
  request.target = target;
  if (!bearer.empty()) request.headers.emplace_back("Authorization", "Bearer " + bearer);
  return request;
}

// What a person does with the authorize URL in a browser: the sandbox's consent page, Allow
// (302), and the redirect lands on the app's listener. Returns the listener's answer.
inline http::HttpResponse follow_authorize(const std::string& sandbox_url, const std::string& authorize_url) {
  REQUIRE(authorize_url.rfind(sandbox_url + "/oauth/authorize?", 0) == 0);
  const auto page = client_to(sandbox_url)->send(get(authorize_url.substr(sandbox_url.size())));
  REQUIRE(page.status == 200);
  REQUIRE(page.body.find("id=\"allow\"") != std::string::npos);
  http::HttpRequest allow;
  allow.method = "POST";
  allow.target = "/oauth/authorize";
  allow.body = sandbox_allow_form(authorize_url.substr(authorize_url.find('?') + 1));
  allow.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  const auto approve = client_to(sandbox_url)->send(allow);
  REQUIRE(approve.status == 302);
  const std::string location = approve.header("Location").value_or("");
  REQUIRE(location.rfind("http://127.0.0.1:", 0) == 0);
  const auto path = location.find('/', std::string("http://").size());
  return client_to(location.substr(0, path))->send(get(location.substr(path)));
}

}  // namespace hubrules::testing::auth

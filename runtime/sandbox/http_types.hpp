#pragma once
// One HTTP exchange as the sandbox's API code sees it, free of Beast types so the handlers stay
// plain functions of data.
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hubrules::runtime::sandbox {

struct ApiRequest {
  std::string method;  // "GET", "POST", "DELETE", …
  std::string path;    // without the query string
  std::map<std::string, std::string> query;  // decoded
  std::string authorization;                 // the header as sent; never logged
  std::string content_type;
  std::string body;
};

// What the server does after the handler has run.
enum class Delivery { answer, drop };

struct ApiResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json;charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  Delivery delivery = Delivery::answer;
};

}  // namespace hubrules::runtime::sandbox

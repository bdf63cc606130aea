#pragma once
// Secrets never reach a log or an error message: every line this layer logs goes through here.
#include <string>
#include <string_view>

#include "runtime/http/http_types.hpp"

namespace hubrules::runtime::http {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// Redacts secrets in free text: URLs and form bodies (access_token, refresh_token, client_secret,
// code, token parameters), JSON bodies (the same keys), the refresh token in
// DELETE /oauth/v1/refresh-tokens/{token}, "Bearer <token>" and private app tokens (pat-…).
std::string redact(std::string_view text);

// A header's value as it may be logged: Authorization (and cookies) are hidden entirely.
std::string redact_header_value(std::string_view name, std::string_view value);
Headers redact_headers(const Headers& headers);

}  // namespace hubrules::runtime::http

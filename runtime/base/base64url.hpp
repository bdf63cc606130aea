#pragma once
// base64url without padding (RFC 4648, 5): PKCE verifiers and challenges, and the admin page's
// signed cookies, CSRF tokens and OAuth states, all of which travel in URLs and headers.
#include <optional>
#include <string>
#include <string_view>

namespace hubrules::runtime {

std::string base64url_encode(std::string_view bytes);
// nullopt when `text` holds a character outside the alphabet.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace hubrules::runtime

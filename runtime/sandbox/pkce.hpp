#pragma once
// PKCE (RFC 7636), which the 2026-03 OAuth token endpoint verifies (HUBSPOT-API.md, API
// versions: `code_verifier`).
#include <string>
#include <string_view>

namespace hubrules::runtime::sandbox {

// The S256 code_challenge of a code_verifier: BASE64URL(SHA-256(verifier)), without padding.
std::string s256_challenge(std::string_view verifier);

}  // namespace hubrules::runtime::sandbox

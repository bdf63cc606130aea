#pragma once
// PKCE (RFC 7636) for the authorization-code flow: a secret verifier kept by the connecting
// process, and its S256 challenge sent with the authorize request. A code intercepted on its
// way to the redirect is useless without the verifier.
#include <string>
#include <string_view>

namespace hubrules::runtime::auth {

// 43 characters of base64url from 32 random bytes (RFC 7636, 4.1).
std::string make_code_verifier();
// BASE64URL(SHA256(verifier)) without padding (RFC 7636, 4.2, method S256).
std::string code_challenge_s256(std::string_view verifier);

}  // namespace hubrules::runtime::auth

#include "runtime/auth/portal_api.hpp"

#include "runtime/auth/oauth_tokens.hpp"

namespace hubrules::runtime::auth {

namespace {

TokenSourceOptions token_options(const PortalOptions& p) {
  TokenSourceOptions o;
  o.token = p.token;
  o.hubspot_url = p.hubspot_url;
  o.connection = p.connection;
  o.extra_ca_pem = p.extra_ca_pem;
  o.api_family = p.api_family;
  return o;
}

http::HttpClientOptions client_options(const PortalOptions& p) {
  http::HttpClientOptions o;
  o.base_url = p.hubspot_url;
  o.extra_ca_pem = p.extra_ca_pem;
  return o;
}

}  // namespace

PortalApi::PortalApi(StateStore& store, Clock& clock, const PortalOptions& options)
    : tokens_(open_access_tokens(store, clock, token_options(options))),
      token_use_(*tokens_),
      client_(client_options(options)),
      limiter_(clock, options.limits),
      api_(client_, limiter_, clock, token_use_.provider(), options.retry),
      paths_(options.api_family),
      request_timeout_(client_options(options).request_timeout) {}

PortalApi::~PortalApi() = default;

}  // namespace hubrules::runtime::auth

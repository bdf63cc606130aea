#include "runtime/auth/portal_api.hpp"


namespace hubrules::runtime::auth {

namespace {

http::HttpClientOptions client_options(const PortalOptions& p) {
  http::HttpClientOptions o;
  o.base_url = p.access.hubspot_url;
  o.extra_ca_pem = p.access.extra_ca_pem;
  return o;
}

}  // namespace

PortalApi::PortalApi(StateStore& store, Clock& clock, const PortalOptions& options)
    : tokens_(open_access_tokens(store, clock, options.access)),
      token_use_(*tokens_),
      client_(client_options(options)),
      limiter_(clock, options.limits),
      api_(client_, limiter_, clock, token_use_.provider(), options.retry),
      paths_(options.access.api_family),
      request_timeout_(client_options(options).request_timeout) {}

PortalApi::~PortalApi() = default;

}  // namespace hubrules::runtime::auth

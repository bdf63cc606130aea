#include "runtime/auth/portal_api.hpp"

#include <mutex>

namespace hubrules::runtime::auth {

namespace {

http::HttpClientOptions client_options(const PortalOptions& p) {
  http::HttpClientOptions o;
  o.base_url = p.access.hubspot_url;
  o.extra_ca_pem = p.access.extra_ca_pem;
  return o;
}

}  // namespace

class PortalApi::GuardedTokens final : public hubspot::AccessTokens {
 public:
  explicit GuardedTokens(std::unique_ptr<hubspot::AccessTokens> inner) : inner_(std::move(inner)) {}

  const std::string& connection_id() const override { return inner_->connection_id(); }
  std::string token() override {
    std::function<void()> check;
    {
      std::lock_guard lock(mutex_);
      check = check_;
    }
    if (check) check();
    return inner_->token();
  }
  void unauthorized(const std::string& token_used) override { inner_->unauthorized(token_used); }
  void posted() override { inner_->posted(); }

  void guard(std::function<void()> check) {
    std::lock_guard lock(mutex_);
    check_ = std::move(check);
  }

 private:
  std::unique_ptr<hubspot::AccessTokens> inner_;
  std::mutex mutex_;
  std::function<void()> check_;
};

PortalApi::PortalApi(StateStore& store, Clock& clock, const PortalOptions& options)
    : tokens_(std::make_unique<GuardedTokens>(open_access_tokens(store, clock, options.access))),
      token_use_(*tokens_),
      client_(client_options(options)),
      limiter_(clock, options.limits),
      api_(client_, limiter_, clock, token_use_.provider(), options.retry),
      paths_(options.access.api_family),
      request_timeout_(client_options(options).request_timeout) {}

PortalApi::~PortalApi() = default;

hubspot::AccessTokens& PortalApi::tokens() { return *tokens_; }

void PortalApi::guard_sends(std::function<void()> check) { tokens_->guard(std::move(check)); }

}  // namespace hubrules::runtime::auth

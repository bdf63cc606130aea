// Interim: private-app tokens only, until the OAuth connection lands.
#include "runtime/auth/token_source.hpp"

namespace hubrules::runtime::auth {

namespace {
class PrivateAppTokens : public AccessTokens {
 public:
  PrivateAppTokens(StateStore& store, Clock& clock, std::string token)
      : store_(store), clock_(clock), token_(std::move(token)) {
    if (!store_.connection(id_)) {
      Connection c;
      c.id = id_;
      store_.save_connection(c);
    }
  }
  const std::string& connection_id() const override { return id_; }
  std::string token() override { return token_; }
  void unauthorized(const std::string&) override {
    store_.mark_broken(id_, "HubSpot rejected the private-app token");
    throw ConnectionBroken(id_, "HubSpot rejected the private-app token");
  }
  void posted() override { store_.record_successful_post(id_, clock_.now()); }

 private:
  StateStore& store_;
  Clock& clock_;
  std::string token_;
  std::string id_ = "private-app";
};
}  // namespace

std::unique_ptr<AccessTokens> open_access_tokens(StateStore& store, Clock& clock, const TokenSourceOptions& options) {
  if (options.explicit_token.empty())
    throw std::runtime_error("no HubSpot connection: run `hubrules connect` or pass --token (or HUBSPOT_TOKEN)");
  return std::make_unique<PrivateAppTokens>(store, clock, options.explicit_token);
}

}  // namespace hubrules::runtime::auth

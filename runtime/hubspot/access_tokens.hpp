#pragma once
// The access token for a connection's HubSpot calls, and the connection rules of the seed
// product: OAuth access tokens refreshed ahead of their expiry (one refresh at a time), a
// refresh token HubSpot rejects (BAD_REFRESH_TOKEN) or a 401 a refresh cannot cure breaks the
// connection, and so does 180 days without a successful post. A broken connection is marked in
// the store; its bookings are parked by the pipeline until `hubrules connect` repairs it.
#include <memory>
#include <stdexcept>
#include <string>


namespace hubrules::runtime::hubspot {

// The connection cannot be used until the admin reconnects. The store already says so.
class ConnectionBroken : public std::runtime_error {
 public:
  ConnectionBroken(std::string connection_id, std::string reason)
      : std::runtime_error("connection " + connection_id + " is broken: " + reason),
        connection_id_(std::move(connection_id)),
        reason_(std::move(reason)) {}
  const std::string& connection_id() const { return connection_id_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string connection_id_;
  std::string reason_;
};

// Thread-safe.
class AccessTokens {
 public:
  virtual ~AccessTokens() = default;
  // The store's id of the connection (bookings are parked under it).
  virtual const std::string& connection_id() const = 0;
  // The token for the next call. Refreshes an OAuth access token that expires within the
  // margin; applies the 180-day rule. Throws ConnectionBroken after marking the store.
  virtual std::string token() = 0;
  // HubSpot answered 401 to a call made with `token_used`. Returns when a retry may succeed
  // (another token is now current, by this refresh or a concurrent one); otherwise marks the
  // connection broken and throws ConnectionBroken.
  virtual void unauthorized(const std::string& token_used) = 0;
  // A post succeeded now (the 180-day rule counts from the last one).
  virtual void posted() = 0;
};

}  // namespace hubrules::runtime::hubspot

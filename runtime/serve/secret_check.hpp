#pragma once
// Comparing a presented secret with the accepted ones without telling, through timing, how
// much of it matched or how long the real one is: both sides are hashed to a fixed length
// (HMAC-SHA256 under a key made at start) and the digests compared in constant time. Every
// accepted secret is compared, even after a match, so the position of a match does not show.
#include <string>
#include <string_view>
#include <vector>

namespace hubrules::runtime::serve {

class SecretCheck {
 public:
  explicit SecretCheck(std::vector<std::string> accepted);
  bool accepts(std::string_view presented) const;
  bool empty() const { return digests_.empty(); }

 private:
  std::string digest(std::string_view text) const;
  std::string key_;
  std::vector<std::string> digests_;
};

}  // namespace hubrules::runtime::serve

#pragma once
// The set of free-mail domains (gmail.com, docomo.ne.jp, …) whose addresses say nothing about
// the guest's company. Starts from the bundled list; a rule file may add and remove domains.
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace hubrules::text {

class FreeMailDomains {
 public:
  // The list shipped in rules/free-email-domains.txt (compiled into the binary).
  static const FreeMailDomains& bundled();

  // Parses one domain a line; blank lines and lines starting with '#' are ignored.
  static FreeMailDomains from_text(std::string_view text);

  // domain must already be lowercase.
  bool contains(std::string_view domain) const noexcept { return set_.contains(domain); }
  void add(std::string_view domain);
  void remove(std::string_view domain) { set_.erase(domain); }
  std::size_t size() const noexcept { return set_.size(); }

  FreeMailDomains() = default;
  FreeMailDomains(const FreeMailDomains& other);
  FreeMailDomains& operator=(const FreeMailDomains&) = delete;

 private:
  std::unordered_set<std::string_view> set_;
  std::deque<std::string> owned_;  // storage for domains that do not point into static text
};

}  // namespace hubrules::text

#pragma once
// The set of free-mail domains (gmail.com, docomo.ne.jp, …) whose addresses say nothing about
// the guest's company. Starts from the bundled list; a rule file may add and remove domains.
#include <deque>
#include <set>
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

  // A list that reads as `base` (which must outlive it) plus edits of its own: every compiled
  // rule file gets one without copying the 14,000 bundled domains.
  static FreeMailDomains edits_of(const FreeMailDomains& base);

  // domain must already be lowercase.
  bool contains(std::string_view domain) const noexcept {
    if (!set_.empty() && set_.contains(domain)) return true;
    return base_ != nullptr && (removed_.empty() || !removed_.contains(domain)) && base_->contains(domain);
  }
  void add(std::string_view domain);
  void remove(std::string_view domain);
  std::size_t size() const noexcept { return set_.size() + (base_ != nullptr ? base_->size() - removed_.size() : 0); }

  FreeMailDomains() = default;
  FreeMailDomains(const FreeMailDomains& other);
  FreeMailDomains& operator=(const FreeMailDomains&) = delete;

 private:
  const FreeMailDomains* base_ = nullptr;
  std::unordered_set<std::string_view> set_;        // domains of this list itself
  std::set<std::string, std::less<>> removed_;     // domains of base_ this list leaves out
  std::deque<std::string> owned_;  // storage for domains that do not point into static text
};

}  // namespace hubrules::text

#include "engine/text/free_mail_domains.hpp"

#include "engine/text/whitespace.hpp"
#include "rules/bundled_data.hpp"

namespace hubrules::text {

const FreeMailDomains& FreeMailDomains::bundled() {
  static const FreeMailDomains list = from_text(rules::bundled_free_mail_domains());
  return list;
}

FreeMailDomains FreeMailDomains::from_text(std::string_view text) {
  FreeMailDomains list;
  list.set_.reserve(text.size() / 16);
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.front() != '#') list.set_.insert(line);
  }
  return list;
}

FreeMailDomains FreeMailDomains::edits_of(const FreeMailDomains& base) {
  FreeMailDomains list;
  list.base_ = &base;
  return list;
}

FreeMailDomains::FreeMailDomains(const FreeMailDomains& other)
    : base_(other.base_), set_(other.set_), removed_(other.removed_) {
  // Views into other's owned strings must point into our own copies.
  for (const std::string& d : other.owned_) {
    set_.erase(d);
    set_.insert(owned_.emplace_back(d));
  }
}

void FreeMailDomains::add(std::string_view domain) {
  if (const auto it = removed_.find(domain); it != removed_.end()) removed_.erase(it);
  if (contains(domain)) return;
  set_.insert(owned_.emplace_back(domain));
}

void FreeMailDomains::remove(std::string_view domain) {
  set_.erase(domain);
  if (base_ != nullptr && base_->contains(domain)) removed_.emplace(domain);
}

}  // namespace hubrules::text

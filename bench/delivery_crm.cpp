// The final CRM state of a run, keyed by what the records mean rather than by their ids, so that
// two strategies' results can be compared and their duplicates counted.
#include <algorithm>
#include <numeric>

#include "bench/delivery_bench.hpp"
#include "engine/text/ascii_case.hpp"

namespace hubrules::bench {

namespace {

constexpr std::size_t kExamplesKept = 6;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = text::to_lower_ascii(c);
  return out;
}

std::string property_or_empty(const runtime::SandboxRecord& r, const std::string& name) {
  const auto it = r.properties.find(name);
  return it == r.properties.end() ? std::string() : lower(it->second);
}

// Union-find over the companies: records sharing a lowercase domain or name are one company.
class CompanyGroups {
 public:
  explicit CompanyGroups(const std::vector<runtime::SandboxRecord>& companies) : parent_(companies.size()) {
    std::iota(parent_.begin(), parent_.end(), std::size_t{0});
    std::map<std::string, std::size_t> first_with_key;
    for (std::size_t i = 0; i < companies.size(); ++i)
      for (const auto& key : keys(companies[i])) {
        const auto [it, fresh] = first_with_key.emplace(key, i);
        if (!fresh) parent_[find(i)] = find(it->second);
      }
    for (std::size_t i = 0; i < companies.size(); ++i) name_group(find(i), keys(companies[i]));
  }

  // The group's name: its smallest domain key, else its smallest name key, the same in every run.
  const std::string& label(std::size_t i) { return labels_[find(i)]; }

  static std::vector<std::string> keys(const runtime::SandboxRecord& r) {
    std::vector<std::string> out;
    if (auto d = property_or_empty(r, "domain"); !d.empty()) out.push_back("domain:" + d);
    if (auto n = property_or_empty(r, "name"); !n.empty()) out.push_back("name:" + n);
    if (out.empty()) out.push_back("id:" + r.id);  // neither: a group of its own
    return out;
  }

 private:
  std::size_t find(std::size_t i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }

  void name_group(std::size_t root, const std::vector<std::string>& keys) {
    std::string& label = labels_[root];
    for (const auto& k : keys) {
      const bool domain = k.rfind("domain:", 0) == 0, label_domain = label.rfind("domain:", 0) == 0;
      if (label.empty() || (domain && !label_domain) || (domain == label_domain && k < label)) label = k;
    }
  }

  std::vector<std::size_t> parent_;
  std::map<std::size_t, std::string> labels_;
};

long beyond_first(const std::map<std::string, std::vector<Properties>>& m) {
  long n = 0;
  for (const auto& [key, records] : m) n += long(records.size()) - 1;
  return n;
}

void note(CrmDiff& d, std::string example) {
  if (d.examples.size() < kExamplesKept) d.examples.push_back(std::move(example));
}

// Compares one side of the view (contacts or companies): keys on one side only, and keys whose
// record count or oldest record differ.
void compare_records(const std::map<std::string, std::vector<Properties>>& ref,
                     const std::map<std::string, std::vector<Properties>>& other, long& missing, long& extra,
                     long& changed, CrmDiff& d) {
  for (const auto& [key, records] : ref) {
    const auto it = other.find(key);
    if (it == other.end()) {
      ++missing;
      note(d, "missing " + key);
    } else if (it->second.size() != records.size() || it->second.front() != records.front()) {
      ++changed;
      note(d, key + ": " + std::to_string(records.size()) + " record(s) vs " + std::to_string(it->second.size()) +
                  (it->second.front() != records.front() ? ", other properties" : ""));
    }
  }
  for (const auto& [key, records] : other)
    if (!ref.count(key)) {
      ++extra;
      note(d, "extra " + key);
    }
}

}  // namespace

CrmView view_of(const runtime::SandboxState& state) {
  CrmView v;
  std::map<std::string, std::string> email_of, group_of;  // by record id
  for (const auto& c : state.contacts) {
    const std::string email = property_or_empty(c, "email");
    v.contacts[email].push_back(c.properties);  // state() lists records by id: oldest first
    email_of[c.id] = email;
  }
  CompanyGroups groups(state.companies);
  for (std::size_t i = 0; i < state.companies.size(); ++i) {
    const std::string& label = groups.label(i);
    v.companies[label].push_back(state.companies[i].properties);
    group_of[state.companies[i].id] = label;
  }
  for (const auto& a : state.associations) v.associations.emplace(email_of[a.contact_id], group_of[a.company_id]);
  v.contact_duplicates = beyond_first(v.contacts);
  v.company_duplicates = beyond_first(v.companies);
  return v;
}

CrmDiff compare(const CrmView& reference, const CrmView& other) {
  CrmDiff d;
  compare_records(reference.contacts, other.contacts, d.contacts_missing, d.contacts_extra, d.contacts_changed, d);
  compare_records(reference.companies, other.companies, d.companies_missing, d.companies_extra, d.companies_changed, d);
  for (const auto& a : reference.associations)
    if (!other.associations.count(a)) {
      ++d.associations_missing;
      note(d, "missing association " + a.first + " → " + a.second);
    }
  for (const auto& a : other.associations)
    if (!reference.associations.count(a)) {
      ++d.associations_extra;
      note(d, "extra association " + a.first + " → " + a.second);
    }
  return d;
}

bool CrmDiff::same() const {
  return contacts_missing + contacts_extra + contacts_changed + companies_missing + companies_extra +
             companies_changed + associations_missing + associations_extra ==
         0;
}

std::string CrmDiff::summary() const {
  if (same()) return "yes";
  std::string s = "no:";
  auto part = [&](long n, const char* what) {
    if (n) s += " " + std::to_string(n) + " " + what + ",";
  };
  part(contacts_missing, "contacts missing");
  part(contacts_extra, "contacts extra");
  part(contacts_changed, "contacts differ");
  part(companies_missing, "companies missing");
  part(companies_extra, "companies extra");
  part(companies_changed, "companies differ");
  part(associations_missing, "associations missing");
  part(associations_extra, "associations extra");
  s.pop_back();
  return s;
}

}  // namespace hubrules::bench

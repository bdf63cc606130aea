// The final CRM state of a run, keyed by what the records mean rather than by their ids, so that
// two strategies' results can be compared and their duplicates counted.

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

// Union-find over company keys ("domain:x", "name:y"): keys met together are one company.
class KeyUnion {
 public:
  void join(const std::vector<std::string>& keys) {
    for (const auto& k : keys) parent_.emplace(k, k);
    for (std::size_t i = 1; i < keys.size(); ++i) parent_[find(keys[i])] = find(keys[0]);
  }

  // Each key's company, named by its smallest domain key, else its smallest name key.
  CompanyLabels labels() {
    std::map<std::string, std::string> best;  // root → label
    for (const auto& [key, parent] : parent_) {
      std::string& label = best[find(key)];
      if (label.empty() || better_label(key, label)) label = key;
    }
    CompanyLabels out;
    for (const auto& [key, parent] : parent_) out[key] = best[find(key)];
    return out;
  }

  // The key's set, named by its root.
  std::string find(std::string k) {
    while (parent_[k] != k) k = parent_[k] = parent_[parent_[k]];
    return k;
  }

 private:
  static bool better_label(const std::string& k, const std::string& label) {
    const bool domain = k.rfind("domain:", 0) == 0, label_domain = label.rfind("domain:", 0) == 0;
    return domain != label_domain ? domain : k < label;
  }

  std::map<std::string, std::string> parent_;
};

std::vector<std::string> record_keys(const runtime::SandboxRecord& r) {
  std::vector<std::string> out;
  if (auto d = property_or_empty(r, "domain"); !d.empty()) out.push_back("domain:" + d);
  if (auto n = property_or_empty(r, "name"); !n.empty()) out.push_back("name:" + n);
  return out;
}

// Records beyond the first among companies that share a domain or a name: what dedupe by
// domain or name should have prevented. (Two records of one real company that share neither,
// say one made with a domain only and one with a name only, are not duplicates by the rules.)
void count_company_duplicates(const std::vector<runtime::SandboxRecord>& companies, CrmView& v) {
  KeyUnion shared;
  for (const auto& c : companies) shared.join(record_keys(c));
  std::map<std::string, long> records;  // by the root key of the records sharing keys
  for (const auto& c : companies)
    if (const auto keys = record_keys(c); !keys.empty()) ++records[shared.find(keys.front())];
  for (const auto& [key, n] : records)
    if (n > 1) {
      v.company_duplicates += n - 1;
      v.duplicate_examples.push_back(std::to_string(n) + " companies sharing " + key);
    }
}

// The record's company: the bookings' label of its first known key; a record no booking
// explains stands alone.
std::string company_label(const runtime::SandboxRecord& r, const CompanyLabels& labels) {
  const auto keys = record_keys(r);
  for (const auto& k : keys)
    if (auto it = labels.find(k); it != labels.end()) return it->second;
  return keys.empty() ? "id:" + r.id : keys.front();
}

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

CompanyLabels company_labels(const engine::PlanPtr& plan, std::string_view ndjson) {
  KeyUnion keys;
  for_each_candidate(plan, ndjson, [&](const runtime::BookingCandidate& b) {
    if (!b.company) return;
    std::vector<std::string> ks;
    for (const auto& k : b.company->keys) ks.push_back(k.property + ":" + k.value);  // already lowercase
    keys.join(ks);
  });
  return keys.labels();
}

CrmView view_of(const runtime::SandboxState& state, const CompanyLabels& labels) {
  CrmView v;
  std::map<std::string, std::string> email_of, company_of;  // by record id
  for (const auto& c : state.contacts) {
    const std::string email = property_or_empty(c, "email");
    v.contacts[email].push_back(c.properties);  // state() lists records by id: oldest first
    email_of[c.id] = email;
  }
  for (const auto& c : state.companies) {
    const std::string label = company_label(c, labels);
    v.companies[label].push_back(c.properties);
    company_of[c.id] = label;
  }
  for (const auto& a : state.associations) v.associations.emplace(email_of[a.contact_id], company_of[a.company_id]);
  v.contact_duplicates = beyond_first(v.contacts);
  for (const auto& [email, records] : v.contacts)
    if (records.size() > 1) v.duplicate_examples.push_back(std::to_string(records.size()) + " contacts with " + email);
  count_company_duplicates(state.companies, v);
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

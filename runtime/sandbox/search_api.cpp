// POST /crm/v3/objects/{object}/search (HUBSPOT-API.md, Search): filterGroups OR'ed, filters
// AND'ed inside a group, HubSpot's limits, paging by offset, and the search lag.
#include <algorithm>
#include <charconv>
#include <set>

#include "engine/text/ascii_case.hpp"
#include "runtime/sandbox/api_context.hpp"
#include "runtime/sandbox/record_json.hpp"

namespace hubrules::runtime::sandbox {

namespace {

namespace dom = simdjson::dom;

// HUBSPOT-API.md, Search: "5 filterGroups, 6 filters per group, 18 filters in all; limit up to
// 200; no more than 10,000 results per query".
constexpr std::size_t max_groups = 5, max_filters_per_group = 6, max_filters = 18;
constexpr std::int64_t max_limit = 200, max_results = 10000;

struct Filter {
  std::string property;
  std::string op;
  std::string value;
  std::string high_value;
  std::vector<std::string> values;
  bool string_typed = true;
};

using FilterGroup = std::vector<Filter>;

std::optional<double> as_number(std::string_view s) {
  double d = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
  if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size()) return std::nullopt;
  return d;
}

// Numbers compare as numbers, everything else as case-blind text.
int compare(std::string_view a, std::string_view b) {
  const auto x = as_number(a), y = as_number(b);
  if (x && y) return *x < *y ? -1 : (*x > *y ? 1 : 0);
  const std::string la = text::lower_ascii(a), lb = text::lower_ascii(b);
  return la < lb ? -1 : (la > lb ? 1 : 0);
}

bool in_values(const Filter& f, const std::string& v) {
  // IN/NOT_IN on strings match only lowercase values (HUBSPOT-API.md, Search): the record's
  // value is lowercased, the request's is not, so "Acme.com" in values never matches.
  const std::string probe = f.string_typed ? text::lower_ascii(v) : v;
  for (const auto& x : f.values)
    if (f.string_typed ? x == probe : compare(x, v) == 0) return true;
  return false;
}

bool contains_token(std::string_view value, std::string token) {
  token.erase(std::remove(token.begin(), token.end(), '*'), token.end());
  return text::lower_ascii(value).find(text::lower_ascii(token)) != std::string::npos;
}

bool matches(const Record& r, const Filter& f) {
  const auto v = property_value(r, f.property, true);
  if (f.op == "HAS_PROPERTY") return v.has_value();
  if (f.op == "NOT_HAS_PROPERTY") return !v;
  if (f.op == "NEQ") return !v || compare(*v, f.value) != 0;
  if (f.op == "NOT_IN") return !v || !in_values(f, *v);
  if (!v) return false;
  if (f.op == "EQ") return compare(*v, f.value) == 0;  // case-insensitive on strings
  if (f.op == "IN") return in_values(f, *v);
  if (f.op == "LT") return compare(*v, f.value) < 0;
  if (f.op == "LTE") return compare(*v, f.value) <= 0;
  if (f.op == "GT") return compare(*v, f.value) > 0;
  if (f.op == "GTE") return compare(*v, f.value) >= 0;
  if (f.op == "BETWEEN") return compare(*v, f.value) >= 0 && compare(*v, f.high_value) <= 0;
  if (f.op == "CONTAINS_TOKEN") return contains_token(*v, f.value);
  if (f.op == "NOT_CONTAINS_TOKEN") return !contains_token(*v, f.value);
  return false;
}

bool known_operator(std::string_view op) {
  static const std::vector<std::string_view> ops = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
                                                    "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN",
                                                    "NOT_CONTAINS_TOKEN"};
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

std::optional<std::string> read_filter(const PropertySchema& schema, dom::element e, Filter& f) {
  f.property = std::string(string_field(e, "propertyName").value_or(""));
  f.op = std::string(string_field(e, "operator").value_or(""));
  const PropertySpec* spec = schema.find(f.property);
  if (!spec) return "Property \"" + f.property + "\" does not exist";
  if (!known_operator(f.op)) return "Unknown filter operator \"" + f.op + "\"";
  f.string_typed = spec->type == "string" || spec->type == "enumeration" || spec->type == "phone_number";
  dom::element x;
  if (e["value"].get(x) == simdjson::SUCCESS) f.value = scalar_text(x).value_or("");
  if (e["highValue"].get(x) == simdjson::SUCCESS) f.high_value = scalar_text(x).value_or("");
  dom::array values;
  if (e["values"].get_array().get(values) == simdjson::SUCCESS)
    for (auto v : values) f.values.push_back(scalar_text(v).value_or(""));
  if ((f.op == "IN" || f.op == "NOT_IN") && f.values.empty()) return "Operator " + f.op + " requires values";
  return std::nullopt;
}

std::optional<std::string> read_groups(const PropertySchema& schema, dom::element doc, std::vector<FilterGroup>& out) {
  dom::array groups;
  if (doc["filterGroups"].get_array().get(groups) != simdjson::SUCCESS) return std::nullopt;
  if (groups.size() > max_groups)
    return "Too many filter groups (" + std::to_string(groups.size()) + "). The maximum number is 5.";
  std::size_t total = 0;
  for (auto g : groups) {
    dom::array filters;
    FilterGroup group;
    if (g["filters"].get_array().get(filters) == simdjson::SUCCESS) {
      if (filters.size() > max_filters_per_group)
        return "Too many filters in a group (" + std::to_string(filters.size()) + "). The maximum number is 6.";
      for (auto f : filters) {
        group.emplace_back();
        if (auto problem = read_filter(schema, f, group.back())) return problem;
      }
    }
    total += group.size();
    out.push_back(std::move(group));
  }
  if (total > max_filters) return "Too many filters (" + std::to_string(total) + "). The maximum number is 18.";
  return std::nullopt;
}

bool matches_groups(const Record& r, const std::vector<FilterGroup>& groups) {
  if (groups.empty()) return true;
  return std::any_of(groups.begin(), groups.end(), [&](const FilterGroup& g) {
    return std::all_of(g.begin(), g.end(), [&](const Filter& f) { return matches(r, f); });
  });
}

// The ids an EQ or IN filter can match, from the store's index; nullopt when the filter needs
// every record looked at (another operator, a computed property, a number compared as one).
std::optional<std::set<std::int64_t>> indexed_ids(Store& store, std::string_view object, const Filter& f) {
  if (is_computed_property(object, f.property)) return std::nullopt;
  std::vector<std::string> keys;
  // EQ compares case-blind text unless both sides are numbers: a value that is no number
  // matches only records whose lowercased value is its own lowercased.
  if (f.op == "EQ" && !as_number(f.value)) keys.push_back(text::lower_ascii(f.value));
  // IN on strings matches records whose lowercased value is one of the values as sent.
  else if (f.op == "IN" && f.string_typed) keys = f.values;
  else return std::nullopt;
  std::set<std::int64_t> ids;
  for (const auto& key : keys)
    if (const auto* found = store.ids_with(object, f.property, key)) ids.insert(found->begin(), found->end());
  return ids;
}

// The records a search can match, in id order: when every group has an indexed filter, the
// union over the groups of each group's smallest set; nullopt when every record must be looked
// at. The filters still run on each candidate, so the answer is the scan's.
std::optional<std::set<std::int64_t>> candidates(Store& store, std::string_view object,
                                                 const std::vector<FilterGroup>& groups) {
  if (groups.empty()) return std::nullopt;
  std::set<std::int64_t> all;
  for (const auto& g : groups) {
    std::optional<std::set<std::int64_t>> smallest;
    for (const auto& f : g)
      if (auto ids = indexed_ids(store, object, f); ids && (!smallest || ids->size() < smallest->size()))
        smallest = std::move(ids);
    if (!smallest) return std::nullopt;
    all.insert(smallest->begin(), smallest->end());
  }
  return all;
}

bool matches_query(const Record& r, const std::string& query) {
  if (query.empty()) return true;
  for (const char* p : {"firstname", "lastname", "email", "phone", "company", "name", "domain", "website"})
    if (const auto v = property_value(r, p); v && text::lower_ascii(*v).find(text::lower_ascii(query)) != std::string::npos) return true;
  return false;
}

void sort_results(std::vector<const Record*>& hits, dom::element doc) {
  dom::array sorts;
  dom::element first;
  if (doc["sorts"].get_array().get(sorts) != simdjson::SUCCESS || sorts.at(0).get(first) != simdjson::SUCCESS) return;
  std::string property, direction = "ASCENDING";
  if (auto s = scalar_text(first); s && first.is_string()) {
    property = *s;
    if (!property.empty() && property[0] == '-') property.erase(0, 1), direction = "DESCENDING";
  } else {
    property = std::string(string_field(first, "propertyName").value_or(""));
    direction = std::string(string_field(first, "direction").value_or("ASCENDING"));
  }
  const bool desc = direction == "DESCENDING";
  std::stable_sort(hits.begin(), hits.end(), [&](const Record* a, const Record* b) {
    const int c = compare(property_value(*a, property, true).value_or(""), property_value(*b, property, true).value_or(""));
    return desc ? c > 0 : c < 0;
  });
}

std::int64_t int_field(dom::element doc, std::string_view key, std::int64_t fallback) {
  dom::element e;
  if (doc[key].get(e) != simdjson::SUCCESS) return fallback;
  const auto text = scalar_text(e);
  return text ? parse_id(*text).value_or(-1) : -1;
}

ApiResponse search_answer(std::string_view object, const std::vector<const Record*>& hits, std::int64_t after,
                          std::int64_t limit, dom::element doc) {
  const auto props = requested_properties(object, string_array(doc, "properties"));
  JsonOut j;
  j.begin_object().field("total", static_cast<std::int64_t>(hits.size())).key("results").begin_array();
  const auto end = std::min<std::int64_t>(static_cast<std::int64_t>(hits.size()), after + limit);
  for (auto i = after; i < end; ++i) write_record(j, *hits[static_cast<std::size_t>(i)], props);
  j.end_array();
  if (end < static_cast<std::int64_t>(hits.size()))
    j.key("paging").begin_object().key("next").begin_object().field("after", std::to_string(end)).end_object().end_object();
  j.end_object();
  return json_response(200, j.take());
}

}  // namespace

ApiResponse search_objects(ApiContext& c, std::string_view object, const ApiRequest& req) {
  dom::parser parser;
  const auto doc = parse_body(parser, req.body);
  if (!doc) return error_response(400, "VALIDATION_ERROR", "Invalid input JSON");
  std::vector<FilterGroup> groups;
  if (auto problem = read_groups(c.schema(object), *doc, groups)) return error_response(400, "VALIDATION_ERROR", *problem);
  const auto limit = int_field(*doc, "limit", 10);
  const auto after = int_field(*doc, "after", 0);
  if (limit < 0 || limit > max_limit)
    return error_response(400, "VALIDATION_ERROR", "limit must be between 0 and 200, was " + std::to_string(limit));
  if (after < 0 || after + limit > max_results)
    return error_response(400, "VALIDATION_ERROR", "Search results are limited to 10,000 per query");
  const std::string query(string_field(*doc, "query").value_or(""));
  // Records written less than the lag ago are not indexed yet (HUBSPOT-API.md, Search:
  // "Eventual consistency").
  const std::int64_t indexed_before = c.now_ms() - c.search_lag.count();
  std::vector<const Record*> hits;
  const auto consider = [&](const Record& r) {
    if (!r.archived && r.updated_ms <= indexed_before && matches_groups(r, groups) && matches_query(r, query))
      hits.push_back(&r);
  };
  if (const auto ids = candidates(c.store, object, groups)) {
    for (const auto id : *ids)
      if (const Record* r = c.store.find(object, id)) consider(*r);
  } else {
    for (const auto& [_, r] : c.store.all(object)) consider(r);
  }
  sort_results(hits, *doc);
  return search_answer(object, hits, after, limit, *doc);
}

}  // namespace hubrules::runtime::sandbox

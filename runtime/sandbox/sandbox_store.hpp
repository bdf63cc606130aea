#pragma once
// The sandbox's CRM data: records and associations in SQLite (so a --db file survives a
// restart), with the working set held in memory so search and list stay fast.
#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "runtime/store/sqlite_handle.hpp"

namespace hubrules::runtime::sandbox {

using Properties = std::map<std::string, std::string, std::less<>>;

struct Record {
  std::int64_t id = 0;
  std::string object;  // "contacts" or "companies"
  Properties properties;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  bool archived = false;
};

struct Association {
  std::int64_t contact_id = 0;
  std::int64_t company_id = 0;
  int type_id = 279;
};

struct StoredToken {
  std::string token;
  std::string kind;  // "access", "refresh" or "code"
  std::string link;  // access: its refresh token; code: its redirect_uri
  std::int64_t expires_ms = 0;
  bool revoked = false;
  std::string challenge;  // code: the PKCE S256 code_challenge of its authorize request; empty: none
  std::string scopes;     // granted, space-separated; empty: stored before scopes were (see oauth_api.cpp)
};

// A custom property's definition, as GET /crm/v3/properties/{object}/{name} answers it.
struct StoredProperty {
  std::string object;  // "contacts" or "companies"
  std::string name;
  std::string definition;
};

class Store {
 public:
  explicit Store(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const Record& create(std::string_view object, Properties properties, std::int64_t created_ms, std::int64_t updated_ms);
  void save(const Record& record);
  Record* find(std::string_view object, std::int64_t id);
  // Contact emails are unique and compared lowercased (HUBSPOT-API.md, Records: "email is unique").
  std::optional<std::int64_t> contact_by_email(std::string_view email) const;
  const std::map<std::int64_t, Record>& all(std::string_view object) const;
  // The ids, in order, of the live records whose `property` (a stored one, not hs_object_id or
  // the dates) lowercased is `lowered`; null when there are none. What search's EQ and IN and
  // batch read by idProperty look up, so they cost the same with 100 records or 100,000.
  const std::set<std::int64_t>* ids_with(std::string_view object, std::string_view property,
                                         std::string_view lowered) const;

  // false when the association already existed.
  bool associate(const Association& a);
  const std::vector<Association>& associations() const { return associations_; }

  void save_token(const StoredToken& t);
  StoredToken* token(std::string_view value);
  std::vector<StoredToken*> tokens_of_kind(std::string_view kind);

  void save_property(std::string_view object, std::string_view name, const std::string& definition);
  // The custom properties, in the order they were created.
  const std::vector<StoredProperty>& custom_properties() const { return properties_; }

  // Groups writes of one request: SQLite syncs once per commit, and a request that fails half
  // way leaves the database usable (rolled back).
  class Transaction {
   public:
    explicit Transaction(Store& s);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

   private:
    Store& store_;
    bool done_ = false;
  };

 private:
  void load();
  void add_missing_columns();
  void add_token_column(const char* name);
  sqlite::Statement statement(const char* sql);
  void index(const Record& r);
  void unindex(const Record& r);
  std::map<std::int64_t, Record>& table(std::string_view object);

  sqlite::Database db_;
  std::map<std::int64_t, Record> contacts_, companies_;
  std::map<std::string, std::int64_t, std::less<>> emails_;
  // object → property → lowercased value → ids; and each record's lowercased values as indexed,
  // so that an update unindexes what it replaces.
  using ValueIndex = std::map<std::string, std::set<std::int64_t>, std::less<>>;
  std::map<std::string, std::map<std::string, ValueIndex, std::less<>>, std::less<>> values_;
  std::unordered_map<std::int64_t, Properties> indexed_;
  std::vector<Association> associations_;
  std::set<std::tuple<std::int64_t, std::int64_t, int>> association_keys_;  // what associations_ holds
  std::map<std::string, StoredToken, std::less<>> tokens_;
  std::vector<StoredProperty> properties_;
};

std::string properties_json(const Properties& p);

}  // namespace hubrules::runtime::sandbox

#include "runtime/sandbox/sandbox_store.hpp"

#include <simdjson.h>

#include <stdexcept>

#include "engine/text/ascii_case.hpp"
#include "runtime/sandbox/api_common.hpp"

namespace hubrules::runtime::sandbox {

namespace {

constexpr const char* schema_sql = R"(
CREATE TABLE IF NOT EXISTS objects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  properties TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS associations (
  contact_id INTEGER NOT NULL,
  company_id INTEGER NOT NULL,
  type_id INTEGER NOT NULL,
  PRIMARY KEY (contact_id, company_id, type_id));
CREATE TABLE IF NOT EXISTS tokens (
  token TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  link TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL,
  challenge TEXT NOT NULL DEFAULT '',
  scopes TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS properties (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  object TEXT NOT NULL,
  name TEXT NOT NULL,
  definition TEXT NOT NULL,
  UNIQUE (object, name));
)";

Properties parse_properties(const std::string& json) {
  Properties out;
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json).get(obj) != simdjson::SUCCESS) return out;
  for (auto [k, v] : obj) {
    std::string_view s;
    if (v.get_string().get(s) == simdjson::SUCCESS) out.emplace(std::string(k), std::string(s));
  }
  return out;
}

}  // namespace

std::string properties_json(const Properties& p) {
  JsonOut j;
  j.begin_object();
  for (const auto& [k, v] : p) j.field(k, v);
  j.end_object();
  return j.take();
}

// The SQLite plumbing is the state store's (runtime/store/sqlite_handle): one owner of the C API.
Store::Store(const std::string& path) : db_(path, 5000) {
  db_.exec("PRAGMA journal_mode=WAL");
  db_.exec("PRAGMA synchronous=NORMAL");
  db_.exec(schema_sql);
  add_missing_columns();
  load();
}

// A --db file written before PKCE has no challenge column, one from before granted scopes no
// scopes column; CREATE TABLE IF NOT EXISTS leaves them so.
void Store::add_missing_columns() {
  add_token_column("challenge");
  add_token_column("scopes");
}

void Store::add_token_column(const char* name) {
  bool present = false;
  {
    sqlite::Statement columns = statement("PRAGMA table_info(tokens)");
    while (columns.step()) present = present || columns.text(1) == name;
  }
  if (!present) db_.exec(("ALTER TABLE tokens ADD COLUMN " + std::string(name) + " TEXT NOT NULL DEFAULT ''").c_str());
}

Store::~Store() = default;

sqlite::Statement Store::statement(const char* sql) { return sqlite::Statement(db_.handle(), sql, db_.file()); }

Store::Transaction::Transaction(Store& s) : store_(s) { store_.db_.exec("BEGIN"); }

Store::Transaction::~Transaction() {
  if (done_) return;
  sqlite3_exec(store_.db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Store::Transaction::commit() {
  store_.db_.exec("COMMIT");
  done_ = true;
}

void Store::load() {
  sqlite::Statement objects = statement("SELECT id, type, properties, created_at, updated_at, archived FROM objects");
  while (objects.step()) {
    Record r{objects.integer(0), objects.text(1), parse_properties(objects.text(2)), objects.integer(3),
             objects.integer(4), objects.integer(5) != 0};
    index(r);
    table(r.object).emplace(r.id, std::move(r));
  }
  sqlite::Statement assoc = statement("SELECT contact_id, company_id, type_id FROM associations");
  while (assoc.step()) {
    associations_.push_back({assoc.integer(0), assoc.integer(1), static_cast<int>(assoc.integer(2))});
    association_keys_.emplace(assoc.integer(0), assoc.integer(1), static_cast<int>(assoc.integer(2)));
  }
  sqlite::Statement toks = statement("SELECT token, kind, link, expires_at, revoked, challenge, scopes FROM tokens");
  while (toks.step())
    tokens_[toks.text(0)] = {toks.text(0),         toks.text(1), toks.text(2), toks.integer(3),
                             toks.integer(4) != 0, toks.text(5), toks.text(6)};
  sqlite::Statement props = statement("SELECT object, name, definition FROM properties ORDER BY seq");
  while (props.step()) properties_.push_back({props.text(0), props.text(1), props.text(2)});
}

std::map<std::int64_t, Record>& Store::table(std::string_view object) {
  return object == "contacts" ? contacts_ : companies_;
}

const std::map<std::int64_t, Record>& Store::all(std::string_view object) const {
  return object == "contacts" ? contacts_ : companies_;
}

// Archived records are left out: they leave search and reads, and free their email.
void Store::index(const Record& r) {
  if (r.archived) return;
  Properties& lowered = indexed_[r.id];
  for (const auto& [name, value] : r.properties) {
    if (value.empty()) continue;
    const std::string key = text::lower_ascii(value);
    values_[r.object][name][key].insert(r.id);
    lowered.emplace(name, key);
  }
  const auto email = lowered.find("email");
  if (r.object == "contacts" && email != lowered.end()) emails_[email->second] = r.id;
}

void Store::unindex(const Record& r) {
  const auto it = indexed_.find(r.id);
  if (it == indexed_.end()) return;
  auto& by_property = values_[r.object];
  for (const auto& [name, key] : it->second) {
    ValueIndex& index = by_property[name];
    const auto ids = index.find(key);
    if (ids == index.end()) continue;
    ids->second.erase(r.id);
    if (ids->second.empty()) index.erase(ids);
  }
  const auto email = it->second.find("email");
  if (r.object == "contacts" && email != it->second.end()) {
    const auto held = emails_.find(email->second);
    if (held != emails_.end() && held->second == r.id) emails_.erase(held);
  }
  indexed_.erase(it);
}

const std::set<std::int64_t>* Store::ids_with(std::string_view object, std::string_view property,
                                              std::string_view lowered) const {
  const auto by_property = values_.find(object);
  if (by_property == values_.end()) return nullptr;
  const auto index = by_property->second.find(property);
  if (index == by_property->second.end()) return nullptr;
  const auto ids = index->second.find(lowered);
  return ids == index->second.end() ? nullptr : &ids->second;
}

const Record& Store::create(std::string_view object, Properties properties, std::int64_t created_ms,
                            std::int64_t updated_ms) {
  sqlite::Statement insert = statement("INSERT INTO objects (type, properties, created_at, updated_at) VALUES (?, ?, ?, ?)");
  insert.bind(1, object).bind(2, properties_json(properties)).bind(3, created_ms).bind(4, updated_ms).step();
  Record r{sqlite3_last_insert_rowid(db_.handle()), std::string(object), std::move(properties), created_ms, updated_ms, false};
  index(r);
  return table(object).emplace(r.id, std::move(r)).first->second;
}

void Store::save(const Record& r) {
  sqlite::Statement update = statement("UPDATE objects SET properties = ?, updated_at = ?, archived = ? WHERE id = ?");
  update.bind(1, properties_json(r.properties)).bind(2, r.updated_ms).bind(3, r.archived ? 1 : 0).bind(4, r.id).step();
  // Changed values move in the indexes; an old email is free again.
  unindex(r);
  index(r);
}

Record* Store::find(std::string_view object, std::int64_t id) {
  auto& t = table(object);
  const auto it = t.find(id);
  return it == t.end() || it->second.archived ? nullptr : &it->second;
}

std::optional<std::int64_t> Store::contact_by_email(std::string_view email) const {
  const auto it = emails_.find(text::lower_ascii(email));
  if (it == emails_.end()) return std::nullopt;
  return it->second;
}

bool Store::associate(const Association& a) {
  if (!association_keys_.emplace(a.contact_id, a.company_id, a.type_id).second) return false;
  sqlite::Statement insert = statement("INSERT INTO associations (contact_id, company_id, type_id) VALUES (?, ?, ?)");
  insert.bind(1, a.contact_id).bind(2, a.company_id).bind(3, std::int64_t{a.type_id}).step();
  associations_.push_back(a);
  return true;
}

void Store::save_token(const StoredToken& t) {
  sqlite::Statement upsert = statement(
      "INSERT INTO tokens (token, kind, link, expires_at, revoked, challenge, scopes) VALUES (?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(token) DO UPDATE SET expires_at = excluded.expires_at, revoked = excluded.revoked");
  upsert.bind(1, t.token).bind(2, t.kind).bind(3, t.link).bind(4, t.expires_ms).bind(5, std::int64_t{t.revoked});
  upsert.bind(6, t.challenge).bind(7, t.scopes).step();
  tokens_[t.token] = t;
}

StoredToken* Store::token(std::string_view value) {
  const auto it = tokens_.find(value);
  return it == tokens_.end() ? nullptr : &it->second;
}

std::vector<StoredToken*> Store::tokens_of_kind(std::string_view kind) {
  std::vector<StoredToken*> out;
  for (auto& [_, t] : tokens_)
    if (t.kind == kind) out.push_back(&t);
  return out;
}

void Store::save_property(std::string_view object, std::string_view name, const std::string& definition) {
  sqlite::Statement insert = statement("INSERT INTO properties (object, name, definition) VALUES (?, ?, ?)");
  insert.bind(1, object).bind(2, name).bind(3, definition).step();
  properties_.push_back({std::string(object), std::string(name), definition});
}

}  // namespace hubrules::runtime::sandbox

#include "runtime/store/sqlite_handle.hpp"

#include <utility>

#include "runtime/store/state_store.hpp"
#include "runtime/store/stored_values.hpp"

namespace hubrules::runtime::sqlite {
namespace {

using stored::statement_excerpt;

std::string error_message(const std::string& file, std::string_view what, sqlite3* db, int code) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  return "state store " + file + ": " + std::string(what) + ": " + detail + " (SQLite code " +
         std::to_string(code) + ")";
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql, const std::string& file) : db_(db), file_(&file) {
  const int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &statement_, nullptr);
  if (code != SQLITE_OK) fail("cannot prepare \"" + statement_excerpt(sql) + "\"", code);
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), statement_(std::exchange(other.statement_, nullptr)), file_(other.file_) {}

void Statement::fail(std::string_view what, int code) const {
  throw StoreError(error_message(*file_, what, db_, code));
}

Statement& Statement::bind(int index, std::string_view text) {
  // An empty view may have no data pointer, which SQLite would bind as NULL, not as ''.
  const char* data = text.data() != nullptr ? text.data() : "";
  const int code = sqlite3_bind_text(statement_, index, data, static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (code != SQLITE_OK) fail("cannot bind parameter " + std::to_string(index), code);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int code = sqlite3_bind_int64(statement_, index, value);
  if (code != SQLITE_OK) fail("cannot bind parameter " + std::to_string(index), code);
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  const int code = sqlite3_bind_null(statement_, index);
  if (code != SQLITE_OK) fail("cannot bind parameter " + std::to_string(index), code);
  return *this;
}

bool Statement::step() {
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  fail("cannot run \"" + statement_excerpt(sqlite3_sql(statement_)) + "\"", code);
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() noexcept {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

std::string Statement::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::nullopt;
  return text(column);
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(statement_, column); }

std::optional<std::int64_t> Statement::optional_integer(int column) const {
  if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::nullopt;
  return integer(column);
}

Database::Database(std::string file, int busy_timeout_ms) : file_(std::move(file)) {
  // The store serialises calls itself, so SQLite's own per-connection mutex is not needed.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int code = sqlite3_open_v2(file_.c_str(), &db_, flags, nullptr);
  if (code != SQLITE_OK) {
    const std::string message = error_message(file_, "cannot open", db_, code);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
}

Database::~Database() { sqlite3_close(db_); }

void Database::fail(std::string_view what) const {
  throw StoreError(error_message(file_, what, db_, sqlite3_extended_errcode(db_)));
}

void Database::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail("cannot run \"" + statement_excerpt(sql) + "\"");
  }
}

std::int64_t Database::pragma_integer(const char* pragma) {
  Statement statement(db_, std::string("PRAGMA ") + pragma, file_);
  return statement.step() ? statement.integer(0) : 0;
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

}  // namespace hubrules::runtime::sqlite

#pragma once
// Small owners for the sqlite3 C API: a database connection and its prepared statements. Every
// failure becomes a StoreError naming the file and SQLite's message; bound values (tokens,
// payloads) never appear in one, only the statement's text with its placeholders.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hubrules::runtime::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql, const std::string& file);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;

  // Placeholders count from 1, as in SQLite.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, const std::optional<std::string>& text);
  Statement& bind(int index, const std::optional<std::int64_t>& value);
  Statement& bind_null(int index);

  // True while there is a row to read.
  bool step();
  // Runs a statement that returns no rows.
  void run();
  // Ready for the next use, bindings cleared; also ends the read a half-stepped query holds.
  void reset() noexcept;

  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::int64_t integer(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;

 private:
  [[noreturn]] void fail(std::string_view what, int code) const;

  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
  const std::string* file_;
};

// Resets a statement when a use of it ends, however it ends.
class StatementUse {
 public:
  explicit StatementUse(Statement& statement) : statement_(statement) {}
  ~StatementUse() { statement_.reset(); }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  Statement* operator->() { return &statement_; }
  Statement& operator*() { return statement_; }

 private:
  Statement& statement_;
};

class Database {
 public:
  Database(std::string file, int busy_timeout_ms);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs statements that return no rows (DDL, PRAGMA, BEGIN/COMMIT).
  void exec(const char* sql);
  std::int64_t pragma_integer(const char* pragma);
  std::int64_t changes() const;
  sqlite3* handle() const { return db_; }
  const std::string& file() const { return file_; }

  [[noreturn]] void fail(std::string_view what) const;

 private:
  std::string file_;
  sqlite3* db_ = nullptr;
};

}  // namespace hubrules::runtime::sqlite

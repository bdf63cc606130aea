#pragma once
// A small owner for one libpq connection: connects (and connects again after a loss), runs a
// statement with its parameters (PQexecParams, text results) and hands back an owned result.
// Every failure becomes a StoreError naming the location (password removed), an excerpt of the
// statement and PostgreSQL's primary message; bound values (tokens, payloads) never appear in
// one, nor does PostgreSQL's DETAIL, which can quote a row ("Failing row contains …").
#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hubrules::runtime::postgres {

// The parameters of one statement, $1, $2, … in the order they are added.
class Params {
 public:
  Params& text(std::string_view value);
  Params& text(const std::string& value) { return text(std::string_view(value)); }
  Params& text(const char* value) { return text(std::string_view(value)); }
  Params& text(const std::optional<std::string>& value);
  Params& integer(std::int64_t value);
  Params& integer(const std::optional<std::int64_t>& value);
  Params& boolean(bool value) { return text(value ? "true" : "false"); }
  // Raw bytes for a bytea column, sent in binary so that any byte goes through unchanged.
  Params& bytes(std::string_view value);
  Params& null();

  int size() const { return static_cast<int>(values_.size()); }
  const std::vector<std::optional<std::string>>& values() const { return values_; }
  const std::vector<int>& formats() const { return formats_; }

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;
};

class Result {
 public:
  explicit Result(PGresult* result) : result_(result) {}
  ~Result();
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  Result(Result&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
  Result& operator=(Result&& other) noexcept;

  int rows() const { return PQntuples(result_); }
  bool empty() const { return rows() == 0; }
  // Rows an INSERT, UPDATE or DELETE touched.
  std::size_t affected() const;

  bool is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
  std::string text(int row, int column) const;
  std::optional<std::string> optional_text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  std::optional<std::int64_t> optional_integer(int row, int column) const;
  bool boolean(int row, int column) const;
  // A bytea column, decoded from its text form.
  std::string bytes(int row, int column) const;

 private:
  PGresult* result_;
};

class Session {
 public:
  // `url`: a libpq URL or keyword string; `location`: how messages name it (no password);
  // `settings`: session settings applied after each connect (name, value).
  Session(std::string url, std::string location, std::vector<std::pair<std::string, std::string>> settings);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Connects now when not connected (the constructor does not, so that a caller chooses when).
  void connect();
  Result exec(std::string_view sql, const Params& params = {});
  // Several statements without parameters (migrations).
  void exec_script(const char* sql);

  // Told by the store: while a transaction is open, a lost connection must fail the rest of it
  // rather than connect again and run the remaining statements outside any transaction.
  void set_transaction_open(bool open) { transaction_open_ = open; }
  const std::string& location() const { return location_; }
  bool connected() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

  [[noreturn]] void fail(std::string_view what) const;

 private:
  void ensure_connected();
  Result check(PGresult* raw, std::string_view sql);
  void drop_if_broken();

  std::string url_;
  std::string location_;
  std::vector<std::pair<std::string, std::string>> settings_;
  PGconn* conn_ = nullptr;
  bool transaction_open_ = false;
};

// Opens a connection as the store and the listener do (application_name hubrules, a connect
// timeout unless the URL sets one); nullptr plus `error` when it fails.
PGconn* open_connection(const std::string& url, std::string& error);
// The same without waiting: drive it with PQconnectPoll (nullptr when out of memory).
PGconn* start_connection(const std::string& url);

// libpq's message on one line, without its trailing newline.
std::string one_line(const char* message);

}  // namespace hubrules::runtime::postgres

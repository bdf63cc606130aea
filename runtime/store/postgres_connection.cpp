#include "runtime/store/postgres_connection.hpp"

#include <array>
#include <charconv>

#include "runtime/store/state_store.hpp"

namespace hubrules::runtime::postgres {
namespace {

// Enough of the statement to recognise it; placeholders stand where values go.
std::string statement_excerpt(std::string_view sql) {
  constexpr std::size_t max_length = 80;
  std::string excerpt(sql.substr(0, max_length));
  for (char& c : excerpt) {
    if (c == '\n') c = ' ';
  }
  return sql.size() > max_length ? excerpt + "…" : excerpt;
}

// The primary message only: DETAIL and CONTEXT may quote the values of a row.
std::string error_text(const PGresult* result, PGconn* conn) {
  const char* primary = result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string text = primary != nullptr ? primary : one_line(PQerrorMessage(conn));
  if (state != nullptr) text += std::string(" (SQLSTATE ") + state + ")";
  return text;
}

}  // namespace

std::string one_line(const char* message) {
  std::string text = message != nullptr ? message : "";
  // libpq ends its messages with a newline and splits some over two lines.
  for (char& c : text) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text.empty() ? "unknown error" : text;
}

namespace {

// Keywords after the expanded dbname override the URL's, those before it are overridden.
constexpr std::array<const char*, 4> connect_keywords{"connect_timeout", "dbname", "application_name", nullptr};

std::array<const char*, 4> connect_values(const std::string& url) { return {"10", url.c_str(), "hubrules", nullptr}; }

}  // namespace

// libpq prints NOTICEs (and a dying server's FATAL) to stderr by default; the store's own
// errors and logging say what matters.
static void quiet(PGconn* conn) {
  if (conn != nullptr) PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
}

PGconn* start_connection(const std::string& url) {
  const auto values = connect_values(url);
  PGconn* conn = PQconnectStartParams(connect_keywords.data(), values.data(), 1);
  quiet(conn);
  return conn;
}

PGconn* open_connection(const std::string& url, std::string& error) {
  const auto values = connect_values(url);
  PGconn* conn = PQconnectdbParams(connect_keywords.data(), values.data(), 1);
  if (conn != nullptr && PQstatus(conn) == CONNECTION_OK) {
    quiet(conn);
    return conn;
  }
  error = conn != nullptr ? one_line(PQerrorMessage(conn)) : "out of memory";
  PQfinish(conn);
  return nullptr;
}

// ---- parameters -------------------------------------------------------------------------------

Params& Params::text(std::string_view value) {
  values_.emplace_back(std::string(value));
  formats_.push_back(0);
  return *this;
}

Params& Params::text(const std::optional<std::string>& value) { return value ? text(*value) : null(); }

Params& Params::integer(std::int64_t value) { return text(std::to_string(value)); }

Params& Params::integer(const std::optional<std::int64_t>& value) { return value ? integer(*value) : null(); }

Params& Params::bytes(std::string_view value) {
  values_.emplace_back(std::string(value));
  formats_.push_back(1);
  return *this;
}

Params& Params::null() {
  values_.emplace_back(std::nullopt);
  formats_.push_back(0);
  return *this;
}

// ---- results ----------------------------------------------------------------------------------

Result::~Result() { PQclear(result_); }

Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

std::size_t Result::affected() const {
  const std::string_view count = PQcmdTuples(result_);
  std::size_t n = 0;
  std::from_chars(count.data(), count.data() + count.size(), n);
  return n;
}

std::string Result::text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::optional<std::string> Result::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return text(row, column);
}

std::int64_t Result::integer(int row, int column) const {
  const char* value = PQgetvalue(result_, row, column);
  std::int64_t n = 0;
  std::from_chars(value, value + PQgetlength(result_, row, column), n);
  return n;
}

std::optional<std::int64_t> Result::optional_integer(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return integer(row, column);
}

bool Result::boolean(int row, int column) const { return PQgetvalue(result_, row, column)[0] == 't'; }

std::string Result::bytes(int row, int column) const {
  std::size_t length = 0;
  unsigned char* raw =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column)), &length);
  if (raw == nullptr) throw StoreError("state store: cannot decode a bytea value (out of memory)");
  std::string decoded(reinterpret_cast<const char*>(raw), length);
  PQfreemem(raw);
  return decoded;
}

// ---- the session ------------------------------------------------------------------------------

Session::Session(std::string url, std::string location, std::vector<std::pair<std::string, std::string>> settings)
    : url_(std::move(url)), location_(std::move(location)), settings_(std::move(settings)) {}

Session::~Session() { PQfinish(conn_); }

void Session::fail(std::string_view what) const {
  throw StoreError("state store " + location_ + ": " + std::string(what));
}

void Session::connect() {
  if (conn_ != nullptr) return;
  std::string error;
  conn_ = open_connection(url_, error);
  if (conn_ == nullptr) fail("cannot connect: " + error);
  for (const auto& [name, value] : settings_) {
    exec("SELECT set_config($1, $2, false)", Params().text(name).text(value));
  }
}

void Session::ensure_connected() {
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return;
  // A session that died inside a transaction took the transaction with it: say so instead of
  // running the rest of it, statement by statement, on a fresh connection.
  if (transaction_open_) fail("the connection was lost inside a transaction");
  PQfinish(conn_);
  conn_ = nullptr;
  connect();
}

void Session::drop_if_broken() {
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_BAD) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
}

Result Session::check(PGresult* raw, std::string_view sql) {
  Result result(raw);
  const auto status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const std::string message = error_text(raw, conn_);
  drop_if_broken();
  fail("\"" + statement_excerpt(sql) + "\": " + message);
}

Result Session::exec(std::string_view sql, const Params& params) {
  ensure_connected();
  std::vector<const char*> values;
  std::vector<int> lengths;
  values.reserve(static_cast<std::size_t>(params.size()));
  for (const auto& value : params.values()) {
    values.push_back(value ? value->data() : nullptr);
    lengths.push_back(value ? static_cast<int>(value->size()) : 0);
  }
  const std::string statement(sql);
  return check(PQexecParams(conn_, statement.c_str(), params.size(), nullptr, values.data(), lengths.data(),
                            params.formats().data(), 0),
               sql);
}

void Session::exec_script(const char* sql) {
  ensure_connected();
  check(PQexec(conn_, sql), sql);
}

}  // namespace hubrules::runtime::postgres

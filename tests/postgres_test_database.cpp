#include "tests/postgres_test_database.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>

namespace hubrules::testing {

namespace {

std::string cluster_script() { return std::string(HUBRULES_SOURCE_DIR) + "/tests/postgres/cluster.sh"; }

std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void run_cluster_script(const std::string& arguments) {
  const std::string command = "bash " + shell_quoted(cluster_script()) + " " + arguments + " >/dev/null";
  const int status = std::system(command.c_str());
  if (status != 0)
    throw std::runtime_error("tests/postgres/cluster.sh " + arguments + " failed (status " + std::to_string(status) +
                             "); its messages are above");
}

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  static const auto salt = std::random_device{}();
  return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(salt % 100000);
}

}  // namespace

PostgresCluster::PostgresCluster() : owned_(true) {
  info_file_ = (std::filesystem::temp_directory_path() / ("hubrules-pg-" + unique_suffix() + ".env")).string();
  // The watchdog (this process's pid) stops the cluster if the process dies without exiting.
  run_cluster_script("start " + shell_quoted(info_file_) + " " + std::to_string(::getpid()));
  read_info();
}

PostgresCluster::PostgresCluster(std::string info_file, bool owned) : info_file_(std::move(info_file)), owned_(owned) {
  read_info();
}

std::unique_ptr<PostgresCluster> PostgresCluster::attach(const std::string& info_file) {
  return std::unique_ptr<PostgresCluster>(new PostgresCluster(info_file, false));
}

PostgresCluster::~PostgresCluster() {
  if (!owned_) return;
  try {
    run_cluster_script("stop " + shell_quoted(info_file_));
  } catch (...) {  // the watchdog still stops it once this process is gone
  }
}

void PostgresCluster::read_info() {
  std::ifstream in(info_file_);
  if (!in)
    throw std::runtime_error("no PostgreSQL test cluster: " + info_file_ +
                             " is missing (did the ctest fixture postgres_cluster_start fail?)");
  for (std::string line; std::getline(in, line);) {
    const auto equals = line.find('=');
    if (equals == std::string::npos) continue;
    const auto key = line.substr(0, equals);
    if (key == "PGHOST") host_ = line.substr(equals + 1);
    if (key == "PGPORT") port_ = line.substr(equals + 1);
  }
  if (host_.empty() || port_.empty()) throw std::runtime_error(info_file_ + " names no PGHOST and PGPORT");
}

std::string PostgresCluster::url(const std::string& database) const {
  // cluster.sh's folders and our database names need no percent-encoding.
  return "postgresql:///" + database + "?host=" + host_ + "&port=" + port_ + "&user=postgres";
}

std::string PostgresCluster::create_database(std::string* name) {
  const std::string database = "hubrules_test_" + unique_suffix();
  PgSession(url("postgres")).exec("CREATE DATABASE " + database);
  if (name != nullptr) *name = database;
  return url(database);
}

void PostgresCluster::restart() {
  run_cluster_script("restart " + shell_quoted(info_file_));
  read_info();
}

PostgresCluster& shared_test_cluster() {
  static std::mutex mutex;
  static std::unique_ptr<PostgresCluster> cluster;  // destroyed (and so stopped) at exit
  std::lock_guard lock(mutex);
  if (!cluster) {
    const char* info = std::getenv("HUBRULES_TEST_PG");
    cluster = info != nullptr && *info != '\0' ? PostgresCluster::attach(info) : std::make_unique<PostgresCluster>();
  }
  return *cluster;
}

std::string fresh_test_database_url() { return shared_test_cluster().create_database(); }

TestDatabase::TestDatabase() : url_(shared_test_cluster().create_database(&name_)) {}

TestDatabase::~TestDatabase() {
  try {
    PgSession(shared_test_cluster().url("postgres")).exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {  // the cluster goes at the end of the run anyway
  }
}

PgSession::PgSession(const std::string& url) : connection_(PQconnectdb(url.c_str())) {
  if (PQstatus(connection_) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(connection_);
    PQfinish(connection_);
    throw std::runtime_error("cannot connect to " + url + ": " + message);
  }
}

PgSession::~PgSession() { PQfinish(connection_); }

std::string PgSession::exec(const std::string& sql) {
  if (PQsendQuery(connection_, sql.c_str()) == 0) throw std::runtime_error(PQerrorMessage(connection_));
  std::string value;
  std::string error;
  while (PGresult* result = PQgetResult(connection_)) {
    const auto status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK) {
      value = PQntuples(result) > 0 && PQnfields(result) > 0 ? PQgetvalue(result, 0, 0) : "";
    } else if (status != PGRES_COMMAND_OK && error.empty()) {
      error = PQresultErrorMessage(result);
    }
    PQclear(result);
  }
  if (!error.empty()) throw std::runtime_error(error);
  return value;
}

}  // namespace hubrules::testing

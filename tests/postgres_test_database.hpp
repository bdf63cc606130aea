#pragma once
// PostgreSQL for the tests: throw-away clusters (tests/postgres/cluster.sh) and a fresh database
// per test on them, so store tests never need a system PostgreSQL service.
//
// Under ctest, the fixture tests postgres_cluster_start / postgres_cluster_stop run one cluster
// for the whole run and pass its info file in HUBRULES_TEST_PG. A test binary run by hand (no
// HUBRULES_TEST_PG) starts a cluster of its own on first use and stops it at exit; a watchdog
// stops it too when the process dies without exiting (a crash, kill -9).
#include <memory>
#include <string>

struct pg_conn;  // libpq's PGconn

namespace hubrules::testing {

// One throw-away cluster: a fresh folder under /tmp, a Unix socket in it, no TCP port; the
// superuser `postgres` is trusted.
class PostgresCluster {
 public:
  // Starts a new cluster, owned by this object: destroying it stops it and removes its folder.
  PostgresCluster();
  // A cluster someone else started and stops (the ctest fixture): `info_file` as cluster.sh
  // wrote it.
  static std::unique_ptr<PostgresCluster> attach(const std::string& info_file);
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  const std::string& socket_dir() const { return host_; }
  const std::string& port() const { return port_; }
  // postgresql:///NAME?host=DIR&port=P&user=postgres
  std::string url(const std::string& database) const;
  // CREATE DATABASE with a name never used before (the name when `name` is given); returns the
  // new database's URL.
  std::string create_database(std::string* name = nullptr);
  // pg_ctl restart (fast shutdown: open sessions are cut).
  void restart();

 private:
  PostgresCluster(std::string info_file, bool owned);
  void read_info();

  std::string info_file_;
  bool owned_ = false;
  std::string host_;
  std::string port_;
};

// The cluster shared by this test process: the ctest fixture's, or one started for the process.
PostgresCluster& shared_test_cluster();

// A new, empty database on the shared cluster; its URL. The store under test migrates it.
std::string fresh_test_database_url();

// The same, dropped again (sessions still open on it and all) when this object goes, so a run's
// databases do not pile up in the cluster. Declare it before the stores that use it.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
};

// A plain libpq session for what tests do behind a store's back (locks, raw SQL).
class PgSession {
 public:
  explicit PgSession(const std::string& url);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;
  // Runs SQL (several statements allowed); returns the first column of the first row of the
  // last result, or "" when there is none. Throws std::runtime_error with PostgreSQL's message.
  std::string exec(const std::string& sql);

 private:
  ::pg_conn* connection_ = nullptr;
};

}  // namespace hubrules::testing

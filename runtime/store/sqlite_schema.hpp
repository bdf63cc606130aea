#pragma once
// The SQLite store's schema, as the migrations that build it. A file records its version in
// PRAGMA user_version and its history in schema_migrations; opening applies the missing
// migrations in order, each in one transaction. Never edit a released migration: add one.
//
// Times are INTEGER milliseconds since the Unix epoch. Dedupe keys are stored lowercase.
#include <iterator>
#include <span>

namespace hubrules::runtime::sqlite_schema {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

inline constexpr Migration migration_list[] = {
    {1, "intake journal, outcomes, records created here, in-doubt creates", R"sql(
CREATE TABLE schema_migrations (
  version     INTEGER PRIMARY KEY,
  description TEXT NOT NULL,
  applied_at  INTEGER NOT NULL
);

CREATE TABLE bookings (
  intake_sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT NOT NULL UNIQUE,
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL
                  CHECK (state IN ('pending', 'delivered', 'skipped', 'invalid', 'failed', 'parked')),
  reason          TEXT NOT NULL DEFAULT '',
  attempts        INTEGER NOT NULL DEFAULT 0,
  received_at     INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  last_attempt_at INTEGER
);
CREATE INDEX bookings_by_state ON bookings (state, intake_sequence);

CREATE TABLE outcomes (
  event_id            TEXT PRIMARY KEY REFERENCES bookings (event_id),
  contact_id          TEXT,
  company_id          TEXT,
  contact_disposition TEXT NOT NULL CHECK (contact_disposition IN ('none', 'created', 'duplicate')),
  company_disposition TEXT NOT NULL CHECK (company_disposition IN ('none', 'created', 'duplicate')),
  associated          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);

CREATE TABLE created_companies (
  hubspot_id TEXT PRIMARY KEY,
  domain     TEXT,
  name       TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX created_companies_by_domain ON created_companies (domain, created_at);
CREATE INDEX created_companies_by_name ON created_companies (name, created_at);

CREATE TABLE created_contacts (
  email      TEXT PRIMARY KEY,
  hubspot_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE create_intents (
  sequence    INTEGER PRIMARY KEY AUTOINCREMENT,
  trace_id    TEXT NOT NULL UNIQUE,
  object_type TEXT NOT NULL CHECK (object_type IN ('contact', 'company')),
  event_id    TEXT NOT NULL REFERENCES bookings (event_id),
  written_at  INTEGER NOT NULL,
  status      TEXT NOT NULL DEFAULT 'unresolved' CHECK (status IN ('unresolved', 'created', 'failed')),
  hubspot_id  TEXT,
  failure     TEXT,
  resolved_at INTEGER
);
CREATE INDEX create_intents_by_status ON create_intents (status, sequence);

CREATE TABLE create_intent_keys (
  trace_id TEXT NOT NULL REFERENCES create_intents (trace_id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  property TEXT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (trace_id, position)
);
)sql"},
    {2, "connections and tokens, sent notifications, parked bookings", R"sql(
CREATE TABLE connections (
  id                      TEXT PRIMARY KEY,
  portal_id               INTEGER,
  auth_kind               TEXT NOT NULL CHECK (auth_kind IN ('private_app', 'oauth')),
  access_token            TEXT NOT NULL DEFAULT '',
  refresh_token           TEXT NOT NULL DEFAULT '',
  access_expires_at       INTEGER,
  status                  TEXT NOT NULL CHECK (status IN ('ok', 'broken')),
  broken_reason           TEXT NOT NULL DEFAULT '',
  last_successful_post_at INTEGER,
  admin_email             TEXT NOT NULL DEFAULT '',
  updated_at              INTEGER NOT NULL
);

CREATE TABLE notifications (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  connection_id TEXT NOT NULL REFERENCES connections (id),
  sent_at       INTEGER NOT NULL,
  subject       TEXT NOT NULL
);
CREATE INDEX notifications_by_connection ON notifications (connection_id, sent_at);

ALTER TABLE bookings ADD COLUMN connection_id TEXT REFERENCES connections (id);
CREATE INDEX bookings_parked ON bookings (connection_id, state, intake_sequence);
)sql"},
    {3, "OAuth client and API of a connection, inline association of a create intent", R"sql(
ALTER TABLE connections ADD COLUMN client_id TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN client_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN api_base_url TEXT NOT NULL DEFAULT '';
ALTER TABLE create_intents ADD COLUMN associated_company_id TEXT NOT NULL DEFAULT '';
)sql"},
    {4, "the scopes granted to an OAuth connection, when it was connected", R"sql(
ALTER TABLE connections ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN connected_at INTEGER;
)sql"},
    {5, "the portal's property schema, cached between runs", R"sql(
CREATE TABLE portal_schemas (
  connection_id TEXT NOT NULL,
  object        TEXT NOT NULL CHECK (object IN ('contacts', 'companies')),
  json          TEXT NOT NULL,
  fetched_at    INTEGER NOT NULL,
  PRIMARY KEY (connection_id, object)
);
)sql"},
    {6, "integrations, retry delays, leases, dead letters; records created here belong to a connection", R"sql(
ALTER TABLE bookings ADD COLUMN integration TEXT NOT NULL DEFAULT 'default';
ALTER TABLE bookings ADD COLUMN retry_at INTEGER;
CREATE INDEX bookings_pending ON bookings (integration, intake_sequence) WHERE state = 'pending';
CREATE INDEX bookings_final_with_payload ON bookings (updated_at)
  WHERE payload <> '' AND state IN ('delivered', 'skipped', 'invalid');

-- Records made before connections were told apart belong to the only connection, if one.
ALTER TABLE created_companies ADD COLUMN connection_id TEXT NOT NULL DEFAULT '';
UPDATE created_companies SET connection_id = (SELECT id FROM connections)
  WHERE (SELECT count(*) FROM connections) = 1;
DROP INDEX created_companies_by_domain;
DROP INDEX created_companies_by_name;
CREATE INDEX created_companies_by_domain ON created_companies (connection_id, domain, created_at);
CREATE INDEX created_companies_by_name ON created_companies (connection_id, name, created_at);

CREATE TABLE created_contacts_by_connection (
  connection_id TEXT NOT NULL DEFAULT '',
  email         TEXT NOT NULL,
  hubspot_id    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (connection_id, email)
);
INSERT INTO created_contacts_by_connection (connection_id, email, hubspot_id, created_at)
  SELECT CASE WHEN (SELECT count(*) FROM connections) = 1 THEN (SELECT id FROM connections) ELSE '' END,
         email, hubspot_id, created_at FROM created_contacts;
DROP TABLE created_contacts;
ALTER TABLE created_contacts_by_connection RENAME TO created_contacts;

CREATE TABLE leases (
  connection_id TEXT PRIMARY KEY,
  owner         TEXT NOT NULL,
  epoch         INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
);

CREATE TABLE dead_letters (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  integration TEXT NOT NULL,
  body        BLOB NOT NULL,
  reason      TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX dead_letters_by_time ON dead_letters (received_at);
)sql"},
    {7, "payloads apart from the journal, so that dropping them frees whole pages", R"sql(
-- Keyed by arrival: the oldest payloads are dropped first, and they fill whole pages of their own.
CREATE TABLE booking_payloads (
  intake_sequence INTEGER PRIMARY KEY,
  payload         TEXT NOT NULL
);
INSERT INTO booking_payloads (intake_sequence, payload)
  SELECT intake_sequence, payload FROM bookings WHERE payload <> '';
UPDATE bookings SET payload = '' WHERE payload <> '';
DROP INDEX bookings_final_with_payload;
CREATE INDEX create_intents_resolved ON create_intents (resolved_at) WHERE status <> 'unresolved';
)sql"},
    {8, "workers sharing the delivery", R"sql(
CREATE TABLE workers (
  owner      TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
)sql"},
    {9, "the administrators' page: bookings by integration, state and arrival, newest first", R"sql(
-- Pages are read newest first by intake_sequence under each filter (bookings_by_state, from
-- version 1, serves a state alone); integration and state together also count one
-- integration's states from the index alone.
CREATE INDEX bookings_by_integration ON bookings (integration, intake_sequence);
CREATE INDEX bookings_by_integration_state ON bookings (integration, state, intake_sequence);
CREATE INDEX bookings_by_arrival ON bookings (received_at);
)sql"},
};

inline std::span<const Migration> migrations() { return migration_list; }
inline int latest_version() { return migration_list[std::size(migration_list) - 1].version; }

}  // namespace hubrules::runtime::sqlite_schema

#pragma once
// The PostgreSQL store's schema, as the migrations that build it. schema_migrations holds the
// versions applied; migrate() applies the missing ones in order, each in one transaction under
// an advisory lock. Never edit a released migration: add one.
//
// Version 1 is the whole schema of SQLite's seven migrations at once, shaped for several
// workers: every booking stays in `bookings`, the unfinished ones also in the small, hot
// `booking_queue` that deliveries read (and leave as soon as they are final). Version 2: the
// administrators' page's indexes on `bookings`.
//
// Times are bigint milliseconds since the Unix epoch, as in SQLite (exact, and the injected
// Clock's values round-trip). Dedupe keys are stored lowercase. Payloads and dead letters are
// bytea: the bytes as received, whatever their encoding.
#include <iterator>
#include <span>

namespace hubrules::runtime::postgres_schema {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Any constant will do, as long as it stays: workers starting together serialise on it.
inline constexpr long long kMigrationLock = 0x6875627275;  // "hubru"

inline constexpr Migration migration_list[] = {
    {1, "the whole schema: journal and its hot queue, outcomes, records, intents, connections, leases, workers",
     R"sql(
CREATE TABLE schema_migrations (
  version     integer PRIMARY KEY,
  description text NOT NULL,
  applied_at  bigint NOT NULL
);

CREATE TABLE connections (
  id                      text PRIMARY KEY,
  portal_id               bigint,
  auth_kind               text NOT NULL CHECK (auth_kind IN ('private_app', 'oauth')),
  access_token            text NOT NULL DEFAULT '',
  refresh_token           text NOT NULL DEFAULT '',
  access_expires_at       bigint,
  status                  text NOT NULL CHECK (status IN ('ok', 'broken')),
  broken_reason           text NOT NULL DEFAULT '',
  last_successful_post_at bigint,
  admin_email             text NOT NULL DEFAULT '',
  client_id               text NOT NULL DEFAULT '',
  client_secret           text NOT NULL DEFAULT '',
  api_base_url            text NOT NULL DEFAULT '',
  scopes                  text NOT NULL DEFAULT '',
  connected_at            bigint,
  updated_at              bigint NOT NULL
);

-- Every booking, for ever (only its payload goes after the retention time).
CREATE TABLE bookings (
  event_id        text PRIMARY KEY,
  integration     text NOT NULL DEFAULT 'default',
  state           text NOT NULL
                  CHECK (state IN ('pending', 'delivered', 'skipped', 'invalid', 'failed', 'parked')),
  reason          text NOT NULL DEFAULT '',
  connection_id   text REFERENCES connections (id),
  attempts        integer NOT NULL DEFAULT 0,
  intake_sequence bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  received_at     bigint NOT NULL,
  updated_at      bigint NOT NULL,
  last_attempt_at bigint,
  retry_at        bigint
);

-- Keyed by arrival, so the oldest are dropped first.
CREATE TABLE booking_payloads (
  intake_sequence bigint PRIMARY KEY REFERENCES bookings (intake_sequence),
  payload         bytea NOT NULL
);

-- The hot table: only bookings that are not final (pending, failed, parked). A booking that
-- becomes final leaves it, so deliveries scan a small table whatever the journal's size. It
-- churns, so autovacuum visits it after 1 % of its rows changed instead of 20 %.
CREATE TABLE booking_queue (
  intake_sequence bigint PRIMARY KEY REFERENCES bookings (intake_sequence),
  event_id        text NOT NULL,
  integration     text NOT NULL,
  state           text NOT NULL CHECK (state IN ('pending', 'failed', 'parked')),
  retry_at        bigint
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02,
        autovacuum_vacuum_cost_delay = 0);
-- What a delivery claims: one integration's ready rows in intake order.
CREATE INDEX booking_queue_ready ON booking_queue (integration, intake_sequence) WHERE state = 'pending';

CREATE TABLE outcomes (
  event_id            text PRIMARY KEY REFERENCES bookings (event_id),
  contact_id          text,
  company_id          text,
  contact_disposition text NOT NULL CHECK (contact_disposition IN ('none', 'created', 'duplicate')),
  company_disposition text NOT NULL CHECK (company_disposition IN ('none', 'created', 'duplicate')),
  associated          boolean NOT NULL,
  updated_at          bigint NOT NULL
);

-- sequence: the order of insertion, which breaks ties between equal created_at.
CREATE TABLE created_companies (
  hubspot_id    text PRIMARY KEY,
  connection_id text NOT NULL DEFAULT '',
  domain        text,
  name          text,
  created_at    bigint NOT NULL,
  sequence      bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX created_companies_by_domain ON created_companies (connection_id, domain, created_at);
CREATE INDEX created_companies_by_name ON created_companies (connection_id, name, created_at);

CREATE TABLE created_contacts (
  connection_id text NOT NULL DEFAULT '',
  email         text NOT NULL,
  hubspot_id    text NOT NULL,
  created_at    bigint NOT NULL,
  PRIMARY KEY (connection_id, email)
);

CREATE TABLE create_intents (
  sequence              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  trace_id              text NOT NULL UNIQUE,
  object_type           text NOT NULL CHECK (object_type IN ('contact', 'company')),
  event_id              text NOT NULL REFERENCES bookings (event_id),
  associated_company_id text NOT NULL DEFAULT '',
  written_at            bigint NOT NULL,
  status                text NOT NULL DEFAULT 'unresolved' CHECK (status IN ('unresolved', 'created', 'failed')),
  hubspot_id            text,
  failure               text,
  resolved_at           bigint
);
CREATE INDEX create_intents_unresolved ON create_intents (sequence) WHERE status = 'unresolved';
CREATE INDEX create_intents_resolved ON create_intents (resolved_at) WHERE status <> 'unresolved';
CREATE INDEX create_intents_by_event ON create_intents (event_id);

CREATE TABLE create_intent_keys (
  trace_id text NOT NULL REFERENCES create_intents (trace_id) ON DELETE CASCADE,
  position integer NOT NULL,
  property text NOT NULL,
  value    text NOT NULL,
  PRIMARY KEY (trace_id, position)
);

CREATE TABLE notifications (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  connection_id text NOT NULL REFERENCES connections (id),
  sent_at       bigint NOT NULL,
  subject       text NOT NULL
);
CREATE INDEX notifications_by_connection ON notifications (connection_id, sent_at);

CREATE TABLE portal_schemas (
  connection_id text NOT NULL,
  object        text NOT NULL CHECK (object IN ('contacts', 'companies')),
  json          text NOT NULL,
  fetched_at    bigint NOT NULL,
  PRIMARY KEY (connection_id, object)
);

-- acquired_at: when the current owner took this epoch; previous_until: when the owner before
-- it stopped holding (its expiry, release, or the moment it was found dead).
CREATE TABLE leases (
  connection_id  text PRIMARY KEY,
  owner          text NOT NULL,
  epoch          bigint NOT NULL,
  expires_at     bigint NOT NULL,
  acquired_at    bigint NOT NULL,
  previous_until bigint
);

CREATE TABLE workers (
  owner      text PRIMARY KEY,
  expires_at bigint NOT NULL
);

CREATE TABLE dead_letters (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  integration text NOT NULL,
  body        bytea NOT NULL,
  reason      text NOT NULL,
  received_at bigint NOT NULL
);
CREATE INDEX dead_letters_by_time ON dead_letters (received_at);
)sql"},
    {2, "the administrators' page: bookings by integration, state and arrival, newest first", R"sql(
-- Pages are read newest first by intake_sequence under each filter, from `bookings`, which holds
-- every booking (booking_queue only the unfinished); integration and state together also count
-- one integration's states from the index alone.
CREATE INDEX bookings_by_integration ON bookings (integration, intake_sequence);
CREATE INDEX bookings_by_state ON bookings (state, intake_sequence);
CREATE INDEX bookings_by_integration_state ON bookings (integration, state, intake_sequence);
CREATE INDEX bookings_by_arrival ON bookings (received_at);
)sql"},
};

inline std::span<const Migration> migrations() { return migration_list; }
inline int latest_version() { return migration_list[std::size(migration_list) - 1].version; }

}  // namespace hubrules::runtime::postgres_schema

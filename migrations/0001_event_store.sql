-- 0001: the event store. Append-only, idempotent, hash-chained per stream, gapless global order.
-- Applied in one transaction by the migrations runner (src/Archiver.Worker/Store/Migrations).

-- Evidence must be stored byte-for-byte; the json type keeps text as given only in a UTF-8 database.
DO $$
BEGIN
  IF current_setting('server_encoding') <> 'UTF8' THEN
    RAISE EXCEPTION 'archiver needs a UTF8 database, this one is %', current_setting('server_encoding');
  END IF;
END $$;

CREATE SCHEMA IF NOT EXISTS archive;
COMMENT ON SCHEMA archive IS 'Archiver event store: the raw, append-only evidence. Read models live elsewhere.';

-- The role the worker writes as. It may insert and read events but never update or delete them.
-- Roles are cluster-wide while migrations run per database, so creation tolerates a concurrent twin.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'archiver_writer') THEN
    CREATE ROLE archiver_writer NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

-- One row per stream: the head of its hash chain and its counters. Writers lock these rows, in
-- stream-id order, for the length of an append transaction: that is what makes idempotency checks
-- race-free and batches deadlock-free.
CREATE TABLE archive.streams (
  stream_id      text        PRIMARY KEY,
  -- Highest position ever appended (-1 when empty). Positions at or below it must be checked for
  -- duplicates; positions above it are new by construction, so the fast path skips the lookup.
  max_position   bigint      NOT NULL DEFAULT -1,
  event_count    bigint      NOT NULL DEFAULT 0,
  -- Hash of the last event recorded in this stream (the chain head); 32 zero bytes when empty.
  head_hash      bytea       NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000',
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_append_at timestamptz
);

-- Global order. One row, locked by each append transaction from the moment it takes positions until
-- it commits: positions are therefore gapless and become visible strictly in order, so a reader
-- paging by global_position can never skip an event that commits later (Marten's high-water-mark
-- failure). The price: appends serialize on this row for the tail of their transaction.
CREATE TABLE archive.log_head (
  singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_position  bigint  NOT NULL DEFAULT 0
);
INSERT INTO archive.log_head DEFAULT VALUES;

CREATE TABLE archive.events (
  -- Gapless, commit-ordered (see log_head). Primary key so exports and rebuilds page by it.
  global_position bigint      PRIMARY KEY,
  -- No foreign key to streams: the writer always creates the stream row under its lock, and a per-row
  -- RI trigger would double the cost of every append; verify cross-checks events against streams.
  stream_id       text        NOT NULL,
  -- For messaging events LivePerson's sequence (starts at 0, may have holes); for metadata streams a
  -- version assigned under the stream lock.
  position        bigint      NOT NULL,
  type            text        NOT NULL,
  -- THE EVIDENCE: the change exactly as it came off the socket (json keeps the input text verbatim:
  -- key order, whitespace, unknown fields, \u0000). The hash chain covers these bytes. Query it with
  -- body->'field' or body::jsonb.
  body            json        NOT NULL,
  -- For streams whose positions the store assigns: the caller's key of "the same content" (e.g. a
  -- metadata state repeated after a resubscribe), so it is recognised and not appended twice.
  dedupe_key      text,
  server_ts       timestamptz,
  recorded_at     timestamptz NOT NULL,
  -- Hash chain, in global order within the stream:
  -- hash = SHA-256(prev_hash || canonical(global_position, stream_id, position, type, server_ts,
  --                recorded_at, dedupe_key, body bytes)); see Archiver.Domain/Hashing/EventHash.cs.
  prev_hash       bytea       NOT NULL,
  hash            bytea       NOT NULL,
  -- The idempotency key: the same (stream, position) is stored once, ever.
  CONSTRAINT events_stream_position_key UNIQUE (stream_id, position)
);
-- Recognises a repeated state in streams with store-assigned positions.
CREATE UNIQUE INDEX events_stream_dedupe_key ON archive.events (stream_id, dedupe_key) WHERE dedupe_key IS NOT NULL;

COMMENT ON TABLE archive.events IS 'Append-only log of every change received. UPDATE/DELETE/TRUNCATE are refused.';
COMMENT ON COLUMN archive.events.body IS 'Evidence: the change exactly as received (verbatim json text); covered by the hash chain.';

-- Same key, different content: never written over. The rejected version is kept here for an
-- operator, with a pointer to the event that holds the key.
CREATE TABLE archive.conflicts (
  conflict_id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream_id                text        NOT NULL,
  position                 bigint      NOT NULL,
  type                     text        NOT NULL,
  body                     json        NOT NULL,
  server_ts                timestamptz,
  received_at              timestamptz NOT NULL,
  existing_global_position bigint      NOT NULL REFERENCES archive.events (global_position)
);
CREATE INDEX conflicts_stream ON archive.conflicts (stream_id, position);
COMMENT ON TABLE archive.conflicts IS 'Events rejected because their (stream, position) already holds different content.';

-- Append-only, enforced by the database itself: a trigger refuses UPDATE/DELETE/TRUNCATE for every
-- role (a superuser must deliberately disable it, which verify then catches through the hash chain),
-- and the writer role is never granted those privileges in the first place.
CREATE FUNCTION archive.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'archive.% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON archive.events
  FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON archive.events
  FOR EACH STATEMENT EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER conflicts_append_only BEFORE UPDATE OR DELETE ON archive.conflicts
  FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER conflicts_no_truncate BEFORE TRUNCATE ON archive.conflicts
  FOR EACH STATEMENT EXECUTE FUNCTION archive.refuse_change();

REVOKE ALL ON ALL TABLES IN SCHEMA archive FROM PUBLIC;
GRANT USAGE ON SCHEMA archive TO archiver_writer;
GRANT SELECT, INSERT ON archive.events, archive.conflicts TO archiver_writer;
GRANT SELECT, INSERT, UPDATE ON archive.streams, archive.log_head TO archiver_writer;

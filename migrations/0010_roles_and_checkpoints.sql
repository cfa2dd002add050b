-- 0010: least privilege that deploys, and checkpoints an outsider can check (issue 13). docs/operations.md lists every
-- grant below as the contract; tests/Archiver.Worker.Tests/Store/WorkerLoginTests.cs holds the database to it.

-- ---- the worker's role: exactly what the worker does, nothing more ----------------------------------------------
-- The tables' owner (the login that runs `archiver migrate`) keeps everything else: migrations, rebuilds (TRUNCATE,
-- dropping indexes), lifecycle operations. The worker, which faces the internet, can only append and keep its read
-- models, leases and identities current. Start from nothing and grant back, so a grant added by an earlier migration
-- and forgotten here cannot survive.
REVOKE ALL ON ALL TABLES IN SCHEMA archive FROM archiver_writer;
REVOKE ALL ON ALL TABLES IN SCHEMA readmodel FROM archiver_writer;
GRANT USAGE ON SCHEMA archive, readmodel TO archiver_writer;

-- The log: append (events, the conflicts and rejections found while appending), never change.
GRANT SELECT, INSERT ON archive.events, archive.conflicts, archive.rejections TO archiver_writer;
-- Stream heads and the global position: moved by every append under their row locks.
GRANT SELECT, INSERT, UPDATE ON archive.streams TO archiver_writer;
GRANT SELECT, UPDATE ON archive.log_head TO archiver_writer;
-- Consumer identities (secrets) and the leases that share consumers among workers.
GRANT SELECT, INSERT, UPDATE ON archive.consumer_identities, archive.consumer_leases TO archiver_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON archive.workers TO archiver_writer;  -- a worker that stops leaves (DELETE its row)
-- The migrations applied: the worker checks them at start, it never applies them.
GRANT SELECT ON archive.schema_migrations TO archiver_writer;
-- The read models' tables (not the views), kept inside each append: insert and update rows, never empty a table
-- (rebuilds are the owner's).
GRANT SELECT, INSERT, UPDATE ON readmodel.dialogs, readmodel.transcript_messages, readmodel.conversations, readmodel.read_receipts,
  readmodel.csat_results, readmodel.survey_answers, readmodel.participants, readmodel.agents TO archiver_writer;

-- ---- signed checkpoints --------------------------------------------------------------------------------------------
-- What the archive held at a moment, signed with a key the database never holds (ECDSA P-256): the log head, a Merkle
-- root over every stream's head, digests of the conflicts and rejections. docs/event-store.md says what one proves.
-- The signed file each checkpoint is also written as (Integrity__CheckpointDirectory, on write-once storage) is the
-- anchor: this table is a convenience and a second copy, hash-chained so a rewrite of it is seen too.
CREATE TABLE archive.checkpoints (
  -- 1, 2, 3 …: each checkpoint's number, in the order they were taken (one at a time: an advisory lock).
  checkpoint_id bigint      PRIMARY KEY,
  -- The signed statement exactly as signed (canonical JSON, UTF-8): what every verifier checks the signature over.
  payload       text        NOT NULL,
  -- ECDSA P-256 over SHA-256 of the payload's bytes, DER-encoded (what `openssl dgst -sha256 -verify` takes).
  signature     bytea       NOT NULL,
  -- The first 16 hex digits of the SHA-256 of the public key (SubjectPublicKeyInfo DER): which key signed it.
  key_id        text        NOT NULL,
  -- The chain: hash = SHA-256(prev_hash ‖ payload ‖ signature); the payload also names the previous hash, so the chain
  -- is signed too.
  prev_hash     bytea       NOT NULL,
  hash          bytea       NOT NULL,
  created_at    timestamptz NOT NULL
);
COMMENT ON TABLE archive.checkpoints IS 'Signed checkpoints of the whole archive, hash-chained. Append-only; the files are the anchor.';

CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON archive.checkpoints
  FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON archive.checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION archive.refuse_change();

REVOKE ALL ON archive.checkpoints FROM PUBLIC;
GRANT SELECT, INSERT ON archive.checkpoints TO archiver_writer;  -- workers take checkpoints at their interval

-- ---- compliance can verify --------------------------------------------------------------------------------------
-- `archiver verify` (with or without --checkpoints) reads the log head, the stream heads, the events, the conflicts,
-- the rejections and the checkpoints: all reads.
GRANT SELECT ON archive.log_head, archive.checkpoints, archive.rejections, archive.schema_migrations TO compliance;

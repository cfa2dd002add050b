-- 0008: no message can stop or corrupt the archive (issue 11). Every change received is archived as evidence, whatever
-- its content; what could not be mapped or projected exactly as it came is recorded here, beside the evidence, for
-- operators (also counted in the metric archiver.rejections and logged once) and compliance officers. docs/ingestion.md
-- explains every reason.

CREATE TABLE archive.rejections (
  rejection_id    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- frame: nothing of the frame could be archived as an event (not JSON, binary, too deep, oversized): its bytes are here.
  -- mapping: the change is archived, but not where or as its content says (unusable key → its consumer's unrecognised
  --          stream; a serverTimestamp that is no time → no server_ts). projection: its read-model rows were sanitised
  --          or left out.
  stage           text        NOT NULL CHECK (stage IN ('frame', 'mapping', 'projection')),
  -- A closed set (IssueReasons in src/Archiver.Domain/Protocol/ArchiveIssue.cs), so it can label a metric.
  reason          text        NOT NULL,
  -- What exactly, for a person; never a secret.
  detail          text        NOT NULL,
  consumer_name   text,
  -- The archived event the record is about (null for frames). No foreign key: a per-row check would slow every append
  -- that records one, and verify cross-checks the log as a whole.
  stream_id       text,
  position        bigint,
  global_position bigint,
  -- For frames: the bytes received (at most the first 1 MiB), their full length, and the SHA-256 of all of them.
  raw             bytea,
  raw_size        bigint,
  raw_sha256      bytea,
  first_seen      timestamptz NOT NULL,
  CHECK ((stage = 'frame') = (global_position IS NULL))
);
-- "First seen": an event is recorded once per reason however often it is redelivered or its projection rebuilt, and
-- the same frame once per consumer and reason. Inserts use ON CONFLICT DO NOTHING, which needs no UPDATE privilege.
CREATE UNIQUE INDEX rejections_event_reason ON archive.rejections (global_position, reason) WHERE global_position IS NOT NULL;
CREATE UNIQUE INDEX rejections_frame_reason ON archive.rejections (coalesce(consumer_name, ''), raw_sha256, reason) WHERE global_position IS NULL;
CREATE INDEX rejections_first_seen ON archive.rejections (first_seen);
COMMENT ON TABLE archive.rejections IS 'Changes and frames archived but not mapped or projected exactly as received, with the reason. Append-only.';

CREATE TRIGGER rejections_append_only BEFORE UPDATE OR DELETE ON archive.rejections
  FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER rejections_no_truncate BEFORE TRUNCATE ON archive.rejections
  FOR EACH STATEMENT EXECUTE FUNCTION archive.refuse_change();

REVOKE ALL ON archive.rejections FROM PUBLIC;
GRANT SELECT, INSERT ON archive.rejections TO archiver_writer;
GRANT SELECT ON archive.rejections TO compliance;

-- Search vectors of very long texts are built from a bounded prefix: PostgreSQL refuses a tsvector over 1 MB, which a
-- text of a megabyte can reach. 100,000 characters stay under that whatever the text (ProjectedValues.SearchPrefixLength
-- in the transcript fold says the same, and records each message it applies to).
CREATE OR REPLACE FUNCTION readmodel.search_vector(message_text text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN to_tsvector('simple', left(coalesce(message_text, ''), 100000));

-- The worker checks at start that the migrations it was built with are the ones applied (a changed file must stop it),
-- so the login it runs as, a member of archiver_writer, reads the history; it never writes it. compliance reads it for
-- `archiver status`.
GRANT SELECT ON archive.schema_migrations TO archiver_writer, compliance;

-- A participant's latest join or leave: the projection holds each new one against it, so that a fact repeated in the
-- log (a join of someone already present) changes nothing (issue 11: archives written before facts were derived
-- against queued states hold such repeats).
CREATE INDEX participants_member ON readmodel.participants (conversation_id, participant_id, role, global_position DESC);

-- Archives that already hold repeated facts: the rows that change nothing go, as a rebuild would drop them.
DELETE FROM readmodel.participants p USING (
  SELECT global_position, change,
         lag(change) OVER (PARTITION BY conversation_id, participant_id, role ORDER BY global_position) AS previous
  FROM readmodel.participants) x
WHERE p.global_position = x.global_position AND x.change = coalesce(x.previous, 'LEFT');

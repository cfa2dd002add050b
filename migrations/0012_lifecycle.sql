-- 0012: the compliance lifecycle (issue 14): retention with disposal, legal holds, erasure, masking for analysts.
-- docs/compliance.md says how each is used and what each certificate proves. Every lifecycle operation runs as the
-- tables' owner, inside one transaction per conversation, and leaves a certificate the checkpoints cover.

-- ---- certificates --------------------------------------------------------------------------------------------
-- One row per disposal (retention removed a closed conversation) or erasure (a conversation's personal content was
-- redacted). Append-only and hash-chained like the checkpoints, and stated in every checkpoint taken after it, so a
-- certificate added, changed or removed later is seen.
CREATE TABLE archive.certificates (
  -- 1, 2, 3 …, in the order they were issued (one at a time: an advisory lock), so the chain has one order.
  certificate_id  bigint      PRIMARY KEY,
  kind            text        NOT NULL CHECK (kind IN ('disposal', 'erasure')),
  conversation_id text        NOT NULL,
  -- The statement exactly as hashed (canonical JSON, UTF-8): what was done to which streams, events and rows, why
  -- (the retention rule, or the erasure request's reference), by which login, when. docs/compliance.md lists it.
  statement       text        NOT NULL,
  -- The transaction that issued it: the append-only triggers let a row be removed or redacted only by the very
  -- transaction whose certificate names it (below), so no certificate can be issued for a change made before.
  txid            xid8        NOT NULL DEFAULT pg_current_xact_id(),
  -- hash = SHA-256(prev_hash ‖ statement): the chain (32 zero bytes before the first).
  prev_hash       bytea       NOT NULL,
  hash            bytea       NOT NULL,
  created_at      timestamptz NOT NULL
);
CREATE INDEX certificates_conversation ON archive.certificates (conversation_id);
COMMENT ON TABLE archive.certificates IS 'Disposal and erasure certificates, hash-chained and checkpointed. Append-only.';

-- The events a certificate names, one row each, so the triggers and verify find them by position. The statement
-- holds the same list (verify checks they agree): this table is an index of it, not a second truth.
CREATE TABLE archive.certified_events (
  global_position bigint NOT NULL,
  -- disposed: the event was removed (its stream with it); redacted: its body's personal content was replaced.
  action          text   NOT NULL CHECK (action IN ('disposed', 'redacted')),
  certificate_id  bigint NOT NULL REFERENCES archive.certificates,
  stream_id       text   NOT NULL,
  position        bigint NOT NULL,
  -- The event's chain hash, which stays what it was: after a disposal verify and the checkpoints replay the stream
  -- heads from these; a redacted event keeps it in archive.events too, so its stream's chain still verifies.
  hash            bytea  NOT NULL,
  -- redacted only: the hash of the event as redacted (the same canonical form over the new body), so a redacted body
  -- changed again is still seen.
  redacted_hash   bytea,
  -- An event may be redacted (erasures under different rules) and later removed (retention): one row per certificate.
  PRIMARY KEY (global_position, certificate_id)
);
CREATE INDEX certified_events_certificate ON archive.certified_events (certificate_id);

-- The conflicts and rejections rows a certificate removed or redacted, with each row's hash as it was before
-- (RowDigest's row hash), which stands in for the row in the digests of the checkpoints that saw it.
CREATE TABLE archive.certified_rows (
  table_name     text   NOT NULL CHECK (table_name IN ('conflicts', 'rejections')),
  row_id         bigint NOT NULL,
  action         text   NOT NULL CHECK (action IN ('disposed', 'redacted')),
  certificate_id bigint NOT NULL REFERENCES archive.certificates,
  row_hash       bytea  NOT NULL,
  PRIMARY KEY (table_name, row_id, certificate_id)
);

CREATE TRIGGER certificates_append_only BEFORE UPDATE OR DELETE ON archive.certificates
  FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER certificates_no_truncate BEFORE TRUNCATE ON archive.certificates
  FOR EACH STATEMENT EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER certified_events_append_only BEFORE UPDATE OR DELETE ON archive.certified_events
  FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER certified_events_no_truncate BEFORE TRUNCATE ON archive.certified_events
  FOR EACH STATEMENT EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER certified_rows_append_only BEFORE UPDATE OR DELETE ON archive.certified_rows
  FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER certified_rows_no_truncate BEFORE TRUNCATE ON archive.certified_rows
  FOR EACH STATEMENT EXECUTE FUNCTION archive.refuse_change();

-- ---- the one controlled path ---------------------------------------------------------------------------------
-- The log stays append-only for every role, except for exactly the rows a certificate issued in the same transaction
-- names: removed (disposal) or, for events, a new body with everything else unchanged (erasure). A deletion done by
-- hand must disable the triggers, and then no certificate covers it: verify reports it as tampering.
CREATE FUNCTION archive.guard_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (
       SELECT 1 FROM archive.certified_events ce JOIN archive.certificates c USING (certificate_id)
       WHERE ce.global_position = OLD.global_position AND ce.action = 'disposed' AND c.txid = pg_current_xact_id()) THEN
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE'
     AND (NEW.global_position, NEW.stream_id, NEW.position, NEW.type, NEW.dedupe_key, NEW.server_ts, NEW.recorded_at, NEW.prev_hash, NEW.hash)
         IS NOT DISTINCT FROM
         (OLD.global_position, OLD.stream_id, OLD.position, OLD.type, OLD.dedupe_key, OLD.server_ts, OLD.recorded_at, OLD.prev_hash, OLD.hash)
     AND EXISTS (
       SELECT 1 FROM archive.certified_events ce JOIN archive.certificates c USING (certificate_id)
       WHERE ce.global_position = OLD.global_position AND ce.action = 'redacted' AND c.txid = pg_current_xact_id()) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'archive.events is append-only: % of global position % refused (only a lifecycle operation with its certificate may remove or redact an event)',
    TG_OP, OLD.global_position USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION archive.guard_row_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  id bigint := (to_jsonb(OLD) ->> CASE TG_TABLE_NAME WHEN 'conflicts' THEN 'conflict_id' ELSE 'rejection_id' END)::bigint;
  wanted text := CASE TG_OP WHEN 'DELETE' THEN 'disposed' ELSE 'redacted' END;
BEGIN
  IF EXISTS (
       SELECT 1 FROM archive.certified_rows cr JOIN archive.certificates c USING (certificate_id)
       WHERE cr.table_name = TG_TABLE_NAME AND cr.row_id = id AND cr.action = wanted AND c.txid = pg_current_xact_id()) THEN
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  RAISE EXCEPTION 'archive.% is append-only: % of row % refused (only a lifecycle operation with its certificate may remove or redact a row)',
    TG_TABLE_NAME, TG_OP, id USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER events_append_only ON archive.events;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON archive.events
  FOR EACH ROW EXECUTE FUNCTION archive.guard_event_change();
DROP TRIGGER conflicts_append_only ON archive.conflicts;
CREATE TRIGGER conflicts_append_only BEFORE UPDATE OR DELETE ON archive.conflicts
  FOR EACH ROW EXECUTE FUNCTION archive.guard_row_change();
DROP TRIGGER rejections_append_only ON archive.rejections;
CREATE TRIGGER rejections_append_only BEFORE UPDATE OR DELETE ON archive.rejections
  FOR EACH ROW EXECUTE FUNCTION archive.guard_row_change();

-- A conflict points at the event holding its key; a disposal removes both, in one statement order of its choosing.
ALTER TABLE archive.conflicts DROP CONSTRAINT conflicts_existing_global_position_fkey;
CREATE INDEX conflicts_existing ON archive.conflicts (existing_global_position);
CREATE INDEX rejections_stream ON archive.rejections (stream_id) WHERE stream_id IS NOT NULL;

-- ---- legal holds ---------------------------------------------------------------------------------------------
-- A hold freezes every conversation its scope matches, now and as they are archived (the scope is evaluated whenever
-- a disposal or erasure is considered, so a conversation arriving later inside it is held from the start). Holds
-- and their releases are kept for ever; each is also recorded in the admin stream, which the checkpoints cover.
CREATE TABLE archive.legal_holds (
  hold_id    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id    text        NOT NULL,
  reason     text        NOT NULL,
  -- {"conversations": [..], "consumers": [..], "agents": [..], "from": ts, "to": ts, "query": "words"}: every
  -- criterion given must match (a list matches any of its values). docs/compliance.md.
  scope      jsonb       NOT NULL CHECK (jsonb_typeof(scope) = 'object' AND scope <> '{}'::jsonb),
  created_by text        NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE archive.legal_hold_releases (
  hold_id     bigint      PRIMARY KEY REFERENCES archive.legal_holds,
  reason      text        NOT NULL,
  released_by text        NOT NULL,
  released_at timestamptz NOT NULL
);
CREATE TRIGGER legal_holds_append_only BEFORE UPDATE OR DELETE ON archive.legal_holds
  FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER legal_holds_no_truncate BEFORE TRUNCATE ON archive.legal_holds
  FOR EACH STATEMENT EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER legal_hold_releases_append_only BEFORE UPDATE OR DELETE ON archive.legal_hold_releases
  FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER legal_hold_releases_no_truncate BEFORE TRUNCATE ON archive.legal_hold_releases
  FOR EACH STATEMENT EXECUTE FUNCTION archive.refuse_change();

-- ---- masking for analysts ------------------------------------------------------------------------------------
-- What analysts read is masked in place: readmodel.transcript_messages.text and .rich_content and
-- readmodel.survey_answers.answer_text hold the masked value, and the original of every row the rules changed is kept
-- aside, readable by compliance only (and through the compliance schema's views below). A rule change re-masks every
-- row from the originals (`archiver masking apply`), so it takes effect for all data. docs/compliance.md.
CREATE TABLE readmodel.message_originals (
  dialog_id    text     NOT NULL,
  sequence     bigint   NOT NULL,
  text         text,
  rich_content jsonb,
  -- The original text's search vector: compliance searches what was said, analysts what they may read.
  search       tsvector NOT NULL,
  PRIMARY KEY (dialog_id, sequence)
);
CREATE INDEX message_originals_search ON readmodel.message_originals USING gin (search);
CREATE TABLE readmodel.survey_answer_originals (
  dialog_id   text   NOT NULL,
  sequence    bigint NOT NULL,
  answer_text text,
  PRIMARY KEY (dialog_id, sequence)
);

-- The rule sets that were in force, the last one now: each `archiver masking apply` that changed them adds a row
-- (and a MaskingRulesApplied event in the admin stream). Workers read the last one inside every append.
CREATE TABLE archive.masking_rule_sets (
  rule_set_id bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- MaskingRuleSet.Id: the first 16 hex digits of SHA-256 of the rules' canonical JSON.
  set_id      text        NOT NULL,
  rules       text        NOT NULL,
  applied_by  text        NOT NULL,
  applied_at  timestamptz NOT NULL
);
CREATE TRIGGER masking_rule_sets_append_only BEFORE UPDATE OR DELETE ON archive.masking_rule_sets
  FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();

-- Analysts may know which rules their data is masked with.
CREATE VIEW readmodel.masking_in_force AS
SELECT set_id, rules, applied_by, applied_at FROM archive.masking_rule_sets ORDER BY rule_set_id DESC LIMIT 1;

-- LivePerson's own erasure, seen at the source: a message whose content LivePerson replaced with its deletion marker.
-- Never acted upon automatically (the archive keeps what it received); the operator decides whether to erase.
CREATE TABLE readmodel.source_deletions (
  dialog_id       text        NOT NULL,
  sequence        bigint      NOT NULL,
  conversation_id text        NOT NULL,
  global_position bigint      NOT NULL,
  server_ts       timestamptz,
  PRIMARY KEY (dialog_id, sequence)
);
CREATE INDEX source_deletions_conversation ON readmodel.source_deletions (conversation_id);

-- ---- what compliance reads: the originals ----------------------------------------------------------------------
CREATE SCHEMA compliance;
COMMENT ON SCHEMA compliance IS 'The read models with the originals of masked values: for compliance, never analysts.';

CREATE VIEW compliance.transcript_messages AS
SELECT m.dialog_id, m.sequence, m.conversation_id, m.event_type, m.originator_id, m.originator_role, m.content_type,
       CASE WHEN o.dialog_id IS NULL THEN m.text ELSE o.text END AS text,
       m.file_path,
       CASE WHEN o.dialog_id IS NULL THEN m.rich_content ELSE o.rich_content END AS rich_content,
       m.server_ts, m.global_position, m.author_role,
       CASE WHEN o.dialog_id IS NULL THEN m.search ELSE o.search END AS search,
       o.dialog_id IS NOT NULL AS masked
FROM readmodel.transcript_messages m
LEFT JOIN readmodel.message_originals o USING (dialog_id, sequence);

CREATE VIEW compliance.survey_answers AS
SELECT a.dialog_id, a.sequence, a.conversation_id, a.question_id, a.answer_id,
       CASE WHEN o.dialog_id IS NULL THEN a.answer_text ELSE o.answer_text END AS answer_text,
       a.answered_at, o.dialog_id IS NOT NULL AS masked
FROM readmodel.survey_answers a
LEFT JOIN readmodel.survey_answer_originals o USING (dialog_id, sequence);

CREATE VIEW compliance.transcript AS
SELECT t.*, CASE WHEN o.dialog_id IS NULL THEN t.text ELSE o.text END AS original_text, o.dialog_id IS NOT NULL AS masked
FROM readmodel.transcript t
LEFT JOIN readmodel.message_originals o USING (dialog_id, sequence);

-- The messages a full-text query finds, as `archiver search` and the console ask it: for analysts in what they may
-- read; for compliance in what was said — the originals where masked, each side on its own GIN index.
CREATE FUNCTION readmodel.matching_messages(query tsquery) RETURNS SETOF readmodel.transcript_messages
LANGUAGE sql STABLE AS $$
  SELECT * FROM readmodel.transcript_messages WHERE search @@ query
$$;
CREATE FUNCTION compliance.matching_messages(query tsquery) RETURNS SETOF compliance.transcript_messages
LANGUAGE sql STABLE AS $$
  SELECT m.* FROM compliance.transcript_messages m
  WHERE (m.dialog_id, m.sequence) IN (
    SELECT t.dialog_id, t.sequence FROM readmodel.transcript_messages t
    WHERE t.search @@ query
      AND NOT EXISTS (SELECT 1 FROM readmodel.message_originals o WHERE o.dialog_id = t.dialog_id AND o.sequence = t.sequence)
    UNION ALL
    SELECT o.dialog_id, o.sequence FROM readmodel.message_originals o WHERE o.search @@ query)
$$;

-- Which conversations the active holds freeze, evaluated now. `query` searches the originals.
CREATE FUNCTION archive.hold_matches(scope jsonb, conversation readmodel.conversations) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT (NOT scope ? 'conversations' OR conversation.conversation_id IN (SELECT jsonb_array_elements_text(scope->'conversations')))
     AND (NOT scope ? 'consumers' OR conversation.consumer_id IN (SELECT jsonb_array_elements_text(scope->'consumers')))
     AND (NOT scope ? 'agents' OR EXISTS (
            SELECT 1 FROM readmodel.participants p
            WHERE p.conversation_id = conversation.conversation_id
              AND p.participant_id IN (SELECT jsonb_array_elements_text(scope->'agents')))
          OR EXISTS (
            SELECT 1 FROM readmodel.transcript_messages m
            WHERE m.conversation_id = conversation.conversation_id
              AND m.originator_id IN (SELECT jsonb_array_elements_text(scope->'agents'))))
     AND (NOT scope ? 'from' OR conversation.start_ts >= (scope->>'from')::timestamptz)
     AND (NOT scope ? 'to' OR conversation.start_ts < (scope->>'to')::timestamptz)
     AND (NOT scope ? 'query' OR EXISTS (
            SELECT 1 FROM compliance.transcript_messages m
            WHERE m.conversation_id = conversation.conversation_id
              AND m.search @@ websearch_to_tsquery('simple', scope->>'query')))
$$;

CREATE VIEW archive.held_conversations AS
SELECT h.hold_id, h.case_id, c.conversation_id
FROM archive.legal_holds h
JOIN readmodel.conversations c ON archive.hold_matches(h.scope, c)
WHERE NOT EXISTS (SELECT 1 FROM archive.legal_hold_releases r WHERE r.hold_id = h.hold_id);

-- ---- which of our consumers a conversation came through ---------------------------------------------------------
-- Every LivePerson consumer id our consumers have had (a Signup consumer that signs up again is a new one), with the
-- identity mode: retention rules may select conversations by it (Retention__Rules__{i}__ConsumerModes). No secret.
CREATE TABLE archive.consumer_ids (
  consumer_id   text        PRIMARY KEY,
  consumer_name text        NOT NULL,
  mode          text        NOT NULL,
  first_seen    timestamptz NOT NULL
);
INSERT INTO archive.consumer_ids (consumer_id, consumer_name, mode, first_seen)
SELECT consumer_id, consumer_name, mode, updated_at FROM archive.consumer_identities WHERE consumer_id IS NOT NULL
ON CONFLICT DO NOTHING;

-- ---- grants ----------------------------------------------------------------------------------------------------
-- The worker: its projections keep the originals and the source deletions, it reads the rules in force, and it
-- records the consumer ids it signs in as. Lifecycle tables are the owner's alone (plus reads for compliance).
GRANT SELECT, INSERT, UPDATE ON readmodel.message_originals, readmodel.survey_answer_originals, readmodel.source_deletions TO archiver_writer;
GRANT SELECT ON archive.masking_rule_sets TO archiver_writer;
GRANT SELECT, INSERT ON archive.consumer_ids TO archiver_writer;
-- The checkpoints it takes state the certificates' digest.
GRANT SELECT ON archive.certificates TO archiver_writer;

-- Analysts: the masked read models (unchanged grants), which rules are in force, what LivePerson erased. Never the
-- originals, never the compliance schema.
GRANT SELECT ON readmodel.masking_in_force, readmodel.source_deletions TO analyst;
GRANT EXECUTE ON FUNCTION readmodel.matching_messages(tsquery) TO analyst, compliance;
REVOKE ALL ON readmodel.message_originals, readmodel.survey_answer_originals FROM analyst;

-- Compliance: the originals, and everything about the lifecycle.
GRANT SELECT ON readmodel.message_originals, readmodel.survey_answer_originals, readmodel.masking_in_force, readmodel.source_deletions TO compliance;
GRANT USAGE ON SCHEMA compliance TO compliance;
GRANT SELECT ON ALL TABLES IN SCHEMA compliance TO compliance;
REVOKE EXECUTE ON FUNCTION compliance.matching_messages(tsquery) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.matching_messages(tsquery) TO compliance;
GRANT SELECT ON archive.certificates, archive.certified_events, archive.certified_rows, archive.legal_holds, archive.legal_hold_releases,
  archive.held_conversations, archive.masking_rule_sets, archive.consumer_ids TO compliance;

-- 0013: the reviewer console (issue 15): who searched, viewed or exported what is recorded, and the console's login
-- may do exactly what its users' roles need. docs/console.md.

-- ---- the access audit trail ------------------------------------------------------------------------------------
-- One row per search, conversation view, export, hold placed or released, sign-in and refusal in the console: who
-- (the signed-in user, as the identity provider or the local accounts name them), with which roles, from which
-- address, when, and what. Append-only, hash-chained like the certificates, and stated in every checkpoint, so a row
-- removed or changed later is seen even by an outsider holding the checkpoint files.
CREATE TABLE archive.access_audit (
  -- 1, 2, 3 …, in the order recorded (one at a time: an advisory lock), so the chain has one order.
  audit_id        bigint      PRIMARY KEY,
  at              timestamptz NOT NULL,
  user_name       text        NOT NULL,
  -- The roles the user acted with, comma-separated (reviewer, investigator, supervisor).
  roles           text        NOT NULL,
  -- The client's address as the console saw it (behind a reverse proxy: X-Forwarded-For, when configured).
  address         text,
  action          text        NOT NULL CHECK (action IN ('sign-in', 'sign-out', 'search', 'view', 'export', 'hold-create', 'hold-release', 'audit', 'denied')),
  -- The conversation viewed (or the first of an export's selection is in detail): "who has seen conversation X".
  conversation_id text,
  -- What exactly: the search's criteria, the export's format and selection, the hold's case and scope, the page denied.
  detail          jsonb       NOT NULL,
  -- hash = SHA-256(prev_hash ‖ row hash), the row hash as the checkpoints digest rows (RowDigest over the columns above).
  prev_hash       bytea       NOT NULL,
  hash            bytea       NOT NULL
);
CREATE INDEX access_audit_conversation ON archive.access_audit (conversation_id, at) WHERE conversation_id IS NOT NULL;
CREATE INDEX access_audit_user ON archive.access_audit (user_name, at);
COMMENT ON TABLE archive.access_audit IS 'Who searched, viewed and exported what in the console, hash-chained and checkpointed. Append-only.';

CREATE TRIGGER access_audit_append_only BEFORE UPDATE OR DELETE ON archive.access_audit
  FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER access_audit_no_truncate BEFORE TRUNCATE ON archive.access_audit
  FOR EACH STATEMENT EXECUTE FUNCTION archive.refuse_change();

-- ---- the console's login ---------------------------------------------------------------------------------------
-- The console reads as compliance does (the originals, for investigators; it shows reviewers the masked read models),
-- records the audit trail, and places and releases legal holds for supervisors. Nothing else: it never writes the log or
-- the read models, and it cannot remove anything.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'archiver_console') THEN
    CREATE ROLE archiver_console NOLOGIN;
  END IF;
END
$$;
GRANT compliance TO archiver_console;
GRANT SELECT, INSERT ON archive.access_audit TO archiver_console;
GRANT INSERT ON archive.legal_holds, archive.legal_hold_releases TO archiver_console;
GRANT USAGE ON SEQUENCE archive.legal_holds_hold_id_seq TO archiver_console;
-- The worker's checkpoints state the audit trail's digest; compliance verifies it.
GRANT SELECT ON archive.access_audit TO archiver_writer, compliance;

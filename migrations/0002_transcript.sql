-- 0002: the first read models, kept inside the append transaction by the inline projections in
-- src/Archiver.Worker/Projections. Plain tables in their own schema so analysts can be granted them alone.

CREATE SCHEMA IF NOT EXISTS readmodel;
COMMENT ON SCHEMA readmodel IS 'Read models projected from archive.events in the same transaction; rebuildable from the events.';

-- Dialogs of each conversation (MAIN, POST_SURVEY, ...), from the conversation streams' DialogOpened/DialogClosed.
-- The transcript joins through it to name a message's conversation and dialog type.
CREATE TABLE readmodel.dialogs (
  dialog_id        text PRIMARY KEY,
  conversation_id  text NOT NULL,
  dialog_type      text,
  channel_type     text,
  state            text NOT NULL DEFAULT 'OPEN',
  opened_at        timestamptz,
  closed_at        timestamptz,
  closed_by        text,
  closed_cause     text
);
CREATE INDEX dialogs_conversation ON readmodel.dialogs (conversation_id);

-- One row per message (ContentEvent, RichContentEvent) in every dialog. Keyed like the archive, so a row is the
-- projection of exactly one archived event (global_position points back at the evidence).
CREATE TABLE readmodel.transcript_messages (
  dialog_id        text        NOT NULL,
  sequence         bigint      NOT NULL,
  -- From the change when the server names it; for MAIN dialogs the dialogId is the conversationId.
  conversation_id  text        NOT NULL,
  event_type       text        NOT NULL,
  originator_id    text,
  -- CONSUMER, ASSIGNED_AGENT, AGENT (survey bot), MANAGER, CONTROLLER… as originatorMetadata.role says; null if absent.
  originator_role  text,
  content_type     text,
  -- The text of text/plain messages; the caption of files; null for rich content.
  text             text,
  -- Where a hosted file lies (relativePath); rich content is kept whole as jsonb.
  file_path        text,
  rich_content     jsonb,
  server_ts        timestamptz,
  global_position  bigint      NOT NULL,
  PRIMARY KEY (dialog_id, sequence)
);
CREATE INDEX transcript_messages_conversation ON readmodel.transcript_messages (conversation_id, server_ts);

GRANT USAGE ON SCHEMA readmodel TO archiver_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA readmodel TO archiver_writer;

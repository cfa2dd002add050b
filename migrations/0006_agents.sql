-- 0006: agent names (§14.9). The worker fetches each agent's public profile from acCdnDomain and archives it as an
-- AgentProfileObserved event in the agent:{agentId} stream; this table is its projection, so names survive rebuilds.

CREATE TABLE readmodel.agents (
  agent_id        text PRIMARY KEY,   -- the agent's public id, as in participants and originatorId
  nickname        text,
  full_name       text,
  employee_id     text,
  picture_url     text,
  global_position bigint NOT NULL     -- the profile event these columns come from (the latest one)
);

-- The transcript as analysts read it: each message with its dialog type and, for agents, their name where known.
CREATE VIEW readmodel.transcript AS
SELECT m.conversation_id, m.dialog_id, d.dialog_type, m.sequence, m.server_ts, m.author_role, m.originator_id,
       m.originator_role, CASE WHEN m.author_role <> 'consumer' THEN coalesce(a.full_name, a.nickname) END AS agent_name,
       m.event_type, m.content_type, m.text, m.file_path, m.rich_content, m.global_position
FROM readmodel.transcript_messages m
LEFT JOIN readmodel.dialogs d USING (dialog_id)
LEFT JOIN readmodel.agents a ON a.agent_id = m.originator_id;

GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON readmodel.agents TO archiver_writer;
GRANT SELECT ON readmodel.agents, readmodel.transcript TO analyst, compliance;

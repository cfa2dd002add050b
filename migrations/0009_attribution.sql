-- 0009: analysts' first day (issue 12). Who a conversation's first agent and first responder were, response times
-- credited to the agent who answered, each handover once, and one CSAT view over legacy CSAT and survey answers.
-- Column by column, with the Messaging Interactions API field each corresponds to: docs/analytics.md.

-- The first agent: the ASSIGNED_AGENT of the earliest observation (by metaDataLastUpdateTs) that had one, kept like
-- agent_id (the latest) with the observation time it comes from, so a late, older observation can still correct it.
-- The first responder: who wrote the first reply (first_reply_at), which after a transfer is often not agent_id.
ALTER TABLE readmodel.conversations
  ADD COLUMN first_agent_id      text,
  ADD COLUMN first_agent_seen_ts timestamptz,
  ADD COLUMN first_responder_id  text;

-- Archives projected before this migration: the first agent from the first assigned agent who joined, the first
-- responder from the transcript (the projection keeps both from now on; a rebuild gives the same).
UPDATE readmodel.conversations c SET first_agent_id = p.participant_id, first_agent_seen_ts = p.at
FROM (SELECT DISTINCT ON (conversation_id) conversation_id, participant_id, at
      FROM readmodel.participants WHERE role = 'ASSIGNED_AGENT' AND change = 'JOINED'
      ORDER BY conversation_id, global_position) p
WHERE c.conversation_id = p.conversation_id;

UPDATE readmodel.conversations c SET first_responder_id = (
  SELECT m.originator_id FROM readmodel.transcript_messages m
  WHERE m.conversation_id = c.conversation_id AND m.dialog_id = c.conversation_id AND m.author_role = 'agent' AND m.server_ts = c.first_reply_at
  ORDER BY m.sequence LIMIT 1)
WHERE c.first_reply_at IS NOT NULL;

CREATE INDEX conversations_first_responder ON readmodel.conversations (first_responder_id);

-- Response times per day of start, credited to the agent who answered first (it was the last agent, agent_id, which
-- after a transfer is the other one).
CREATE OR REPLACE VIEW readmodel.response_times_by_agent_day AS
SELECT date_trunc('day', start_ts) AS day, first_responder_id AS agent_id, count(*) AS conversations,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_seconds) AS median_first_response_seconds,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY first_response_seconds) AS p90_first_response_seconds
FROM readmodel.conversations
WHERE first_response_seconds IS NOT NULL
GROUP BY 1, 2;

-- Every handover once: each assigned agent who joined after a different one, in the order the facts were archived.
-- A join repeated in the log (archives written before facts were derived against queued states) follows the same
-- agent and is no handover, so the count is right whatever the participants table holds.
CREATE VIEW readmodel.transfers AS
SELECT j.conversation_id, j.from_agent_id, j.to_agent_id, j.at, j.global_position
FROM (SELECT conversation_id, participant_id AS to_agent_id, at, global_position,
             lag(participant_id) OVER (PARTITION BY conversation_id ORDER BY global_position) AS from_agent_id
      FROM readmodel.participants
      WHERE role = 'ASSIGNED_AGENT' AND change = 'JOINED') j
WHERE j.from_agent_id IS NOT NULL AND j.from_agent_id <> j.to_agent_id;

-- The agents (every non-consumer participant: assigned agents, readers, managers, bots) a conversation passed through.
CREATE VIEW readmodel.conversation_agents AS
SELECT p.conversation_id, p.participant_id AS agent_id, coalesce(a.full_name, a.nickname) AS agent_name, p.role,
       row_number() OVER (PARTITION BY p.conversation_id ORDER BY min(p.global_position)) AS ordinal,
       min(p.at) FILTER (WHERE p.change = 'JOINED') AS first_joined_at,
       max(p.at) FILTER (WHERE p.change = 'LEFT') AS last_left_at,
       count(DISTINCT p.global_position) FILTER (WHERE p.change = 'JOINED') AS times_joined
FROM readmodel.participants p
LEFT JOIN readmodel.agents a ON a.agent_id = p.participant_id
WHERE p.role <> 'CONSUMER'
GROUP BY p.conversation_id, p.participant_id, a.full_name, a.nickname, p.role;

-- One CSAT for analysts: legacy CSAT (the metadata's csatRate) and post-conversation survey answers, one row per
-- response. The question's wording is the last message before the answer in its dialog that the consumer did not
-- write (the survey bot's question). score is the answer as a number where it is one ('4', ' 5 ').
CREATE VIEW readmodel.csat_responses AS
SELECT r.conversation_id, c.agent_id, 'legacy'::text AS source, NULL::text AS question_id, NULL::text AS question_text,
       NULL::text AS answer_id, r.rate::text AS answer_text, r.rate::numeric AS score, r.resolution_confirmation, r.status,
       r.submitted_at AS answered_at, NULL::text AS dialog_id, NULL::bigint AS sequence
FROM readmodel.csat_results r
JOIN readmodel.conversations c USING (conversation_id)
UNION ALL
SELECT s.conversation_id, c.agent_id, 'survey', s.question_id, q.text, s.answer_id, s.answer_text,
       CASE WHEN s.answer_text ~ '^\s*[0-9]{1,6}(\.[0-9]{1,6})?\s*$' THEN btrim(s.answer_text)::numeric END,
       NULL::boolean, NULL::text, s.answered_at, s.dialog_id, s.sequence
FROM readmodel.survey_answers s
JOIN readmodel.conversations c USING (conversation_id)
LEFT JOIN LATERAL (SELECT m.text FROM readmodel.transcript_messages m
                   WHERE m.dialog_id = s.dialog_id AND m.sequence < s.sequence AND m.author_role <> 'consumer'
                   ORDER BY m.sequence DESC LIMIT 1) q ON true;

-- CSAT by agent and week over both sources: every response scored on CSAT's scale (1–5), credited to the
-- conversation's agent (agent_id, the last one: the agent the consumer rated), in the week it was given.
CREATE OR REPLACE VIEW readmodel.csat_by_agent_week AS
SELECT date_trunc('week', answered_at) AS week, agent_id, count(*) AS responses, round(avg(score), 2) AS average_rate,
       round(100.0 * count(*) FILTER (WHERE resolution_confirmation)
             / nullif(count(*) FILTER (WHERE resolution_confirmation IS NOT NULL), 0), 1) AS resolved_percent,
       count(*) FILTER (WHERE source = 'legacy') AS legacy_responses,
       count(*) FILTER (WHERE source = 'survey') AS survey_responses
FROM readmodel.csat_responses
WHERE score BETWEEN 1 AND 5
GROUP BY 1, 2;

-- The transcript as analysts read it, now with the search vector (full-text search with names in one view).
CREATE OR REPLACE VIEW readmodel.transcript AS
SELECT m.conversation_id, m.dialog_id, d.dialog_type, m.sequence, m.server_ts, m.author_role, m.originator_id,
       m.originator_role, CASE WHEN m.author_role <> 'consumer' THEN coalesce(a.full_name, a.nickname) END AS agent_name,
       m.event_type, m.content_type, m.text, m.file_path, m.rich_content, m.global_position, m.search
FROM readmodel.transcript_messages m
LEFT JOIN readmodel.dialogs d USING (dialog_id)
LEFT JOIN readmodel.agents a ON a.agent_id = m.originator_id;

GRANT SELECT ON readmodel.transfers, readmodel.conversation_agents, readmodel.csat_responses TO analyst, compliance;

-- 0004: the read side for compliance and analysts (issue 5). Plain tables in schema readmodel, kept inside the append
-- transaction by the inline projections (src/Archiver.Worker/Projections) and rebuildable from the events with
-- `archiver projections rebuild`; views for the questions analysts ask first. Column by column: docs/analytics.md.

-- Who wrote a message, in the three words analysts use. LivePerson's roles (§6.2): CONSUMER; ASSIGNED_AGENT, MANAGER,
-- READER and AGENT (the survey bot speaks as AGENT) are people or bots acting for the brand; anything else
-- (CONTROLLER, unknown) is the system. Generated, so a rebuild cannot disagree with live rows.
ALTER TABLE readmodel.transcript_messages
  ADD COLUMN author_role text GENERATED ALWAYS AS (
    CASE WHEN originator_role = 'CONSUMER' THEN 'consumer'
         WHEN originator_role IN ('ASSIGNED_AGENT', 'MANAGER', 'READER', 'AGENT') THEN 'agent'
         ELSE 'system' END) STORED,
  -- Full-text search over what was said. 'simple' (no stemming, no stop words): transcripts are in many languages
  -- and compliance searches for exact words.
  ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(text, ''))) STORED;
CREATE INDEX transcript_messages_search ON readmodel.transcript_messages USING gin (search);
COMMENT ON COLUMN readmodel.transcript_messages.author_role IS 'consumer | agent | system, from originator_role';

-- One row per conversation: its latest state (the observation with the highest metaDataLastUpdateTs wins, whatever
-- order observations arrived in) and figures computed from the transcript.
CREATE TABLE readmodel.conversations (
  conversation_id        text PRIMARY KEY,
  consumer_id            text,
  brand_id               text,
  skill_id               text,
  -- The current or last assigned agent: the ASSIGNED_AGENT of the latest state that had one.
  agent_id               text,
  state                  text,          -- OPEN | CLOSE (the MAIN dialog)
  stage                  text,          -- OPEN | CLOSE (the whole conversation, survey included)
  close_reason           text,          -- CONSUMER | AGENT | TIMEOUT | SYSTEM
  start_ts               timestamptz,
  end_ts                 timestamptz,
  duration               interval GENERATED ALWAYS AS (end_ts - start_ts) STORED,
  -- Messages (ContentEvent, RichContentEvent) in the MAIN dialog, per side.
  consumer_messages      integer NOT NULL DEFAULT 0,
  agent_messages         integer NOT NULL DEFAULT 0,
  -- The first consumer message, and the first agent message at or after it (MAIN dialog); kept incrementally.
  first_consumer_at      timestamptz,
  first_reply_at         timestamptz,
  first_response_seconds numeric(12, 3) GENERATED ALWAYS AS (round(extract(epoch FROM first_reply_at - first_consumer_at)::numeric, 3)) STORED,
  csat_rate              integer,
  csat_resolution        boolean,
  csat_status            text,
  -- The metaDataLastUpdateTs of the state these columns come from; and of the state the agent comes from.
  last_update_ts         timestamptz,
  agent_seen_ts          timestamptz
);
CREATE INDEX conversations_start ON readmodel.conversations (start_ts);
CREATE INDEX conversations_agent ON readmodel.conversations (agent_id);

-- Delivery and read receipts (AcceptStatusEvent ACCEPT / READ), per message and participant: the first of each.
CREATE TABLE readmodel.read_receipts (
  dialog_id        text   NOT NULL,
  sequence         bigint NOT NULL,   -- the message's sequence (from sequenceList)
  participant_id   text   NOT NULL,   -- who acknowledged (originatorId of the receipt)
  participant_role text,
  accepted_at      timestamptz,
  read_at          timestamptz,
  PRIMARY KEY (dialog_id, sequence, participant_id)
);

-- Legacy CSAT (CSATRate in the conversation metadata): the latest submission per conversation.
CREATE TABLE readmodel.csat_results (
  conversation_id         text PRIMARY KEY,
  rate                    integer,
  resolution_confirmation boolean,
  status                  text,       -- FILLED | PARTIALLY_FILLED | SKIPPED
  submitted_at            timestamptz
);

-- Post-conversation survey answers: consumer messages that carry an Answer in their metadata (§8 PCS flow).
CREATE TABLE readmodel.survey_answers (
  dialog_id       text   NOT NULL,
  sequence        bigint NOT NULL,
  conversation_id text   NOT NULL,
  question_id     text,
  answer_id       text,
  answer_text     text,
  answered_at     timestamptz,
  PRIMARY KEY (dialog_id, sequence)
);
CREATE INDEX survey_answers_conversation ON readmodel.survey_answers (conversation_id);

-- Joins, leaves and transfers over time: one row per ParticipantJoined / ParticipantLeft fact (a transfer is the old
-- ASSIGNED_AGENT leaving and the new one joining in the same observation).
CREATE TABLE readmodel.participants (
  global_position bigint PRIMARY KEY,   -- the fact's event: the evidence behind the row
  conversation_id text NOT NULL,
  participant_id  text NOT NULL,
  role            text NOT NULL,
  change          text NOT NULL CHECK (change IN ('JOINED', 'LEFT')),
  at              timestamptz
);
CREATE INDEX participants_conversation ON readmodel.participants (conversation_id, at);

-- ---- views: the first questions ------------------------------------------------------------------------------

-- Every message with its receipts and time-to-read (read_at minus the message's server timestamp).
CREATE VIEW readmodel.message_receipts AS
SELECT m.conversation_id, m.dialog_id, m.sequence, m.author_role, m.server_ts, r.participant_id, r.participant_role,
       r.accepted_at, r.read_at, r.read_at - m.server_ts AS time_to_read
FROM readmodel.transcript_messages m
JOIN readmodel.read_receipts r USING (dialog_id, sequence);

-- CSAT results with the survey answers, where either exists.
CREATE VIEW readmodel.csat AS
SELECT c.conversation_id, c.agent_id, r.rate, r.resolution_confirmation, r.status, r.submitted_at,
       (SELECT jsonb_agg(jsonb_build_object('questionId', a.question_id, 'answerId', a.answer_id, 'answer', a.answer_text,
                                            'answeredAt', a.answered_at) ORDER BY a.dialog_id, a.sequence)
        FROM readmodel.survey_answers a WHERE a.conversation_id = c.conversation_id) AS survey_answers
FROM readmodel.conversations c
LEFT JOIN readmodel.csat_results r USING (conversation_id)
WHERE r.conversation_id IS NOT NULL
   OR EXISTS (SELECT 1 FROM readmodel.survey_answers a WHERE a.conversation_id = c.conversation_id);

CREATE VIEW readmodel.csat_by_agent_week AS
SELECT date_trunc('week', r.submitted_at) AS week, c.agent_id, count(*) AS responses, round(avg(r.rate), 2) AS average_rate,
       round(100.0 * count(*) FILTER (WHERE r.resolution_confirmation) / count(*), 1) AS resolved_percent
FROM readmodel.csat_results r JOIN readmodel.conversations c USING (conversation_id)
WHERE r.rate IS NOT NULL
GROUP BY 1, 2;

CREATE VIEW readmodel.response_times_by_agent_day AS
SELECT date_trunc('day', start_ts) AS day, agent_id, count(*) AS conversations,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_seconds) AS median_first_response_seconds,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY first_response_seconds) AS p90_first_response_seconds
FROM readmodel.conversations
WHERE first_response_seconds IS NOT NULL
GROUP BY 1, 2;

CREATE VIEW readmodel.volume_by_hour AS
SELECT date_trunc('hour', server_ts) AS hour, count(DISTINCT conversation_id) AS conversations,
       count(*) FILTER (WHERE author_role = 'consumer') AS consumer_messages,
       count(*) FILTER (WHERE author_role = 'agent') AS agent_messages,
       count(*) FILTER (WHERE author_role = 'system') AS system_messages
FROM readmodel.transcript_messages
GROUP BY 1;

CREATE VIEW readmodel.conversations_by_close_reason AS
SELECT coalesce(close_reason, 'OPEN') AS close_reason, count(*) AS conversations, avg(duration) AS average_duration
FROM readmodel.conversations
GROUP BY 1;

-- ---- roles ------------------------------------------------------------------------------------------------------
-- analyst: read models and views, nothing else. compliance: that plus the raw events (the evidence). Neither writes.
-- Roles are cluster-wide, so they are created only if missing; grants are per database.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'analyst') THEN
    CREATE ROLE analyst NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'compliance') THEN
    CREATE ROLE compliance NOLOGIN;
  END IF;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA readmodel TO archiver_writer;
GRANT USAGE ON SCHEMA readmodel TO analyst, compliance;
GRANT SELECT ON ALL TABLES IN SCHEMA readmodel TO analyst, compliance;
GRANT USAGE ON SCHEMA archive TO compliance;
GRANT SELECT ON archive.events, archive.streams, archive.conflicts TO compliance;

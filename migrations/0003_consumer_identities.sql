-- 0003: consumer identities the worker holds, persisted so a restart keeps the same consumer (and its archive).
-- These are SECRETS (consumer JWTs, external tokens): only the writer role may read them — never analysts or
-- compliance readers — and the worker never logs them.

CREATE TABLE archive.consumer_identities (
  consumer_name text        PRIMARY KEY,  -- LivePerson__Consumers__{i}__Name
  mode          text        NOT NULL,     -- Signup | Unauthenticated | Authenticated
  consumer_id   text,                     -- the JWT's sub, for operators matching conversations to identities
  -- {"jwt": "...", "externalToken": "..."}: the tokens themselves.
  secrets       jsonb       NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE archive.consumer_identities IS 'Secrets: consumer tokens. Readable by archiver_writer only.';

REVOKE ALL ON archive.consumer_identities FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON archive.consumer_identities TO archiver_writer;

-- 0005: several workers, one archive (issue 6). Consumer identities are shared out among the running workers by
-- leases in these tables: each a single-row UPDATE in autocommit (no session-level advisory lock that a killed
-- connection would silently drop, no transaction held open between heartbeats — the failures Marten's async daemon
-- hit). Idempotent appends make a brief double hold harmless to the data; the leases exist to avoid it anyway.

-- The workers alive now: each refreshes its row every heartbeat; a row past expires_at is a dead worker.
CREATE TABLE archive.workers (
  worker_id    text        PRIMARY KEY,   -- Coordination__WorkerId, default host-pid
  started_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);

-- One row per configured consumer identity. worker_id holds it until expires_at; a lapsed or null lease is free.
CREATE TABLE archive.consumer_leases (
  consumer_name text        PRIMARY KEY,  -- LivePerson__Consumers__{i}__Name
  worker_id     text,
  expires_at    timestamptz,
  acquired_at   timestamptz,
  -- Incremented on every acquisition: a fencing token, and the number of hand-overs for operators.
  epoch         bigint      NOT NULL DEFAULT 0
);
CREATE INDEX consumer_leases_worker ON archive.consumer_leases (worker_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON archive.workers, archive.consumer_leases TO archiver_writer;
GRANT SELECT ON archive.workers, archive.consumer_leases TO compliance;

-- 0014: the consumer registry (issue 16). A brand archiving its authenticated customers' conversations holds one
-- consumer identity per customer: thousands, coming and going. Configuration (LivePerson__Consumers__{i}) cannot be
-- changed without restarting every worker, so consumers can also be kept here: the owner adds and removes them
-- (`archiver consumers add|remove|import`), running workers are told by NOTIFY (and poll every heartbeat in case a
-- notification was missed) and share them through the leases of migration 0005. docs/operations.md, "The consumer
-- registry".

-- One row per registration. A removal sets removed_at and keeps the row, and adding the name again is a new row, so
-- the registry is also the history of whose conversations were archived, and when.
CREATE TABLE archive.consumer_registry (
  -- A surrogate key: one name may be registered, removed and registered again, each its own row.
  entry_id      bigserial   PRIMARY KEY,
  -- The identity's name: its lease (archive.consumer_leases.consumer_name) and its tokens (consumer_identities) are
  -- kept under it, as for a configured consumer. Restricted to printable characters that are safe in a log line and
  -- a CSV field.
  consumer_name text        NOT NULL CHECK (consumer_name ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}$'),
  -- Only the flows a registry serves: Signup creates a new consumer on every signup (demo only, docs/sessions.md).
  mode          text        NOT NULL CHECK (mode IN ('Authenticated', 'Unauthenticated')),
  -- The LivePerson account (brand): a worker holds only its own account's consumers (LivePerson__AccountId).
  account_id    text        NOT NULL CHECK (account_id <> ''),
  -- Authenticated: the customer's id in the brand's system, the `sub` of the id tokens the workers mint with the
  -- shared key (LivePerson__Registry__SigningKeyFile). The key itself is never stored in the database.
  external_id   text        CHECK (external_id <> ''),
  -- Unauthenticated: the le-connector id of app/{connectorId}/authenticate.
  connector_id  text        CHECK (connector_id <> ''),
  added_at      timestamptz NOT NULL DEFAULT now(),
  -- The database login that added it (the owner's, from the CLI), like legal holds record theirs.
  added_by      text        NOT NULL DEFAULT current_user,
  -- Set once, by a removal; the row stays.
  removed_at    timestamptz,
  removed_by    text,
  -- Each flow has exactly the field it needs, so a row can always be turned into an identity.
  CONSTRAINT consumer_registry_fields CHECK (
    (mode = 'Authenticated' AND external_id IS NOT NULL AND connector_id IS NULL) OR
    (mode = 'Unauthenticated' AND connector_id IS NOT NULL AND external_id IS NULL)),
  CONSTRAINT consumer_registry_removal CHECK ((removed_at IS NULL) = (removed_by IS NULL))
);
-- One active registration per name: two would share a lease and a token.
CREATE UNIQUE INDEX consumer_registry_active_name ON archive.consumer_registry (consumer_name) WHERE removed_at IS NULL;
-- One active registration per authenticated customer: two names for one `sub` would be one LivePerson consumer held
-- by two sockets.
CREATE UNIQUE INDEX consumer_registry_active_external ON archive.consumer_registry (account_id, external_id)
  WHERE removed_at IS NULL AND mode = 'Authenticated';
COMMENT ON TABLE archive.consumer_registry IS 'Consumer identities kept in the database besides configuration; a removal keeps its row (removed_at).';

-- A registration is history: only a removal may change a row (removed_at and removed_by, once), and no row is deleted.
CREATE FUNCTION archive.guard_registry_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.removed_at IS NULL AND NEW.removed_at IS NOT NULL
     AND (NEW.entry_id, NEW.consumer_name, NEW.mode, NEW.account_id, NEW.external_id, NEW.connector_id, NEW.added_at, NEW.added_by)
         IS NOT DISTINCT FROM
         (OLD.entry_id, OLD.consumer_name, OLD.mode, OLD.account_id, OLD.external_id, OLD.connector_id, OLD.added_at, OLD.added_by) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'archive.consumer_registry keeps its history: % of entry % refused (remove a consumer with `archiver consumers remove`)',
    TG_OP, OLD.entry_id USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER consumer_registry_history BEFORE UPDATE OR DELETE ON archive.consumer_registry
  FOR EACH ROW EXECUTE FUNCTION archive.guard_registry_change();
CREATE TRIGGER consumer_registry_no_truncate BEFORE TRUNCATE ON archive.consumer_registry
  FOR EACH STATEMENT EXECUTE FUNCTION archive.refuse_change();

-- Tells running workers at once (they LISTEN on this channel), whoever changed the registry and however: the CLI, or
-- SQL by hand. One notification per statement, so an import of thousands is one wake-up. Delivered on commit only.
CREATE FUNCTION archive.notify_registry_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('archiver_consumer_registry', '');
  RETURN NULL;
END $$;
CREATE TRIGGER consumer_registry_notify AFTER INSERT OR UPDATE ON archive.consumer_registry
  FOR EACH STATEMENT EXECUTE FUNCTION archive.notify_registry_change();

-- The worker, which faces the internet, only reads it: the owner (the CLI) decides whose conversations are archived.
REVOKE ALL ON archive.consumer_registry FROM PUBLIC;
GRANT SELECT ON archive.consumer_registry TO archiver_writer;
-- Who was archived, and when, is evidence an auditor reads.
GRANT SELECT ON archive.consumer_registry TO compliance;

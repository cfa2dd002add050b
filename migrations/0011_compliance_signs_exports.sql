-- 0011: a compliance officer releases exports that prove themselves (issue 13). A signed export names a checkpoint
-- taken for the very snapshot it read (docs/analytics.md, "Exports that prove themselves"), so the login that exports
-- must be able to append a checkpoint. Appending one is only an attestation, signed with a key the database never
-- holds; the table stays append-only for every role (its triggers), and verify checks every row's signature and chain.
-- docs/operations.md lists the grant.
GRANT INSERT ON archive.checkpoints TO compliance;

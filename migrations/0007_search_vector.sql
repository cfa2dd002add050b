-- 0007: the transcript's search vector is written by the transcript projection instead of computed by PostgreSQL as a
-- generated column. The value is the same expression (to_tsvector('simple', coalesce(text, ''))), now named once as
-- readmodel.search_vector so that the live INSERT, the rebuild and analysts all use exactly the one definition. Why:
-- computing it is most of a rebuild's cost, and a generated column makes the one backend that writes the rows compute
-- it too; as a plain column, a rebuild has a second backend compute the vectors of the next page while the first writes
-- this one (src/Archiver.Worker/Projections/ProjectionRebuilder.cs, docs/benchmarks.md). Existing values are kept.

-- Not STRICT: a null text (rich content) gives the empty vector, as the generated column did.
CREATE FUNCTION readmodel.search_vector(message_text text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN to_tsvector('simple', coalesce(message_text, ''));
COMMENT ON FUNCTION readmodel.search_vector(text) IS 'The full-text search vector of a message text: transcript_messages.search = search_vector(text).';

ALTER TABLE readmodel.transcript_messages ALTER COLUMN search DROP EXPRESSION;
-- A row without a vector would be a message that search cannot find.
ALTER TABLE readmodel.transcript_messages ALTER COLUMN search SET NOT NULL;

-- Rolling upgrades: a worker older than this migration inserts messages without the column. This fills it for them;
-- the WHEN clause keeps the function from being called at all for the writers that give the vector.
CREATE FUNCTION readmodel.fill_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search := readmodel.search_vector(NEW.text);
  RETURN NEW;
END $$;
CREATE TRIGGER transcript_messages_fill_search BEFORE INSERT ON readmodel.transcript_messages
  FOR EACH ROW WHEN (NEW.search IS NULL) EXECUTE FUNCTION readmodel.fill_search_vector();
COMMENT ON COLUMN readmodel.transcript_messages.search IS 'readmodel.search_vector(text), written by the transcript projection; GIN-indexed for full-text search';

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
-- Every writer must give it: a row without a vector would be a message that search cannot find.
ALTER TABLE readmodel.transcript_messages ALTER COLUMN search SET NOT NULL;
COMMENT ON COLUMN readmodel.transcript_messages.search IS 'readmodel.search_vector(text), written by the transcript projection; GIN-indexed for full-text search';

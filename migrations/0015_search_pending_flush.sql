-- 0015: the search indexes' pending lists emptied in the background, not by an append (issue 16). A GIN index with
-- fastupdate (PostgreSQL's default) takes new entries into a pending list, and the insert that finds that list over
-- gin_pending_list_limit (4 MB) moves all of it into the index before it returns. In the worker that insert is a
-- batch's transcript rows, inside the append transaction: bench/run e2e logged such inserts of ~20 rows taking 82 and
-- 86 ms at 2,000 events/s, and every message waiting behind them lagged as long. Turning fastupdate off removed those
-- stalls and cost a third of the throughput (docs/benchmarks.md, "e2e"); emptying the lists in the background keeps
-- fastupdate's cheap inserts without the stalls.

-- gin_clean_pending_list requires the index's owner, which the worker's login is not and must not become (ownership
-- would let it drop the index or the table). SECURITY DEFINER runs this one statement as the owner, and the fixed
-- search_path keeps a caller's objects out of it.
CREATE FUNCTION readmodel.flush_search_pending() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.gin_clean_pending_list('readmodel.transcript_messages_search'::pg_catalog.regclass)
       + pg_catalog.gin_clean_pending_list('readmodel.message_originals_search'::pg_catalog.regclass)
$$;
COMMENT ON FUNCTION readmodel.flush_search_pending() IS
  'Moves the search indexes'' pending entries into the indexes; returns the pending-list pages removed. Run every second by the worker (Projections/SearchIndexFlusher).';

-- PostgreSQL lets everyone execute a new function; only the worker calls this one.
REVOKE ALL ON FUNCTION readmodel.flush_search_pending() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION readmodel.flush_search_pending() TO archiver_writer;

-- The statements that grew with history (BENCHMARKS.md, fourteenth run),
-- before and after, on a fresh database with the server's migrations:
--
--   createdb -h 127.0.0.1 -U postgres plans
--   DATABASE_URL='postgres://postgres@127.0.0.1:5432/plans?sslmode=disable' target/release/invoice-finance migrate
--   psql -h 127.0.0.1 -U postgres -d plans -f bench/stale-plans.sql | grep -E '^--|Seq Scan|Execution Time'
--   dropdb -h 127.0.0.1 -U postgres plans
--
-- Each statement is prepared while its table is small and run once the table
-- has grown, as a pooled connection of the server keeps its first plan.
SET plan_cache_mode = force_generic_plan;

INSERT INTO outbox_event (company_id, topic, kind, subject_id, message, at, recorded_ms, position)
SELECT 1, 'INVOICE_SALE', 'APPROVED', g, 'Invoice 1 is approved for sale', now(), 0, g FROM generate_series(1, 400) g;
INSERT INTO outbox_event (company_id, topic, kind, subject_id, message, at, recorded_ms)
SELECT 1, 'INVOICE_SALE', 'APPROVED', g, 'waiting', now(), 0 FROM generate_series(1, 5) g;
INSERT INTO job (kind, company_id, subject_id, run_at_ms, attempts, done, dead, created_at)
SELECT 'PROCESS_SALE', 1, g, g, 0, g > 400, FALSE, now() FROM generate_series(1, 405) g;

PREPARE sequence_before AS WITH waiting AS (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM outbox_event WHERE position IS NULL), base AS (SELECT COALESCE(MAX(position), 0) AS p FROM outbox_event), placed AS (UPDATE outbox_event o SET position = base.p + waiting.n FROM waiting, base WHERE o.seq = waiting.seq RETURNING 1) SELECT COUNT(*) AS placed FROM placed;
PREPARE sequence_after AS WITH waiting AS (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM outbox_event WHERE position IS NULL), base AS (SELECT COALESCE(MAX(position), 0) AS p FROM outbox_event), placed AS (UPDATE outbox_event o SET position = base.p + waiting.n FROM waiting, base WHERE o.seq = waiting.seq AND o.position IS NULL RETURNING 1) SELECT COUNT(*) AS placed FROM placed;
PREPARE claim AS UPDATE job SET locked_until_ms = $1, attempts = attempts + 1, lease_token = $2 WHERE id IN (SELECT id FROM job WHERE done = FALSE AND dead = FALSE AND run_at_ms <= $3 AND (locked_until_ms IS NULL OR locked_until_ms < $4) ORDER BY run_at_ms, id LIMIT 32 FOR UPDATE SKIP LOCKED) RETURNING id;
BEGIN; EXECUTE sequence_before; EXECUTE sequence_after; EXECUTE claim(1, 'x', 1000000, 0); ROLLBACK;

-- The tables grow: a million events, 300,000 jobs run, 20,000 live steps.
INSERT INTO outbox_event (company_id, topic, kind, subject_id, message, at, recorded_ms, position)
SELECT 1, 'INVOICE_SALE', 'APPROVED', g, 'Invoice 1 is approved for sale', now(), 0, g FROM generate_series(1000, 1000000) g;
INSERT INTO job (kind, company_id, subject_id, run_at_ms, attempts, done, dead, created_at)
SELECT 'PROCESS_SALE', 1, g, g, 0, TRUE, FALSE, now() FROM generate_series(1000, 300000) g;
INSERT INTO job (kind, company_id, subject_id, run_at_ms, attempts, done, dead, created_at)
SELECT 'NOX_STEP', 1 + g % 10, 2000000 + g, 2000000000000 + g, 0, FALSE, FALSE, now() FROM generate_series(1, 20000) g;

\echo '-- sequencer, before'
BEGIN; EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE sequence_before; ROLLBACK;
\echo '-- sequencer, after'
BEGIN; EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE sequence_after; ROLLBACK;
\echo '-- claim, the plan kept from the small table'
BEGIN; EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE claim(1, 'x', 1000000, 0); ROLLBACK;
\echo '-- claim, planned afresh (store::jobs::claim)'
BEGIN; SET LOCAL plan_cache_mode = force_custom_plan; EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE claim(1, 'x', 1000000, 0); ROLLBACK;

ANALYZE job;
\echo '-- a case''s live job, with ix_job_live (migration 17)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT * FROM job WHERE kind = 'NOX_STEP' AND subject_id = 2015000 AND company_id = 1 AND done = FALSE LIMIT 1;
DROP INDEX ix_job_live;
\echo '-- a case''s live job, without it'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT * FROM job WHERE kind = 'NOX_STEP' AND subject_id = 2015000 AND company_id = 1 AND done = FALSE LIMIT 1;

-- The operators' page of submitted Nox Finans cases (noxFinansSubmissions)
-- with and without migration 22's partial index, in one run, on a database
-- seeded by `seed-bulk` (which makes invoices and sales, no cases). It adds
-- cases for a quarter of the invoices without a live sale, 1 in 1,000 of
-- them submitted and the rest delivered or paid, then times a page (51 rows,
-- as a page of 50 reads) of every company's and of one company's, first with
-- the index dropped, then with it back. Run with psql -f; prints the plans.
\set ON_ERROR_STOP on
INSERT INTO nox_case (company_id, invoice_id, customer_id, service, delivery, status,
                      idempotency_key, submitted_at, capital_ore, fees_ore)
SELECT i.company_id, i.id, i.customer_id, 'INVOICE_SERVICE', 'LETTER',
       CASE WHEN i.id % 20000 = 0 THEN 'SUBMITTED' WHEN i.id % 3 = 0 THEN 'PAID' ELSE 'DELIVERED' END,
       'bench-' || i.id, now(), 100, 0
FROM invoice i
WHERE i.id % 4 = 0
  AND NOT EXISTS (SELECT 1 FROM invoice_sale s WHERE s.invoice_id = i.id AND s.status <> 'DENIED')
  AND NOT EXISTS (SELECT 1 FROM nox_case c WHERE c.invoice_id = i.id);
DROP INDEX ix_nox_case_submitted;
ANALYZE nox_case;
\echo without ix_nox_case_submitted
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM nox_case WHERE status = 'SUBMITTED' ORDER BY id LIMIT 51;
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM nox_case WHERE status = 'SUBMITTED' AND company_id = 3 ORDER BY id LIMIT 51;
CREATE INDEX ix_nox_case_submitted ON nox_case (id) WHERE status = 'SUBMITTED';
ANALYZE nox_case;
\echo with ix_nox_case_submitted
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM nox_case WHERE status = 'SUBMITTED' ORDER BY id LIMIT 51;
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM nox_case WHERE status = 'SUBMITTED' AND company_id = 3 ORDER BY id LIMIT 51;

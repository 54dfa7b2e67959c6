-- The operators' lookup of a bought sale by its invoice's OCR
-- (salesToCollect(ocr:)), the statement the server sends, with and without
-- migration 23's B-tree index on invoice.ocr, in one run, on a database
-- seeded by `seed-bulk`. The OCR is that of a bought sale's invoice of
-- company 3, so the answer is one row (and a row of every other company
-- that printed the same OCR and sold that invoice). First with the index
-- dropped (the trigram index of migration 16 answers the equality), then
-- with it back. Run with psql -f; prints the plans.
\set ON_ERROR_STOP on
SELECT i.ocr AS ocr FROM invoice_sale s JOIN invoice i ON i.id = s.invoice_id
WHERE s.company_id = 3 AND s.status IN ('APPROVED', 'PAID_OUT')
  AND s.collected_ore < s.amount_ore
ORDER BY s.id DESC LIMIT 1 \gset
\echo OCR :ocr
DROP INDEX ix_invoice_ocr;
ANALYZE invoice;
\echo without ix_invoice_ocr
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM invoice_sale
WHERE status IN ('APPROVED', 'PAID_OUT') AND collected_ore < amount_ore
  AND invoice_id IN (SELECT id FROM invoice WHERE ocr = :'ocr')
ORDER BY id LIMIT 51;
CREATE INDEX ix_invoice_ocr ON invoice (ocr);
ANALYZE invoice;
\echo with ix_invoice_ocr
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM invoice_sale
WHERE status IN ('APPROVED', 'PAID_OUT') AND collected_ore < amount_ore
  AND invoice_id IN (SELECT id FROM invoice WHERE ocr = :'ocr')
ORDER BY id LIMIT 51;

-- A page of one company's customers by name (customers(orderBy: { field:
-- NAME })), the statements the server sends for the first page and for a
-- page in the middle of the list (after a cursor), with and without
-- migration 24's index, in one run, on a database seeded by `seed-bulk`.
-- It first gives company 3 200,000 more customers with ASCII names (whose
-- sort key is the name lower-cased), once. Run with psql -f; prints plans.
\set ON_ERROR_STOP on
INSERT INTO customer (company_id, customer_number, name, country, created_at, updated_at,
                      name_search, name_sort)
SELECT 3, 'bench-' || g, 'Kund ' || md5(g::text), 'SE', now(), now(),
       'kund ' || md5(g::text), 'kund ' || md5(g::text)
FROM generate_series(1, 200000) g
WHERE NOT EXISTS (SELECT 1 FROM customer WHERE company_id = 3 AND customer_number = 'bench-1');
ANALYZE customer;
SELECT id AS mid FROM customer WHERE company_id = 3 ORDER BY name_sort, id OFFSET 100000 LIMIT 1 \gset
\echo cursor :mid
DROP INDEX ix_customer_name_sort;
ANALYZE customer;
\echo without ix_customer_name_sort
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM customer WHERE company_id = 3
ORDER BY name_sort, id LIMIT 51;
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM customer WHERE company_id = 3
  AND (name_sort, id) > ((SELECT name_sort FROM customer WHERE company_id = 3 AND id = :mid), :mid)
ORDER BY name_sort, id LIMIT 51;
CREATE INDEX ix_customer_name_sort ON customer (company_id, name_sort, id);
ANALYZE customer;
\echo with ix_customer_name_sort
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM customer WHERE company_id = 3
ORDER BY name_sort, id LIMIT 51;
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM customer WHERE company_id = 3
  AND (name_sort, id) > ((SELECT name_sort FROM customer WHERE company_id = 3 AND id = :mid), :mid)
ORDER BY name_sort, id LIMIT 51;

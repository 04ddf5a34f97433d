-- Per distinct name: its normalised form (norm), hashes of its first and last word (for the
-- name blocks) and of its marks, the numbers and distinguishing words it holds ("Region 2",
-- "North"): names whose marks differ never link by name.
CREATE TEMP TABLE names AS
WITH d AS (SELECT DISTINCT name FROM listings WHERE name IS NOT NULL),
t AS (SELECT name, name_words(name) AS tokens FROM d)
SELECT name, nullif(array_to_string(tokens, ' '), '') AS norm,
       hash(tokens[1]) AS first_tok, hash(tokens[-1]) AS last_tok,
       hash(array_to_string(list_sort(list_filter(tokens, lambda w:
           w IN ({distinguishing}) OR w[1] BETWEEN '0' AND '9')),
           ' ')) AS marks
FROM t

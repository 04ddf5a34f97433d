-- One source's listings of one name (normalised) in one place (city and state) and of one
-- kind: each linked to the first of its group (a star: n - 1 links, never n^2 pairs). Several
-- EINs of one community foundation (its supporting organizations, its funds) are one
-- organization to a resident. The cluster rules still apply (websites must not differ).
WITH grouped AS (
  SELECT row, min(row) OVER (PARTITION BY src, nid, city, state, kind) AS first
  FROM features
  WHERE nid IS NOT NULL AND city IS NOT NULL AND state IS NOT NULL AND kind IS NOT NULL)
SELECT first AS a, row AS b FROM grouped WHERE row <> first ORDER BY a, b

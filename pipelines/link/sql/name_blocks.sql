-- Name blocks: listings with a name, under each block key they have. A small town's listings
-- (up to {max_city_block}) are all compared (block 'c'); in a larger place, only those sharing
-- the first or the last word (f, l). Everywhere: the same whole name in the state (n: a listing
-- without a city), first and last word in the state (s), first word on the same registrable
-- domain (d). The numbers and direction words must agree, so they are part of every key. A
-- block of more than {max_name_block} listings is dropped: its pairs are found by other keys.
-- band: the block is cut into length bands of {length_band} letters (name_candidates.sql).
CREATE TEMP TABLE name_blocks AS
WITH g AS (SELECT *, hash(state, city) AS place,
                  CASE WHEN city IS NOT NULL THEN count(*) OVER (PARTITION BY state, city)
                       END AS town
           FROM features WHERE nid IS NOT NULL),
keyed AS (
  SELECT row, src, nlen, 'n' AS block, hash(1, coalesce(state, country), nid, marks)
    AS key FROM g WHERE coalesce(state, country) IS NOT NULL
  UNION ALL
  SELECT row, src, nlen, 'c', hash(2, place, marks) FROM g
  WHERE town <= {max_city_block}
  UNION ALL
  SELECT row, src, nlen, 'f', hash(3, place, first_tok, marks) FROM g
  WHERE town > {max_city_block}
  UNION ALL
  SELECT row, src, nlen, 'l', hash(4, place, last_tok, marks) FROM g
  WHERE town > {max_city_block} AND last_tok <> first_tok
  UNION ALL
  SELECT row, src, nlen, 'd', hash(5, domain, first_tok, marks) FROM g
  WHERE domain IS NOT NULL
  UNION ALL
  SELECT row, src, nlen, 's', hash(6, state, first_tok, last_tok, marks) FROM g
  WHERE state IS NOT NULL AND last_tok <> first_tok),
blocks AS (SELECT key FROM keyed GROUP BY key
           HAVING count(*) BETWEEN 2 AND {max_name_block})
SELECT row, src, nlen, key, nlen // {length_band} AS band
FROM keyed SEMI JOIN blocks USING (key)

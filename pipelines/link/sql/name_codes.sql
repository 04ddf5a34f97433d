-- An integer code (nid) per distinct normalised name: pairs are scored by code, each name's
-- text fetched once.
CREATE TEMP TABLE name_codes AS
SELECT norm, (row_number() OVER () - 1)::INTEGER AS nid
FROM (SELECT DISTINCT norm FROM names WHERE norm IS NOT NULL)

-- Names used in several cities of a state (or country): "Jackson Family Foundation" says
-- nothing about a listing of that name without a city.
CREATE TEMP TABLE ambiguous_names AS
SELECT coalesce(state, country) AS region, nid FROM features
WHERE nid IS NOT NULL AND city IS NOT NULL GROUP BY ALL
HAVING count(DISTINCT city) > 1

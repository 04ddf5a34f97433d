-- Per listing, what blocking, the cheap checks and the cluster rules compare: its source
-- (src), name code (nid) and length, name word hashes and marks, city, state, country,
-- department, government level, kind and kind class (1 local government, 2 civic tech,
-- 4 university, 0 any other), own registrable domain and website key (site).
CREATE TEMP TABLE features AS
SELECT l.row, l.src, nid.nid, coalesce(len(nm.norm), 0) AS nlen, nm.first_tok,
  nm.last_tok, nm.marks, city.norm AS city,
  upper(l.state) AS state, upper(l.country) AS country, department.norm AS department,
  l.government_level AS level, l.kind,
  CASE WHEN l.kind IN ({local_government}) THEN 1
       WHEN l.kind IN ({civic_tech}) THEN 2
       WHEN l.kind IN ({university}) THEN 4 ELSE 0 END AS kind_class,
  CASE WHEN u.own_domain THEN u.regdom END AS domain, u.key AS site
FROM listings l
LEFT JOIN names nm ON nm.name = l.name
LEFT JOIN name_codes nid ON nid.norm = nm.norm
LEFT JOIN url_keys u ON u.url = l.website
LEFT JOIN places city ON city.value = l.city
LEFT JOIN places department ON department.value = l.department

-- Pairs sharing a site key, shared-host path or Meetup group (the strongest shared key gives
-- the priority), a key listed more than {max_site_block} times being a portal's or a parent's
-- and linking nothing; with the rules applied: listings of one source link only when their
-- names and websites agree too (never two universities: each campus is listed apart).
WITH blocks AS (SELECT key FROM site_keys GROUP BY key
                HAVING count(*) BETWEEN 2 AND {max_site_block}),
kb AS (SELECT k.* FROM site_keys k SEMI JOIN blocks USING (key)),
p AS (SELECT x.row AS a, y.row AS b, min(x.priority) AS priority
      FROM kb x JOIN kb y ON x.key = y.key AND x.row < y.row GROUP BY ALL)
SELECT p.a, p.b, p.priority, a.nid AS nid_a, b.nid AS nid_b
FROM p JOIN features a ON a.row = p.a JOIN features b ON b.row = p.b
WHERE rules_allow(a.level, b.level, a.department, b.department, a.kind_class, b.kind_class)
  AND (a.src <> b.src OR (a.nid = b.nid AND a.site = b.site AND a.kind_class <> 4))

-- The name candidates that pass the cheap checks: the pair rules, and the place or website
-- agreeing. The same name: the same city or registrable domain, or the same state (country,
-- when neither has a state) with no other city or domain and a name not ambiguous there.
-- Different names: no other domain, and the same city, domain or state (no other city, not
-- ambiguous). The flags say which, for the link reason.
WITH p AS (
  SELECT c.a, c.b, a.nid AS nid_a, b.nid AS nid_b,
    m.nid IS NOT NULL OR mb.nid IS NOT NULL AS ambiguous,
    coalesce(a.city = b.city AND a.state IS NOT DISTINCT FROM b.state, false)
      AS same_city,
    coalesce(a.domain = b.domain, false) AS same_domain,
    coalesce(a.state = b.state, false) AS same_state,
    coalesce(a.state IS NULL AND b.state IS NULL AND a.country = b.country, false)
      AS same_country,
    coalesce(a.domain <> b.domain, false) AS other_domain,
    coalesce(a.city <> b.city, false) AS other_city
  FROM name_candidates c JOIN features a ON a.row = c.a JOIN features b ON b.row = c.b
  LEFT JOIN ambiguous_names m ON m.nid = a.nid AND m.region = coalesce(a.state, a.country)
  LEFT JOIN ambiguous_names mb ON mb.nid = b.nid AND mb.region = coalesce(b.state, b.country)
  WHERE rules_allow(a.level, b.level, a.department, b.department, a.kind_class, b.kind_class))
SELECT * FROM p WHERE
  (nid_a = nid_b AND (same_city OR same_domain
                      OR ((same_state OR same_country) AND NOT other_city
                          AND NOT other_domain AND NOT ambiguous)))
  OR (nid_a <> nid_b AND NOT other_domain AND (same_city OR same_domain
                          OR (same_state AND NOT other_city AND NOT ambiguous)))

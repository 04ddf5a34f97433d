-- Per listing, in row order, the codes the cluster rules compare: 0 is "none" for the site,
-- level and department (a hash is practically never 0), -1 for a listing without a name.
-- A university's site is "none" too: IPEDS lists each campus apart (American University of
-- Puerto Rico in Bayamon and in Manati share name and website), so they never link; place: a
-- listing's city, state and kind together (0 when one is missing, and for a university), so
-- that one source's listings of one name in one place (several EINs of one foundation) may be
-- one organization.
SELECT src, coalesce(nid, -1) AS nid,
       CASE WHEN kind_class = 4 THEN 0 ELSE coalesce((hash(site) >> 1)::BIGINT, 0) END AS site,
       CASE WHEN kind_class = 4 THEN 0
            ELSE coalesce((hash(city || chr(31) || state || chr(31) || kind) >> 1)::BIGINT, 0)
       END AS place,
       coalesce((hash(level) >> 1)::BIGINT, 0) AS level,
       coalesce((hash(department) >> 1)::BIGINT, 0) AS department, kind_class
FROM features ORDER BY row

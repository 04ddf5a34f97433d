-- Per listing, in row order, the codes the cluster rules compare: 0 is "none" for the site,
-- level and department (a hash is practically never 0), -1 for a listing without a name.
-- A university's site is "none" too: IPEDS lists each campus apart (American University of
-- Puerto Rico in Bayamon and in Manati share name and website), so they never link.
SELECT src, coalesce(nid, -1) AS nid,
       CASE WHEN kind_class = 4 THEN 0 ELSE coalesce((hash(site) >> 1)::BIGINT, 0) END AS site,
       coalesce((hash(level) >> 1)::BIGINT, 0) AS level,
       coalesce((hash(department) >> 1)::BIGINT, 0) AS department, kind_class
FROM features ORDER BY row

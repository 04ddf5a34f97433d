-- Per listing, in row order, the codes the cluster rules compare: 0 is "none" for the site,
-- level and department (a hash is practically never 0), -1 for a listing without a name.
SELECT src, coalesce(nid, -1) AS nid, coalesce((hash(site) >> 1)::BIGINT, 0) AS site,
       coalesce((hash(level) >> 1)::BIGINT, 0) AS level,
       coalesce((hash(department) >> 1)::BIGINT, 0) AS department, kind_class
FROM features ORDER BY row

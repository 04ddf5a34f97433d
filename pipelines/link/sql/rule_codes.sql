-- Per listing, in row order, the codes the cluster rules compare: 0 is "none" for the site,
-- level and department (a hash is practically never 0), -1 for a listing without a name;
-- place: its city, state and kind together (0 when one is missing), so that one source's
-- listings of one name in one place (several EINs of one foundation) may be one organization.
SELECT src, coalesce(nid, -1) AS nid, coalesce((hash(site) >> 1)::BIGINT, 0) AS site,
       coalesce((hash(city || chr(31) || state || chr(31) || kind) >> 1)::BIGINT, 0) AS place,
       coalesce((hash(level) >> 1)::BIGINT, 0) AS level,
       coalesce((hash(department) >> 1)::BIGINT, 0) AS department, kind_class
FROM features ORDER BY row

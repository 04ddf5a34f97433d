-- Per distinct URL: its key, the one organization it names, and its registrable domain.
-- A key is 'm:<group>' for a Meetup group; 's:<host>/<path>' for a path on a shared host
-- (github.com/<org>; a bare shared host names nobody: no key) or a site on a site builder
-- (<name>.wordpress.com); else 'w:<host>' plus up to two path segments. own_domain: the
-- registrable domain is not a shared one, so it is a feature of the listing.
CREATE TEMP TABLE url_keys AS
WITH u AS (
  SELECT url, segs, CASE regdom {host_aliases} ELSE regdom END AS regdom,
         CASE WHEN regdom IN ({shared_domains}) AND host IN ('m.' || regdom, 'mobile.' || regdom,
                'web.' || regdom) THEN regdom ELSE host END AS host
  FROM url_parts LEFT JOIN host_domains USING (host) WHERE host <> '')
SELECT url, regdom,
  CASE
    WHEN regdom = {meetup_domain} THEN
      CASE WHEN len(segs) > 0 AND segs[1] NOT IN ({meetup_reserved})
           THEN 'm:' || segs[1] END
    WHEN regdom IN ({shared_domains}) THEN
      CASE WHEN len(segs) > 0 OR (regdom IN ({subdomain_hosted}) AND host <> regdom)
           THEN 's:' || CASE host {host_aliases} ELSE host END
                || CASE WHEN len(segs) > 0 THEN '/' || array_to_string(segs, '/')
                        ELSE '' END END
    ELSE 'w:' || host || CASE WHEN len(segs) > 0
         THEN '/' || array_to_string(segs[1:2], '/') ELSE '' END
  END AS key,
  regdom IS NOT NULL AND regdom NOT IN ({shared_domains}) AS own_domain
FROM u

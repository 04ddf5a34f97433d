-- Per listing, each key of its URLs with the priority of the link it makes: Meetup groups and
-- shared-host paths count from any URL, site keys ('w:') only from websites.
CREATE TEMP TABLE site_keys AS
SELECT DISTINCT r.row, u.key,
  CASE left(u.key, 2) WHEN 'm:' THEN {same_meetup} WHEN 's:' THEN {same_shared_path}
       ELSE {same_website} END AS priority
FROM listing_urls r JOIN url_keys u USING (url)
WHERE u.key IS NOT NULL AND (r.is_site OR left(u.key, 2) <> 'w:')

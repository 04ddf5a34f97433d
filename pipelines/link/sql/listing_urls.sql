-- Every URL of every listing: its website and other websites (is_site), and its events_url.
CREATE TEMP TABLE listing_urls AS
SELECT row, website AS url, true AS is_site FROM listings WHERE website IS NOT NULL
UNION ALL
SELECT row, trim(unnest(string_split(websites, ';'))) AS url, true FROM listings
WHERE websites IS NOT NULL
UNION ALL
SELECT row, events_url, false FROM listings WHERE events_url IS NOT NULL

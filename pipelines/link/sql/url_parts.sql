-- Per distinct URL: its host (lowercase, without 'www.', user, port or trailing dot) and its
-- path segments, page names ('about', 'index.html', ...) left out.
CREATE TEMP TABLE url_parts AS
WITH d AS (SELECT DISTINCT url FROM listing_urls WHERE url <> ''),
a AS (SELECT url, split_part(split_part(CASE WHEN contains(lower(url), '://')
        THEN lower(url)[strpos(lower(url), '://') + 3:] ELSE lower(url) END, '#', 1),
        '?', 1) AS rest FROM d),
b AS (SELECT url, rest, split_part(rest, '/', 1) AS authority FROM a),
parts AS (SELECT url, split_part(string_split(authority, '@')[-1], ':', 1) AS host,
                 rest[len(authority) + 1:] AS path FROM b)
SELECT url,
  rtrim(CASE WHEN starts_with(host, 'www.') THEN host[5:] ELSE host END, '.') AS host,
  CASE WHEN path IN ('', '/') THEN []::VARCHAR[] ELSE
    list_filter(string_split(path, '/'), lambda s: s <> ''
      AND s NOT IN ({page_names})
      AND NOT (contains(s, '.') AND split_part(s, '.', -1) IN ({page_extensions}))) END
    AS segs
FROM parts

-- place_lookup(place): the place the `near` command starts from, as one row of `places` (no
-- row: unknown, ambiguous, or a form SQL does not read). geography.lookup_place's order: a ZIP
-- ('45402', '45402-1234'), an address ending in one ('Dayton, OH 45402'), 'City, ST' or
-- 'City, State' (a city, another name of its ZIPs, then a county), ', ST' or a state alone,
-- 'City ST' without a comma, a 'lat,lon' point, then a name alone that only one city (or
-- county) bears.
-- A 'lat,lon' point takes the state, county and city of the nearest ZIP point within
-- {point_zip_km} km, as geography.point_place.
CREATE OR REPLACE {temp}MACRO place_lookup(place) AS TABLE
WITH typed AS MATERIALIZED (
  SELECT trim(regexp_replace(trim(regexp_replace(coalesce(place, ''), '\s+', ' ', 'g')),
                             {trailing_us}, '', 'i')) AS text
), forms AS MATERIALIZED (
  SELECT text, zip, trailing_zip, answer_place_key(text) AS text_key,
         regexp_matches(text, {county_words_end}, 'i') AS county_words,
         zip = '' AND trailing_zip = '' AND is_point AS is_point,
         zip = '' AND trailing_zip = '' AND NOT is_point AND contains(text, ',') AS is_comma,
         zip = '' AND trailing_zip = '' AND NOT is_point AND NOT contains(text, ',')
           AND text <> '' AS is_plain,
         trim(regexp_extract(text, '^(.*),([^,]*)$', 1)) AS head,
         (SELECT state FROM state_names
          WHERE key = lower(trim(regexp_extract(text, '^(.*),([^,]*)$', 2)))) AS tail_state,
         (SELECT state FROM state_names WHERE key = lower(text)) AS whole_state,
         string_split(text, ' ') AS words
  FROM (SELECT text,
               regexp_extract(text, '^(\d{{5}})(?:-?\d{{4}})?$', 1) AS zip,
               regexp_extract(text, '^(.*\D)\s(\d{{5}})(?:-\d{{4}})?$', 2) AS trailing_zip,
               regexp_matches(text, {point}) AS is_point
        FROM typed)
), named AS MATERIALIZED (  -- a name in a known state: (base priority, key, state)
  SELECT base, answer_place_key(name) AS key, state,
         regexp_matches(name, {county_words_end}, 'i') AS county_words
  FROM (
    SELECT 10 AS base, head AS name, tail_state AS state FROM forms
    WHERE is_comma AND head <> '' AND tail_state IS NOT NULL
    UNION ALL
    SELECT 20 + 4 * (3 - size), array_to_string(words[1:len(words) - size], ' '),
           (SELECT state FROM state_names
            WHERE key = lower(array_to_string(words[len(words) - size + 1:], ' ')))
    FROM forms, (VALUES (3), (2), (1)) AS sizes(size)
    WHERE is_plain AND len(words) > size)
  WHERE state IS NOT NULL
), tries AS MATERIALIZED (  -- (group, priority, form, key, state): what to look up, first group first
  SELECT 1 AS grp, 1 AS priority, 'zip' AS form, zip AS key, NULL AS state
  FROM forms WHERE zip <> ''
  UNION ALL SELECT 2, 2, 'zip', trailing_zip, NULL FROM forms
  WHERE zip = '' AND trailing_zip <> ''
  UNION ALL SELECT 3, 3, 'state', tail_state, tail_state FROM forms
  WHERE is_comma AND head = '' AND tail_state IS NOT NULL
  UNION ALL SELECT 4, 4, 'state', whole_state, whole_state FROM forms
  WHERE is_plain AND whole_state IS NOT NULL
  UNION ALL SELECT base, base, 'city', key, state FROM named WHERE NOT county_words
  UNION ALL SELECT base + 1, base + 1, 'alias', key, state FROM named WHERE NOT county_words
  UNION ALL SELECT base + 2, base + 2, 'county', replace(key, ' ', ''), state FROM named
  UNION ALL SELECT base + 3, base + 3, 'county',
    replace(regexp_replace(key, {county_suffix}, ''), ' ', ''), state FROM named
  -- a name alone: the one city of that name, else the one county (per state: its full name
  -- first), else nothing (ambiguous or unknown)
  UNION ALL SELECT 40, 40, 'city', text_key, NULL FROM forms
  WHERE is_plain AND NOT county_words
  UNION ALL SELECT 41, 41, 'county', replace(text_key, ' ', ''), NULL FROM forms
  WHERE is_plain
  UNION ALL SELECT 41, 42, 'county',
    replace(regexp_replace(text_key, {county_suffix}, ''), ' ', ''), NULL
  FROM forms WHERE is_plain
), point AS MATERIALIZED (  -- 'lat,lon', in range
  SELECT lat, lon, printf('%g, %g', lat, lon) AS label FROM (
    SELECT CAST(regexp_extract(text, {point}, 1) AS DOUBLE) AS lat,
           CAST(regexp_extract(text, {point}, 2) AS DOUBLE) AS lon FROM forms WHERE is_point)
  WHERE lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180
), point_zip AS MATERIALIZED (
  -- its state and county: geography's nearest ZIP point (least flat-earth distance at the
  -- pair's mean latitude), when within {point_zip_km} km
  SELECT z.*, {point_km} AS km FROM point pt, places z
  WHERE z.form = 'zip' AND z.precision = 'zip' AND abs(z.latitude - pt.lat) <= 1
  ORDER BY power(z.latitude - pt.lat, 2) + power((((z.longitude - pt.lon + 180) % 360 + 360)
           % 360 - 180) * (cos(radians(pt.lat)) / 2 + cos(radians(z.latitude)) / 2), 2), z.key
  LIMIT 1
), matched AS MATERIALIZED (
  SELECT t.grp, p.* EXCLUDE (form, key) FROM tries t
  JOIN places p ON p.form = t.form AND p.key = t.key
  WHERE t.state IS NULL OR p.state = t.state
  QUALIFY row_number() OVER (PARTITION BY t.grp, p.state ORDER BY t.priority) = 1
), found AS MATERIALIZED (
  SELECT * FROM matched
  UNION ALL BY NAME
  SELECT 0 AS grp, z.state, pt.label || coalesce(' (near ' || z.city || ', ' || z.state || ')',
                                                 '') AS label,
         pt.lat AS latitude, pt.lon AS longitude, 'source' AS precision, z.state_name,
         z.county_fips, z.county_name, z.county_stem, z.city
  FROM point pt LEFT JOIN (SELECT * FROM point_zip WHERE km <= {point_zip_km}) z ON true
)
SELECT * EXCLUDE (grp) FROM found
WHERE grp = (SELECT min(grp) FROM found)
  AND (SELECT count(*) FROM found WHERE grp = (SELECT min(grp) FROM found)) = 1;

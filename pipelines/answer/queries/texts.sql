-- The answer's texts and keys as macros, each the SQL twin of a function of
-- pipelines.answer.sections (named in its comment); tests compare the two on the same rows.

-- name_key: a name as one contact (casefold, what is not a letter or digit to spaces).
CREATE OR REPLACE {temp}MACRO answer_name_key(name) AS trim(regexp_replace(
  replace(lower(coalesce(name, '')), 'ß', 'ss'), '[^\p{{L}}\p{{N}}]+', ' ', 'g'));

-- _norm: a city compared loosely ('Saint' = 'St.', punctuation and spacing ignored).
CREATE OR REPLACE {temp}MACRO answer_city_key(city) AS trim(regexp_replace(regexp_replace(
  replace(replace(replace(lower(coalesce(city, '')), 'ß', 'ss'), 'saint ', 'st '), 'st. ', 'st '),
  '[^\p{{L}}\p{{N}}_\s]', ' ', 'g'), '\s+', ' ', 'g'));

-- km_text, and distance_km as Python's round(km, 1) (printf rounds the exact value, as Python).
CREATE OR REPLACE {temp}MACRO answer_km_text(km) AS CASE
  WHEN km < 0.1 THEN 'under 0.1 km' WHEN km < 10 THEN printf('%.1f km', CAST(km AS DOUBLE))
  ELSE printf('%.0f km', CAST(km AS DOUBLE)) END;
CREATE OR REPLACE {temp}MACRO answer_round_km(km) AS CAST(printf('%.1f', km) AS DOUBLE);
-- to_match's default why, and _with_distance.
CREATE OR REPLACE {temp}MACRO answer_away(km) AS
  coalesce(answer_km_text(km) || ' away', 'distance unknown');
CREATE OR REPLACE {temp}MACRO answer_with_distance(why, km) AS
  CASE WHEN km IS NULL THEN why ELSE why || '; ' || answer_km_text(km) || ' away' END;

-- government_level: the published level, or one read from the name.
CREATE OR REPLACE {temp}MACRO answer_government_level(level, kind, name, state) AS CASE
  WHEN coalesce(level, '') <> '' THEN level
  WHEN coalesce(kind, '') <> 'local_government' THEN NULL
  WHEN regexp_matches(coalesce(name, ''), {state_government}, 'i') THEN 'state'
  WHEN regexp_matches(coalesce(name, ''), {county_words}, 'i')
       AND (lower(regexp_extract(name, {county_words}, 1, 'i')) <> 'borough'
            OR coalesce(state = 'AK', false)) THEN 'county'
  WHEN regexp_matches(coalesce(name, ''), {tribal}, 'i') THEN 'tribal'
  ELSE 'city' END;

-- government_unit: the published unit, or one read from the kind and the name.
CREATE OR REPLACE {temp}MACRO answer_government_unit(unit, kind, name) AS CASE
  WHEN coalesce(unit, '') <> '' THEN unit
  WHEN kind = 'government' THEN 'department'
  WHEN regexp_matches(coalesce(name, ''), {department}, 'i') THEN 'department'
  ELSE 'general' END;

-- what_it_is (level and unit as answer_government_level / _unit give them).
CREATE OR REPLACE {temp}MACRO answer_kind_label(kind) AS
  coalesce(CASE kind {kind_labels} END, replace(kind, '_', ' '));
CREATE OR REPLACE {temp}MACRO answer_what(kind, level, unit, department, role, sources) AS CASE
  WHEN kind IN ({government_kinds}) THEN
    coalesce(replace(level, '_', ' ') || ' government', answer_kind_label(kind))
    || CASE WHEN unit = 'department' THEN
         CASE WHEN coalesce(department, '') <> '' THEN ', department (' || department || ')'
              ELSE ', department' END
       ELSE '' END
  WHEN kind = 'state_data_center' THEN answer_kind_label(kind)
    || CASE WHEN coalesce(role, '') <> '' THEN ' ' || role || ' agency' ELSE ' agency' END
  WHEN coalesce(role, '') <> '' AND list_contains(string_split(coalesce(sources, ''), '; '), 'sdc')
    THEN answer_kind_label(kind) || '; State Data Center ' || role
  ELSE answer_kind_label(kind) END;

-- activity_text.
CREATE OR REPLACE {temp}MACRO answer_activity(activity, next_event_date) AS CASE
  WHEN activity = 'active' AND coalesce(CAST(next_event_date AS VARCHAR), '') <> ''
    THEN 'active, next event ' || CAST(next_event_date AS VARCHAR)
  ELSE coalesce(nullif(activity, ''), 'unknown') END;

-- location_text.
CREATE OR REPLACE {temp}MACRO answer_location(city, state) AS
  nullif(concat_ws(', ', nullif(city, ''), nullif(state, '')), '');

-- publishes: a government's data portal, '<host> (<software>)'.
CREATE OR REPLACE {temp}MACRO answer_publishes(kind, portal, software) AS (
  SELECT CASE WHEN kind IN ({government_kinds}) AND host <> '' THEN
    host || CASE WHEN coalesce(software, '') <> '' THEN ' (' || software || ')' ELSE '' END END
  FROM (SELECT regexp_extract(lower(trim(coalesce(portal, ''))), {portal_host}, 1) AS host));

-- geography.index.place_key: a city or county name as a lookup key ('St. Louis' -> 'ST LOUIS').
CREATE OR REPLACE {temp}MACRO answer_place_key(text) AS (
  SELECT array_to_string(list_transform(words, lambda w, i: CASE
      WHEN w = 'SAINT' THEN 'ST' WHEN w = 'SAINTE' THEN 'STE'
      WHEN i = 1 AND w = 'FT' THEN 'FORT' WHEN i = 1 AND w = 'MT' THEN 'MOUNT' ELSE w END), ' ')
  FROM (SELECT list_filter(string_split(regexp_replace(regexp_replace(
      upper(strip_accents(replace(coalesce(text, ''), 'ß', 'ss'))), '[''’`.]', '', 'g'),
      '[^A-Z0-9&]+', ' ', 'g'),
      ' '), lambda w: w <> '') AS words));

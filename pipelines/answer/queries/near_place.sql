-- near_place(place, within_km, n): the `near` command's answer as rows, one per match, sections
-- in the guide's order and ranks in order: the SQL twin of pipelines.answer.sections (see its
-- docstring for the rules), over the same candidate rows (pipelines.answer.sql.candidates_sql).
-- Each section lists its rows with a sort key (a list, compared in order), a phase ('main':
-- listed; 'fallback': listed only when the section has no 'main' row; 'always': listed and
-- not counted in n) and its why text (NULL: the distance); then one row per contact (name key,
-- city, state), cut to n.
CREATE OR REPLACE {temp}MACRO near_place(place, within_km := {within_km}, n := {limit}) AS TABLE
WITH origin AS MATERIALIZED (
  SELECT label AS place_label, latitude AS place_latitude, longitude AS place_longitude,
         state AS place_state, state_name AS place_state_name, county_fips AS place_county_fips,
         county_name AS place_county_name, county_stem AS place_county_stem,
         city AS place_city, answer_city_key(city) AS place_city_key
  FROM place_lookup(place)
), candidates AS MATERIALIZED ({candidates}
), facts AS MATERIALIZED (
  SELECT c.*, o.*, c.distance_km AS km, coalesce(c.distance_km, 'infinity'::DOUBLE) AS km_order,
         answer_government_level(c.government_level, c.kind, c.name, c.state) AS level,
         answer_government_unit(c.government_unit, c.kind, c.name) AS unit,
         answer_publishes(c.kind, c.open_data_portal, c.portal_software) AS publishes,
         answer_city_key(c.city) AS city_key, answer_name_key(c.name) AS contact_key,
         replace(lower(coalesce(c.city, '')), 'ß', 'ss') AS contact_city,
         coalesce(c.part_of, '') <> '' AND c.kind NOT IN ({civic_tech_kinds}) AS is_unit
  FROM candidates c CROSS JOIN origin o
), nnip AS (
  SELECT *, 'nnip' AS section, [km] AS sort_key,
         CASE WHEN km <= within_km THEN 'main' ELSE 'fallback' END AS phase,
         CASE WHEN km <= within_km AND coalesce(service_area, '') <> ''
              THEN answer_with_distance('serves its ' || service_area, km) END AS why
  FROM facts WHERE kind IN ({nnip_kinds}) AND km IS NOT NULL
), governments AS MATERIALIZED (
  SELECT *, coalesce(level = 'state', false) AS is_state,
         CASE WHEN unit = 'general' THEN 0 ELSE 1 END AS unit_order,
         coalesce(state = place_state AND level = 'county' AND CASE
           WHEN coalesce(county_fips, '') <> '' AND coalesce(place_county_fips, '') <> ''
             THEN county_fips = place_county_fips
           ELSE coalesce(place_county_stem, '') <> '' AND regexp_matches(
             lower(name), '\b' || regexp_escape(place_county_stem) || '\b') END,
           false) AS own_county,
         coalesce(coalesce(place_city, '') <> '' AND state = place_state
                  AND level IN ('city', 'tribal')
                  AND city_key = place_city_key, false) AS own_city
  FROM facts WHERE kind IN ({government_kinds})
), government AS (
  -- your city and county (general first, city before county), then others within the radius
  -- (publishing data first, general first), nearest first
  SELECT *, 'government' AS section, 'main' AS phase,
         CASE WHEN own_county THEN [0, unit_order, 1, km_order]
              WHEN own_city THEN [0, unit_order, 0, km_order]
              ELSE [1, CASE WHEN publishes IS NULL THEN 1 ELSE 0 END, unit_order, km] END
           AS sort_key,
         CASE WHEN own_county THEN 'your county (' || coalesce(place_county_name, 'None') || ')'
              WHEN own_city THEN 'your city (' || place_city || ')'
              WHEN publishes IS NOT NULL
                THEN answer_with_distance('publishes data: ' || publishes, km) END AS why
  FROM governments
  WHERE NOT is_state AND (own_county OR own_city OR km <= within_km)
  UNION ALL
  -- none: the state's (territory's) own government, then the nearest within {max_nearest_km} km
  SELECT *, 'government', 'fallback', [0, unit_order, km_order],
         CASE WHEN place_state IN ({territories}) THEN 'your territory''s government ('
              ELSE 'your state government (' END
           || coalesce(place_state_name, place_state) || ')'
  FROM governments WHERE is_state AND state = place_state
  UNION ALL
  SELECT *, 'government', 'fallback', [1, km], NULL
  FROM governments WHERE NOT is_state AND km <= {max_nearest_km}
), universities AS MATERIALIZED (
  SELECT *, coalesce(kind IN ({university_kinds}) AND land_grant AND state = place_state
                     AND tribal_college IS NOT TRUE, false) AS land_grant_of_state,
         CASE WHEN carnegie_level IN ({research_levels}) OR is_unit THEN 0 ELSE 1 END AS tier,
         answer_with_distance('land-grant university of '
           || coalesce(place_state_name, place_state) || ': extension office in your county',
           km) AS grant_why
  FROM facts WHERE kind IN ({university_kinds}) OR is_unit
), university AS (
  -- within the radius the research tier first (doctoral, masters, a unit); none: the nearest
  -- within {max_nearest_km} km; then, always, the state's land-grants not listed yet
  SELECT *, 'university' AS section,
         CASE WHEN km <= within_km THEN 'main' ELSE 'fallback' END AS phase,
         CASE WHEN km <= within_km THEN [1, tier, km] ELSE [1, km] END AS sort_key,
         CASE WHEN land_grant_of_state THEN grant_why
              WHEN is_unit AND coalesce(part_of_name, '') <> ''
                THEN answer_with_distance('part of ' || part_of_name, km) END AS why
  FROM universities WHERE km <= {max_nearest_km}
  UNION ALL
  SELECT *, 'university', 'always', [2, km_order], grant_why
  FROM universities WHERE land_grant_of_state
), civic_tech AS (
  SELECT *, 'civic_tech' AS section,
         CASE WHEN km <= within_km THEN 'main' ELSE 'fallback' END AS phase,
         CASE WHEN km <= within_km
              THEN [coalesce(CASE activity {activity_order} END, {other_activity}), km]
              ELSE [km] END AS sort_key,
         NULL AS why
  FROM facts WHERE kind IN ({civic_tech_kinds}) AND km IS NOT NULL
), sdc AS (
  -- the agencies of the place's state (lead, coordinating, affiliates); none: the nearest
  SELECT *, 'sdc' AS section, 'main' AS phase, [role_order, km_order] AS sort_key,
         answer_with_distance('covers your state (' || place_state || ')', km) AS why
  FROM (SELECT *, coalesce(CASE role {role_order} END, {other_role}) AS role_order FROM facts)
  WHERE kind IN ({sdc_kinds}) AND state = place_state
  UNION ALL
  SELECT *, 'sdc', 'fallback', [answer_round_km(km), role_order, km], NULL
  FROM (SELECT *, coalesce(CASE role {role_order} END, {other_role}) AS role_order FROM facts)
  WHERE kind IN ({sdc_kinds}) AND km IS NOT NULL
), foundations AS MATERIALIZED (
  SELECT *, CASE WHEN coalesce(county_fips, '') <> '' AND coalesce(place_county_fips, '') <> ''
                   THEN CASE WHEN county_fips = place_county_fips THEN 'county' END
                 WHEN coalesce(place_city, '') <> ''
                      AND city_key = place_city_key THEN 'city'
            END AS own
  FROM facts WHERE kind IN ({foundation_kinds})
), foundation AS (
  -- the foundations of the place's county (or city), then others within the radius
  SELECT *, 'foundation' AS section, 'main' AS phase, [0, km_order] AS sort_key,
         answer_with_distance(CASE own
           WHEN 'county' THEN 'covers your county (' || coalesce(place_county_name, 'None') || ')'
           ELSE 'in your city (' || place_city || ')' END, km) AS why
  FROM foundations WHERE own IS NOT NULL AND state = place_state
  UNION ALL
  SELECT *, 'foundation', CASE WHEN km <= within_km THEN 'main' ELSE 'fallback' END,
         [1, km], NULL
  FROM foundations
  WHERE (own IS NULL OR state IS DISTINCT FROM place_state) AND km IS NOT NULL
), listed AS MATERIALIZED (
  SELECT section, phase, sort_key, why, * EXCLUDE (section, phase, sort_key, why) FROM nnip
  UNION ALL BY NAME SELECT * FROM government
  UNION ALL BY NAME SELECT * FROM university
  UNION ALL BY NAME SELECT * FROM civic_tech
  UNION ALL BY NAME SELECT * FROM sdc
  UNION ALL BY NAME SELECT * FROM foundation
), sections AS (  -- a section lists its fallback rows only when nothing is within the radius
  SELECT *, count(*) FILTER (WHERE phase = 'main') OVER (PARTITION BY section) > 0 AS has_main,
         bool_or(phase = 'fallback') OVER (PARTITION BY section) AS has_fallback
  FROM listed  -- nothing farther than {max_nearest_km} km is a "nearest" (the state's own
               -- government excepted)
  WHERE phase <> 'fallback' OR km <= {max_nearest_km} OR coalesce(is_state, false)
), shown AS MATERIALIZED (
  SELECT * FROM sections WHERE phase <> 'fallback' OR NOT has_main
), contacts AS (  -- one row per contact among the counted rows and among the 'always' ones
  SELECT * FROM shown
  QUALIFY row_number() OVER (PARTITION BY section, phase = 'always', contact_key, contact_city,
                                          coalesce(state, '')
                             ORDER BY sort_key, name, intermediary_id) = 1
), counted AS (
  SELECT *, row_number() OVER (PARTITION BY section, phase = 'always'
                               ORDER BY sort_key, name, intermediary_id) AS counted
  FROM contacts
), ranked AS (  -- an 'always' row is not repeated when its contact is listed within the limit
  SELECT *, row_number() OVER (PARTITION BY section ORDER BY sort_key, name, intermediary_id)
              AS rank
  FROM counted
  QUALIFY phase <> 'always' OR NOT coalesce(bool_or(phase <> 'always' AND counted <= n) OVER (
    PARTITION BY section, contact_key, contact_city, coalesce(state, '')), false)
)
SELECT section, CASE section {section_titles} END AS title,
       CAST(row_number() OVER (PARTITION BY section ORDER BY rank) AS INTEGER) AS rank,
       name, kind, answer_what(kind, level, unit, department, role, sources) AS what,
       coalesce(why, answer_away(km)) AS why, answer_round_km(km) AS distance_km, website,
       intermediary_id, publishes,
       CASE WHEN coalesce(part_of, '') <> '' THEN nullif(part_of_name, '') END AS part_of,
       phase <> 'fallback' AS within,
       answer_activity(activity, next_event_date) AS activity,
       answer_location(city, state) AS location, sources AS source,
       CASE WHEN NOT has_main THEN CASE
         WHEN section = 'government' AND bool_or(is_state) OVER (PARTITION BY section)
           THEN 'No ' || CASE section {section_nouns} END || ' within ' || answer_km_text(within_km)
                || '; your ' || CASE WHEN place_state IN ({territories}) THEN 'territory'
                                     ELSE 'state' END || '''s government:'
         ELSE 'No ' || CASE section {section_nouns} END || CASE section
             WHEN 'sdc' THEN ' for ' || coalesce(place_state,
                                                 'this place (outside the US states)')
             ELSE ' within ' || answer_km_text(within_km) END
           || CASE WHEN has_fallback THEN '; the nearest:' ELSE ' in this release.' END
       END END AS note,
       place_label AS place
FROM ranked
WHERE phase = 'always' OR counted <= n
ORDER BY CASE section {section_order} END, rank;

-- The name and host normalisation the queries share, as macros. DuckDB expands a macro in
-- place, so a query using one runs as if it were written out.

-- A text as comparable words: lowercase, accents dropped, '&' -> ' and ', apostrophes dropped
-- ("women's" -> "womens"), any other character that is not a letter or digit -> a space.
-- Plain replace() handles the common marks; the regular expression runs only on what is left
-- (it is several times slower, measured on a million names).
CREATE TEMP MACRO clean_text(value) AS (
  SELECT CASE WHEN regexp_matches(c, '[^a-z0-9 ]') THEN regexp_replace(c, '[^a-z0-9 ]+', ' ', 'g')
              ELSE c END
  FROM (SELECT
    replace(replace(replace(replace(replace(replace(
      replace(replace(replace(
        replace(strip_accents(lower(value)), '&', ' and '),
      '''', ''), '’', ''), '‘', ''),                                      -- dropped
    '.', ' '), ',', ' '), '-', ' '), '/', ' '), '(', ' '), ')', ' ') AS c));  -- to spaces

-- A name's normalised words (one definition, for linking and for normalise_names): its clean
-- words, the stopwords ('the', 'inc', ...) dropped, common abbreviations expanded.
CREATE TEMP MACRO name_words(name) AS list_transform(
  list_filter(string_split(clean_text(name), ' '),
              lambda w: w <> '' AND w NOT IN ({stopwords})),
  lambda w: CASE w {abbreviations} ELSE w END);

-- A city or department as a comparable word string (NULL when nothing is left).
CREATE TEMP MACRO place_words(value) AS nullif(array_to_string(
  list_filter(string_split(clean_text(value), ' '), lambda w: w <> ''), ' '), '');

-- Whether a host's last k labels are a public suffix, from the rules naming its last k labels
-- and its last k - 1: an exact rule, or the child of a wildcard rule that no exception names.
CREATE TEMP MACRO is_public_suffix(exact, parent_wildcard, exception) AS
  coalesce(exact, false) OR (coalesce(parent_wildcard, false) AND NOT coalesce(exception, false));

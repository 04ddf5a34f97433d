-- Per distinct city or department: its words, comparable (see place_words).
CREATE TEMP TABLE places AS
SELECT value, place_words(value) AS norm FROM (
  SELECT city AS value FROM listings WHERE city IS NOT NULL
  UNION SELECT department FROM listings WHERE department IS NOT NULL)

-- Candidate pairs (a, b rows) of different sources in one name block. Two names more than
-- {max_edits} letters apart in length never link, so a listing is compared with its own
-- length band and, near a band's edge, the next one, never with names far longer or shorter.
CREATE TEMP TABLE name_candidates AS
WITH probe AS (
  SELECT row, src, nlen, key, (nlen - {max_edits}) // {length_band} AS band FROM name_blocks
  UNION ALL
  SELECT row, src, nlen, key, (nlen + {max_edits}) // {length_band} FROM name_blocks
  WHERE (nlen + {max_edits}) // {length_band} <> (nlen - {max_edits}) // {length_band})
SELECT pair >> 32 AS a, pair & 4294967295 AS b FROM (
  SELECT DISTINCT (x.row << 32) | y.row AS pair FROM probe x JOIN name_blocks y
    ON x.key = y.key AND x.band = y.band AND x.row < y.row AND x.src <> y.src
       AND abs(x.nlen - y.nlen) <= {max_edits})

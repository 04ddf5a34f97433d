-- Per distinct host: its registrable domain (regdom: the public suffix and one label more,
-- 'cornell.edu' for 'cs.cornell.edu'), NULL when the host is a public suffix itself.
CREATE TEMP TABLE host_domains AS
WITH h AS (SELECT DISTINCT host, string_split(host, '.') AS labels FROM url_parts
           WHERE host <> ''),
tails AS (SELECT host, len(labels) AS n,
            array_to_string(labels[-1:], '.') AS tail1,
            array_to_string(labels[-2:], '.') AS tail2,
            array_to_string(labels[-3:], '.') AS tail3,
            array_to_string(labels[-4:], '.') AS tail4,
            array_to_string(labels[-5:], '.') AS tail5
          FROM h),
s AS (
  SELECT tails.*, CASE
      WHEN n >= 4 AND is_public_suffix(t4.exact, t3.wildcard, t4.exception) THEN 4
      WHEN n >= 3 AND is_public_suffix(t3.exact, t2.wildcard, t3.exception) THEN 3
      WHEN n >= 2 AND is_public_suffix(t2.exact, t1.wildcard, t2.exception) THEN 2
      ELSE 1 END AS suffix_labels
  FROM tails
  LEFT JOIN public_suffixes t1 ON t1.rule = tail1
  LEFT JOIN public_suffixes t2 ON t2.rule = tail2
  LEFT JOIN public_suffixes t3 ON t3.rule = tail3
  LEFT JOIN public_suffixes t4 ON t4.rule = tail4)
SELECT host, CASE WHEN n > suffix_labels THEN
    [tail2, tail3, tail4, tail5][suffix_labels] END AS regdom
FROM s

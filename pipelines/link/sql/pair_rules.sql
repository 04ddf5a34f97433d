-- The cluster rules one pair of listings can break on its own: two government levels, two
-- departments, a local government with a civic tech group (kind classes 1 and 2), a
-- university (kind class 4) with a listing of any other kind. Checked on
-- candidate pairs to spare the scoring; the clusters check them again, with the source rule
-- and never_link, on whole clusters.
CREATE TEMP MACRO rules_allow(level_a, level_b, department_a, department_b, kind_a, kind_b) AS
  (level_a IS NULL OR level_b IS NULL OR level_a = level_b)
  AND (department_a IS NULL OR department_b IS NULL OR department_a = department_b)
  AND kind_a + kind_b <> 3
  AND (kind_a = 4) = (kind_b = 4);

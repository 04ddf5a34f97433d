"""The linker's thresholds, why each value: GUIDE §7, and bench/link_synthetic.py on 1 M
listings."""

# Names are compared by an absolute edit distance (optimal string alignment: a swap of two
# letters is one edit) on the normalised names, after the cheap checks in SQL (length
# difference, the same numbers and direction words, place or website agreeing). A ratio lets
# long hard negatives through (".. Poetry Studies" / ".. Film Studies": precision fell to 0.85
# in GUIDE §7's probe); Jaro-Winkler, tried as the cheap first filter, rejects true one-typo
# pairs of long names with repeated letters (0.88 for "urban ..." / "urean ..." of 41
# letters), so it is not used. Short names differ by one letter between different groups
# ("code for ri" / "code for rio"), so they must agree exactly; mid-length ones may differ
# by one edit, long ones by two.
EDITS_BY_LENGTH = ((16, 2), (9, 1), (0, 0))  # (minimum length, edits allowed), longest first
MAX_EDITS = EDITS_BY_LENGTH[0][1]
# A website or Meetup group listed by more than this many listings is a portal or a parent's
# site (a state's .gov, a network's home page), not one organization's: it links nothing.
MAX_SITE_BLOCK = 50
# A name block larger than this (state + city + "community" in a big city) yields hundreds of
# thousands of pairs for almost no true links; its pairs are still found by the other keys.
MAX_NAME_BLOCK = 400
# A small town's listings are all compared with each other (a typo in both the first and the
# last word of a name escapes the word blocks); a town is small up to this many listings.
MAX_CITY_BLOCK = 100
LENGTH_BAND = 5  # letters per length band of a name block (more than 2 x MAX_EDITS - 1)
PAIR_CHUNK = 2_000_000  # pairs scored per rapidfuzz call: bounds peak memory
THREADS = 2  # DuckDB's threads and rapidfuzz's workers

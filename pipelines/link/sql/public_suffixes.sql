-- The public suffix list (registered as public_suffix_rules: rule, kind) as one row per rule,
-- with whether it is an exact rule, a wildcard ('*.ck': the rule is 'ck') or an exception.
CREATE TEMP TABLE public_suffixes AS
SELECT rule, bool_or(kind = 'exact') AS exact,
       bool_or(kind = 'wildcard') AS wildcard,
       bool_or(kind = 'exception') AS exception
FROM public_suffix_rules GROUP BY rule

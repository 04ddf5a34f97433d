// The release page's behaviour: the answer to "who can I call about data near ...?", the map
// and the organization table. Every value from the data goes into the page through
// textContent, never as markup.
//
// The answer is `intermediaries near`'s: this is a port of pipelines/answer/sections.py (the
// reference) and of the place lookup in geography/places.py. Every constant those rules read
// (radius, limit, farthest "nearest", section keys, titles and kinds, orders, name patterns,
// state names, the place index) comes from the Python modules through the page's JSON
// (pipelines/publish/page.py: answer_rules, place_index); only the rules' logic and the
// answer's sentences are written here, and tests/browser checks them against the command.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("page-data").textContent);
  const COL = Object.fromEntries(data.columns.map((name, i) => [name, i]));
  const kinds = data.kinds;
  const rows = decodeTable(data.table, data.columns);
  const OTHER_KIND = data.other_kind;

  // --- helpers

  function decodeTable(table, columns) {
    const count = table.rows;
    const decoded = Array.from({ length: count }, () => new Array(columns.length).fill(null));
    columns.forEach((name, i) => {
      const column = table.columns[name];
      if (Array.isArray(column)) {
        for (let r = 0; r < count; r++) decoded[r][i] = column[r];
      } else if (column.at) {  // sparse: only the rows that have a value
        let at = 0;
        for (let k = 0; k < column.codes.length; k++) {
          at += column.at[k];
          decoded[at][i] = column.values[column.codes[k]];
        }
      } else {
        for (let r = 0; r < count; r++) decoded[r][i] = column.values[column.codes[r]];
      }
    });
    return decoded;
  }

  function kindOf(row) {
    return row[COL.kind] === null ? OTHER_KIND : kinds[row[COL.kind]];
  }

  function describeKind(row) {
    const role = row[COL.role];
    return role ? kindOf(row).label + " (" + role + ")" : kindOf(row).label;
  }

  function placeOf(row) {
    return [row[COL.city], row[COL.state]].filter(Boolean).join(", ");
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // A link only for http(s) URLs; anything else is shown as text.
  function link(name, url) {
    let href = null;
    try {
      const parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") href = parsed.href;
    } catch (error) {
      href = null;
    }
    if (!href) return element("span", name);
    const anchor = element("a", name);
    anchor.href = href;
    anchor.rel = "noopener noreferrer";
    return anchor;
  }

  function nameLink(row) {
    return link(row[COL.name], row[COL.website]);
  }

  function number(n) {
    return n.toLocaleString("en-US");
  }

  function swatch(colour) {
    const mark = element("span", null, "swatch");
    mark.style.background = colour;
    return mark;
  }

  // --- numbers and text exactly as Python writes them

  // format(x, ".<digits>f"): correctly rounded, an exact tie to even (toFixed rounds it up).
  function pyFixed(x, digits) {
    const size = Math.abs(x);
    let shown = size.toFixed(digits);
    const exact = size.toFixed(100);  // every digit of the double
    const dot = exact.indexOf(".");
    if (/^50*$/.test(exact.slice(dot + 1 + digits))) {
      const truncated = digits ? exact.slice(0, dot + 1 + digits) : exact.slice(0, dot);
      if (Number(truncated.slice(-1)) % 2 === 0) shown = truncated;
    }
    return (x < 0 ? "-" : "") + shown;
  }

  function pyRound(x, digits) {  // round(x, digits)
    return Number(pyFixed(x, digits));
  }

  // sections.km_text
  function kmText(km) {
    if (km < 0.1) return "under 0.1 km";
    return (km < 10 ? pyFixed(km, 1) : pyFixed(km, 0)) + " km";
  }

  // Python compares text by code point (JavaScript by UTF-16 unit).
  function compareText(a, b) {
    if (a === b) return 0;
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a.codePointAt(i), y = b.codePointAt(i);
      if (x !== y) return x < y ? -1 : 1;
      if (x > 0xffff) i++;
    }
    return a.length < b.length ? -1 : 1;
  }

  // Python's tuple order (a key is an array of numbers, booleans and texts).
  function compareKeys(a, b) {
    for (let i = 0; i < a.length; i++) {
      const x = a[i], y = b[i];
      if (x === y) continue;
      if (typeof x === "string") return compareText(x, y);
      return x < y ? -1 : 1;
    }
    return 0;
  }

  // sorted(items, key=key): stable, as Python's
  function sortBy(items, key) {
    return items.map((item) => [key(item), item])
      .sort((a, b) => compareKeys(a[0], b[0]))
      .map((pair) => pair[1]);
  }

  function casefold(text) {
    return text.toLowerCase().replace(/ß/g, "ss");
  }

  const NOT_WORD = /[^\p{L}\p{N}_\s]/gu;  // Python's [^\w\s]

  function words(text) {
    return text.split(/\s+/).filter(Boolean).join(" ");
  }

  // sections._norm: city names compared loosely
  function normCity(text) {
    const folded = casefold(text || "").replaceAll("saint ", "st ").replaceAll("st. ", "st ");
    return words(folded.replace(NOT_WORD, " "));
  }

  // sections.name_key: casefold, anything but letters and digits to spaces, spaces collapsed
  function normName(text) {
    return words(casefold(text || "").replace(/[^\p{L}\p{N}]/gu, " "));
  }

  function pattern(spec, extraFlags) {
    return new RegExp(spec.source, spec.flags + (extraFlags || ""));
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  // --- the answer's rules: a port of pipelines/answer/sections.py

  const rules = data.rules;
  const LIMIT = rules.limit;
  const WITHIN = rules.within_km;
  const MAX_NEAREST = rules.max_nearest_km;
  const KIND_LABELS = rules.kind_labels;
  const SECTION_KINDS = Object.fromEntries(rules.sections.map((s) => [s.key, new Set(s.kinds)]));
  const noKinds = new Set();
  const NNIP_KINDS = SECTION_KINDS.nnip || noKinds;
  const GOVERNMENT_KINDS = SECTION_KINDS.government || noKinds;
  const UNIVERSITY_KINDS = SECTION_KINDS.university || noKinds;
  const CIVIC_TECH_KINDS = SECTION_KINDS.civic_tech || noKinds;
  const SDC_KINDS = SECTION_KINDS.sdc || noKinds;
  const FOUNDATION_KINDS = SECTION_KINDS.foundation || noKinds;
  const ANSWER_KINDS = new Set(rules.answer_kinds);
  const TERRITORIES = new Set(rules.territories);
  const RESEARCH_LEVELS = new Set(rules.research_levels);
  const COUNTY_WORDS = pattern(rules.patterns.county_words);
  const COUNTY_WORDS_ALL = pattern(rules.patterns.county_words, "g");
  const STATE_GOVERNMENT = pattern(rules.patterns.state_government);
  const TRIBAL = pattern(rules.patterns.tribal);
  const DEPARTMENT = pattern(rules.patterns.department);
  const STATES = new Map(data.places.states.map(([usps, fips, name]) => [usps, { fips, name }]));

  function stateName(usps) {
    const state = STATES.get((usps || "").toUpperCase());
    return state ? state.name : null;
  }

  function activityOrder(r) {
    const order = rules.activity_order[r.activity];
    return order === undefined ? 1 : order;  // ACTIVITY_ORDER.get(activity, 1)
  }

  function roleOrder(r) {
    const order = rules.role_order[r.role];
    return order === undefined ? 3 : order;  // ROLE_ORDER.get(role, 3)
  }

  // Who the answer may list: a kind with a section, never a gone group (as near's SQL).
  const people = [];
  rows.forEach((row) => {
    const kind = row[COL.kind] === null ? null : kinds[row[COL.kind]].key;
    if (!ANSWER_KINDS.has(kind) || row[COL.activity] === "gone") return;
    const person = { kind, row, km: null };
    for (const column of data.columns) {
      if (column !== "kind") person[column] = row[COL[column]];
    }
    people.push(person);
  });

  function governmentLevel(r) {
    if (r.government_level) return r.government_level;
    if (r.kind !== "local_government") return null;
    const name = r.name || "";
    if (STATE_GOVERNMENT.test(name)) return "state";
    const county = COUNTY_WORDS.exec(name);
    // a borough is a county in Alaska only (Pennsylvania's and New Jersey's are towns)
    if (county && (county[0].toLowerCase() !== "borough" || r.state === "AK")) return "county";
    if (TRIBAL.test(name)) return "tribal";
    return "city";
  }

  function governmentUnit(r) {
    if (r.government_unit) return r.government_unit;
    if (r.kind === "government") return "department";
    return DEPARTMENT.test(r.name || "") ? "department" : "general";
  }

  // A unit of a university: linking set its part_of (never a civic tech group).
  function isUnit(r) {
    return r.part_of !== null && r.part_of !== undefined && !CIVIC_TECH_KINDS.has(r.kind);
  }

  // the name of the university a unit belongs to (null when it is not in this release)
  function partOfName(r) {
    return isUnit(r) && r.part_of >= 0 ? rows[r.part_of][COL.name] : null;
  }

  const PORTAL_HOST = new RegExp(rules.portal_host_pattern);

  // sections.publishes: "<portal host> (<software>)" for a government with a portal
  function publishes(r) {
    if (!GOVERNMENT_KINDS.has(r.kind)) return null;
    const found = PORTAL_HOST.exec((r.open_data_portal || "").trim().toLowerCase());
    if (!found) return null;
    return r.portal_software ? found[1] + " (" + r.portal_software + ")" : found[1];
  }

  function whatItIs(r) {
    const kind = r.kind || "";
    if (GOVERNMENT_KINDS.has(kind)) {
      const level = governmentLevel(r);
      let base = level ? level.replaceAll("_", " ") + " government" : KIND_LABELS[kind];
      if (governmentUnit(r) === "department") {
        base += r.department ? ", department (" + r.department + ")" : ", department";
      }
      return base;
    }
    const label = KIND_LABELS[kind] || kind.replaceAll("_", " ");
    const role = r.role;
    if (SDC_KINDS.has(kind)) return role ? label + " " + role + " agency" : label + " agency";
    if (role && (r.sources || "").split("; ").includes("sdc")) {
      return label + "; State Data Center " + role;
    }
    return label;
  }

  function activityText(r) {
    const activity = r.activity || "unknown";
    if (activity === "active" && r.next_event_date) return "active, next event " + r.next_event_date;
    return activity;
  }

  function locationText(r) {
    return [r.city, r.state].filter(Boolean).join(", ") || null;
  }

  function toMatch(r, why, within) {
    const far = r.km !== null ? kmText(r.km) + " away" : "distance unknown";
    return {
      name: r.name, what: whatItIs(r), why: why || far, activity: activityText(r),
      website: r.website, source: r.sources,
      distance_km: r.km === null ? null : pyRound(r.km, 1), location: locationText(r),
      kind: r.kind, within: within === undefined ? true : within,
      publishes: publishes(r), part_of: partOfName(r),
      row: r.row,
    };
  }

  function withDistance(why, r) {
    return r.km === null ? why : why + "; " + kmText(r.km) + " away";
  }

  function nearest(list) {
    return sortBy(list.filter((r) => r.km !== null), (r) => [r.km, r.name || ""]);
  }

  // Never two matches with the same (normalised name, city, state): the first is kept.
  function dedupe(items, rowOf) {
    const seen = new Set();
    return items.filter((item) => {
      const r = rowOf ? rowOf(item) : item;
      const key = [normName(r.name), r.city || "", r.state || ""].join("\u0000");
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  function nothingWithin(what, fallback, where) {
    // never farther than MAX_NEAREST_KM: nobody's "nearest" (as _nothing_within)
    const shown = fallback.filter((r) => r.km !== null && r.km <= MAX_NEAREST).slice(0, LIMIT)
      .map((r) => toMatch(r, null, false));
    let note = "No " + what + " " + (where || "within " + kmText(WITHIN));
    note += shown.length ? "; the nearest:" : " in this release.";
    return [shown, note];
  }

  function section(key, matches, note) {
    const title = rules.sections.find((s) => s.key === key).title;
    return { key, title, note: note || null, matches };
  }

  function byDistance(key, what, list, order, why) {
    const all = nearest(list);
    let near = all.filter((r) => r.km <= WITHIN);
    if (order) near = sortBy(near, order);
    near = dedupe(near);
    if (near.length) {
      return section(key, near.slice(0, LIMIT).map((r) => toMatch(r, why ? why(r) : null)));
    }
    const [matches, note] = nothingWithin(what, dedupe(all));
    return section(key, matches, note);
  }

  function nnipSection(place, candidates) {
    const why = (r) => r.service_area
      ? withDistance("serves its " + r.service_area, r) : kmText(r.km) + " away";
    return byDistance("nnip", "NNIP partner", candidates.filter((r) => NNIP_KINDS.has(r.kind)),
      null, why);
  }

  function isOwnCity(r, place) {
    return Boolean(place.city && r.state === place.state
      && ["city", "tribal"].includes(governmentLevel(r))
      && normCity(r.city) === normCity(place.city));
  }

  function countyStem(place) {
    if (!place.county_name) return null;
    const stem = place.county_name.replace(COUNTY_WORDS_ALL, "").replace(/^[ ,]+|[ ,]+$/g, "")
      .toLowerCase();
    return stem || null;
  }

  function isOwnCounty(r, place) {
    if (r.state !== place.state || governmentLevel(r) !== "county") return false;
    if (r.county_fips && place.county_fips) return r.county_fips === place.county_fips;
    const stem = countyStem(place);
    return Boolean(stem && new RegExp("\\b" + escapeRegExp(stem) + "\\b")
      .test((r.name || "").toLowerCase()));
  }

  function governmentSection(place, candidates) {
    const all = candidates.filter((r) => GOVERNMENT_KINDS.has(r.kind));
    const governments = all.filter((r) => governmentLevel(r) !== "state");
    const own = [];
    for (const r of governments) {
      const unit = governmentUnit(r) === "general" ? 0 : 1;
      const km = r.km !== null ? r.km : Infinity;
      if (isOwnCounty(r, place)) own.push([[unit, 1, km], r, "your county (" + place.county_name + ")"]);
      else if (isOwnCity(r, place)) own.push([[unit, 0, km], r, "your city (" + place.city + ")"]);
    }
    const taken = new Set(own.map((item) => item[1]));
    const others = nearest(governments).filter((r) => !taken.has(r));
    const near = sortBy(others.filter((r) => r.km <= WITHIN),
      (r) => [publishes(r) === null, governmentUnit(r) !== "general", r.km]);
    const ranked = dedupe([
      ...sortBy(own, (item) => item[0]).map((item) => [item[1], item[2]]),
      ...near.map((r) => [r, publishes(r) === null ? null
        : "publishes data: " + publishes(r) + "; " + kmText(r.km) + " away"]),
    ], (item) => item[0]);
    if (ranked.length) {
      return section("government", ranked.slice(0, LIMIT).map(([r, why]) => toMatch(r, why)));
    }
    const farOthers = dedupe(others.filter((r) => r.km <= MAX_NEAREST));
    // the place's own state or territory government(s): general first, nearest first
    const mine = place.state ? sortBy(
      all.filter((r) => governmentLevel(r) === "state" && r.state === place.state),
      (r) => [governmentUnit(r) !== "general", r.km === null ? Infinity : r.km]) : [];
    if (mine.length) {
      const territory = TERRITORIES.has(place.state);
      const name = stateName(place.state) || place.state;
      const why = territory ? "your territory's government (" + name + ")"
        : "your state government (" + name + ")";
      const shown = dedupe([...mine, ...farOthers]).slice(0, LIMIT)
        .map((r) => (mine.includes(r) ? toMatch(r, why, false) : toMatch(r, null, false)));
      const note = "No city or county government within " + kmText(WITHIN) + "; "
        + (territory ? "your territory's government:" : "your state's government:");
      return section("government", shown, note);
    }
    const [matches, note] = nothingWithin("city or county government", farOthers);
    return section("government", matches, note);
  }

  function universitySection(place, candidates) {
    // within the radius the research tier first (none: the nearest within MAX_NEAREST_KM);
    // then, always (not counted in the limit), the state's land-grants not listed yet
    const isUniversity = (r) => UNIVERSITY_KINDS.has(r.kind);
    const list = candidates.filter((r) => isUniversity(r) || isUnit(r));
    const nearestOnes = nearest(list);
    const landGrant = (r) => Boolean(place.state) && isUniversity(r) && r.land_grant === true
      && r.tribal_college !== true && r.state === place.state;
    const grantWhy = "land-grant university of " + (stateName(place.state) || place.state)
      + ": extension office in your county";
    const tier = (r) => (isUnit(r) || RESEARCH_LEVELS.has(r.carnegie_level) ? 0 : 1);
    const why = (r) => {
      if (landGrant(r)) return withDistance(grantWhy, r);
      return partOfName(r) ? withDistance("part of " + partOfName(r), r) : null;
    };
    const near = dedupe(sortBy(nearestOnes.filter((r) => r.km <= WITHIN),
      (r) => [tier(r), r.km])).slice(0, LIMIT);
    let shown = near.map((r) => toMatch(r, why(r)));
    let listed = near;
    let note = null;
    if (!near.length) {
      listed = dedupe(nearestOnes.filter((r) => r.km <= MAX_NEAREST)).slice(0, LIMIT);
      let matches;
      [matches, note] = nothingWithin("university", listed);
      matches.forEach((m, n) => { m.why = why(listed[n]) || m.why; });
      shown = matches;
    }
    const grants = [...nearestOnes, ...list.filter((r) => r.km === null)].filter(landGrant);
    shown.push(...dedupe([...listed, ...grants]).slice(listed.length)
      .map((r) => toMatch(r, why(r))));
    return section("university", shown, note);
  }

  function civicTechSection(place, candidates) {
    const groups = candidates.filter((r) => CIVIC_TECH_KINDS.has(r.kind) && r.activity !== "gone");
    return byDistance("civic_tech", "civic tech group", groups,
      (r) => [activityOrder(r), r.km]);
  }

  function sdcSection(place, candidates) {
    const agencies = candidates.filter((r) => SDC_KINDS.has(r.kind));
    const mine = place.state ? sortBy(agencies.filter((r) => r.state === place.state),
      (r) => [roleOrder(r), r.km === null ? Infinity : r.km, r.name || ""]) : [];
    if (mine.length) {
      const why = "covers your state (" + place.state + ")";
      return section("sdc", dedupe(mine).slice(0, LIMIT).map((r) => toMatch(r, withDistance(why, r))));
    }
    const where = place.state ? "for " + place.state : "for this place (outside the US states)";
    // a state's agencies often share a point: the lead first
    const ordered = sortBy(nearest(agencies), (r) => [pyRound(r.km, 1), roleOrder(r)]);
    const [matches, note] = nothingWithin("State Data Center agency", dedupe(ordered), where);
    return section("sdc", matches, note);
  }

  function foundationSection(place, candidates) {
    const foundations = candidates.filter((r) => FOUNDATION_KINDS.has(r.kind));
    const own = [];
    for (const r of [...nearest(foundations), ...foundations.filter((f) => f.km === null)]) {
      if (r.state !== place.state || !place.state) continue;
      if (r.county_fips && place.county_fips) {
        if (r.county_fips === place.county_fips) {
          own.push([r, "covers your county (" + place.county_name + ")"]);
        }
      } else if (place.city && normCity(r.city) === normCity(place.city)) {
        own.push([r, "in your city (" + place.city + ")"]);
      }
    }
    const taken = new Set(own.map((item) => item[0]));
    const others = nearest(foundations).filter((r) => !taken.has(r));
    const ranked = dedupe([
      ...own.map(([r, why]) => [r, withDistance(why, r)]),
      ...others.filter((r) => r.km <= WITHIN).map((r) => [r, null]),
    ], (item) => item[0]);
    if (ranked.length) {
      return section("foundation", ranked.slice(0, LIMIT).map(([r, why]) => toMatch(r, why)));
    }
    const [matches, note] = nothingWithin("community foundation", dedupe(others));
    return section("foundation", matches, note);
  }

  const SECTIONS = {
    nnip: nnipSection, government: governmentSection, university: universitySection,
    civic_tech: civicTechSection, sdc: sdcSection, foundation: foundationSection,
  };

  function startSomething(place, candidates) {
    const active = nearest(candidates.filter((r) => CIVIC_TECH_KINDS.has(r.kind)
      && r.activity === "active"));
    const first = active.length ? toMatch(active[0], null, false) : null;
    let speaker;
    if (first === null) {
      speaker = "Invite a speaker from a nearby community: no active civic tech group is "
        + "listed in this release, so ask the State Data Center or NNIP partner above who "
        + "they work with.";
    } else {
      const facts = [first.location, kmText(first.distance_km || 0) + " away",
        active[0].next_event_date ? "next event " + active[0].next_event_date
          : "no upcoming event listed"];
      speaker = "Invite a speaker from a nearby community: ask " + first.name + " ("
        + facts.filter(Boolean).join("; ") + ") first: they are the nearest active group.";
    }
    return {
      suggestions: [
        "Convene an open data conversation: bring the governments, the State Data Center "
          + "and the foundations listed above together around the data your community needs.",
        speaker,
        "Hold a hack night: a regular evening where residents, developers and government "
          + "staff work on local data together"
          + (first ? "; " + first.name + " can tell you how they run theirs." : "."),
      ],
      first_to_ask: first,
    };
  }

  const EARTH_KM = rules.earth_radius_km;
  const RADIANS = Math.PI / 180;

  // The distance of pipelines.answer.sql.distance_sql (haversine, the same radius).
  function distanceKm(lat0, lon0, lat, lon) {
    const dLat = Math.sin((lat - lat0) * RADIANS / 2);
    const dLon = Math.sin((lon - lon0) * RADIANS / 2);
    const h = dLat * dLat + Math.cos(lat0 * RADIANS) * Math.cos(lat * RADIANS) * dLon * dLon;
    return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  // sections.answer: the whole answer for one place (an Origin: label, latitude, longitude,
  // precision, state, county_fips, county_name, city).
  function answerFor(place) {
    for (const r of people) {
      r.km = r.latitude === null ? null
        : distanceKm(place.latitude, place.longitude, r.latitude, r.longitude);
    }
    // near's candidates come ordered by distance (unplaced last), then name
    const candidates = sortBy(people, (r) => [r.km === null, r.km === null ? 0 : r.km, r.name]);
    // a section this page does not know (a newer Python answer) says so rather than guess
    const sections = rules.sections.map((s) => (SECTIONS[s.key]
      ? SECTIONS[s.key](place, candidates)
      : section(s.key, [], "This page cannot answer this section: ask intermediaries near.")));
    const civic = sections.find((s) => s.key === "civic_tech");
    const start = civic && !civic.matches.some((m) => m.within)
      ? startSomething(place, candidates) : null;
    return { place, within_km: WITHIN, limit: LIMIT, sections, start_something: start };
  }

  // --- the place: a port of geography/places.py's lookup_place (ZIP, "City, ST", county,
  // state, a city name found in one state only)

  const placeData = data.places;
  const placePatterns = rules.place_patterns;
  const PLACE_COUNTY_WORDS = pattern(placePatterns.county_words);
  const COUNTY_SUFFIX = pattern(placePatterns.county_suffix);
  const TRAILING_US = pattern(placePatterns.trailing_us);
  const index = buildPlaceIndex(placeData);

  function undelta(values) {
    let total = 0;
    return values.map((v) => (total += v));
  }

  // the mean of points, rounded to 5 decimals, summed as this Python's sum() sums
  function meanPoint(points) {
    if (!points.length) return null;
    const sum = (values) => {
      let total = 0, compensation = 0;
      for (const x of values) {
        if (placeData.sum === "neumaier") {
          const t = total + x;
          compensation += Math.abs(total) >= Math.abs(x) ? (total - t) + x : (x - t) + total;
          total = t;
        } else {
          total += x;
        }
      }
      return compensation && Number.isFinite(compensation) ? total + compensation : total;
    };
    return [pyRound(sum(points.map((p) => p[0])) / points.length, 5),
      pyRound(sum(points.map((p) => p[1])) / points.length, 5)];
  }

  function buildPlaceIndex(packed) {
    const scale = packed.scale;
    const zip = packed.zip;
    const codes = undelta(zip.code).map((c) => String(c).padStart(5, "0"));
    const lats = undelta(zip.lat), lons = undelta(zip.lon);
    const noPoint = new Set(zip.no_point);
    const zipCity = undelta(zip.city);
    const cityState = undelta(packed.city.state).map((n) => packed.states[n][0]);
    const cityCounty = undelta(packed.city.county);
    const countyFips = undelta(packed.county.fips).map((f) => String(f).padStart(5, "0"));
    const stateByFips = new Map(packed.states.map(([usps, fips]) => [fips, usps]));
    const zipCounty = zipCity.map((c) => cityCounty[c]);
    undelta(zip.other_county_at).forEach((row, k) => { zipCounty[row] = zip.other_county[k]; });
    const zipRow = new Map(codes.map((code, row) => [code, row]));
    const point = (row) => (noPoint.has(row) ? null : [lats[row] / scale, lons[row] / scale]);
    const cityPoints = packed.city.name.map(() => []);
    const countyPoints = countyFips.map(() => []);
    const statePoints = new Map();
    codes.forEach((code, row) => {
      const p = point(row);
      if (!p) return;
      cityPoints[zipCity[row]].push(p);
      if (zipCounty[row]) countyPoints[zipCounty[row] - 1].push(p);
      const state = cityState[zipCity[row]];
      if (!statePoints.has(state)) statePoints.set(state, []);
      statePoints.get(state).push(p);
    });
    const counties = countyFips.map((fips, n) => ({
      fips, name: packed.county.name[n], state: stateByFips.get(fips.slice(0, 2)),
      point: meanPoint(countyPoints[n]),
    }));
    const cities = packed.city.name.map((name, n) => ({
      name, state: cityState[n], county: cityCounty[n] ? counties[cityCounty[n] - 1] : null,
      point: meanPoint(cityPoints[n]), zips: 0,
    }));
    zipCity.forEach((c) => { cities[c].zips += 1; });
    const states = new Map([...statePoints].map(([usps, points]) => [usps, meanPoint(points)]));
    return {
      codes, zipRow, point, zipCity, zipCounty, cities, counties, states,
      byName: null, countyKeys: null,
    };
  }

  // geography.index.place_key
  function placeKey(text) {
    let key = text.normalize("NFKD").replace(/\p{M}/gu, "").toUpperCase();
    key = key.replace(/['’`.]/g, "").replace(/[^A-Z0-9&]+/g, " ");
    const parts = key.split(" ").filter(Boolean)
      .map((w) => (w === "SAINT" ? "ST" : w === "SAINTE" ? "STE" : w));
    if (parts.length && (parts[0] === "FT" || parts[0] === "MT")) {
      parts[0] = parts[0] === "FT" ? "FORT" : "MOUNT";
    }
    return parts.join(" ");
  }

  function countyKey(name) {
    return placeKey(name).replace(COUNTY_SUFFIX, "").replaceAll(" ", "");
  }

  function namesIndex() {
    if (!index.byName) {
      index.byName = new Map();
      index.cities.forEach((city) => {
        const key = placeKey(city.name);
        if (!index.byName.has(key)) index.byName.set(key, []);
        index.byName.get(key).push(city);
      });
      index.countyKeys = new Map();
      index.counties.forEach((county) => {
        for (const key of new Set([placeKey(county.name).replaceAll(" ", ""), countyKey(county.name)])) {
          const k = key + "|" + county.state;
          if (!index.countyKeys.has(k)) index.countyKeys.set(k, []);
          index.countyKeys.get(k).push(county);
        }
      });
    }
    return index;
  }

  function findCity(name, state) {
    return (namesIndex().byName.get(placeKey(name)) || []).find((c) => c.state === state) || null;
  }

  function findCounty(name, state) {  // GeoIndex.county
    const keys = namesIndex().countyKeys;
    let matches = keys.get(placeKey(name).replaceAll(" ", "") + "|" + state);
    if (!matches) matches = keys.get(countyKey(name) + "|" + state) || [];
    if (matches.length > 1) {
      const notCity = matches.filter((c) => !c.name.toLowerCase().endsWith("city"));
      matches = notCity.length ? notCity : matches;
    }
    return matches[0] || null;
  }

  function usps(text) {  // geography.states.usps_code
    if (!text || !String(text).trim()) return null;
    return placeData.state_keys[words(String(text)).toLowerCase()] || null;
  }

  class PlaceError extends Error {}

  function origin(label, point, precision, state, county, city) {
    return {
      label, latitude: point[0], longitude: point[1], precision, state,
      county_fips: county ? county.fips : null, county_name: county ? county.name : null,
      city,
    };
  }

  function fallbackPoint(city, county, state) {
    if (city && city.point) return [city.point, "city"];
    if (county && county.point) return [county.point, "county"];
    return [index.states.get(state), "state"];
  }

  function zipPlace(code) {
    const row = index.zipRow.get(code);
    if (row === undefined) {
      throw new PlaceError("ZIP " + code + ": not a known US ZIP code with a location "
        + "(military APO/FPO and retired ZIPs have none).");
    }
    const city = index.cities[index.zipCity[row]];
    const county = index.zipCounty[row] ? index.counties[index.zipCounty[row] - 1] : null;
    let point = index.point(row), precision = "zip";
    if (!point) [point, precision] = fallbackPoint(city, county, city.state);
    return origin(code + " (" + city.name + ", " + city.state + ")", point, precision,
      city.state, county, city.name);
  }

  function cityPlace(city) {
    const [point, precision] = fallbackPoint(city, city.county, city.state);
    return origin(city.name + ", " + city.state, point, precision, city.state, city.county,
      city.name);
  }

  function countyPlace(county) {
    const point = county.point || index.states.get(county.state);
    return origin(county.name + ", " + county.state, point, county.point ? "county" : "state",
      county.state, county, null);
  }

  function statePlace(state) {
    const centre = index.states.get(state);
    if (!centre) throw new PlaceError(stateName(state) + " (" + state + "): no ZIP points to place it.");
    return origin(stateName(state) || state, centre, "state", state, null, null);
  }

  function namedPlace(head, state, text) {
    if (!PLACE_COUNTY_WORDS.test(head)) {
      const city = findCity(head, state);
      if (city) return cityPlace(city);
    }
    const county = findCounty(head, state);
    if (county) return countyPlace(county);
    throw new PlaceError(text + ": no city or county named '" + head + "' in "
      + stateName(state) + " (" + state + ").");
  }

  function barePlace(text) {
    const found = PLACE_COUNTY_WORDS.test(text) ? [] : (namesIndex().byName.get(placeKey(text)) || []);
    if (found.length === 1) return cityPlace(found[0]);
    if (found.length > 1) {
      const shown = sortBy(found, (c) => [-c.zips, c.name + ", " + c.state]).slice(0, 8)
        .map((c) => c.name + ", " + c.state);
      throw new PlaceError(text + ": " + found.length + " places; add a state ("
        + shown.join("; ") + (found.length > 8 ? "; ..." : "") + ")");
    }
    throw new PlaceError(text + ": no US state or city of that name; try a ZIP code or "
      + "'City, ST' (the intermediaries near command also takes counties without a state "
      + "and 'lat,lon').");
  }

  function lookupPlace(text) {
    let cleaned = words(String(text || ""));
    if (!cleaned) throw new PlaceError("Type a ZIP code or 'City, ST' (e.g. 45402 or Dayton, OH).");
    cleaned = cleaned.replace(TRAILING_US, "").trim();
    let match;
    if ((match = /^(\d{5})(?:-?\d{4})?$/.exec(cleaned))) return zipPlace(match[1]);
    if ((match = /^(.*\D)\s(\d{5})(?:-\d{4})?$/.exec(cleaned))) return zipPlace(match[2]);
    if (/^\(?\s*[+-]?\d{1,3}(?:\.\d+)?\s*,\s*[+-]?\d{1,3}(?:\.\d+)?\s*\)?$/.test(cleaned)) {
      throw new PlaceError(cleaned + ": a point; this page takes a ZIP code or 'City, ST' "
        + "(the intermediaries near command takes 'lat,lon').");
    }
    if (cleaned.includes(",")) {
      const cut = cleaned.lastIndexOf(",");
      const head = cleaned.slice(0, cut).trim(), tail = cleaned.slice(cut + 1).trim();
      const state = usps(tail);
      if (!state) throw new PlaceError(cleaned + ": '" + tail + "' is not a US state or territory.");
      return head ? namedPlace(head, state, cleaned) : statePlace(state);
    }
    const state = usps(cleaned);
    if (state) return statePlace(state);
    const parts = cleaned.split(" ");
    for (const size of [3, 2, 1]) {
      const tailState = parts.length > size ? usps(parts.slice(-size).join(" ")) : null;
      if (!tailState) continue;
      try {
        return namedPlace(parts.slice(0, -size).join(" "), tailState, cleaned);
      } catch (error) {
        if (!(error instanceof PlaceError)) throw error;
      }
    }
    return barePlace(cleaned);
  }

  // --- the answer on the page

  const answerBox = document.getElementById("answer");
  const placeInput = document.getElementById("place");
  let here = null;

  function matchItem(m) {
    const item = element("li", null, "match");
    item.dataset.distance = m.distance_km === null ? "" : String(m.distance_km);
    item.dataset.within = String(m.within);
    const head = element("div", null, "match-head");
    const name = element("strong", null, "match-name");
    name.appendChild(link(m.name, m.website));
    head.appendChild(name);
    head.appendChild(element("span", m.what, "match-what"));
    item.appendChild(head);
    item.appendChild(element("div", m.why, "match-why"));
    const facts = element("div", null, "match-facts");
    facts.appendChild(element("span", m.activity, "match-activity activity-" + m.activity.split(",")[0]));
    if (m.location) facts.appendChild(element("span", m.location, "match-location"));
    if (m.publishes) facts.appendChild(element("span", "publishes data: " + m.publishes, "match-publishes"));
    if (m.source) facts.appendChild(element("span", "source: " + m.source, "match-source"));
    item.appendChild(facts);
    return item;
  }

  function showAnswer(result) {
    const place = result.place;
    const parts = [];
    parts.push(element("h3", "Who can I call about data near " + place.label + "?", "answer-title"));
    const facts = ["within " + result.within_km + " km", "point precision: " + place.precision];
    if (place.county_name) facts.unshift(place.county_name);
    parts.push(element("p", facts.join("; "), "answer-facts"));
    result.sections.forEach((s, n) => {
      const box = element("section", null, "answer-section");
      box.dataset.key = s.key;
      const heading = element("h4");
      heading.appendChild(element("span", (n + 1) + ". ", "section-number"));
      heading.appendChild(element("span", s.title, "section-title"));
      box.appendChild(heading);
      if (s.note) box.appendChild(element("p", s.note, "answer-note"));
      if (s.matches.length) {
        const list = element("ol", null, "matches");
        for (const m of s.matches) list.appendChild(matchItem(m));
        box.appendChild(list);
      }
      parts.push(box);
    });
    if (result.start_something) {
      const box = element("section", null, "start-something");
      box.appendChild(element("h4", "Little is happening nearby: start something"));
      const list = element("ul");
      for (const idea of result.start_something.suggestions) list.appendChild(element("li", idea, "suggestion"));
      box.appendChild(list);
      parts.push(box);
    }
    answerBox.replaceChildren(...parts);
  }

  function answerPlace(text) {
    let place;
    try {
      place = lookupPlace(text);
    } catch (error) {
      if (!(error instanceof PlaceError)) throw error;
      answerBox.replaceChildren(element("p", error.message, "place-message"));
      answerBox.dataset.place = "";
      answerBox.dataset.asked = text;
      return null;
    }
    const result = answerFor(place);
    showAnswer(result);
    if (here) here.remove();
    const point = [place.latitude, place.longitude];
    here = L.circleMarker(point, { radius: 9, color: "#000", weight: 2, dashArray: "3 3",
      fill: false, interactive: false }).addTo(map);
    map.setView(point, place.precision === "state" ? 6 : 7, { animate: false });
    answerBox.dataset.place = place.label;
    answerBox.dataset.asked = text;
    return result;
  }

  // For tools and tests: the answer as data (the page shows the same).
  window.intermediaries = {
    lookupPlace, answerFor, answerPlace,
    answer: (text) => answerFor(lookupPlace(text)),
    centres: () => ({
      cities: index.cities.map((c) => [c.name, c.state, c.point]),
      counties: index.counties.map((c) => [c.fips, c.point]),
      states: [...index.states],
    }),
  };

  // --- the table

  const haystack = rows.map((row) =>
    [row[COL.name], row[COL.city], row[COL.state], kindOf(row).label, kindOf(row).key]
      .filter(Boolean).join(" ").toLowerCase());
  const tbody = document.querySelector("#organizations tbody");
  const count = document.getElementById("row-count");

  function tableRow(row) {
    const tr = document.createElement("tr");
    const name = element("td");
    name.appendChild(nameLink(row));
    tr.appendChild(name);
    const kind = element("td", describeKind(row));
    kind.prepend(swatch(kindOf(row).colour));
    tr.appendChild(kind);
    for (const column of ["city", "state", "activity", "next_event_date", "sources"]) {
      const cell = element("td", row[COL[column]]);
      if (column === "activity") cell.className = "activity-" + row[COL.activity];
      tr.appendChild(cell);
    }
    return tr;
  }

  function renderTable(query) {
    const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    const matching = [];
    for (let i = 0; i < rows.length; i++) {
      if (terms.every((term) => haystack[i].includes(term))) matching.push(i);
    }
    const shown = matching.slice(0, data.shown_max);
    const fragment = document.createDocumentFragment();
    for (const i of shown) fragment.appendChild(tableRow(rows[i]));
    tbody.replaceChildren(fragment);
    count.dataset.matching = String(matching.length);
    count.dataset.shown = String(shown.length);
    let message = number(matching.length) + " of " + number(rows.length) + " organizations";
    if (shown.length < matching.length) message += " (the first " + number(shown.length) + " shown; filter to narrow)";
    count.textContent = message;
  }

  const search = document.getElementById("search");
  let pending = null;
  search.addEventListener("input", () => {
    clearTimeout(pending);
    pending = setTimeout(() => renderTable(search.value), 120);
  });
  renderTable(search.value);

  // --- the map

  function popup(row) {
    const box = element("div", null, "popup");
    const title = element("strong");
    title.appendChild(nameLink(row));
    box.appendChild(title);
    box.appendChild(element("div", describeKind(row)));
    const place = placeOf(row);
    if (place) box.appendChild(element("div", place));
    const activity = element("div", "activity: " + row[COL.activity]);
    if (row[COL.next_event_date]) activity.textContent += ", next event " + row[COL.next_event_date];
    box.appendChild(activity);
    return box;
  }

  const placed = rows.filter((row) => row[COL.latitude] !== null);
  const mapBox = document.getElementById("map");
  const useCanvas = placed.length > data.canvas_above;
  const map = L.map(mapBox, { preferCanvas: useCanvas, worldCopyJump: true });
  if (data.view) {
    map.fitBounds(data.view, { maxZoom: 10, padding: [20, 20] });
  } else {
    map.setView([39.5, -98.35], 4);
  }

  // The offline base layer: the Census Bureau's state outlines (public domain), bundled.
  map.createPane("outlines");
  map.getPane("outlines").style.zIndex = 250;  // above the tiles (200), under everything else
  map.getPane("outlines").style.pointerEvents = "none";
  const outlineScale = data.outlines.scale;
  const outlineRenderer = L.svg({ pane: "outlines" });
  const outlines = L.layerGroup(data.outlines.states.map(([state, polygons]) => L.polygon(
    polygons.map((rings) => rings.map((ring) => {
      const points = [];
      let lat = 0, lon = 0;
      for (let k = 0; k < ring.length; k += 2) {
        lat += ring[k];
        lon += ring[k + 1];
        points.push([lat / outlineScale, lon / outlineScale]);
      }
      return points;
    })), {
      pane: "outlines", renderer: outlineRenderer, interactive: false, className: "state-outline",
      color: "#8d99a6", weight: 1, fillColor: "#ffffff", fillOpacity: 0.85, smoothFactor: 1,
    })));
  outlines.addTo(map);
  mapBox.dataset.outlines = String(data.outlines.states.length);

  map.createPane("labels");
  map.getPane("labels").style.zIndex = 350;  // under the markers (overlayPane is 400)
  map.getPane("labels").style.pointerEvents = "none";
  const labels = data.states.map(([code, lat, lon]) => L.marker([lat, lon], {
    pane: "labels", interactive: false, keyboard: false,
    icon: L.divIcon({ className: "state-label", html: element("span", code), iconSize: null }),
  }));
  L.layerGroup(labels).addTo(map);

  const markers = placed.map((row) => {
    const colour = kindOf(row).colour;
    const gone = row[COL.activity] === "gone";
    return L.circleMarker([row[COL.latitude], row[COL.longitude]], {
      radius: useCanvas ? 4 : 6, color: gone ? colour : "#ffffff", weight: gone ? 2 : 1,
      fillColor: colour, fillOpacity: gone ? 0 : 0.85,
    }).bindPopup(() => popup(row));
  });
  L.layerGroup(markers).addTo(map);
  mapBox.dataset.markers = String(markers.length);

  const legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    const box = L.DomUtil.create("div", "legend");
    const drawn = new Map();
    for (const row of placed) drawn.set(kindOf(row), (drawn.get(kindOf(row)) || 0) + 1);
    for (const kind of [...kinds, OTHER_KIND]) {
      if (!drawn.has(kind)) continue;
      const line = element("div");
      line.appendChild(swatch(kind.colour));
      line.appendChild(document.createTextNode(kind.label + " (" + number(drawn.get(kind)) + ")"));
      box.appendChild(line);
    }
    if (!drawn.size) box.textContent = "No organization has a place to draw.";
    return box;
  };
  legend.addTo(map);

  const osm = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 19,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
  });
  const tiles = document.getElementById("tiles");
  function showTiles() {
    if (tiles.checked) osm.addTo(map); else osm.remove();
    mapBox.classList.toggle("with-tiles", tiles.checked);
    outlines.eachLayer((layer) => layer.setStyle({ fillOpacity: tiles.checked ? 0 : 0.85 }));
  }
  tiles.addEventListener("change", showTiles);
  showTiles();
  mapBox.dataset.renderer = useCanvas ? "canvas" : "svg";  // the map is ready

  // --- asking

  document.getElementById("place-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = placeInput.value.trim();
    answerPlace(text);
    try {
      history.replaceState(null, "", "#near=" + encodeURIComponent(text));
    } catch (error) {
      // a page opened from a file may refuse: the answer is shown all the same
    }
  });
  const asked = /^#near=(.*)$/.exec(location.hash);
  if (asked) {
    placeInput.value = decodeURIComponent(asked[1]);
    answerPlace(placeInput.value);
  }
})();

"""Link synthetic listings with the pipeline's own linker and print what it cost and how right
it was: wall time, peak memory, candidate pairs, precision and recall against the truth.

    .venv/bin/python bench/link_synthetic.py                 # 1,000,000 and 100,000 listings
    .venv/bin/python bench/link_synthetic.py --sizes 2000 12000

The listings are organizations named from word lists in real US cities (the ``zipcodes``
package; big cities, with more ZIP codes, get more organizations), listed by six sources, with
websites of their own, pages on a university's or county's site, paths on shared hosts
(facebook.com/<page>, github.com/<org>, meetup.com/<group>, <name>.wordpress.com, ...), bare
shared hosts (https://github.com: these must never link), or none. Hard negatives are built
in: "... Center for Poetry Studies" / "... Center for Film Studies" on one university's site,
"Region 1" / "Region 2", "North" / "South", the same generic name in many cities. 5 % of the
listings are a second listing of an organization by another source, with typos (1 edit, or 2
in long names), "The" / ", Inc.", casing, abbreviations (Center -> Ctr), '&' for 'and', URL
variants (scheme, www, trailing slash, /about, /index.html) or no website at all.

Each size runs in a fresh process (the data is generated first and saved as Parquet, read
back with Arrow-backed columns), so the peak memory printed (VmHWM, else ``ru_maxrss``) is
that of linking: the listings frame plus DuckDB and the scoring.
Targets on a 2-core machine: 1 M in <= 20 s and <= 2 GiB, precision >= 0.98, recall >= 0.97;
100 k in <= 3 s.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SOURCES = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")
DUPLICATE_SHARE = 0.05
TOPICS = ("Housing", "Data", "Health", "Education", "Transit", "Water", "Arts", "Youth",
          "Neighborhood", "Community", "Economic Development", "Workforce", "Environmental",
          "Food", "Legal Aid", "Library", "Planning", "Civic", "Open Data", "Technology",
          "Justice", "Family", "Senior", "Veterans", "Immigrant", "Literacy", "Parks",
          "Heritage", "Historical", "Watershed", "Energy", "Research", "Policy", "Innovation",
          "Transportation", "Public Health", "Mental Health", "Childcare", "Homeless Services",
          "Refugee", "Small Business", "Broadband", "Census", "Mapping", "Voter", "Tenant",
          "Land Trust", "Climate", "Disability", "Faith", "Music", "Theater", "Sports",
          "Garden", "Animal Welfare", "Recovery", "Reentry", "Nutrition", "Digital Inclusion")
TYPES = ("Foundation", "Alliance", "Coalition", "Collaborative", "Council", "Institute",
         "Center", "Association", "Partnership", "Network", "Project", "Initiative", "Trust",
         "Fund", "Society", "League", "Commission", "Authority", "Cooperative", "Forum", "Lab",
         "Exchange", "Consortium", "Agency", "Bureau", "Academy", "Guild", "Collective",
         "Corps", "Hub")
ADJECTIVES = ("Greater", "Metro", "Regional", "United", "Urban", "Rural", "Valley", "River",
              "Lakeside", "Mountain", "Prairie", "Harbor", "Coastal", "Tri-County", "Heartland",
              "Pioneer", "Golden", "Liberty", "Summit", "Cedar", "Riverside", "Highland")
FIELDS = ("Poetry", "Film", "Urban", "Rural", "Population", "Policy", "Economic", "Social",
          "Data Science", "Spatial", "Health Policy", "Labor", "Media", "Energy",
          "Environmental", "Demographic", "Regional", "Public Affairs", "Survey Research",
          "Geographic Information", "Community Engagement", "Housing", "Education Policy",
          "Transportation", "Food Systems", "Water Resources", "Aging", "Child Welfare",
          "Criminal Justice", "Civic Innovation")
DEPARTMENTS = ("Planning Department", "GIS Office", "Health Department", "Information "
               "Technology", "Economic Development Office", "Office of Open Data", "Assessor",
               "Parks Department", "Housing Authority", "Emergency Management",
               "Public Works", "Library System", "Elections Office", "Budget Office")
SURNAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
            "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
            "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson",
            "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker",
            "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
            "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
            "Carter", "Roberts", "Kowalski", "Okafor", "Yamamoto", "Schneider", "Haddad")
DIRECTIONS = ("North", "South", "East", "West", "Northeast", "Southwest", "Central")
SHARED = ("https://www.facebook.com/{slug}", "https://github.com/{slug}",
          "https://www.meetup.com/{slug}/", "https://sites.google.com/view/{slug}",
          "https://{slug}.wordpress.com", "https://linktr.ee/{slug}",
          "https://twitter.com/{slug}", "https://www.eventbrite.com/o/{slug}-{n}")
BARE_SHARED = ("https://www.facebook.com", "https://github.com", "https://www.meetup.com",
               "https://sites.google.com", "https://linktr.ee")
ABBREVIATE = (("Center", "Ctr"), ("Association", "Assn"), ("University", "Univ"),
              ("Department", "Dept"), ("International", "Intl"), ("Foundation", "Fdn"),
              ("and", "&"))
TLDS = (".org", ".org", ".org", ".com", ".net", ".us", ".info")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def places(rng: random.Random) -> tuple[list[tuple[str, str, str]], list[float]]:
    """(city, state, county) of every US city with standard ZIP codes, weighted by how many."""
    import zipcodes

    counts: dict[tuple[str, str, str], int] = {}
    for z in zipcodes.list_all():
        if z["zip_code_type"] == "STANDARD" and z["city"] and z["state"]:
            county = (z.get("county") or "").replace(" County", "").strip() or z["city"]
            key = (z["city"].title(), z["state"], county)
            counts[key] = counts.get(key, 0) + 1
    cities = sorted(counts)
    return cities, [counts[c] for c in cities]


def organization(rng: random.Random, city: str, state: str, county: str) -> dict:
    """One organization: name, kind, website, events_url, department, government level."""
    roll = rng.random()
    kind, level, department, events, website = "nonprofit", None, None, None, "own"
    topic, typ = rng.choice(TOPICS), rng.choice(TYPES)
    if roll < 0.30:
        name = f"{city} {topic} {typ}"
    elif roll < 0.40:
        name = f"{rng.choice(ADJECTIVES)} {city} {topic} {typ}"
    elif roll < 0.50:
        name = f"{topic} {typ} of {city}"
    elif roll < 0.58:
        name = f"{rng.choice(ADJECTIVES)} {topic} {typ}"  # generic: the same in many cities
    elif roll < 0.62:
        name = f"{rng.choice(SURNAMES)} Family Foundation"
    elif roll < 0.70:
        field = rng.choice(FIELDS)
        name = (f"{city} State University Center for {field} Studies" if rng.random() < 0.5
                else f"{city} University Institute for {field} Research")
        website = "university"
        department = None
    elif roll < 0.78:
        name = f"{county} County {rng.choice(DEPARTMENTS)}"
        kind, level, website = "local_government", "county", "county"
    elif roll < 0.80:
        name = rng.choice((f"City of {city}", f"Town of {city}"))
        kind, level = "local_government", "city"
    elif roll < 0.85:
        name = f"Region {rng.randint(1, 12)} {topic} {rng.choice(('Council', 'Commission'))}"
    elif roll < 0.90:
        name = f"{rng.choice(DIRECTIONS)} {city} {topic} Association"
    else:
        name = rng.choice((f"Code for {city}", f"Open {city}", f"{city} Civic Tech",
                           f"Hack {city}", f"{city} Data Science Meetup"))
        kind = rng.choice(("brigade", "civic_tech_group"))
        if rng.random() < 0.6:  # urlnames are unique on Meetup
            events = f"https://www.meetup.com/{slug(name)}-{slug(county)}-{state.lower()}/"
    return {"name": name, "kind": kind, "government_level": level, "department": department,
            "events_url": events, "site": website, "city": city, "state": state,
            "county": county}


def website_for(rng: random.Random, org: dict, taken: set[str]) -> str | None:
    roll = rng.random()
    name_slug = slug(org["name"])
    if org["site"] == "university" and roll < 0.8:
        university = f"{slug(org['city'])}-{org['state'].lower()}"
        return f"https://www.{university}-u.edu/{name_slug.split('-for-')[-1]}"
    if org["site"] == "county" and roll < 0.8:
        county = slug(org["county"]).replace("-", "")
        return f"https://{county}county{org['state'].lower()}.gov/{name_slug.split('county-')[-1]}"
    if roll < 0.22:
        return None
    if roll < 0.30:  # a page on a shared host belongs to one organization
        page = name_slug + f"-{org['state'].lower()}"
        while page in taken:
            page = name_slug + f"-{rng.randint(2, 9999)}"
        taken.add(page)
        return rng.choice(SHARED).format(slug=page, n=rng.randint(10**9, 10**10))
    if roll < 0.31:
        return rng.choice(BARE_SHARED)
    words = re.findall(r"[a-z0-9]+", org["name"].lower())
    base = "".join(w[0] for w in words) if rng.random() < 0.3 else "".join(words)[:24]
    domain = base + rng.choice(TLDS)
    while domain in taken:
        domain = base + str(rng.randint(2, 999)) + rng.choice(TLDS)
    taken.add(domain)
    return rng.choice(("https://", "http://")) + rng.choice(("www.", "")) + domain + "/"


def typo(rng: random.Random, name: str) -> str:
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    edits = 2 if len(name) >= 20 and rng.random() < 0.4 else 1
    text = list(name)
    for _ in range(edits):
        i = rng.choice(letters[1:-1] or letters)
        i = min(i, len(text) - 1)
        op = rng.random()
        if op < 0.3:
            del text[i]
        elif op < 0.6:
            text.insert(i, rng.choice("aeioulnrst"))
        elif op < 0.8 and i + 1 < len(text):
            text[i], text[i + 1] = text[i + 1], text[i]
        else:
            text[i] = rng.choice("aeioulnrst")
        letters = [j for j, c in enumerate(text) if c.isalpha()]
    return "".join(text)


def variant_name(rng: random.Random, name: str) -> str:
    roll = rng.random()
    if roll < 0.45:
        name = typo(rng, name)
    elif roll < 0.6:
        name = "The " + name
    elif roll < 0.72:
        name = name + rng.choice((", Inc.", " Inc", " LLC", ", Inc"))
    elif roll < 0.85:
        for long, short in rng.sample(ABBREVIATE, len(ABBREVIATE)):
            if re.search(rf"\b{long}\b", name):
                name = re.sub(rf"\b{long}\b", short, name, count=1)
                break
    if rng.random() < 0.3:
        name = rng.choice((name.upper(), name.lower(), name.title()))
    return name


def variant_url(rng: random.Random, url: str | None) -> str | None:
    if url is None or rng.random() < 0.3:
        return None
    roll = rng.random()
    body = re.sub(r"^https?://(www\.)?", "", url).rstrip("/")
    host, _, path = body.partition("/")
    if roll < 0.3:
        host = host.upper()
    prefix = rng.choice(("https://", "http://")) + rng.choice(("www.", ""))
    suffix = rng.choice(("", "/", "/about", "/index.html", "/about-us/", "/home"))
    return prefix + host + ("/" + path if path else "") + suffix


def generate(size: int, seed: int = 7) -> pd.DataFrame:
    """``size`` listings: originals plus 5 % second listings by another source, with truth."""
    rng = random.Random(seed)
    cities, weights = places(rng)
    duplicates = int(size * DUPLICATE_SHARE)
    originals = size - duplicates
    picks = rng.choices(range(len(cities)), weights=weights, k=originals * 2)
    rows, seen, taken = [], set(), set()
    for pick in picks:
        if len(rows) == originals:
            break
        city, state, county = cities[pick]
        org = organization(rng, city, state, county)
        # organizations are distinct within a city; a county's department is one per county
        where = county if org["government_level"] == "county" else city
        identity = (org["name"].lower(), where, state)
        if identity in seen:
            continue
        seen.add(identity)
        org["website"] = website_for(rng, org, taken)
        org["source"] = rng.choice(SOURCES)
        org["entity"] = len(rows)
        rows.append(org)
    for original in rng.sample(rows, duplicates):
        copy = dict(original)
        copy["source"] = rng.choice([s for s in SOURCES if s != original["source"]])
        copy["name"] = variant_name(rng, original["name"])
        copy["website"] = variant_url(rng, original["website"])
        if rng.random() < 0.05:
            copy["city"] = None
        if copy["events_url"] and rng.random() < 0.5:
            copy["events_url"] = copy["events_url"].upper().rstrip("/")
        rows.append(copy)
    order = list(range(len(rows)))
    rng.shuffle(order)
    frame = pd.DataFrame([rows[i] for i in order]).drop(columns=["site", "county"])
    frame["source_key"] = [f"{i:07d}" for i in range(len(frame))]
    frame["country"] = "US"
    return frame


def pair_counts(truth: np.ndarray, predicted: np.ndarray) -> tuple[int, int, int]:
    """(true positive, predicted, true) pairs of listings."""
    def pairs(counts: np.ndarray) -> int:
        return int((counts * (counts - 1) // 2).sum())

    both = pd.DataFrame({"t": truth, "p": predicted})
    return (pairs(both.groupby(["t", "p"]).size().to_numpy()),
            pairs(both.groupby("p").size().to_numpy()), pairs(both.groupby("t").size().to_numpy()))


def peak_mib() -> int:
    """Peak resident memory of this process. Linux's VmHWM starts afresh at exec; ru_maxrss
    would carry the peak of the parent this process was forked from."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_one(path: Path) -> dict:
    """Link the listings in ``path`` (this process does nothing else) and measure."""
    from pipelines.link.match import link

    listings = pd.read_parquet(path, dtype_backend="pyarrow")  # compact: how a big input comes
    start = time.perf_counter()
    linked = link(listings)
    wall = time.perf_counter() - start
    tp, predicted, true = pair_counts(listings["entity"].to_numpy(), linked.cluster)
    return {
        "listings": len(listings), "wall_s": round(wall, 2),
        "peak_mib": peak_mib(),
        "candidate_pairs": linked.candidate_pairs, "accepted_links": linked.accepted,
        "precision": round(tp / predicted, 4) if predicted else 1.0,
        "recall": round(tp / true, 4) if true else 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000, 100_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            started = time.perf_counter()
            path = Path(folder) / f"listings-{size}.parquet"
            generate(size, args.seed).to_parquet(path)
            made = time.perf_counter() - started
            out = subprocess.run([sys.executable, __file__, "--one", str(path)], check=True,
                                 capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            print(f"{result['listings']:>9,} listings (generated in {made:.0f} s): "
                  f"link {result['wall_s']} s, peak {result['peak_mib']} MiB, "
                  f"{result['candidate_pairs']:,} candidate pairs, "
                  f"{result['accepted_links']:,} links accepted, "
                  f"precision {result['precision']}, recall {result['recall']}")


if __name__ == "__main__":
    main()

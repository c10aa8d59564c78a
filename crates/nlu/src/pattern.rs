//! The built-in recognizer: regex patterns and example phrases for intents, list entities with roles.

pub use crate::error::NluError;
use crate::recognizer::{RecognizeContext, Recognizer};
use crate::text::{char_offset, ends_with_word, normalize_utterance, words};
use colloquy_core::{Entity, IntentMatch, Understanding};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use std::collections::{HashMap, HashSet};

/// How one intent is recognized.
#[derive(Debug, Clone, Default)]
pub struct IntentSpec {
    /// Intent name.
    pub name: String,
    /// Regular expressions (case-insensitive); any match gives confidence 1.0.
    pub patterns: Vec<String>,
    /// Example utterances; word overlap with the closest one gives the confidence (Dice coefficient).
    pub examples: Vec<String>,
    /// Whole utterances that must match exactly (after trimming punctuation and case), e.g. commands.
    pub phrases: Vec<String>,
}

/// A closed list of values (cities), with synonyms and role cues.
#[derive(Debug, Clone, Default)]
pub struct ListEntitySpec {
    /// Entity type name (`city`).
    pub name: String,
    /// Canonical value → synonyms (the canonical value itself always matches).
    pub values: Vec<(String, Vec<String>)>,
    /// Role → words that introduce it (`from` → ["from", "leaving"]).
    pub roles: Vec<(String, Vec<String>)>,
}

struct ListEntity {
    name: String,
    matcher: Regex,
    canonical: HashMap<String, String>,
    roles: Vec<(String, Vec<String>)>,
}

/// Recognizes intents by patterns, phrases and examples; entities by lists, yes/no and numbers.
pub struct PatternRecognizer {
    intent_names: Vec<String>,
    patterns: RegexSet,
    pattern_intent: Vec<usize>,
    phrases: HashMap<String, usize>,
    examples: Vec<(usize, HashSet<String>)>,
    lists: Vec<ListEntity>,
    yes: Regex,
    no: Regex,
    number: Regex,
}

impl std::fmt::Debug for PatternRecognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatternRecognizer")
            .field("intents", &self.intent_names)
            .field(
                "lists",
                &self.lists.iter().map(|l| &l.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Longest input the recognizer looks at; longer text is recognized on its first this-many bytes so that
/// recognition time stays bounded whatever a client sends.
pub const MAX_RECOGNIZED_BYTES: usize = 4096;

#[allow(clippy::expect_used)] // constant patterns, covered by tests
fn fixed(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in pattern")
}

impl PatternRecognizer {
    /// Builds a recognizer; every pattern is compiled up front.
    pub fn new(intents: &[IntentSpec], lists: &[ListEntitySpec]) -> Result<Self, NluError> {
        let mut all = Vec::new();
        let mut pattern_intent = Vec::new();
        let mut phrases = HashMap::new();
        let mut examples = Vec::new();
        for (i, spec) in intents.iter().enumerate() {
            for p in &spec.patterns {
                // Compile one by one first so that the error names the intent and pattern.
                RegexBuilder::new(p)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| NluError::BadPattern {
                        intent: spec.name.clone(),
                        pattern: p.clone(),
                        source: Box::new(e),
                    })?;
                all.push(p.clone());
                pattern_intent.push(i);
            }
            for ph in &spec.phrases {
                phrases.entry(normalize_utterance(ph)).or_insert(i);
            }
            for ex in &spec.examples {
                examples.push((i, words(ex).into_iter().collect()));
            }
        }
        let patterns = RegexSetBuilder::new(&all)
            .case_insensitive(true)
            .build()
            .map_err(|e| NluError::BadPattern {
                intent: "*".into(),
                pattern: "(all patterns together)".into(),
                source: Box::new(e),
            })?;
        let lists = lists.iter().map(compile_list).collect::<Result<_, _>>()?;
        Ok(PatternRecognizer {
            intent_names: intents.iter().map(|i| i.name.clone()).collect(),
            patterns,
            pattern_intent,
            phrases,
            examples,
            lists,
            yes: fixed(
                r"(?i)\b(yes|yeah|yep|yup|sure|ok|okay|confirm|correct|absolutely|of course|y)\b",
            ),
            no: fixed(r"(?i)\b(no|nope|nah|negative|n|not now|cancel it)\b"),
            number: fixed(r"\b\d{1,15}(?:\.\d{1,6})?\b"),
        })
    }

    /// Intents matched by patterns, phrases and examples only (no entities), best first.
    pub fn intents(&self, text: &str) -> Vec<IntentMatch> {
        let mut scores = vec![0.0f32; self.intent_names.len()];
        if let Some(&i) = self.phrases.get(&normalize_utterance(text)) {
            scores[i] = 1.0;
        }
        for m in self.patterns.matches(text).iter() {
            scores[self.pattern_intent[m]] = 1.0;
        }
        let tokens: HashSet<String> = words(text).into_iter().collect();
        if !tokens.is_empty() {
            for (i, ex) in &self.examples {
                if ex.is_empty() {
                    continue;
                }
                let common = tokens.intersection(ex).count() as f32;
                let dice = 2.0 * common / (tokens.len() + ex.len()) as f32;
                if dice > scores[*i] {
                    scores[*i] = dice;
                }
            }
        }
        let mut ranked: Vec<IntentMatch> = scores
            .into_iter()
            .enumerate()
            .filter(|(_, s)| *s > 0.0)
            .map(|(i, confidence)| IntentMatch {
                name: self.intent_names[i].clone(),
                confidence,
            })
            .collect();
        // Stable sort: ties keep declaration order, so results are deterministic.
        ranked.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        ranked
    }

    fn entities(&self, text: &str) -> Vec<Entity> {
        let mut found = Vec::new();
        for list in &self.lists {
            for m in list.matcher.find_iter(text) {
                let raw = m.as_str();
                let Some(value) = list.canonical.get(&raw.to_lowercase()) else {
                    continue;
                };
                let before = &text[..m.start()];
                let role = list
                    .roles
                    .iter()
                    .find(|(_, cues)| cues.iter().any(|cue| ends_with_word(before, cue)))
                    .map(|(r, _)| r.clone());
                found.push(entity(&list.name, role, value, text, m.start(), m.end()));
            }
        }
        for (re, value) in [(&self.yes, "yes"), (&self.no, "no")] {
            if let Some(m) = re.find(text) {
                found.push(entity("yes_no", None, value, text, m.start(), m.end()));
            }
        }
        for m in self.number.find_iter(text) {
            found.push(entity("number", None, m.as_str(), text, m.start(), m.end()));
        }
        found.sort_by_key(|e| e.span);
        found
    }
}

fn entity(
    kind: &str,
    role: Option<String>,
    value: &str,
    text: &str,
    start: usize,
    end: usize,
) -> Entity {
    Entity {
        kind: kind.to_owned(),
        role,
        value: value.to_owned(),
        raw: text[start..end].to_owned(),
        span: (char_offset(text, start), char_offset(text, end)),
    }
}

fn compile_list(spec: &ListEntitySpec) -> Result<ListEntity, NluError> {
    let mut canonical = HashMap::new();
    for (value, synonyms) in &spec.values {
        for alias in std::iter::once(value).chain(synonyms) {
            canonical
                .entry(alias.to_lowercase())
                .or_insert_with(|| value.clone());
        }
    }
    let mut alts: Vec<&String> = canonical.keys().collect();
    // Longest first so that "New York City" wins over "New York".
    alts.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    let body = alts
        .iter()
        .map(|a| regex::escape(a))
        .collect::<Vec<_>>()
        .join("|");
    let pattern = if body.is_empty() {
        r"[^\s\S]".to_owned()
    } else {
        format!(r"\b(?:{body})\b")
    };
    let matcher = RegexBuilder::new(&pattern)
        .case_insensitive(true)
        .size_limit(64 << 20)
        .build()
        .map_err(|e| NluError::BadEntity {
            entity: spec.name.clone(),
            source: Box::new(e),
        })?;
    Ok(ListEntity {
        name: spec.name.clone(),
        matcher,
        canonical,
        roles: spec.roles.clone(),
    })
}

impl Recognizer for PatternRecognizer {
    fn recognize(&self, text: &str, _ctx: &RecognizeContext) -> Understanding {
        let mut end = text.len().min(MAX_RECOGNIZED_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let text = &text[..end];
        Understanding {
            intents: self.intents(text),
            entities: self.entities(text),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn recognizer() -> PatternRecognizer {
        PatternRecognizer::new(
            &[
                IntentSpec {
                    name: "book_flight".into(),
                    patterns: vec![r"\bbook\b.*\bflight".into()],
                    examples: vec!["I want to fly".into()],
                    phrases: vec![],
                },
                IntentSpec {
                    name: "weather".into(),
                    patterns: vec![r"\bweather\b".into()],
                    ..Default::default()
                },
                IntentSpec {
                    name: "cancel".into(),
                    phrases: vec!["cancel".into(), "never mind".into()],
                    ..Default::default()
                },
            ],
            &[ListEntitySpec {
                name: "city".into(),
                values: vec![
                    ("Dubai".into(), vec!["DXB".into()]),
                    ("Lahore".into(), vec![]),
                ],
                roles: vec![
                    ("from".into(), vec!["from".into()]),
                    ("to".into(), vec!["to".into()]),
                ],
            }],
        )
        .unwrap()
    }

    #[test]
    fn patterns_phrases_and_examples_rank_intents() {
        let r = recognizer();
        assert_eq!(
            r.recognize("I want to book a flight", &RecognizeContext::default())
                .intents[0]
                .name,
            "book_flight"
        );
        assert_eq!(
            r.recognize("What's the WEATHER in Dubai?", &RecognizeContext::default())
                .intents[0]
                .name,
            "weather"
        );
        assert_eq!(
            r.recognize("Never mind!", &RecognizeContext::default())
                .intents[0]
                .name,
            "cancel"
        );
        assert!(
            r.recognize(
                "please cancel my booking tomorrow",
                &RecognizeContext::default()
            )
            .intents
            .is_empty()
        );
        let u = r.recognize("i want to fly", &RecognizeContext::default());
        assert_eq!(
            (u.intents[0].name.as_str(), u.intents[0].confidence),
            ("book_flight", 1.0)
        );
    }

    #[test]
    fn list_entities_with_roles_synonyms_and_spans() {
        let u = recognizer().recognize("fly from Lahore to dxb", &RecognizeContext::default());
        let cities: Vec<_> = u
            .entities
            .iter()
            .filter(|e| e.kind == "city")
            .map(|e| (e.value.as_str(), e.role.as_deref(), e.span))
            .collect();
        assert_eq!(
            cities,
            [
                ("Lahore", Some("from"), (9, 15)),
                ("Dubai", Some("to"), (19, 22))
            ]
        );
        assert_eq!(
            recognizer()
                .recognize("Dubai", &RecognizeContext::default())
                .entities[0]
                .role,
            None
        );
    }

    #[test]
    fn yes_no_and_numbers() {
        let r = recognizer();
        assert_eq!(
            r.recognize("yes please", &RecognizeContext::default())
                .yes_no(),
            Some(true)
        );
        assert_eq!(
            r.recognize("Nope.", &RecognizeContext::default()).yes_no(),
            Some(false)
        );
        assert_eq!(
            r.recognize("I know", &RecognizeContext::default()).yes_no(),
            None
        );
        assert_eq!(
            r.recognize("2 seats", &RecognizeContext::default())
                .entity("number", None)
                .map(|e| e.value.as_str()),
            Some("2")
        );
    }

    #[test]
    fn odd_input_never_panics() {
        let r = recognizer();
        for text in [
            "",
            " ",
            "🙂🙂",
            "مرحبا from دبي",
            &"x".repeat(1 << 20),
            "\u{0}\u{ffff}",
            "é".repeat(5000).as_str(),
        ] {
            let _ = r.recognize(text, &RecognizeContext::default());
        }
    }

    #[test]
    fn bad_pattern_is_reported_with_its_intent() {
        let err = PatternRecognizer::new(
            &[IntentSpec {
                name: "x".into(),
                patterns: vec!["(".into()],
                ..Default::default()
            }],
            &[],
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("intent `x`: pattern \"(\""),
            "{err}"
        );
    }
}

//! [`TrainedRecognizer`]: the built-in recognizer. Rules (regex patterns, command phrases) first, then a
//! TF-IDF + softmax intent classifier trained on the examples, then entities: built-ins (yes/no, numbers,
//! money, dates, times), gazetteers, regex entities and, for annotated entity types none of those cover, the
//! learned slot tagger.
//!
//! Confidence: the classifier's probability times the square root of the share of the message's words
//! the training data knows, not counting the words of slot values the tagger finds (titles and names
//! are new on most messages). Without that factor a message made of unknown words would still spread its
//! probability over the known intents; with it, "what is the capital of Peru" scores low and falls to
//! the fallback even when no out-of-scope examples were given. Out-of-scope examples, when given, train
//! their own class, whose probability mass is never reported as an intent. On the SNIPS development
//! split the slot-aware share lowered the calibration error from 0.133 to 0.059 (docs/benchmarks/nlu.md).

use crate::builtin::Builtins;
use crate::error::NluError;
use crate::features::{Featurizer, Sparse};
use crate::gazetteer::Gazetteer;
use crate::pattern::{MAX_RECOGNIZED_BYTES, PatternRecognizer};
use crate::places::{PlaceKind, PlaceMatch, PlaceNames};
use crate::recognizer::{RecognizeContext, Recognizer};
use crate::slot_context;
use crate::softmax::{Softmax, SoftmaxConfig};
use crate::spec::{NluSpec, OUT_OF_SCOPE};
use crate::tagger::{Prepared, Tagged, TaggedSentence, Tagger};
use crate::text::{Token, char_offset, span_words, tokens, truncate};
use colloquy_core::{Entity, IntentMatch, Understanding};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet};

/// How many of the classifier's intents a message's ranking keeps, best first (Rasa's default
/// `ranking_length`): enough for clarification and logs, and a bot with 150 intents does not build 150
/// names per message.
pub const RANKING_LENGTH: usize = 10;

/// The learned part of a recognizer: what `colloquy train` caches.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainedModel {
    /// Class names, in softmax output order (may include [`OUT_OF_SCOPE`]).
    pub classes: Vec<String>,
    /// Vocabulary and IDF.
    pub featurizer: Featurizer,
    /// The intent classifier (unused with fewer than two classes).
    pub softmax: Softmax,
    /// With a single class: its example vectors (confidence = best cosine similarity).
    pub exemplars: Vec<Sparse>,
    /// Slot tagger for annotated entity types not covered by other extractors.
    pub tagger: Tagger,
    /// Lower-cased words of the examples outside annotations (never taken for typos of a gazetteer value).
    pub known_words: BTreeSet<String>,
    /// Entity types whose values are open-vocabulary ([`slot_context::open_labels`]), sorted.
    #[serde(default)]
    pub open_labels: Vec<String>,
}

/// Entity types handled by something other than the tagger.
fn rule_entity_kinds(spec: &NluSpec) -> HashSet<String> {
    let mut k: HashSet<String> = ["yes_no", "number", "money", "date", "time"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    k.extend(spec.gazetteers.iter().map(|g| g.name.clone()));
    k.extend(spec.regexes.iter().map(|r| r.name.clone()));
    k
}

impl TrainedModel {
    /// Trains on `spec.examples`. Deterministic.
    pub fn train(spec: &NluSpec) -> TrainedModel {
        let classes: Vec<String> = spec
            .examples
            .iter()
            .map(|e| e.intent.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let toks: Vec<Vec<Token>> = spec.examples.iter().map(|e| tokens(&e.text)).collect();
        // The classifier sees declared entities as placeholders (`<city>`): "from Nairobi" is then as
        // clear as "from Lahore" even though only Lahore appears in the examples. Examples are masked as
        // messages are at recognition (`declared`): annotated values, then gazetteer matches (the
        // examples' own words never taken for typos), then regex matches.
        let mut known_words = BTreeSet::new();
        for (e, t) in spec.examples.iter().zip(&toks) {
            for tok in t {
                let (s, end) = (
                    char_offset(&e.text, tok.start),
                    char_offset(&e.text, tok.end),
                );
                if !e.spans.iter().any(|sp| s < sp.end && end > sp.start) {
                    known_words.insert(tok.norm.clone());
                }
            }
        }
        let known: HashSet<String> = known_words.iter().cloned().collect();
        let gazetteers = compile_gazetteers(spec);
        let regexes = compile_regexes(spec).unwrap_or_default();
        let kinds: HashSet<&str> = gazetteers
            .iter()
            .map(Gazetteer::name)
            .chain(regexes.iter().map(|(name, _)| name.as_str()))
            .collect();
        let masked: Vec<Vec<Token>> = spec
            .examples
            .iter()
            .zip(&toks)
            .map(|(e, t)| {
                let mut spans: Vec<(usize, usize, String)> = e
                    .spans
                    .iter()
                    .filter(|s| kinds.contains(s.entity.as_str()))
                    .map(|s| (s.start, s.end, s.entity.clone()))
                    .collect();
                for g in &gazetteers {
                    spans.extend(
                        g.find(&e.text, t, &known)
                            .into_iter()
                            .map(|x| (x.span.0, x.span.1, x.kind)),
                    );
                }
                for (name, re) in &regexes {
                    spans.extend(re.find_iter(&e.text).filter(|m| !m.is_empty()).map(|m| {
                        (
                            char_offset(&e.text, m.start()),
                            char_offset(&e.text, m.end()),
                            name.clone(),
                        )
                    }));
                }
                mask(&e.text, t, &spans)
            })
            .collect();
        let skip = rule_entity_kinds(spec);
        let sentences: Vec<TaggedSentence> = spec
            .examples
            .iter()
            .zip(&toks)
            .map(|(e, t)| TaggedSentence {
                tokens: t.clone(),
                text: e.text.clone(),
                intent: e.intent.clone(),
                spans: e
                    .spans
                    .iter()
                    .filter(|s| !skip.contains(&s.entity))
                    .cloned()
                    .collect(),
            })
            .collect();
        let tagger_epochs = match spec.settings.tagger_epochs {
            0 => (200_000 / sentences.len().max(1)).clamp(6, 20),
            n => n,
        };
        let tagger = Tagger::train(&sentences, tagger_epochs);
        // Sentence features: the known slot values the sentence mentions (its own values left out), the
        // kinds of the built-in place names it mentions, and the words around its open-vocabulary values
        // (`slot_context`; here from the annotations, on a new message from the tagger).
        let open_labels = slot_context::open_labels(sentences.iter().flat_map(|s| {
            s.spans
                .iter()
                .map(|sp| (sp.entity.as_str(), span_words(&s.text, sp.start, sp.end)))
        }));
        let inputs: Vec<(Vec<Token>, Vec<Cow<str>>)> = masked
            .into_iter()
            .zip(&sentences)
            .map(|(m, s)| {
                let mut extras: Vec<Cow<str>> = tagger
                    .known_values(&s.tokens, Some(s))
                    .into_iter()
                    .map(Cow::Borrowed)
                    .collect();
                extras.extend(
                    place_kinds(
                        &PlaceNames::builtin().find(&s.text, &s.tokens),
                        &s.tokens,
                        &m,
                    )
                    .into_iter()
                    .map(Cow::Borrowed),
                );
                let open: Vec<(usize, usize)> = s
                    .spans
                    .iter()
                    .filter(|sp| open_labels.binary_search(&sp.entity).is_ok())
                    .filter_map(|sp| token_range(&s.text, &s.tokens, sp.start, sp.end))
                    .collect();
                extras.extend(
                    slot_context::features(&s.tokens, &sorted(open))
                        .into_iter()
                        .map(Cow::Owned),
                );
                (m, extras)
            })
            .collect();
        let min_df = if spec.examples.len() > 5_000 { 2 } else { 1 };
        let featurizer = Featurizer::fit(&inputs, min_df);
        let data: Vec<(Sparse, usize)> = spec
            .examples
            .iter()
            .zip(&inputs)
            .map(|(e, (t, extras))| {
                let c = classes.binary_search(&e.intent).unwrap_or(0);
                (featurizer.transform(t, extras), c)
            })
            .collect();
        // Fewer passes over more data: the number of SGD steps matters, not the number of passes.
        let epochs = match spec.settings.epochs {
            0 => (100_000 / data.len().max(1)).clamp(5, 40),
            n => n,
        };
        let (softmax, exemplars) = if classes.len() >= 2 {
            let cfg = SoftmaxConfig {
                epochs,
                ..SoftmaxConfig::default()
            };
            (
                Softmax::train(&data, featurizer.len(), classes.len(), cfg),
                Vec::new(),
            )
        } else {
            (
                Softmax::default(),
                data.iter().map(|(x, _)| x.clone()).collect(),
            )
        };
        TrainedModel {
            classes,
            featurizer,
            softmax,
            exemplars,
            tagger,
            known_words,
            open_labels,
        }
    }

    /// The share of the message's words the model can account for: words the vocabulary knows, and
    /// unknown words inside the slot values the tagger finds (a title or a name is new on most messages and
    /// says nothing about being out of scope; the words around it do). The intent is not known yet, so
    /// the tagger runs with all its labels. A message that is one slot value and nothing else is judged
    /// on its words alone: otherwise any gibberish the tagger takes for a title would count as understood.
    fn coverage(&self, masked: &[Token], values: &[Tagged]) -> f32 {
        if masked.is_empty() {
            return 0.0;
        }
        let inside = |t: &Token| values.iter().any(|v| t.start >= v.start && t.end <= v.end);
        let all_inside = masked.iter().all(inside);
        let accounted = masked
            .iter()
            .filter(|t| self.featurizer.knows(t) || (!all_inside && inside(t)))
            .count();
        accounted as f32 / masked.len() as f32
    }

    /// Ranked intents (out-of-scope mass removed, at most [`RANKING_LENGTH`]), best first, for a message: its tokens with declared
    /// entities masked (`masked`) and as typed (`toks`, where known slot values are looked up).
    pub fn intents(&self, text: &str, masked: &[Token], toks: &[Token]) -> Vec<IntentMatch> {
        self.intents_prepared(&self.tagger.prepare(text, toks), masked, toks)
    }

    /// [`TrainedModel::intents`] with the tagger's intent-independent work done (`prepared` from `toks`).
    fn intents_prepared(
        &self,
        prepared: &Prepared,
        masked: &[Token],
        toks: &[Token],
    ) -> Vec<IntentMatch> {
        if self.classes.is_empty() {
            return Vec::new();
        }
        // The slot values the tagger finds, the intent not being known yet (all labels allowed).
        let values = self.tagger.tag_prepared(prepared, toks, "");
        let mut extras: Vec<Cow<str>> = self
            .tagger
            .known_values(toks, None)
            .into_iter()
            .map(Cow::Borrowed)
            .collect();
        extras.extend(
            place_kinds(prepared.places(), toks, masked)
                .into_iter()
                .map(Cow::Borrowed),
        );
        if !self.open_labels.is_empty() {
            let open: Vec<(usize, usize)> = values
                .iter()
                .filter(|t| {
                    let kind = t.label.split(':').next().unwrap_or_default();
                    self.open_labels
                        .binary_search_by(|l| l.as_str().cmp(kind))
                        .is_ok()
                })
                .filter_map(|t| {
                    let first = toks.iter().position(|k| k.start >= t.start)?;
                    let end = toks.iter().rposition(|k| k.end <= t.end)? + 1;
                    (first < end).then_some((first, end))
                })
                .collect();
            extras.extend(
                slot_context::features(toks, &sorted(open))
                    .into_iter()
                    .map(Cow::Owned),
            );
        }
        let x = self.featurizer.transform(masked, &extras);
        if x.is_empty() {
            return Vec::new();
        }
        // Never 0: a message without one known word still ranks the intents (at most 0.01).
        let factor = self.coverage(masked, &values).sqrt().max(0.01);
        let probs: Vec<f32> = if self.classes.len() == 1 {
            let best = self
                .exemplars
                .iter()
                .map(|e| dot(&x, e))
                .fold(0.0f32, f32::max);
            vec![best]
        } else {
            self.softmax.predict(&x)
        };
        let mut ranked: Vec<(&String, f32)> = self
            .classes
            .iter()
            .zip(probs)
            .filter(|(c, _)| c.as_str() != OUT_OF_SCOPE)
            .map(|(c, p)| (c, (p * factor).clamp(0.0, 1.0)))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked.truncate(RANKING_LENGTH);
        ranked
            .into_iter()
            .map(|(c, confidence)| IntentMatch {
                name: c.clone(),
                confidence,
            })
            .collect()
    }
}

/// The declared regex entities, compiled (case-insensitive, bounded size).
fn compile_regexes(spec: &NluSpec) -> Result<Vec<(String, Regex)>, NluError> {
    spec.regexes
        .iter()
        .map(|r| {
            RegexBuilder::new(&r.pattern)
                .case_insensitive(true)
                .size_limit(8 << 20)
                .build()
                .map(|re| (r.name.clone(), re))
                .map_err(|e| NluError::BadEntity {
                    entity: r.name.clone(),
                    source: Box::new(e),
                })
        })
        .collect()
}

/// The declared gazetteers, each knowing the words that precede its values in the examples ("in" from
/// "weather in [Paris](city)"): after those, a typo is taken for a value.
fn compile_gazetteers(spec: &NluSpec) -> Vec<Gazetteer> {
    spec.gazetteers
        .iter()
        .map(|g| {
            let mut cues = BTreeSet::new();
            for e in &spec.examples {
                let toks = tokens(&e.text);
                for span in e.spans.iter().filter(|sp| sp.entity == g.name) {
                    if let Some(before) = toks
                        .iter()
                        .rev()
                        .find(|t| char_offset(&e.text, t.end) <= span.start)
                    {
                        cues.insert(before.norm.clone());
                    }
                }
            }
            Gazetteer::new(g).with_typo_cues(cues)
        })
        .collect()
}

/// Sentence features for the place names the sentence mentions (`place:country`, …; built-in list,
/// [`PlaceNames`]): "where is Belgium located" is about a country even when no example named Belgium.
/// A name inside an entity the bot declares (masked in `masked` as `<city>`) is left to that entity.
fn place_kinds(places: &[PlaceMatch], toks: &[Token], masked: &[Token]) -> Vec<&'static str> {
    places
        .iter()
        .filter(|m| {
            let (start, end) = (toks[m.start].start, toks[m.end - 1].end);
            !masked
                .iter()
                .any(|t| t.norm.starts_with('<') && t.start < end && t.end > start)
        })
        .map(|m| match m.kind {
            PlaceKind::City => "place:city",
            PlaceKind::Country => "place:country",
            PlaceKind::Region => "place:region",
        })
        .collect()
}

/// `toks` with every token inside one of `spans` (char offsets, entity kind) replaced: the first by one
/// `<kind>` token spanning them all, the others dropped.
fn mask(text: &str, toks: &[Token], spans: &[(usize, usize, String)]) -> Vec<Token> {
    if spans.is_empty() {
        return toks.to_vec();
    }
    let mut out: Vec<Token> = Vec::with_capacity(toks.len());
    let (mut chars, mut byte) = (0usize, 0usize);
    let mut last: Option<usize> = None;
    for t in toks {
        chars += text[byte..t.start].chars().count();
        let start = chars;
        chars += text[t.start..t.end].chars().count();
        byte = t.end;
        match spans.iter().position(|s| start < s.1 && chars > s.0) {
            Some(k) if last == Some(k) => {
                if let Some(placeholder) = out.last_mut() {
                    placeholder.end = t.end;
                }
            }
            Some(k) => {
                last = Some(k);
                out.push(Token {
                    norm: format!("<{}>", spans[k].2),
                    start: t.start,
                    end: t.end,
                });
            }
            None => {
                last = None;
                out.push(t.clone());
            }
        }
    }
    out
}

/// The tokens covering chars `[start, end)` of `text`, as a token index range (None if none do).
fn token_range(text: &str, toks: &[Token], start: usize, end: usize) -> Option<(usize, usize)> {
    let inside = |t: &Token| {
        let (s, e) = (char_offset(text, t.start), char_offset(text, t.end));
        s < end && e > start
    };
    Some((
        toks.iter().position(inside)?,
        toks.iter().rposition(inside)? + 1,
    ))
}

/// Token ranges sorted, overlapping ones dropped.
fn sorted(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for r in ranges {
        if out.last().is_none_or(|l| r.0 >= l.1) {
            out.push(r);
        }
    }
    out
}

fn dot(a: &Sparse, b: &Sparse) -> f32 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    s
}

/// The built-in recognizer: rules + trained classifier + entity extractors.
pub struct TrainedRecognizer {
    rules: PatternRecognizer,
    model: TrainedModel,
    known_words: HashSet<String>,
    gazetteers: Vec<Gazetteer>,
    regexes: Vec<(String, Regex)>,
    builtins: Builtins,
}

impl std::fmt::Debug for TrainedRecognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrainedRecognizer")
            .field("classes", &self.model.classes)
            .field("tagger_labels", &self.model.tagger.labels())
            .finish()
    }
}

impl TrainedRecognizer {
    /// Trains a model on `spec` and builds the recognizer.
    pub fn train(spec: &NluSpec) -> Result<Self, NluError> {
        Self::with_model(spec, TrainedModel::train(spec))
    }

    /// Builds the recognizer from `spec` with an already trained `model` (e.g. loaded from the cache).
    pub fn with_model(spec: &NluSpec, model: TrainedModel) -> Result<Self, NluError> {
        let rules = PatternRecognizer::new(&spec.rules, &[])?;
        let regexes = compile_regexes(spec)?;
        Ok(TrainedRecognizer {
            rules,
            known_words: model.known_words.iter().cloned().collect(),
            model,
            gazetteers: compile_gazetteers(spec),
            regexes,
            builtins: Builtins::default(),
        })
    }

    /// The trained model (to cache it).
    pub fn model(&self) -> &TrainedModel {
        &self.model
    }

    /// Operator-declared entities: gazetteers and regexes.
    fn declared(&self, text: &str, toks: &[Token]) -> Vec<Entity> {
        let mut found = Vec::new();
        for g in &self.gazetteers {
            found.extend(g.find(text, toks, &self.known_words));
        }
        for (name, re) in &self.regexes {
            for m in re.find_iter(text) {
                if !m.as_str().is_empty() {
                    found.push(crate::builtin::entity(
                        name,
                        m.as_str(),
                        text,
                        m.start(),
                        m.end(),
                    ));
                }
            }
        }
        found
    }

    /// All entities: `declared` ones win over learned spans they overlap; built-ins (dates, numbers) are
    /// generic and may overlap a learned slot ("tomorrow" is also a `timeRange`).
    fn entities(
        &self,
        text: &str,
        toks: &[Token],
        intent: &str,
        ctx: &RecognizeContext,
        prepared: &Prepared,
        mut found: Vec<Entity>,
    ) -> Vec<Entity> {
        let declared = found.len();
        for t in self.model.tagger.tag_prepared(prepared, toks, intent) {
            let span = (char_offset(text, t.start), char_offset(text, t.end));
            if found[..declared]
                .iter()
                .any(|e| e.span.0 < span.1 && e.span.1 > span.0)
            {
                continue;
            }
            let (kind, role) = match t.label.split_once(':') {
                Some((k, r)) => (k.to_owned(), Some(r.to_owned())),
                None => (t.label.clone(), None),
            };
            let raw = text[t.start..t.end].to_owned();
            found.push(Entity {
                kind,
                role,
                value: raw.split_whitespace().collect::<Vec<_>>().join(" "),
                raw,
                span,
            });
        }
        found.extend(self.builtins.find(text, toks));
        found.extend(crate::datetime::find(
            text,
            toks,
            ctx.now_ms,
            ctx.utc_offset_minutes,
        ));
        found.sort_by(|a, b| a.span.cmp(&b.span).then(a.kind.cmp(&b.kind)));
        found
    }
}

impl Recognizer for TrainedRecognizer {
    fn recognize(&self, text: &str, ctx: &RecognizeContext) -> Understanding {
        let text = truncate(text, MAX_RECOGNIZED_BYTES);
        let toks = tokens(text);
        let declared = self.declared(text, &toks);
        let spans: Vec<(usize, usize, String)> = declared
            .iter()
            .map(|e| (e.span.0, e.span.1, e.kind.clone()))
            .collect();
        let mut intents = self.rules.intents(text);
        let prepared = self.model.tagger.prepare(text, &toks);
        let masked = mask(text, &toks, &spans);
        for m in self.model.intents_prepared(&prepared, &masked, &toks) {
            match intents.iter_mut().find(|i| i.name == m.name) {
                Some(i) => i.confidence = i.confidence.max(m.confidence),
                None => intents.push(m),
            }
        }
        intents.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then(a.name.cmp(&b.name))
        });
        let top = intents.first().map_or("", |i| i.name.as_str()).to_owned();
        Understanding {
            entities: self.entities(text, &toks, &top, ctx, &prepared, declared),
            intents,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_are_masked_like_messages_regex_entities_included() {
        let spec = NluSpec {
            examples: vec![
                crate::dataset::annotated("where is my order AB1234", "track"),
                crate::dataset::annotated("cancel the order", "cancel"),
            ],
            regexes: vec![crate::spec::RegexEntitySpec {
                name: "order_id".into(),
                pattern: "[a-z]{2}[0-9]{4}".into(),
            }],
            ..NluSpec::default()
        };
        let model = TrainedModel::train(&spec);
        let placeholder = Token {
            norm: "<order_id>".into(),
            start: 0,
            end: 0,
        };
        // A message's order id is masked as `<order_id>` at recognition; the examples' must be too.
        assert!(model.featurizer.knows(&placeholder));
    }

    #[test]
    fn gazetteers_learn_the_words_before_their_values() {
        use crate::gazetteer::{GazetteerSpec, GazetteerValue};
        let spec = NluSpec {
            examples: vec![crate::dataset::annotated(
                "weather in [Dubai](city)",
                "weather",
            )],
            gazetteers: vec![GazetteerSpec {
                name: "city".into(),
                values: vec![GazetteerValue {
                    canonical: "Dubai".into(),
                    ..GazetteerValue::default()
                }],
                roles: Vec::new(),
                fuzzy: Some(0.8),
            }],
            ..NluSpec::default()
        };
        let none = HashSet::new();
        let g = &compile_gazetteers(&spec)[0];
        let found = |text: &str| g.find(text, &tokens(text), &none).len();
        assert_eq!(found("is it hot in dubay"), 1);
        assert_eq!(found("is it hot at dubay"), 0);
    }

    #[test]
    fn place_kinds_skip_names_inside_declared_entities() {
        let text = "fly from Paris to France";
        let toks = tokens(text);
        assert_eq!(
            place_kinds(&PlaceNames::builtin().find(text, &toks), &toks, &toks),
            vec!["place:city", "place:country"]
        );
        // "Paris" is a declared `city` entity: masked as `<city>`, it is left to that entity.
        let masked = mask(text, &toks, &[(9, 14, "city".to_owned())]);
        assert_eq!(masked[2].norm, "<city>");
        let places = PlaceNames::builtin().find(text, &toks);
        assert_eq!(place_kinds(&places, &toks, &masked), vec!["place:country"]);
        // A place name that is the second word of a declared value ("Real Madrid") is left to it too.
        let text = "when does Real Madrid play";
        let toks = tokens(text);
        let masked = mask(text, &toks, &[(10, 21, "team".to_owned())]);
        assert_eq!((masked[2].norm.as_str(), masked[2].end), ("<team>", 21));
        let places = PlaceNames::builtin().find(text, &toks);
        assert!(place_kinds(&places, &toks, &masked).is_empty());
    }
}

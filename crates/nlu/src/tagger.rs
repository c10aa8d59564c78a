//! Learned slot filling for open-vocabulary entities (song titles, restaurant names): a linear-chain
//! sequence labeller over BIO tags, decoded with Viterbi. The weights are trained as a CRF
//! (`tagger/crf.rs`, SGD on the log-likelihood) for up to [`CRF_MAX_SENTENCES`] sentences and as an averaged
//! structured perceptron (Collins 2002, `tagger/perceptron.rs`) above that.
//!
//! Hand-written: the model is a hash map of weight rows plus a tag-transition matrix. A CRF crate
//! (`crfsuite` bindings) would add C code and a build step; the two trainers are 80–180 lines each.
//! Features per token: the word, its neighbours (±2), bigrams, prefix/suffix, shape, known slot values
//! ([`crate::lexicon`]), the labels whose values mostly hold the word (`tagger/word_labels.rs`), built-in
//! place names ([`crate::places`]), and the intent conjoined with the word (slots depend on the intent).

use crate::annotate::SpanLabel;
use crate::lexicon::SlotLexicon;
use crate::places::{PlaceMatch, PlaceNames};
use crate::text::{KeyMap, Token, fnv};
use crf::CrfConfig;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use word_labels::WordLabels;

mod crf;
mod perceptron;
mod word_labels;

/// Up to this many training sentences the weights are trained as a CRF, above it by the averaged
/// perceptron. On 490 SNIPS sentences the CRF is more accurate (slot F1 0.851 against 0.834 on the
/// held-out rest of the training pool, 0.834 against 0.817 on the test set); on 13,784 both give 0.96 but
/// the CRF takes 4× longer to train, because it updates every candidate tag of every token, not only the
/// mistakes.
pub const CRF_MAX_SENTENCES: usize = 2_000;

/// The least number of CRF steps (sentences seen): tiny training sets get more passes.
const CRF_MIN_STEPS: usize = 5_000;

/// One training sentence: its tokens, the intent, and labelled char spans.
#[derive(Debug, Clone)]
pub struct TaggedSentence {
    /// Tokens with byte offsets into `text`.
    pub tokens: Vec<Token>,
    /// The sentence.
    pub text: String,
    /// Its intent (a feature).
    pub intent: String,
    /// Gold entities (char offsets).
    pub spans: Vec<SpanLabel>,
}

/// A trained tagger. Tag 0 is `O`; then `B-x`, `I-x` for each label `x` (`entity` or `entity:role`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tagger {
    labels: Vec<String>,
    /// Feature key → weight row (one weight per tag).
    weights: KeyMap<Vec<f32>>,
    /// `trans[prev * tags + tag]`; `prev = tags` is the start.
    trans: Vec<f32>,
    /// Slot values seen in training; a token inside a known value gets a `lex` feature.
    lexicon: SlotLexicon,
    /// Words mostly seen inside one label's values; such a word gets a `wordOf` feature per label.
    word_labels: WordLabels,
    /// Per intent: which labels its training examples use. Decoding for a known intent only considers
    /// those (slots are intent-specific: a `playlist` never appears in a weather question).
    allowed: HashMap<String, Vec<bool>>,
}

/// A sentence's tag scores from the features that do not depend on the intent ([`Tagger::prepare`]).
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// Per token, per tag.
    emit: Vec<Vec<f32>>,
    /// The built-in place names in the sentence (also the classifier's `place:` features).
    places: Vec<PlaceMatch>,
}

impl Prepared {
    /// The built-in place names found in the sentence.
    pub fn places(&self) -> &[PlaceMatch] {
        &self.places
    }
}

/// A span the tagger found: byte offsets and its label (`entity` or `entity:role`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the end.
    pub end: usize,
    /// `entity` or `entity:role`.
    pub label: String,
}

fn shape(w: &str) -> String {
    let mut s = String::new();
    for c in w.chars().take(6) {
        let k = if c.is_ascii_digit() {
            'd'
        } else if c.is_uppercase() {
            'X'
        } else if c.is_alphabetic() {
            'x'
        } else {
            '-'
        };
        if !s.ends_with(k) {
            s.push(k);
        }
    }
    s
}

/// The features of token `i`: [`base_features`] then [`intent_features`].
fn token_features(text: &str, tokens: &[Token], intent: &str, i: usize) -> Vec<u64> {
    let mut f = base_features(text, tokens, i);
    f.extend(intent_features(tokens, intent, i));
    f
}

/// The word at offset `k` from token `i` (`<s>`/`</s>` beyond the ends).
fn word_at(tokens: &[Token], i: usize, k: isize) -> &str {
    let j = i as isize + k;
    if j < 0 {
        "<s>"
    } else {
        tokens.get(j as usize).map_or("</s>", |t| t.norm.as_str())
    }
}

/// The features of token `i` conjoined with the intent (slots depend on it).
fn intent_features(tokens: &[Token], intent: &str, i: usize) -> [u64; 5] {
    let w = |k: isize| word_at(tokens, i, k);
    let (ib, cur) = (intent.as_bytes(), w(0));
    [
        fnv(&[b"iw-1w0", ib, w(-1).as_bytes(), cur.as_bytes()]),
        fnv(&[b"i", ib]),
        fnv(&[b"iw0", ib, cur.as_bytes()]),
        fnv(&[b"iw-1", ib, w(-1).as_bytes()]),
        fnv(&[b"iw+1", ib, w(1).as_bytes()]),
    ]
}

/// The features of token `i` that do not depend on the intent: words around it, affixes, shapes.
fn base_features(text: &str, tokens: &[Token], i: usize) -> Vec<u64> {
    let w = |k: isize| word_at(tokens, i, k);
    let raw = &text[tokens[i].start..tokens[i].end];
    let cur = w(0);
    let chars: Vec<char> = cur.chars().collect();
    let pre: String = chars.iter().take(3).collect();
    let suf: String = chars[chars.len().saturating_sub(3)..].iter().collect();
    let suf2: String = chars[chars.len().saturating_sub(2)..].iter().collect();
    let pre4: String = chars.iter().take(4).collect();
    let suf4: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    let raw_at = |k: isize| -> &str {
        let j = i as isize + k;
        if j < 0 {
            "<s>"
        } else {
            tokens
                .get(j as usize)
                .map_or("</s>", |t| &text[t.start..t.end])
        }
    };
    vec![
        fnv(&[b"bias"]),
        fnv(&[b"w0", cur.as_bytes()]),
        fnv(&[b"w-1", w(-1).as_bytes()]),
        fnv(&[b"w+1", w(1).as_bytes()]),
        fnv(&[b"w-2", w(-2).as_bytes()]),
        fnv(&[b"w+2", w(2).as_bytes()]),
        fnv(&[b"w-1w0", w(-1).as_bytes(), cur.as_bytes()]),
        fnv(&[b"w0w+1", cur.as_bytes(), w(1).as_bytes()]),
        fnv(&[b"w-2w-1", w(-2).as_bytes(), w(-1).as_bytes()]),
        fnv(&[b"pre", pre.as_bytes()]),
        fnv(&[b"suf", suf.as_bytes()]),
        fnv(&[b"shape", shape(raw).as_bytes()]),
        fnv(&[b"suf2", suf2.as_bytes()]),
        fnv(&[b"pre4", pre4.as_bytes()]),
        fnv(&[b"suf4", suf4.as_bytes()]),
        fnv(&[b"shape-1", shape(raw_at(-1)).as_bytes()]),
        fnv(&[b"shape+1", shape(raw_at(1)).as_bytes()]),
        fnv(&[b"w-1w+1", w(-1).as_bytes(), w(1).as_bytes()]),
    ]
}

/// Lexicon features per token: for every known value covering it, `lex|label|B` or `lex|label|I`.
fn lexicon_marks(
    tokens: &[Token],
    lexicon: &SlotLexicon,
    exclude: &[(String, u32)],
) -> Vec<Vec<u64>> {
    let mut marks = vec![Vec::new(); tokens.len()];
    for m in lexicon.find(tokens, exclude) {
        let lb = m.label.to_le_bytes();
        marks[m.start].push(fnv(&[b"lexB", &lb]));
        for t in &mut marks[m.start + 1..m.end] {
            t.push(fnv(&[b"lexI", &lb]));
        }
    }
    marks
}

/// Place-hint features per token ([`crate::places`]): for every built-in place name covering it,
/// `place|kind|B` or `place|kind|I`. Appended to `marks`.
fn place_marks(places: &[PlaceMatch], marks: &mut [Vec<u64>]) {
    for m in places {
        let k = m.kind.as_str().as_bytes();
        marks[m.start].push(fnv(&[b"placeB", k]));
        for t in &mut marks[m.start + 1..m.end] {
            t.push(fnv(&[b"placeI", k]));
        }
    }
}

/// (value key, label) pairs split into (word, label) pairs.
fn split_words(values: &[(String, u32)]) -> Vec<(String, u32)> {
    values
        .iter()
        .flat_map(|(k, l)| k.split(' ').map(move |w| (w.to_owned(), *l)))
        .collect()
}

/// Every token's features: [`token_features`], known slot values, words of a label's values, place hints.
/// `own` is a training sentence's own values (left out of the lexicon and word counts), `None` for a new
/// message.
fn sentence_features(
    m: &Tagger,
    text: &str,
    tokens: &[Token],
    intent: &str,
    own: Option<&[(String, u32)]>,
) -> Vec<Vec<u64>> {
    let mut marks = lexicon_marks(tokens, &m.lexicon, own.unwrap_or_default());
    for (t, labels) in marks.iter_mut().zip(m.word_labels.marks(tokens, own)) {
        t.extend(labels.iter().map(|l| fnv(&[b"wordOf", &l.to_le_bytes()])));
    }
    place_marks(&PlaceNames::builtin().find(text, tokens), &mut marks);
    marks
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let mut f = token_features(text, tokens, intent, i);
            f.extend(m);
            f
        })
        .collect()
}

/// The words of a span, as lexicon keys.
fn span_key(s: &TaggedSentence, span: &SpanLabel) -> String {
    crate::text::span_words(&s.text, span.start, span.end)
}

/// A sentence's annotated values as (lexicon key, label index).
fn own_values(s: &TaggedSentence, index: &HashMap<String, usize>) -> Vec<(String, u32)> {
    s.spans
        .iter()
        .filter_map(|sp| Some((span_key(s, sp), *index.get(&span_label(sp))? as u32)))
        .collect()
}

/// The gold tag sequence of a sentence (tokens overlapping a span get its B/I tags).
fn gold_tags(s: &TaggedSentence, label_index: &HashMap<String, usize>) -> Vec<usize> {
    let mut tags = vec![0; s.tokens.len()];
    for span in &s.spans {
        let label = span_label(span);
        let Some(&l) = label_index.get(&label) else {
            continue;
        };
        let mut first = true;
        for (k, t) in s.tokens.iter().enumerate() {
            let (ts, te) = (
                crate::text::char_offset(&s.text, t.start),
                crate::text::char_offset(&s.text, t.end),
            );
            if ts < span.end && te > span.start {
                tags[k] = if first { 1 + 2 * l } else { 2 + 2 * l };
                first = false;
            }
        }
    }
    tags
}

/// BIO: an `I-x` tag only follows `B-x` or `I-x` (`prev == tags` is the sentence start); other
/// transitions are forbidden in decoding and in CRF training.
fn transition_ok(tags: usize, prev: usize, tag: usize) -> bool {
    tag == 0 || tag % 2 == 1 || (prev != tags && prev != 0 && (prev - 1) / 2 == (tag - 1) / 2)
}

/// `entity` or `entity:role`.
pub fn span_label(s: &SpanLabel) -> String {
    match &s.role {
        Some(r) => format!("{}:{r}", s.entity),
        None => s.entity.clone(),
    }
}

impl Tagger {
    /// Trains on `data` for `epochs` passes. Deterministic for the same input.
    pub fn train(data: &[TaggedSentence], epochs: usize) -> Tagger {
        let mut labels: Vec<String> = data
            .iter()
            .flat_map(|s| s.spans.iter().map(span_label))
            .collect();
        labels.sort();
        labels.dedup();
        let index: HashMap<String, usize> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), i))
            .collect();
        let tags = 1 + 2 * labels.len();
        let mut allowed: HashMap<String, Vec<bool>> = HashMap::new();
        for s in data {
            let row = allowed
                .entry(s.intent.clone())
                .or_insert_with(|| vec![false; labels.len()]);
            for span in &s.spans {
                if let Some(&l) = index.get(&span_label(span)) {
                    row[l] = true;
                }
            }
        }
        let owns: Vec<Vec<(String, u32)>> = data.iter().map(|s| own_values(s, &index)).collect();
        let lexicon = SlotLexicon::build(owns.iter().flatten().cloned());
        let word_labels = WordLabels::build(
            data.iter()
                .zip(&owns)
                .map(|(s, own)| (s.tokens.as_slice(), own.clone())),
        );
        let mut m = Tagger {
            labels,
            weights: KeyMap::default(),
            trans: vec![0.0; (tags + 1) * tags],
            lexicon,
            word_labels,
            allowed,
        };
        if m.labels.is_empty() {
            return m;
        }
        let feats: Vec<Vec<Vec<u64>>> = data
            .iter()
            .zip(&owns)
            .map(|(s, own)| sentence_features(&m, &s.text, &s.tokens, &s.intent, Some(own)))
            .collect();
        let golds: Vec<Vec<usize>> = data.iter().map(|s| gold_tags(s, &index)).collect();
        let intents: Vec<&str> = data.iter().map(|s| s.intent.as_str()).collect();
        if data.len() <= CRF_MAX_SENTENCES {
            // SGD needs a number of steps, not of passes: a bot with 7 examples gets more passes.
            let cfg = CrfConfig {
                epochs: epochs.max(CRF_MIN_STEPS.div_ceil(data.len())),
                ..CrfConfig::default()
            };
            m.train_crf(&feats, &golds, &intents, cfg);
        } else {
            m.train_perceptron(&feats, &golds, &intents, epochs);
        }
        m.weights
            .retain(|_, row| row.iter().any(|w| w.abs() > 1e-6));
        m
    }

    /// Labels of the known slot values in `tokens` (one per match, in order). For a training sentence
    /// (`own`), its own annotated values are left out once, as the tagger does in training.
    pub fn known_values(&self, tokens: &[Token], own: Option<&TaggedSentence>) -> Vec<&str> {
        let exclude = own.map_or_else(Vec::new, |s| {
            s.spans
                .iter()
                .filter_map(|sp| {
                    let l = self.labels.binary_search(&span_label(sp)).ok()?;
                    Some((span_key(s, sp), l as u32))
                })
                .collect()
        });
        self.lexicon
            .find(tokens, &exclude)
            .into_iter()
            .map(|m| self.labels[m.label as usize].as_str())
            .collect()
    }

    /// Labels the tagger knows (`entity` or `entity:role`).
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The tags decoding considers for `intent`: `O` and the B/I tags of the labels its examples use (all
    /// labels for an unknown intent).
    fn candidates(&self, intent: &str) -> Vec<usize> {
        let permitted = self.allowed.get(intent);
        (0..1 + 2 * self.labels.len())
            .filter(|&tag| tag == 0 || permitted.is_none_or(|p| p[(tag - 1) / 2]))
            .collect()
    }

    /// The summed weight rows of `keys`: one score per tag.
    fn emission(&self, keys: &[u64], into: &mut [f32]) {
        for key in keys {
            if let Some(row) = self.weights.get(key) {
                for (a, b) in into.iter_mut().zip(row) {
                    *a += b;
                }
            }
        }
    }

    fn viterbi(&self, feats: &[Vec<u64>], intent: &str) -> Vec<usize> {
        let tags = 1 + 2 * self.labels.len();
        let emit: Vec<Vec<f32>> = feats
            .iter()
            .map(|f| {
                let mut e = vec![0.0f32; tags];
                self.emission(f, &mut e);
                e
            })
            .collect();
        self.decode(&emit, intent)
    }

    /// The best tag sequence for per-token tag scores `emit`, with the tags `intent` permits.
    fn decode(&self, emit: &[Vec<f32>], intent: &str) -> Vec<usize> {
        let tags = 1 + 2 * self.labels.len();
        let permitted = self.allowed.get(intent);
        let label_ok = |tag: usize| tag == 0 || permitted.is_none_or(|p| p[(tag - 1) / 2]);
        let n = emit.len();
        if n == 0 {
            return Vec::new();
        }
        // Only the tags the intent permits are visited: with a few slots per intent this makes decoding
        // independent of the total number of labels. Scores are kept per candidate, not per tag. `B-x`
        // and `I-x` of a permitted label are both candidates, next to each other, so the only
        // predecessors of an `I-x` (BIO: `B-x` or `I-x`) are the candidate before it and itself.
        let cand: Vec<usize> = (0..tags).filter(|t| label_ok(*t)).collect();
        let nc = cand.len();
        let mut prev_score = vec![f32::NEG_INFINITY; nc];
        let mut score = vec![f32::NEG_INFINITY; nc];
        let mut back = vec![0u32; n * nc];
        for (c, &tag) in cand.iter().enumerate() {
            if transition_ok(tags, tags, tag) {
                prev_score[c] = self.trans[tags * tags + tag] + emit[0][tag];
            }
        }
        for i in 1..n {
            for (c, &tag) in cand.iter().enumerate() {
                let inside = tag != 0 && tag % 2 == 0;
                let preds = if inside { c - 1..c + 1 } else { 0..nc };
                let (mut best, mut arg) = (f32::NEG_INFINITY, 0usize);
                for p in preds {
                    if prev_score[p] == f32::NEG_INFINITY {
                        continue;
                    }
                    let s = prev_score[p] + self.trans[cand[p] * tags + tag] + emit[i][tag];
                    if s > best {
                        best = s;
                        arg = p;
                    }
                }
                score[c] = best;
                back[i * nc + c] = arg as u32;
            }
            std::mem::swap(&mut prev_score, &mut score);
        }
        let mut best = 0;
        for c in 0..nc {
            if prev_score[c] > prev_score[best] {
                best = c;
            }
        }
        let mut path_c = vec![0usize; n];
        path_c[n - 1] = best;
        for i in (1..n).rev() {
            path_c[i - 1] = back[i * nc + path_c[i]] as usize;
        }
        path_c.into_iter().map(|c| cand[c]).collect()
    }

    /// Finds labelled spans in a sentence with the given intent.
    pub fn tag(&self, text: &str, tokens: &[Token], intent: &str) -> Vec<Tagged> {
        self.tag_prepared(&self.prepare(text, tokens), tokens, intent)
    }

    /// The part of tagging a sentence that does not depend on the intent, to tag it for several
    /// intents ([`Tagger::tag_prepared`]) at the cost of one.
    pub fn prepare(&self, text: &str, tokens: &[Token]) -> Prepared {
        let places = PlaceNames::builtin().find(text, tokens);
        if self.labels.is_empty() || tokens.is_empty() {
            return Prepared {
                emit: Vec::new(),
                places,
            };
        }
        let tags = 1 + 2 * self.labels.len();
        let mut marks = lexicon_marks(tokens, &self.lexicon, &[]);
        for (t, labels) in marks.iter_mut().zip(self.word_labels.marks(tokens, None)) {
            t.extend(labels.iter().map(|l| fnv(&[b"wordOf", &l.to_le_bytes()])));
        }
        place_marks(&places, &mut marks);
        let emit = marks
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                let mut e = vec![0.0f32; tags];
                self.emission(&base_features(text, tokens, i), &mut e);
                self.emission(&m, &mut e);
                e
            })
            .collect();
        Prepared { emit, places }
    }

    /// [`Tagger::tag`] for a sentence already [`prepared`](Tagger::prepare) from the same tokens.
    pub fn tag_prepared(&self, prepared: &Prepared, tokens: &[Token], intent: &str) -> Vec<Tagged> {
        if self.labels.is_empty() || tokens.is_empty() || prepared.emit.len() != tokens.len() {
            return Vec::new();
        }
        let mut emit = prepared.emit.clone();
        for (i, e) in emit.iter_mut().enumerate() {
            self.emission(&intent_features(tokens, intent, i), e);
        }
        let path = self.decode(&emit, intent);
        let mut out: Vec<Tagged> = Vec::new();
        for (i, tag) in path.into_iter().enumerate() {
            if tag == 0 {
                continue;
            }
            let label = &self.labels[(tag - 1) / 2];
            let continues = tag % 2 == 0 && out.last().is_some_and(|l| &l.label == label);
            match out.last_mut() {
                Some(last) if continues => last.end = tokens[i].end,
                _ => out.push(Tagged {
                    start: tokens[i].start,
                    end: tokens[i].end,
                    label: label.clone(),
                }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotate::parse;
    use crate::text::tokens;

    fn sentence(example: &str) -> TaggedSentence {
        let a = parse(example);
        TaggedSentence {
            tokens: tokens(&a.text),
            text: a.text,
            intent: "play".into(),
            spans: a.spans,
        }
    }

    const MUSIC: [&str; 11] = [
        "play [yellow submarine](song) please",
        "play [hey jude](song)",
        "can you play [let it be](song) for me",
        "play [bohemian rhapsody](song) by [queen](artist)",
        "play something by [abba](artist)",
        "i want to hear [imagine](song) by [john lennon](artist)",
        "put on [wonderwall](song)",
        "play [stairway to heaven](song)",
        "please play [thriller](song) by [michael jackson](artist)",
        "play [fix you](song) now",
        "play some [nirvana](artist)",
    ];

    /// Trains on `copies` copies of [`MUSIC`] and checks what a new sentence gets. (With only the first
    /// seven examples the CRF leaves the unseen title "purple rain" untagged, the perceptron tags it; with
    /// eleven both do. On the SNIPS pool the CRF is the better of the two from 5 examples per intent up.)
    fn learns_open_vocabulary_spans_from_context(copies: usize) {
        let data: Vec<TaggedSentence> = MUSIC
            .iter()
            .cycle()
            .take(MUSIC.len() * copies)
            .map(|e| sentence(e))
            .collect();
        let m = Tagger::train(&data, 10);
        let text = "play purple rain by prince";
        let found: Vec<(String, String)> = m
            .tag(text, &tokens(text), "play")
            .into_iter()
            .map(|t| (text[t.start..t.end].to_owned(), t.label))
            .collect();
        assert!(
            found.contains(&("prince".into(), "artist".into())),
            "{found:?}"
        );
        assert!(found.iter().any(|(_, l)| l == "song"), "{found:?}");
        let again = Tagger::train(&data, 10);
        assert_eq!(again.trans, m.trans, "training is deterministic");
    }

    #[test]
    fn place_names_become_b_and_i_hints_per_kind() {
        let marks = |text: &str| {
            let t = tokens(text);
            let mut m = vec![Vec::new(); t.len()];
            place_marks(&PlaceNames::builtin().find(text, &t), &mut m);
            m
        };
        let m = marks("weather in France");
        assert!(m[0].is_empty() && m[1].is_empty());
        assert_eq!(m[2], [fnv(&[b"placeB", b"country"])]);
        let m = marks("dinner in New York");
        assert!(m[2].contains(&fnv(&[b"placeB", b"city"])), "{m:?}");
        assert!(m[3].contains(&fnv(&[b"placeI", b"city"])), "{m:?}");
        assert!(!m[3].contains(&fnv(&[b"placeB", b"city"])), "{m:?}");
        // An everyday word that is also a city name gets no hint in lower case.
        assert!(marks("that is nice").iter().all(Vec::is_empty));
        assert!(!marks("a hotel in Nice")[3].is_empty());
    }

    #[test]
    fn the_crf_learns_open_vocabulary_spans_from_context() {
        learns_open_vocabulary_spans_from_context(1);
    }

    #[test]
    fn the_perceptron_learns_open_vocabulary_spans_from_context() {
        let copies = CRF_MAX_SENTENCES / MUSIC.len() + 1;
        assert!(MUSIC.len() * copies > CRF_MAX_SENTENCES);
        learns_open_vocabulary_spans_from_context(copies);
    }
}

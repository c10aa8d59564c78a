//! Sentence features for the intent classifier: word unigrams and bigrams plus character 3–5-grams of each
//! word, weighted by sublinear TF-IDF and L2-normalized.
//!
//! Character n-grams make the model robust to typos and inflections ("flights", "fligt"), word bigrams catch
//! short phrases ("book a"). Features are 64-bit FNV keys mapped to dense indices learned from the training
//! set, so an unknown n-gram at recognition time costs one hash lookup and is dropped.

use crate::text::{KeyMap, Token, fnv};
use serde::{Deserialize, Serialize};

/// Relative weight of the character n-gram block against the word block.
const CHAR_WEIGHT: f32 = 0.6;

/// A sparse feature vector: (index, value) pairs sorted by index.
pub type Sparse = Vec<(u32, f32)>;

/// The learned vocabulary and IDF weights.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Featurizer {
    /// Feature key → dense index.
    index: KeyMap<u32>,
    /// IDF per dense index.
    idf: Vec<f32>,
}

/// Raw feature keys of a tokenized sentence and its extra sentence-level features (e.g. the labels of
/// known slot values it mentions); the flag is true for char n-grams. Allocation-light: one buffer is
/// reused for every n-gram (this runs for every message).
fn keys<S: AsRef<str>>(tokens: &[Token], extras: &[S]) -> Vec<(u64, bool)> {
    let mut out = Vec::with_capacity(tokens.len() * 16 + extras.len());
    for e in extras {
        out.push((fnv(&[b"e", e.as_ref().as_bytes()]), false));
    }
    fn word(t: &Token) -> &str {
        if t.norm.bytes().any(|b| b.is_ascii_digit()) {
            "<num>"
        } else {
            &t.norm
        }
    }
    let mut padded: Vec<char> = Vec::with_capacity(48);
    let mut gram = String::with_capacity(32);
    let mut prev = "<s>";
    for t in tokens {
        let w = word(t);
        out.push((fnv(&[b"w", w.as_bytes()]), false));
        out.push((fnv(&[b"b", prev.as_bytes(), w.as_bytes()]), false));
        prev = w;
        padded.clear();
        padded.push('<');
        padded.extend(w.chars().take(40));
        padded.push('>');
        for n in 3..=5 {
            for win in padded.windows(n) {
                gram.clear();
                gram.extend(win);
                out.push((fnv(&[b"c", gram.as_bytes()]), true));
            }
        }
    }
    if !tokens.is_empty() {
        out.push((fnv(&[b"b", prev.as_bytes(), b"</s>"]), false));
    }
    out
}

impl Featurizer {
    /// Learns the vocabulary from `sentences` (tokens and extra features); keeps features seen in at
    /// least `min_df` sentences.
    pub fn fit<S: AsRef<str>>(sentences: &[(Vec<Token>, Vec<S>)], min_df: usize) -> Featurizer {
        let mut df: KeyMap<usize> = KeyMap::default();
        for (s, extras) in sentences {
            let mut ks: Vec<u64> = keys(s, extras).into_iter().map(|(k, _)| k).collect();
            ks.sort_unstable();
            ks.dedup();
            for k in ks {
                *df.entry(k).or_default() += 1;
            }
        }
        let mut kept: Vec<(u64, usize)> = df.into_iter().filter(|(_, n)| *n >= min_df).collect();
        kept.sort_unstable();
        let n = sentences.len() as f32;
        let mut f = Featurizer::default();
        for (i, (k, d)) in kept.into_iter().enumerate() {
            f.index.insert(k, i as u32);
            f.idf.push(((1.0 + n) / (1.0 + d as f32)).ln() + 1.0);
        }
        f
    }

    /// True when `token` (a word; a number counts as `<num>`) is in the vocabulary.
    pub fn knows(&self, token: &Token) -> bool {
        let w = if token.norm.chars().any(|c| c.is_ascii_digit()) {
            "<num>"
        } else {
            token.norm.as_str()
        };
        self.index.contains_key(&fnv(&[b"w", w.as_bytes()]))
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.idf.len()
    }

    /// True when no feature was learned.
    pub fn is_empty(&self) -> bool {
        self.idf.is_empty()
    }

    /// The feature vector of a sentence (tokens and extra features).
    pub fn transform<S: AsRef<str>>(&self, tokens: &[Token], extras: &[S]) -> Sparse {
        let mut counts: KeyMap<(f32, bool)> = KeyMap::default();
        for (k, is_char) in keys(tokens, extras) {
            if let Some(&i) = self.index.get(&k) {
                counts.entry(u64::from(i)).or_insert((0.0, is_char)).0 += 1.0;
            }
        }
        let mut v: Sparse = Vec::with_capacity(counts.len());
        let (mut word_norm, mut char_norm) = (0.0f32, 0.0f32);
        let mut blocks = Vec::with_capacity(counts.len());
        for (i, (c, is_char)) in counts {
            let i = i as u32;
            let x = (1.0 + c.ln()) * self.idf[i as usize];
            if is_char {
                char_norm += x * x;
            } else {
                word_norm += x * x;
            }
            blocks.push((i, x, is_char));
        }
        let (wn, cn) = (word_norm.sqrt().max(1e-9), char_norm.sqrt().max(1e-9));
        for (i, x, is_char) in blocks {
            v.push((
                i,
                if is_char {
                    CHAR_WEIGHT * x / cn
                } else {
                    x / wn
                },
            ));
        }
        let total: f32 = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt().max(1e-9);
        for e in &mut v {
            e.1 /= total;
        }
        v.sort_unstable_by_key(|e| e.0);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    #[test]
    fn known_features_are_normalized_and_unknown_words_are_not_known() {
        let none: Vec<&str> = Vec::new();
        let f = Featurizer::fit(
            &[
                (tokens("book a flight"), none.clone()),
                (tokens("weather in Paris"), vec!["city"]),
            ],
            1,
        );
        assert!(!f.is_empty());
        let v = f.transform(&tokens("book a flight"), &none);

        let norm: f32 = v.iter().map(|(_, x)| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-4, "{norm}");
        assert!(tokens("book a flight").iter().all(|t| f.knows(t)));
        let known: Vec<bool> = tokens("book 42 zebras")
            .iter()
            .map(|t| f.knows(t))
            .collect();
        assert_eq!(known, vec![true, false, false]);
        let with_extra = f.transform(&tokens("book zebras"), &["city"]);
        assert_eq!(
            with_extra.len(),
            f.transform(&tokens("book zebras"), &none).len() + 1
        );
        assert!(f.transform(&tokens("🙂"), &none).is_empty());
    }
}

//! [`WordLabels`]: the words that the training examples mostly use inside values of one label ("pasta" was
//! inside a `served_dish` 3 times out of 4). The tagger gives such a word a feature per label, so evidence
//! from all the words of a label is pooled into one weight: a word seen once inside a rare label's value
//! gets that label's hint, which its own word feature, trained on one occurrence, barely carries.
//!
//! Unlike [`crate::lexicon`] (whole known values), this works word by word, so it also hints at new values
//! that share a word with known ones. A training sentence's own words are left out of the counts, as the
//! lexicon leaves its own values out, so the feature is as informative in training as on a new message.

use super::split_words;
use crate::text::Token;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A word gets a label's feature when at least this share of its occurrences was inside that label's
/// values. On the SNIPS development set any share from 0.2 to 0.8 gave the same slot F1 (0.824–0.825
/// per intent at 70 examples per intent); 0 (every word ever inside a value) gave 0.819.
pub const MIN_SHARE: f32 = 0.5;

/// Per word seen inside a value: how often it occurred at all, and how often inside each label's values.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WordLabels {
    words: HashMap<String, WordCounts>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct WordCounts {
    /// Occurrences in all training sentences.
    total: u32,
    /// (label index, occurrences inside its values), sorted by label.
    inside: Vec<(u32, u32)>,
}

impl WordLabels {
    /// Counts from training sentences: their tokens and their annotated values as (lexicon key, label
    /// index) pairs (keys are lower-cased words joined by one space).
    pub fn build<'a>(
        sentences: impl IntoIterator<Item = (&'a [Token], Vec<(String, u32)>)>,
    ) -> Self {
        let mut words: HashMap<String, WordCounts> = HashMap::new();
        let mut totals: HashMap<&'a str, u32> = HashMap::new();
        for (tokens, values) in sentences {
            for t in tokens {
                *totals.entry(t.norm.as_str()).or_default() += 1;
            }
            for (word, label) in split_words(&values) {
                let row = &mut words.entry(word).or_default().inside;
                match row.iter_mut().find(|(l, _)| *l == label) {
                    Some(e) => e.1 += 1,
                    None => row.push((label, 1)),
                }
            }
        }
        for (word, counts) in &mut words {
            counts.total = totals.get(word.as_str()).copied().unwrap_or(0);
            counts.inside.sort_unstable();
        }
        WordLabels { words }
    }

    /// Per token, the labels whose values hold its word in at least [`MIN_SHARE`] of the word's
    /// occurrences. For a training sentence, `own` is its annotated values: its tokens and values are left
    /// out of the counts. `None` for a new message.
    pub fn marks(&self, tokens: &[Token], own: Option<&[(String, u32)]>) -> Vec<Vec<u32>> {
        let own_words = own.map(split_words).unwrap_or_default();
        tokens
            .iter()
            .map(|t| {
                let Some(counts) = self.words.get(&t.norm) else {
                    return Vec::new();
                };
                let own_total = if own.is_some() {
                    tokens.iter().filter(|x| x.norm == t.norm).count() as u32
                } else {
                    0
                };
                let total = counts.total.saturating_sub(own_total);
                if total == 0 {
                    return Vec::new();
                }
                counts
                    .inside
                    .iter()
                    .filter_map(|&(label, n)| {
                        let mine = own_words
                            .iter()
                            .filter(|(w, l)| *l == label && *w == t.norm)
                            .count() as u32;
                        let n = n.saturating_sub(mine);
                        (n > 0 && n as f32 >= MIN_SHARE * total as f32).then_some(label)
                    })
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    #[test]
    fn words_mostly_inside_a_labels_values_get_it_leaving_a_sentences_own_counts_out() {
        let a = tokens("play hey jude");
        let b = tokens("play jude please");
        let c = tokens("hey there");
        let w = WordLabels::build([
            (a.as_slice(), vec![("hey jude".to_owned(), 0)]),
            (b.as_slice(), vec![("jude".to_owned(), 0)]),
            (c.as_slice(), vec![]),
        ]);
        let t = tokens("play jude hey");
        // "jude": 2 of 2 inside label 0; "hey": 1 of 2 (= 0.5); "play": never inside.
        assert_eq!(w.marks(&t, None), [vec![], vec![0], vec![0]]);
        // As training sentence `a`: "hey" is 0 of 1 elsewhere, "jude" 1 of 1.
        let own = [("hey jude".to_owned(), 0)];
        assert_eq!(w.marks(&a, Some(&own)), [vec![], vec![], vec![0]]);
        assert!(
            WordLabels::default()
                .marks(&t, None)
                .iter()
                .all(Vec::is_empty)
        );
    }
}

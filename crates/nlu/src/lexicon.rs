//! [`SlotLexicon`]: the slot values seen in the training examples ("hey jude" was a `song` 3 times), and
//! where they occur in a sentence. The tagger turns a match into a feature of the covered tokens (the
//! "entity match" feature of Snips NLU and Rasa's lookup tables, learned from the examples themselves);
//! the intent classifier turns it into a sentence feature ("mentions a known `movie_name`").
//!
//! Training sentences are matched leaving their own values out once ([`SlotLexicon::find`]'s `exclude`),
//! so a match is as informative in training as it is on a new message: without that, every annotated value
//! would match itself and the learners would trust the feature completely.

use crate::text::Token;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Longest slot value (in words) looked up.
pub const MAX_VALUE_WORDS: usize = 6;

/// Known slot values: lower-cased words joined by one space → (label index, times seen), sorted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SlotLexicon {
    values: HashMap<String, Vec<(u32, u32)>>,
}

/// A known value found in a sentence: tokens `start..end` were seen as label `label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexiconMatch {
    /// Label index (the tagger's label order).
    pub label: u32,
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
}

impl SlotLexicon {
    /// Builds the lexicon from `(value key, label index)` occurrences; empty keys are ignored.
    pub fn build(occurrences: impl IntoIterator<Item = (String, u32)>) -> SlotLexicon {
        let mut counts: HashMap<String, HashMap<u32, u32>> = HashMap::new();
        for (key, label) in occurrences {
            if !key.is_empty() {
                *counts.entry(key).or_default().entry(label).or_default() += 1;
            }
        }
        let values = counts
            .into_iter()
            .map(|(k, v)| {
                let mut v: Vec<(u32, u32)> = v.into_iter().collect();
                v.sort_unstable();
                (k, v)
            })
            .collect();
        SlotLexicon { values }
    }

    /// True when no value is known.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every known value in `tokens`, in order of start then length. `exclude` lists (value key, label)
    /// pairs whose count is reduced by one each (a training sentence's own values).
    pub fn find(&self, tokens: &[Token], exclude: &[(String, u32)]) -> Vec<LexiconMatch> {
        let mut out = Vec::new();
        if self.values.is_empty() {
            return out;
        }
        let mut key = String::new();
        for i in 0..tokens.len() {
            key.clear();
            for (j, t) in tokens.iter().enumerate().skip(i).take(MAX_VALUE_WORDS) {
                if j > i {
                    key.push(' ');
                }
                key.push_str(&t.norm);
                let Some(hits) = self.values.get(&key) else {
                    continue;
                };
                for &(label, count) in hits {
                    let own = exclude
                        .iter()
                        .filter(|(v, l)| *l == label && *v == key)
                        .count() as u32;
                    if count > own {
                        out.push(LexiconMatch {
                            label,
                            start: i,
                            end: j + 1,
                        });
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    #[test]
    fn finds_known_values_and_leaves_a_sentences_own_values_out() {
        let lex = SlotLexicon::build([
            ("hey jude".to_owned(), 0),
            ("hey jude".to_owned(), 0),
            ("abba".to_owned(), 1),
        ]);
        let t = tokens("play Hey Jude by ABBA");
        assert_eq!(
            lex.find(&t, &[]),
            [
                LexiconMatch {
                    label: 0,
                    start: 1,
                    end: 3
                },
                LexiconMatch {
                    label: 1,
                    start: 4,
                    end: 5
                }
            ]
        );
        // "abba" was seen once, in this very sentence: not evidence. "hey jude" was seen twice.
        let own = [("abba".to_owned(), 1), ("hey jude".to_owned(), 0)];
        assert_eq!(lex.find(&t, &own).len(), 1);
        assert!(SlotLexicon::default().find(&t, &[]).is_empty());
    }
}

//! Sentence features for the intent classifier from the words *around* open-vocabulary slot values.
//!
//! A title says little about the intent ("Outcast", "The Prime Ministers: The Pioneers" could be a film, a
//! book or a song) but the words around it say a lot: "where can I see ▢" is a cinema question, "put ▢ on
//! my playlist" adds to a playlist, "put ▢ by ▢ on the stereo" plays music. The classifier's word and
//! character n-grams see the title's own words, which are many and new on every message; these features
//! see only the value's neighbours, with the value replaced by one placeholder (`▢` below), the way Snips
//! NLU replaces entity values before classifying. They are added to the usual n-grams, not instead of them.
//!
//! Which labels are open-vocabulary is learned from the training data ([`open_labels`]): a label whose
//! annotated values are mostly distinct (titles, names) is open; a label with a few recurring values
//! ("trailer", "tonight", "song") is not, and its words stay in the sentence, where they are good intent
//! evidence. In training the values come from the annotations, on a new message from the slot tagger run
//! without an intent (the intent is what is being decided).

use crate::text::Token;
use std::collections::{BTreeMap, BTreeSet};

/// A label is open-vocabulary when at least this share of its annotated values are distinct…
const MIN_DISTINCT_SHARE: f32 = 0.6;
/// …and it was annotated at least this many times.
const MIN_OCCURRENCES: usize = 3;

/// The labels whose values are open-vocabulary, from `(label, value words)` occurrences in the training
/// examples. Sorted.
pub fn open_labels<'a>(occurrences: impl IntoIterator<Item = (&'a str, String)>) -> Vec<String> {
    let mut seen: BTreeMap<&str, (usize, BTreeSet<String>)> = BTreeMap::new();
    for (label, value) in occurrences {
        let e = seen.entry(label).or_default();
        e.0 += 1;
        e.1.insert(value);
    }
    seen.into_iter()
        .filter(|(_, (n, distinct))| {
            *n >= MIN_OCCURRENCES && distinct.len() as f32 >= MIN_DISTINCT_SHARE * *n as f32
        })
        .map(|(l, _)| l.to_owned())
        .collect()
}

/// The context features of the open values at token ranges `values` (sorted, not overlapping) of
/// `tokens`: for each value, the word before it, and the words on both sides of it (`<s>`/`</s>` at the
/// sentence's ends). Another value next to it reads as the placeholder. (Also tried on the SNIPS
/// development split: the word after alone and the two words before; no better, so left out.)
pub fn features(tokens: &[Token], values: &[(usize, usize)]) -> Vec<String> {
    if values.is_empty() {
        return Vec::new();
    }
    // The sentence with each value collapsed to one placeholder.
    let mut words: Vec<&str> = Vec::with_capacity(tokens.len() + 2);
    words.push("<s>");
    let mut slots = Vec::with_capacity(values.len());
    let mut i = 0;
    while i < tokens.len() {
        match values.iter().find(|v| v.0 == i && v.1 > i) {
            Some(&(_, end)) => {
                slots.push(words.len());
                words.push("▢");
                i = end;
            }
            None => {
                let norm = tokens[i].norm.as_str();
                words.push(if norm.bytes().any(|b| b.is_ascii_digit()) {
                    "<num>"
                } else {
                    norm
                });
                i += 1;
            }
        }
    }
    words.push("</s>");
    let mut out = Vec::with_capacity(slots.len() * 2);
    for k in slots {
        let (before, after) = (words[k - 1], words[k + 1]);
        out.push(format!("sc<{before} ▢"));
        out.push(format!("sc={before} ▢ {after}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    #[test]
    fn labels_with_mostly_distinct_values_are_open() {
        let occ = [
            ("title", "outcast"),
            ("title", "fear chamber"),
            ("title", "breathless"),
            ("title", "outcast"),
            ("kind", "trailer"),
            ("kind", "trailer"),
            ("kind", "movie"),
            ("kind", "trailer"),
            ("kind", "trailer"),
            ("rare", "x"),
        ];
        let open = open_labels(occ.iter().map(|(l, v)| (*l, (*v).to_owned())));
        assert_eq!(open, vec!["title".to_owned()]);
    }

    #[test]
    fn a_value_is_replaced_by_its_neighbours() {
        let t = tokens("I want to see The Prime Ministers: The Pioneers");
        let f = features(&t, &[(4, t.len())]);
        assert_eq!(f, vec!["sc<see ▢", "sc=see ▢ </s>"], "{f:?}");
        let t = tokens("put Like A Hurricane by Paul Landers on the stereo");
        let f = features(&t, &[(1, 4), (5, 7)]);
        assert!(f.contains(&"sc=put ▢ by".to_owned()), "{f:?}");
        assert!(f.contains(&"sc=by ▢ on".to_owned()), "{f:?}");
        assert!(f.contains(&"sc<by ▢".to_owned()), "{f:?}");
        assert!(features(&t, &[]).is_empty());
        let t = tokens("play it at 5 pm");
        assert!(features(&t, &[(0, 1)]).contains(&"sc=<s> ▢ it".to_owned()));
    }
}

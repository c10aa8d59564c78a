//! Small text helpers: lower-cased word tokens with byte spans, and byte → char offsets.

/// Lower-cased alphanumeric words of `text` (apostrophes kept inside words).
pub fn words(text: &str) -> Vec<String> {
    tokens(text).into_iter().map(|t| t.norm).collect()
}

/// The words of chars `[start, end)` of `text`, lower-cased and joined by one space: a slot value as a
/// key, so that case and punctuation at its edges do not count.
pub fn span_words(text: &str, start: usize, end: usize) -> String {
    let value: String = text
        .chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    words(&value).join(" ")
}

/// One word of a message: its lower-cased form and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Lower-cased text.
    pub norm: String,
    /// Byte offset of the first byte in the original text.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

/// Words of `text`: runs of alphanumeric characters, with an apostrophe kept when it sits between two
/// letters ("what's"). Everything else separates words and is dropped.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let inner_apostrophe = (c == '\'' || c == '’')
            && start.is_some()
            && chars.peek().is_some_and(|(_, n)| n.is_alphanumeric());
        if c.is_alphanumeric() || inner_apostrophe {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(token(text, s, i));
        }
    }
    if let Some(s) = start {
        out.push(token(text, s, text.len()));
    }
    out
}

fn token(text: &str, start: usize, end: usize) -> Token {
    Token {
        norm: text[start..end].to_lowercase().replace('’', "'"),
        start,
        end,
    }
}

/// The char offset of byte offset `byte` in `text` (clamped to a char boundary).
pub fn char_offset(text: &str, byte: usize) -> usize {
    let mut b = byte.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    text[..b].chars().count()
}

/// `text` cut to at most `max` bytes on a char boundary.
pub fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text` lower-cased with punctuation at both ends trimmed, for whole-utterance comparisons.
pub fn normalize_utterance(text: &str) -> String {
    text.trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// A hasher for keys that are already good 64-bit hashes (the FNV keys of features): it passes the key
/// through instead of running SipHash over it again, which halves the cost of a feature lookup.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by feature hashes.
pub type KeyMap<V> = std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// FNV-1a over `parts` with a separator byte between them: a stable 64-bit key for a feature string,
/// identical on every platform and run (std's `DefaultHasher` makes no such promise).
pub fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// True when `before` ends with the word(s) `cue`, case-insensitively, at a word boundary.
pub fn ends_with_word(before: &str, cue: &str) -> bool {
    let b = before.trim_end().to_lowercase();
    let cue = cue.to_lowercase();
    b.ends_with(&cue)
        && b[..b.len() - cue.len()]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_offsets() {
        assert_eq!(
            words("What's the weather, Dubai?"),
            ["what's", "the", "weather", "dubai"]
        );
        assert_eq!(words("'quoted' rock'n'roll"), ["quoted", "rock'n'roll"]);
        let t = tokens("Fly to Dubai!");
        assert_eq!((t[2].norm.as_str(), t[2].start, t[2].end), ("dubai", 7, 12));
        assert_eq!(char_offset("héllo", 3), 2);
        assert_eq!(char_offset("héllo", 2), 1);
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(normalize_utterance("  Start over?! "), "start over");
        assert_ne!(fnv(&[b"ab", b"c"]), fnv(&[b"a", b"bc"]));
    }
}

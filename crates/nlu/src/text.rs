//! Small text helpers: lower-cased word tokens and byte → char offsets.

/// Lower-cased alphanumeric words of `text` (apostrophes kept inside words).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The char offset of byte offset `byte` in `text` (clamped to a char boundary).
pub fn char_offset(text: &str, byte: usize) -> usize {
    let mut b = byte.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    text[..b].chars().count()
}

/// `text` lower-cased with punctuation at both ends trimmed, for whole-utterance comparisons.
pub fn normalize_utterance(text: &str) -> String {
    text.trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
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
        assert_eq!(char_offset("héllo", 3), 2);
        assert_eq!(char_offset("héllo", 2), 1);
        assert_eq!(normalize_utterance("  Start over?! "), "start over");
    }
}

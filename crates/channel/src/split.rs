//! Splitting long replies at a platform's length limit.
//!
//! Hand-written: the rule is platform-specific (Telegram counts UTF-16 code units, Discord characters) and
//! small; the crates that exist split on bytes or graphemes without line/word preferences.

/// How a platform counts message length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Unicode scalar values (Discord: 2,000).
    Chars,
    /// UTF-16 code units (Telegram: 4,096).
    Utf16,
}

impl Measure {
    fn len(self, c: char) -> usize {
        match self {
            Measure::Chars => 1,
            Measure::Utf16 => c.len_utf16(),
        }
    }
}

/// Splits `text` into parts of at most `limit` units, preferring to cut after a line break, then after
/// whitespace, and only then inside a word. Parts are trimmed of the whitespace at the cut; no text is lost
/// other than that whitespace. `limit` below 2 is treated as 2.
pub fn split_text(text: &str, limit: usize, measure: Measure) -> Vec<String> {
    let limit = limit.max(2);
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let mut used = 0;
        let mut end = rest.len();
        let mut last_newline = None;
        let mut last_space = None;
        for (i, c) in rest.char_indices() {
            let w = measure.len(c);
            if used + w > limit {
                end = i;
                break;
            }
            used += w;
            if c == '\n' {
                last_newline = Some(i);
            } else if c.is_whitespace() {
                last_space = Some(i);
            }
        }
        if end == rest.len() {
            parts.push(rest.to_owned());
            break;
        }
        // The limit may fall exactly on whitespace: then that is the natural cut.
        let at_boundary = rest[end..].starts_with(char::is_whitespace);
        let cut = if at_boundary {
            end
        } else {
            last_newline
                .or(last_space)
                .filter(|&i| i > 0)
                .unwrap_or(end)
        };
        let (head, tail) = rest.split_at(cut);
        let head = head.trim_end();
        if !head.is_empty() {
            parts.push(head.to_owned());
        }
        rest = tail.trim_start();
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn prefers_lines_then_words_then_hard_cuts() {
        assert_eq!(
            split_text("aaa bbb\nccc ddd", 10, Measure::Chars),
            ["aaa bbb", "ccc ddd"]
        );
        assert_eq!(
            split_text("aaa bbb ccc", 8, Measure::Chars),
            ["aaa bbb", "ccc"]
        );
        assert_eq!(
            split_text("aaa bbb\nccc", 7, Measure::Chars),
            ["aaa bbb", "ccc"]
        );
        assert_eq!(
            split_text("abcdefghij", 4, Measure::Chars),
            ["abcd", "efgh", "ij"]
        );
        assert_eq!(split_text("short", 4096, Measure::Utf16), ["short"]);
        assert!(split_text("   ", 10, Measure::Chars).is_empty());
        // An emoji is two UTF-16 units: Telegram's count.
        assert_eq!(split_text("😀😀😀", 4, Measure::Utf16), ["😀😀", "😀"]);
        assert_eq!(split_text("😀😀😀", 4, Measure::Chars), ["😀😀😀"]);
    }

    proptest! {
        #[test]
        fn parts_fit_and_keep_every_non_space_character(text in "\\PC{0,300}", limit in 2usize..60) {
            for measure in [Measure::Chars, Measure::Utf16] {
                let parts = split_text(&text, limit, measure);
                for p in &parts {
                    let n: usize = p.chars().map(|c| measure.len(c)).sum();
                    prop_assert!(n <= limit.max(2) || p.chars().count() == 1, "{p:?} longer than {limit}");
                }
                let kept: String = parts.concat().chars().filter(|c| !c.is_whitespace()).collect();
                let orig: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                prop_assert_eq!(kept, orig);
            }
        }
    }
}

//! Inline entity annotations in training examples: `fly from [Lahore](city:from) to [Dubai](city:to)`.
//!
//! `[TEXT](ENTITY)` or `[TEXT](ENTITY:ROLE)`; anything that does not parse as an annotation stays literal
//! text, so an example can never fail to load because of a stray bracket.

use serde::{Deserialize, Serialize};

/// One annotated entity in an example, by character offsets in the plain text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpanLabel {
    /// Char offset of the first character.
    pub start: usize,
    /// Char offset one past the last character.
    pub end: usize,
    /// Entity type (`city`).
    pub entity: String,
    /// Role (`from`), if annotated.
    pub role: Option<String>,
}

/// An example with its annotations removed: the plain text and the labelled spans.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Annotated {
    /// The sentence as a user would type it.
    pub text: String,
    /// Entities in order of appearance.
    pub spans: Vec<SpanLabel>,
}

/// Parses inline annotations out of `example`.
pub fn parse(example: &str) -> Annotated {
    let mut out = Annotated::default();
    let mut chars = 0usize;
    let mut rest = example;
    while let Some(open) = rest.find('[') {
        let (before, after) = rest.split_at(open);
        out.text.push_str(before);
        chars += before.chars().count();
        match annotation(&after[1..]) {
            Some((value, entity, role, used)) => {
                let n = value.chars().count();
                out.text.push_str(value);
                out.spans.push(SpanLabel {
                    start: chars,
                    end: chars + n,
                    entity: entity.to_owned(),
                    role: role.map(str::to_owned),
                });
                chars += n;
                rest = &after[1 + used..];
            }
            None => {
                out.text.push('[');
                chars += 1;
                rest = &after[1..];
            }
        }
    }
    out.text.push_str(rest);
    out
}

/// `TEXT](ENTITY[:ROLE])…` → (text, entity, role, bytes used after the `[`).
fn annotation(s: &str) -> Option<(&str, &str, Option<&str>, usize)> {
    let close = s.find(']')?;
    let value = &s[..close];
    let tail = s[close + 1..].strip_prefix('(')?;
    let end = tail.find(')')?;
    let label = &tail[..end];
    let (entity, role) = match label.split_once(':') {
        Some((e, r)) => (e.trim(), Some(r.trim()).filter(|r| !r.is_empty())),
        None => (label.trim(), None),
    };
    let ok = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
    };
    if value.is_empty() || value.contains('[') || !ok(entity) || !role.is_none_or(ok) {
        return None;
    }
    Some((value, entity, role, close + 2 + end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entities_roles_and_keeps_stray_brackets() {
        let a = parse("fly from [Lahore](city:from) to [Dubai](city:to) [x] [y](z");
        assert_eq!(a.text, "fly from Lahore to Dubai [x] [y](z");
        assert_eq!(
            a.spans,
            [
                SpanLabel {
                    start: 9,
                    end: 15,
                    entity: "city".into(),
                    role: Some("from".into())
                },
                SpanLabel {
                    start: 19,
                    end: 24,
                    entity: "city".into(),
                    role: Some("to".into())
                },
            ]
        );
        let b = parse("play [Für Elise](song) now");
        assert_eq!(b.text, "play Für Elise now");
        assert_eq!((b.spans[0].start, b.spans[0].end), (5, 14));
        assert_eq!(parse("[](x) [a](b c)").spans, []);
    }
}

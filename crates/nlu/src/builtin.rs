//! Built-in entities every bot gets: `yes_no`, `number` (digits and number words), `money`
//! (`$299`, `50 euros`, `USD 20` → `299 USD`).

use crate::text::{Token, char_offset};
use colloquy_core::Entity;
use regex::Regex;

/// Compiled built-in patterns.
#[derive(Debug, Clone)]
pub struct Builtins {
    yes: Regex,
    no: Regex,
    number: Regex,
    money: Regex,
}

#[allow(clippy::expect_used)] // constant patterns, covered by tests
fn fixed(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in pattern")
}

const NUMBER_WORDS: &[(&str, u32)] = &[
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("hundred", 100),
];

/// The value of a number word (`three` → 3).
pub fn number_word(word: &str) -> Option<u32> {
    NUMBER_WORDS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, n)| *n)
}

fn currency(sym: &str) -> &'static str {
    match sym.to_lowercase().as_str() {
        "$" | "usd" | "dollar" | "dollars" | "bucks" => "USD",
        "€" | "eur" | "euro" | "euros" => "EUR",
        "£" | "gbp" | "pound" | "pounds" => "GBP",
        "pkr" | "rupee" | "rupees" | "rs" => "PKR",
        "aed" | "dirham" | "dirhams" => "AED",
        _ => "",
    }
}

impl Default for Builtins {
    fn default() -> Self {
        Builtins {
            yes: fixed(
                r"(?i)\b(yes|yeah|yep|yup|sure|ok|okay|confirm|correct|absolutely|of course|y)\b",
            ),
            no: fixed(r"(?i)\b(no|nope|nah|negative|n|not now|cancel it)\b"),
            number: fixed(r"\b\d{1,15}(?:\.\d{1,6})?\b"),
            money: fixed(
                r"(?i)(?:([$€£])\s?(\d{1,12}(?:[.,]\d{1,2})?)|\b(usd|eur|gbp|pkr|aed|rs)\.?\s?(\d{1,12}(?:[.,]\d{1,2})?)\b|\b(\d{1,12}(?:[.,]\d{1,2})?)\s?(usd|eur|gbp|pkr|aed|dollars?|bucks|euros?|pounds?|rupees?|dirhams?)\b)",
            ),
        }
    }
}

impl Builtins {
    /// Built-in entities in `text` (`tokens` are its words).
    pub fn find(&self, text: &str, tokens: &[Token]) -> Vec<Entity> {
        let mut found = Vec::new();
        for (re, value) in [(&self.yes, "yes"), (&self.no, "no")] {
            if let Some(m) = re.find(text) {
                found.push(entity("yes_no", value, text, m.start(), m.end()));
            }
        }
        for m in self.number.find_iter(text) {
            found.push(entity("number", m.as_str(), text, m.start(), m.end()));
        }
        for t in tokens {
            if let Some(n) = number_word(&t.norm) {
                found.push(entity("number", &n.to_string(), text, t.start, t.end));
            }
        }
        for c in self.money.captures_iter(text) {
            let Some(whole) = c.get(0) else { continue };
            let (amount, unit) = match (c.get(1), c.get(3), c.get(6)) {
                (Some(sym), _, _) => (c.get(2), sym.as_str()),
                (_, Some(code), _) => (c.get(4), code.as_str()),
                (_, _, Some(word)) => (c.get(5), word.as_str()),
                _ => continue,
            };
            let Some(amount) = amount else { continue };
            let value = format!("{} {}", amount.as_str().replace(',', "."), currency(unit));
            found.push(entity("money", &value, text, whole.start(), whole.end()));
        }
        found
    }
}

/// An entity without role over bytes `[start, end)` of `text`.
pub fn entity(kind: &str, value: &str, text: &str, start: usize, end: usize) -> Entity {
    Entity {
        kind: kind.to_owned(),
        role: None,
        value: value.to_owned(),
        raw: text[start..end].to_owned(),
        span: (char_offset(text, start), char_offset(text, end)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    fn values(text: &str, kind: &str) -> Vec<String> {
        Builtins::default()
            .find(text, &tokens(text))
            .into_iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.value)
            .collect()
    }

    #[test]
    fn yes_no_numbers_and_money() {
        assert_eq!(values("yes please", "yes_no"), ["yes"]);
        assert_eq!(values("Nope.", "yes_no"), ["no"]);
        assert!(values("I know", "yes_no").is_empty());
        assert_eq!(values("2 seats and three bags", "number"), ["2", "3"]);
        assert_eq!(
            values("under $299 or 50 euros", "money"),
            ["299 USD", "50 EUR"]
        );
        assert_eq!(values("PKR 20000", "money"), ["20000 PKR"]);
    }
}

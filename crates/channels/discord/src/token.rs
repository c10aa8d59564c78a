//! The bot token: kept out of logs and `Debug` output.

use std::fmt;

/// A Discord bot token. `Debug` and `Display` print `<redacted>`; only the `Authorization` header sees it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token as read from the environment (a leading `Bot ` is accepted and removed).
    pub fn new(raw: &str) -> Self {
        let t = raw.trim();
        Token(t.strip_prefix("Bot ").unwrap_or(t).trim().to_owned())
    }

    /// The bare token (for serenity's client, which adds `Bot ` itself).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `Bot <token>`, the `Authorization` header value.
    pub fn header_value(&self) -> String {
        format!("Bot {}", self.0)
    }

    /// True if nothing is left after trimming.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let t = Token::new(" Bot abc.def ");
        assert_eq!(t.expose(), "abc.def");
        assert_eq!(format!("{t:?} {t}"), "Token(<redacted>) <redacted>");
        assert_eq!(t.header_value(), "Bot abc.def");
    }
}

//! Protocol lines ↔ the common message shape.

use colloquy_channel::{Inbound, Measure, Outbound, split_text};

/// Channel name in session keys.
pub const CHANNEL: &str = "line_tcp";

/// One parsed client line.
#[derive(Debug, PartialEq, Eq)]
pub enum ClientLine<'a> {
    /// `HELLO <user>`
    Hello(&'a str),
    /// `MSG <id> <text>`
    Message {
        /// Platform message id.
        id: &'a str,
        /// Text.
        text: &'a str,
    },
}

/// Parses a client line; the error is the reason sent back with `ERR`.
pub fn parse_line(line: &str) -> Result<ClientLine<'_>, &'static str> {
    let line = line.trim_end_matches(['\r', '\n']);
    if let Some(user) = line.strip_prefix("HELLO ") {
        let user = user.trim();
        return if user.is_empty() || user.contains(char::is_whitespace) {
            Err("HELLO needs one user name without spaces")
        } else {
            Ok(ClientLine::Hello(user))
        };
    }
    if let Some(rest) = line.strip_prefix("MSG ") {
        let (id, text) = rest
            .split_once(' ')
            .ok_or("MSG needs an id and a text: MSG <id> <text>")?;
        if id.is_empty() || text.trim().is_empty() {
            return Err("MSG needs an id and a text: MSG <id> <text>");
        }
        return Ok(ClientLine::Message { id, text });
    }
    Err("unknown command; use HELLO <user> or MSG <id> <text>")
}

/// The inbound message for `text` from `user`.
pub fn inbound(bot: &str, user: &str, id: &str, text: &str) -> Inbound {
    Inbound {
        bot: bot.to_owned(),
        channel: CHANNEL.into(),
        conversation: user.to_owned(),
        user: user.to_owned(),
        display_name: None,
        text: text.to_owned(),
        message_id: Some(id.to_owned()),
        at_ms: 0,
        reply_to: None,
    }
}

/// `BOT` lines for replies: each message split at `max_chars`, line breaks inside a part become spaces
/// (the protocol is one line per part); quick replies follow as one `OPTIONS 1) yes 2) no` line.
pub fn render(messages: &[Outbound], max_chars: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for m in messages {
        for part in split_text(&m.text, max_chars, Measure::Chars) {
            lines.push(format!("BOT {}\n", part.replace(['\r', '\n'], " ")));
        }
        if !m.quick_replies.is_empty() {
            let options: Vec<String> = m
                .quick_replies
                .iter()
                .enumerate()
                .map(|(i, q)| format!("{}) {}", i + 1, q.replace(['\r', '\n'], " ")))
                .collect();
            lines.push(format!("OPTIONS {}\n", options.join(" ")));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_lines() {
        assert_eq!(parse_line("HELLO ana\r\n"), Ok(ClientLine::Hello("ana")));
        assert_eq!(
            parse_line("MSG 7 from Lahore"),
            Ok(ClientLine::Message {
                id: "7",
                text: "from Lahore"
            })
        );
        assert!(parse_line("MSG 7").is_err());
        assert!(parse_line("HELLO a b").is_err());
        assert!(parse_line("hi").is_err());
    }

    #[test]
    fn renders_split_lines_and_numbered_quick_replies() {
        let m = Outbound {
            text: "Confirm? (yes/no)".into(),
            quick_replies: vec!["yes".into(), "no".into()],
        };
        assert_eq!(
            render(&[m], 100),
            ["BOT Confirm? (yes/no)\n", "OPTIONS 1) yes 2) no\n"]
        );
        assert_eq!(
            render(&[Outbound::text("aaa bbb\nccc")], 7),
            ["BOT aaa bbb\n", "BOT ccc\n"]
        );
    }
}

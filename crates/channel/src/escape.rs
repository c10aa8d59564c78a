//! Per-platform escaping of plain text. Adapters that send with a markup mode escape bot text with these.

/// Escapes text for Telegram's `MarkdownV2` parse mode (every reserved character gets a backslash).
pub fn telegram_markdown_v2(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(
            c,
            '_' | '*'
                | '['
                | ']'
                | '('
                | ')'
                | '~'
                | '`'
                | '>'
                | '#'
                | '+'
                | '-'
                | '='
                | '|'
                | '{'
                | '}'
                | '.'
                | '!'
                | '\\'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes text for Telegram's `HTML` parse mode.
pub fn telegram_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes Discord markdown and defuses mass mentions (`@everyone`, `@here`) with a zero-width space.
pub fn discord_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out.replace("@everyone", "@\u{200b}everyone")
        .replace("@here", "@\u{200b}here")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_reserved_characters() {
        assert_eq!(
            telegram_markdown_v2("Price: $299.00 (incl. tax)!"),
            "Price: $299\\.00 \\(incl\\. tax\\)\\!"
        );
        assert_eq!(telegram_html("a<b & c>"), "a&lt;b &amp; c&gt;");
        assert_eq!(
            discord_markdown("*hi* @everyone"),
            "\\*hi\\* @\u{200b}everyone"
        );
    }
}

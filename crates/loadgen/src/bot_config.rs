//! A copy of a bot file with a few keys overridden, edited line by line so comments and layout survive.

/// Sets `key = value` (value written verbatim, e.g. `"per_turn"` with its quotes) in `[section]` of a
/// TOML document: replaces the key's line if the section has it, adds it right after the section header
/// otherwise, and appends the section if there is none. Only plain `[section]` headers and one-line
/// `key = value` entries are understood, which is all a bot file's `[storage]` and `[runtime]` use.
pub fn set_key(toml: &str, section: &str, key: &str, value: &str) -> String {
    let header = format!("[{section}]");
    let entry = format!("{key} = {value}");
    let mut out = Vec::new();
    let (mut in_section, mut seen_section, mut done) = (false, false, false);
    for line in toml.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_section = trimmed == header;
            if in_section {
                seen_section = true;
                out.push(line.to_owned());
                if !done && !section_has_key(toml, &header, key) {
                    out.push(entry.clone());
                    done = true;
                }
                continue;
            }
        }
        if in_section && !done && key_of(trimmed) == Some(key) {
            out.push(entry.clone());
            done = true;
            continue;
        }
        out.push(line.to_owned());
    }
    if !seen_section {
        out.push(String::new());
        out.push(header);
        out.push(entry);
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// The key of a `key = value` line.
fn key_of(line: &str) -> Option<&str> {
    let (k, _) = line.split_once('=')?;
    let k = k.trim();
    (!k.is_empty() && !k.starts_with('#')).then_some(k)
}

/// True if the section with this header line has `key`.
fn section_has_key(toml: &str, header: &str, key: &str) -> bool {
    let mut inside = false;
    for line in toml.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = t == header;
        } else if inside && key_of(t) == Some(key) {
            return true;
        }
    }
    false
}

/// The bot file with `[storage] durability` and `[runtime] idle_timeout_secs` set (so no session is
/// passivated during a benchmark).
pub fn for_benchmark(toml: &str, durability: &str, idle_timeout_secs: u64) -> String {
    let text = set_key(toml, "storage", "durability", &format!("\"{durability}\""));
    set_key(
        &text,
        "runtime",
        "idle_timeout_secs",
        &idle_timeout_secs.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_adds_and_appends() {
        let src =
            "[storage]\n# when\ndurability = \"interval\"\n\n[runtime]\nmailbox_capacity = 32\n";
        let out = for_benchmark(src, "per_turn", 86_400);
        assert_eq!(
            out,
            "[storage]\n# when\ndurability = \"per_turn\"\n\n[runtime]\nidle_timeout_secs = 86400\nmailbox_capacity = 32\n"
        );
        let out = for_benchmark("[bot]\nname = \"x\"\n", "interval", 5);
        assert!(out.contains("[storage]\ndurability = \"interval\""));
        assert!(out.contains("[runtime]\nidle_timeout_secs = 5"));
        // A key of the same name in another section is left alone.
        let out = set_key(
            "[a]\ndurability = 1\n[storage]\n",
            "storage",
            "durability",
            "2",
        );
        assert_eq!(out, "[a]\ndurability = 1\n[storage]\ndurability = 2\n");
    }
}

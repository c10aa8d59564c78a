//! Reply templates: `{slot}` reads a value, `{table[slot]}` looks the value up in a named table, and
//! `{?slot:text}` renders `text` (itself a template) only when `slot` has a value — for optional slots:
//! `"Confirm booking from {from_city} to {to_city}{?date: on {date}}?"`.
//!
//! Hand-written because the syntax is two rules and must never fail: an unknown name renders as-is, so a
//! typo shows up in the reply instead of crashing a turn (`colloquy check` reports unknown names up front).

use crate::value::Data;
use std::collections::BTreeMap;

/// Lookup tables by name (`weather` → city → answer). The key `_default` answers unknown values.
pub type Tables = BTreeMap<String, BTreeMap<String, String>>;

/// Renders `template` with values from `vars` (first match wins) and `tables`.
pub fn render(template: &str, vars: &[&Data], tables: &Tables) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if let Some((name, body, used)) = conditional(after) {
            if lookup(name.trim(), vars).is_some() {
                out.push_str(&render(body, vars, tables));
            }
            rest = &after[used..];
            continue;
        }
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match resolve(name, vars, tables) {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// `?name:body}` (after the opening brace) → (name, body, bytes used including the closing brace).
/// The body may hold `{…}` references one level deep.
fn conditional(after: &str) -> Option<(&str, &str, usize)> {
    let rest = after.strip_prefix('?')?;
    let colon = rest.find(':')?;
    let name = &rest[..colon];
    if name.contains(['{', '}']) {
        return None;
    }
    let mut depth = 0usize;
    for (i, c) in rest[colon + 1..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                let body = &rest[colon + 1..colon + 1 + i];
                return Some((name, body, 1 + colon + 1 + i + 1));
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn lookup(name: &str, vars: &[&Data]) -> Option<String> {
    vars.iter().find_map(|d| d.get(name)).map(|v| v.to_string())
}

fn resolve(name: &str, vars: &[&Data], tables: &Tables) -> Option<String> {
    let name = name.trim();
    if let Some((table, key)) = name.strip_suffix(']').and_then(|n| n.split_once('[')) {
        let table = tables.get(table.trim())?;
        let key = lookup(key.trim(), vars)?;
        let hit = table
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&key))
            .map(|(_, v)| v)
            .or_else(|| table.get("_default"))?;
        return Some(render(hit, vars, &Tables::new()));
    }
    lookup(name, vars)
}

/// The names a template refers to: `(table, var)` pairs, table empty for plain `{var}`.
pub fn references(template: &str) -> Vec<(String, String)> {
    let mut refs = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some((name, body, used)) = conditional(after) {
            refs.push((String::new(), name.trim().to_owned()));
            refs.extend(references(body));
            rest = &after[used..];
            continue;
        }
        let Some(close) = after.find('}') else { break };
        let name = after[..close].trim();
        match name.strip_suffix(']').and_then(|n| n.split_once('[')) {
            Some((t, k)) => refs.push((t.trim().to_owned(), k.trim().to_owned())),
            None => refs.push((String::new(), name.to_owned())),
        }
        rest = &after[close + 1..];
    }
    refs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SlotValue;

    #[test]
    fn renders_vars_tables_and_leaves_unknowns() {
        let mut d = Data::new();
        d.insert("city".into(), SlotValue::from("Dubai"));
        let mut t = Tables::new();
        t.insert(
            "weather".into(),
            [("dubai".to_string(), "Sunny in {city}".to_string())].into(),
        );
        assert_eq!(
            render("{city}: {weather[city]} {nope} {", &[&d], &t),
            "Dubai: Sunny in Dubai {nope} {"
        );
        assert_eq!(
            render("to {city}{?date: on {date}}{?nope: never}!", &[&d], &t),
            "to Dubai!"
        );
        d.insert("date".into(), SlotValue::from("2026-11-26"));
        assert_eq!(
            render("to {city}{?date: on {date}}!", &[&d], &t),
            "to Dubai on 2026-11-26!"
        );
        assert_eq!(
            render("{?date: unclosed {x}", &[&d], &t),
            "{?date: unclosed {x}"
        );
        assert_eq!(
            references("{?date: on {date} {t[y]}}"),
            vec![
                ("".into(), "date".into()),
                ("".into(), "date".into()),
                ("t".into(), "y".into())
            ]
        );
        assert_eq!(
            references("a {x} {t[y]}"),
            vec![("".into(), "x".into()), ("t".into(), "y".into())]
        );
    }
}

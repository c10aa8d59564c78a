//! What an operator sees for a bad bot file: inline TOML in, the exact located messages out.
//!
//! Each case is a whole (small) bot file so that the line numbers in the expectations can be read off the
//! text. Messages are compared with the `Display` of each [`colloquy_flow::Diagnostic`]:
//! `file:line:col: path: message\n  help: ...`.

#![allow(clippy::unwrap_used)]

use colloquy_flow::{Diagnostics, load_file, load_str, load_str_in};

/// Loads `text` as `bot.toml` and returns every diagnostic, rendered; panics if the bot loads.
#[track_caller]
fn diagnostics_of(text: &str) -> Diagnostics {
    match load_str("bot.toml", text) {
        Ok(_) => panic!("expected diagnostics, but the bot loaded:\n{text}"),
        Err(d) => d,
    }
}

/// Asserts that loading `text` reports exactly `expected`, in order.
#[track_caller]
fn check(text: &str, expected: &[&str]) {
    let got: Vec<String> = diagnostics_of(text)
        .0
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(got, expected, "for bot file:\n{text}");
}

#[test]
fn toml_syntax_error_is_located_without_a_path() {
    check(
        r#"[bot]
name = "t
fallback = "?"
help = "h"
"#,
        &["bot.toml:2:10: invalid basic string\n  help: fix the TOML syntax at this position"],
    );
}

#[test]
fn duplicate_key_is_a_syntax_error() {
    check(
        r#"[bot]
name = "t"
name = "u"
fallback = "?"
help = "h"
"#,
        &[
            "bot.toml:3:1: duplicate key `name` in table `bot`\n  help: fix the TOML syntax at this position",
        ],
    );
}

#[test]
fn unknown_key_in_a_nested_table_lists_the_expected_keys() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[entities.city]
values = ["Lahore"]

[contexts.c]
initial = "S"

[contexts.c.slots.x]
type = "list"
entity = "city"
promt = "Which city?"

[contexts.c.states.S]
end = "complete"
"#,
        &[
            "bot.toml:15:1: unknown field `promt`, expected one of `type`, `entity`, `role`, `optional`, `prompt`, `reprompt`, `question`\n  help: remove the key or fix its spelling; the expected keys are listed above",
        ],
    );
}

#[test]
fn unknown_key_in_an_inline_table_points_at_the_key() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[contexts.c]
initial = "S"
digressions = { allow_awya = true }

[contexts.c.states.S]
end = "complete"
"#,
        &[
            "bot.toml:8:17: unknown field `allow_awya`, expected one of `allow_into`, `allow_away`, `returns`\n  help: remove the key or fix its spelling; the expected keys are listed above",
        ],
    );
}

#[test]
fn misspelled_table_name_in_a_header_points_at_the_segment() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[contexts.c]
initial = "S"

[contexts.c.slot.x]
type = "text"

[contexts.c.states.S]
end = "complete"
"#,
        &[
            "bot.toml:9:13: unknown field `slot`, expected one of `title`, `triggers`, `initial`, `max_attempts`, `give_up`, `digressions`, `slots`, `states`, `on_event`, `subscribe`\n  help: remove the key or fix its spelling; the expected keys are listed above",
        ],
    );
}

#[test]
fn unknown_enum_value_lists_the_allowed_values() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[contexts.c]
initial = "S"

[contexts.c.states.S]
end = "finish"
"#,
        &[
            "bot.toml:10:7: unknown variant `finish`, expected `complete` or `cancel`\n  help: change the value to the expected type or one of the listed values",
        ],
    );
}

#[test]
fn missing_required_key_points_at_its_table() {
    check(
        r#"[bot]
name = "t"
help = "h"
"#,
        &["bot.toml:1:1: missing field `fallback`\n  help: add the missing key"],
    );
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[contexts.c]
title = "c"

[contexts.c.states.S]
end = "complete"
"#,
        &["bot.toml:6:1: missing field `initial`\n  help: add the missing key"],
    );
}

#[test]
fn transition_to_unknown_state_points_at_the_to_key() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[contexts.c]
initial = "S"

[contexts.c.states.S]
on_yes = { to = "DONE", say = "ok" }
on_no = "NOWHERE"
on_input.to = "ELSEWHERE"
"#,
        &[
            "bot.toml:10:12: contexts.c.states.S.on_yes.to: transition to unknown state `DONE`\n  help: use one of: S",
            "bot.toml:11:1: contexts.c.states.S.on_no: transition to unknown state `NOWHERE`\n  help: use one of: S",
            "bot.toml:12:10: contexts.c.states.S.on_input.to: transition to unknown state `ELSEWHERE`\n  help: use one of: S",
        ],
    );
}

#[test]
fn collect_of_an_undefined_slot() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[contexts.c]
initial = "S"

[contexts.c.slots.name]
type = "text"
prompt = "Your name?"

[contexts.c.states.S]
collect = ["name", "city"]
on_filled = { end = "complete" }
"#,
        &[
            "bot.toml:14:1: contexts.c.states.S.collect: slot `city` is not defined\n  help: define [contexts.c.slots.city] or use one of: name",
        ],
    );
}

#[test]
fn list_slot_with_an_undefined_entity() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[entities.city]
values = ["Lahore"]

[contexts.c]
initial = "S"

[contexts.c.slots.x]
type = "list"
entity = "town"
prompt = "Which?"

[contexts.c.states.S]
collect = ["x"]
on_filled = { end = "complete" }
"#,
        &[
            "bot.toml:14:1: contexts.c.slots.x.entity: entity `town` is not defined\n  help: define [entities.town] or use one of: city",
        ],
    );
}

#[test]
fn slot_role_the_entity_does_not_have() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[entities.city]
values = ["Lahore"]
roles = { from = ["from"], to = ["to"] }

[contexts.c]
initial = "S"

[contexts.c.slots.x]
type = "list"
entity = "city"
role = "via"
prompt = "Which?"

[contexts.c.states.S]
collect = ["x"]
on_filled = { end = "complete" }
"#,
        &[
            "bot.toml:16:1: contexts.c.slots.x.role: entity `city` has no role `via`\n  help: add `via = [\"...\"]` to [entities.city.roles] or use one of: from, to",
        ],
    );
}

#[test]
fn trigger_naming_an_undefined_intent() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[intents.hi]
patterns = ['\bhi\b']

[contexts.c]
triggers = ["hello"]
initial = "S"

[contexts.c.states.S]
end = "complete"
"#,
        &[
            "bot.toml:10:1: contexts.c.triggers: trigger `hello` is not a defined intent\n  help: define [intents.hello] or use one of: hi",
        ],
    );
}

#[test]
fn two_contexts_sharing_a_trigger() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[intents.hi]
patterns = ['\bhi\b']

[contexts.a]
triggers = ["hi"]
initial = "S"

[contexts.a.states.S]
end = "complete"

[contexts.b]
triggers = ["hi"]
initial = "S"

[contexts.b.states.S]
end = "complete"
"#,
        &[
            "bot.toml:17:1: contexts.b.triggers: intent `hi` already triggers context `a`\n  help: an intent can start only one context; remove it from one of them",
        ],
    );
}

#[test]
fn invalid_regex_pattern() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[intents.hi]
patterns = ['\bhi\b', '(unclosed']
"#,
        &[
            "bot.toml:7:1: intents.hi.patterns: pattern \"(unclosed\" is not a valid regular expression: error: unclosed group\n  help: fix the regex (Rust `regex` syntax; in TOML prefer 'single quotes' so backslashes stay literal)",
        ],
    );
}

#[test]
fn template_with_unknown_slot_and_unknown_table() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[tables.greetings]
_default = "Hello"

[contexts.c]
initial = "S"

[contexts.c.slots.x]
type = "text"
prompt = "Name?"

[contexts.c.states.S]
collect = ["x"]
on_filled = { say = "Hi {name}, {greeting[x]}", end = "complete" }
"#,
        &[
            "bot.toml:18:15: contexts.c.states.S.on_filled.say: template uses `{name}`, which is not a slot of this context\n  help: use one of: x",
            "bot.toml:18:15: contexts.c.states.S.on_filled.say: template uses table `greeting`, which is not defined\n  help: define [tables.greeting] or use one of: greetings",
        ],
    );
}

#[test]
fn event_reply_template_with_unknown_table_but_any_event_field() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[events.price_change]
say = "Now {new_price} ({fx[currency]})"
"#,
        &[
            "bot.toml:7:1: events.price_change.say: template uses table `fx`, which is not defined\n  help: define [tables.fx] or use one of: (none defined)",
        ],
    );
}

#[test]
fn state_with_no_way_out_points_at_its_header() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[contexts.c]
initial = "S"

[contexts.c.states.S]
say = "I am stuck here."
"#,
        &[
            "bot.toml:9:20: contexts.c.states.S: state `S` has no way out\n  help: add `end`, `on_input`, `on_yes`/`on_no`, or `collect` with `on_filled`",
        ],
    );
}

#[test]
fn several_problems_are_all_reported_at_once_sorted_by_line() {
    // Validation visits contexts alphabetically (`a` before `z`); the report must follow the file instead.
    let text = r#"[bot]
name = "t"
fallback = "?"
help = "h"
max_depth = 0

[intents.hi]
patterns = ['\bhi\b', '(unclosed']

[contexts.z]
triggers = ["hi", "bye"]
initial = "START"

[contexts.z.states.START]
on_yes = "GONE"

[contexts.a]
triggers = ["hi"]
initial = "S"

[contexts.a.slots.x]
type = "list"
entity = "town"
prompt = "Which {y}?"

[contexts.a.states.S]
collect = ["x", "w"]
on_filled = { say = "{t[x]}", end = "complete" }
"#;
    let expected = [
        "bot.toml:5:1: bot.max_depth: max_depth must be at least 1\n  help: use 4 (the default) unless you need deeper digressions",
        "bot.toml:8:1: intents.hi.patterns: pattern \"(unclosed\" is not a valid regular expression: error: unclosed group\n  help: fix the regex (Rust `regex` syntax; in TOML prefer 'single quotes' so backslashes stay literal)",
        "bot.toml:11:1: contexts.z.triggers: trigger `bye` is not a defined intent\n  help: define [intents.bye] or use one of: hi",
        "bot.toml:11:1: contexts.z.triggers: intent `hi` already triggers context `a`\n  help: an intent can start only one context; remove it from one of them",
        "bot.toml:15:1: contexts.z.states.START.on_yes: transition to unknown state `GONE`\n  help: use one of: START",
        "bot.toml:23:1: contexts.a.slots.x.entity: entity `town` is not defined\n  help: define [entities.town] or use one of: (none defined)",
        "bot.toml:24:1: contexts.a.slots.x.prompt: template uses `{y}`, which is not a slot of this context\n  help: use one of: x",
        "bot.toml:27:1: contexts.a.states.S.collect: slot `w` is not defined\n  help: define [contexts.a.slots.w] or use one of: x",
        "bot.toml:28:15: contexts.a.states.S.on_filled.say: template uses table `t`, which is not defined\n  help: define [tables.t] or use one of: (none defined)",
    ];
    check(text, &expected);

    let all = diagnostics_of(text);
    let lines: Vec<usize> = all.0.iter().map(|d| d.line).collect();
    assert!(lines.is_sorted(), "not in file order: {lines:?}");
    let report = all.to_string();
    assert!(report.starts_with("error: bot.toml:5:1: bot.max_depth: "));
    assert!(report.ends_with("\n9 error(s)"), "{report}");
}

#[test]
fn shipped_flight_bot_loads_without_diagnostics() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/flight-bot.toml");
    if let Err(d) = load_file(&path) {
        panic!("config/flight-bot.toml has diagnostics:\n{d}");
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let (file, bot) = load_str_in("flight-bot.toml", &text, path.parent().unwrap()).unwrap();
    assert_eq!(bot.name(), "flight-bot");
    assert!(file.contexts.contains_key("booking") && file.contexts.contains_key("weather"));
}

#[test]
fn missing_file_is_a_diagnostic_not_a_panic() {
    let d = load_file(std::path::Path::new("/nonexistent/colloquy/bot.toml")).unwrap_err();
    assert_eq!(d.0.len(), 1);
    assert_eq!((d.0[0].line, d.0[0].column), (0, 0));
    assert!(
        d.0[0]
            .to_string()
            .starts_with("/nonexistent/colloquy/bot.toml:0:0: cannot read the bot file: "),
        "{}",
        d.0[0]
    );
}

#[test]
fn typo_inside_a_transition_table_names_the_key() {
    let d = diagnostics_of(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[contexts.c]
initial = "S"

[contexts.c.states.S]
on_yes = { too = "S" }
"#,
    );
    let text = d.to_string();
    assert!(
        text.contains("unknown field `too`, expected one of `to`, `say`, `clear`, `end`"),
        "{text}"
    );
}

#[test]
fn event_handler_and_give_up_templates_are_checked() {
    let d = diagnostics_of(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[contexts.c]
initial = "S"
give_up = "bye {nope}"

[contexts.c.states.S]
end = "complete"

[contexts.c.on_event.ping]
say = "{missing[x]} {any_event_field}"
"#,
    );
    let got: Vec<String> =
        d.0.iter()
            .map(|d| format!("{}:{} {}", d.line, d.path, d.message))
            .collect();
    assert_eq!(
        got,
        [
            "8:contexts.c.give_up template uses `{nope}`, which is not a slot of this context",
            "14:contexts.c.on_event.ping.say template uses table `missing`, which is not defined",
        ]
    );
}

#[test]
fn nlu_settings_entities_and_slots_are_checked_with_exact_messages() {
    check(
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[nlu]
clarify_margin = 1.5
utc_offset = "5h"
clarify = "Pick {one}"

[intents.out_of_scope]
examples = ["nope"]

[intents.play]
examples = ["play [Yesterday](song)"]

[entities.song]

[entities.artist]

[entities.code]
pattern = '('
fuzzy = 2.0

[contexts.c]
initial = "S"

[contexts.c.slots.x]
type = "list"
entity = "song"

[contexts.c.slots.when]
type = "date"
optional = true

[contexts.c.states.S]
collect = ["x", "when"]
on_filled = { end = "complete" }
"#,
        &[
            "bot.toml:7:1: nlu.clarify_margin: clarify_margin must be between 0 and 1\n  help: use 0.1 (the default), or 0 to never ask which intent was meant",
            "bot.toml:8:1: nlu.utc_offset: utc_offset \"5h\" is not an offset like \"+05:00\"\n  help: write a sign, two-digit hours and minutes: \"+05:00\", \"-03:30\", \"+00:00\"",
            "bot.toml:9:1: nlu.clarify: `{one}` is not available here\n  help: use {options}",
            "bot.toml:11:10: intents.out_of_scope: the intent name `out_of_scope` is reserved\n  help: put out-of-scope examples in [nlu] out_of_scope = [...]",
            "bot.toml:19:11: entities.artist: entity `artist` has no values, gazetteer or pattern, and no example annotates it\n  help: list `values`, or annotate examples like \"play [Yesterday](artist)\" so it is learned",
            "bot.toml:22:1: entities.code.pattern: pattern \"(\" is not a valid regular expression: error: unclosed group\n  help: fix the regex (Rust `regex` syntax; in TOML prefer 'single quotes')",
            "bot.toml:23:1: entities.code.fuzzy: fuzzy must be between 0 and 1\n  help: use 0.8 (the default) or 1 to turn typo matching off",
            "bot.toml:28:19: contexts.c.slots.x: slot `x` has no `prompt`\n  help: add prompt = \"...\" (the question that asks for it) or optional = true",
        ],
    );
}

#[test]
fn an_unreadable_data_file_is_located_at_its_entry() {
    let d = load_str(
        "bot.toml",
        r#"[bot]
name = "t"
fallback = "?"
help = "h"

[nlu]
data = ["missing/examples.csv"]
"#,
    )
    .map(|_| ())
    .unwrap_err();
    let text = d.to_string();
    assert!(
        text.starts_with("error: bot.toml:7:1: nlu.data.0: cannot read ./missing/examples.csv: "),
        "{text}"
    );
}

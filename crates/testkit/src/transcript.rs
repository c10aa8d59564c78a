//! Data-driven conversation tests.
//!
//! A script is one step per line (blank lines and `#` comments are skipped):
//!
//! ```text
//! user: I want to book a flight
//! bot: Starting new booking. Please specify departure city.
//! event: price_change new_price=$299
//! bot: Alert: Price changed to $299
//! stack: booking/COLLECTING_INFO > weather/ASK
//! wait: 10m
//! bot: Are you still there?
//! timers: booking/nudge
//! topics: fare:Lahore-Dubai
//! ```
//!
//! After each `user:`, `event:` or `wait:` line, the `bot:` lines that follow must equal the replies exactly
//! and in order (a `bot:` line ending in `...` matches by prefix). Each input moves the test clock one
//! second; `wait: 10m` moves it further and fires the timers then due. `stack:` checks the context stack
//! bottom to top (`(empty)` for none); `timers:` the pending timers as `owner/id` in due order, and
//! `topics:` the followed topics, comma-separated (`(none)` for none).

use colloquy_core::{Event, Session, SlotValue};
use colloquy_flow::Bot;

/// Runs `script` against a fresh session of `bot`; returns the session for further checks.
#[track_caller]
pub fn check_transcript(bot: &Bot, script: &str) -> Session {
    let mut session = Session::default();
    check_transcript_in(bot, &mut session, script);
    session
}

/// Runs `script` against `session`.
#[track_caller]
pub fn check_transcript_in(bot: &Bot, session: &mut Session, script: &str) {
    let mut pending: Vec<String> = Vec::new();
    let mut last_input = String::from("(start)");
    let mut now = 1_000u64;
    for (n, raw) in script.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (tag, rest) = line.split_once(':').unwrap_or((line, ""));
        let rest = rest.trim();
        match tag.trim() {
            "user" => {
                expect_consumed(&pending, &last_input, n);
                now += 1_000;
                pending = bot.respond(session, rest, now).replies;
                pending.reverse();
                last_input = format!("user: {rest}");
            }
            "event" => {
                expect_consumed(&pending, &last_input, n);
                now += 1_000;
                let event = parse_event(rest);
                pending = bot.deliver(session, &event, now).replies;
                pending.reverse();
                last_input = format!("event: {rest}");
            }
            "wait" => {
                expect_consumed(&pending, &last_input, n);
                let by = humantime::parse_duration(rest).unwrap_or_else(|e| {
                    panic!("line {}: `wait: {rest}` is not a duration: {e}", n + 1)
                });
                now += by.as_millis() as u64;
                pending = bot
                    .fire_timers(session, now)
                    .map(|t| t.replies)
                    .unwrap_or_default();
                pending.reverse();
                last_input = format!("wait: {rest}");
            }
            "timers" => {
                let got: Vec<String> = session
                    .timers
                    .iter()
                    .map(|t| format!("{}/{}", t.owner, t.id))
                    .collect();
                let got = if got.is_empty() {
                    "(none)".into()
                } else {
                    got.join(", ")
                };
                assert_eq!(got, rest, "line {}: timers after `{last_input}`", n + 1);
            }
            "topics" => {
                let got = session.topics().join(", ");
                let got = if got.is_empty() { "(none)".into() } else { got };
                assert_eq!(got, rest, "line {}: topics after `{last_input}`", n + 1);
            }
            "bot" => match pending.pop() {
                Some(got) => {
                    let ok = match rest.strip_suffix("...") {
                        Some(prefix) => got.starts_with(prefix),
                        None => got == rest,
                    };
                    assert!(
                        ok,
                        "line {}: after `{last_input}`\n  expected bot: {rest}\n  got      bot: {got}",
                        n + 1
                    );
                }
                None => panic!(
                    "line {}: after `{last_input}` expected bot: {rest}\n  but the bot said nothing more",
                    n + 1
                ),
            },
            "stack" => {
                let got = describe_stack(session);
                assert_eq!(got, rest, "line {}: stack after `{last_input}`", n + 1);
            }
            other => panic!(
                "line {}: unknown tag `{other}` (use user:, bot:, event:, wait:, stack:, timers:, topics:)",
                n + 1
            ),
        }
    }
    expect_consumed(&pending, &last_input, usize::MAX);
}

#[track_caller]
fn expect_consumed(pending: &[String], last_input: &str, n: usize) {
    if let Some(extra) = pending.last() {
        let at = if n == usize::MAX {
            "end of script".to_owned()
        } else {
            format!("line {}", n + 1)
        };
        panic!(
            "{at}: after `{last_input}` the bot also said: {extra}\n  (add a `bot:` line for it)"
        );
    }
}

/// `type key=value key=value` → an [`Event`].
fn parse_event(text: &str) -> Event {
    let mut parts = text.split_whitespace();
    let mut event = Event::new(parts.next().unwrap_or_default());
    for kv in parts {
        if let Some((k, v)) = kv.split_once('=') {
            event.data.insert(k.to_owned(), SlotValue::from(v));
        }
    }
    event
}

/// `ctx/STATE > ctx/STATE`, bottom to top, or `(empty)`.
pub fn describe_stack(session: &Session) -> String {
    if session.stack.is_empty() {
        return "(empty)".into();
    }
    session
        .stack
        .frames()
        .iter()
        .map(|f| format!("{}/{}", f.context, f.state))
        .collect::<Vec<_>>()
        .join(" > ")
}

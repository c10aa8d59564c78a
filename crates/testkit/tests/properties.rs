//! Properties of whole conversations: random sequences of realistic messages and events, run in-process.
//!
//! For every step: no panic, the stack never grows beyond the bot's `max_depth`, the turn's history entries
//! are exactly what was appended to the session's (bounded) history tail, and the session survives a JSON
//! round trip — the copy is equal and answers the rest of the conversation exactly like the original.

#![allow(clippy::unwrap_used)]

use colloquy_core::{Event, HistoryEntry, HistoryKind, Route, Session, Turn};
use colloquy_flow::Bot;
use proptest::prelude::*;
use proptest::sample::select;
use std::sync::LazyLock;

/// Loaded once: loading compiles every regex, which is slow in debug builds.
static FLIGHT_BOT: LazyLock<Bot> = LazyLock::new(colloquy_testkit::flight_bot);

/// Six contexts that may all digress into each other (`goN` starts `cN`), with a shallow stack and a short
/// history tail so that both bounds are reached within a few steps.
static MAZE_BOT: LazyLock<Bot> =
    LazyLock::new(
        || match colloquy_flow::load_str("maze.toml", &maze_toml()) {
            Ok((_, bot)) => bot,
            Err(d) => panic!("maze bot does not load:\n{d}"),
        },
    );

/// Sessions of the maze bot must never hold more than this many contexts.
const MAZE_MAX_DEPTH: usize = 3;

fn maze_toml() -> String {
    let mut t = format!(
        r#"[bot]
name = "maze"
max_depth = {MAZE_MAX_DEPTH}
history_limit = 7
fallback = "Say go1 to go6."
help = "Say go1 to go6; yes finishes a room, no leaves it."

[commands]
cancel = ["cancel"]
restart = ["restart"]
help = ["help"]
"#
    );
    for n in 1..=6 {
        // Room 6 does not return: finishing it drops the rooms it interrupted.
        let returns = n != 6;
        t.push_str(&format!(
            r#"
[intents.go{n}]
patterns = ['\bgo{n}\b']

[contexts.c{n}]
title = "room {n}"
triggers = ["go{n}"]
initial = "ASK"
max_attempts = 1000
digressions = {{ allow_into = true, allow_away = true, returns = {returns} }}

[contexts.c{n}.states.ASK]
prompt = "Room {n}. Done? (yes/no)"
on_yes = {{ say = "Room {n} done.", end = "complete" }}
on_no = {{ say = "Left room {n}.", end = "cancel" }}

[contexts.c{n}.on_event.ping]
say = "Room {n} heard {{msg}}."
"#
        ));
    }
    t
}

/// One thing that happens to a session.
#[derive(Debug, Clone)]
enum Step {
    /// The user says something.
    Say(String),
    /// An event arrives.
    Event(Event),
}

const CITIES: &[&str] = &[
    "Lahore", "Dubai", "Karachi", "London", "Paris", "New York", "Doha", "Tokyo", "DXB", "LHE",
    "JFK", "dubai", "Atlantis",
];

const PHRASES: &[&str] = &[
    // booking
    "I want to book a flight",
    "book me a ticket",
    "I need a plane ticket",
    "flights please",
    "fly from Lahore to Dubai",
    "book a flight from Karachi to London",
    "I want to book a flight from Lahore",
    // weather
    "What's the weather in Dubai?",
    "how's the weather?",
    "weather please",
    "is it sunny in Paris",
    "forecast for Tokyo",
    // commands
    "help",
    "what can you do?",
    "/help",
    "cancel",
    "never mind",
    "stop",
    "/cancel",
    "restart",
    "start again",
    "/restart",
    "/start",
    // answers
    "yes",
    "no",
    "yep",
    "nope",
    "no thanks",
    "sure",
    "y",
    "n",
    "from Lahore",
    "to Dubai",
    "London",
    "New York",
    "actually from Karachi",
    "to Doha please",
    "from LHE to JFK",
    // garbage
    "Atlantis",
    "asdf qwerty",
    "hello there",
    "",
    "   ",
    "\n\t",
    "🙂🙂✈️",
    "مرحبا from دبي",
    "東京へ行きたい",
    "{from_city}",
    "{weather[city]}",
    "{",
    "}{",
    "book {to_city} [x]",
];

fn user_text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => select(PHRASES).prop_map(str::to_owned),
        2 => select(CITIES).prop_map(str::to_owned),
        2 => (select(CITIES), select(CITIES)).prop_map(|(a, b)| format!("from {a} to {b}")),
        1 => "[a-zA-Z0-9 ,.?!']{0,40}",
        1 => ".{0,12}",
        1 => (select(PHRASES), 50..300usize).prop_map(|(p, n)| format!("{p} ").repeat(n)),
        1 => Just("x".repeat(10_000)),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        select(&["$299", "€1,000", "", "{new_price}"][..])
            .prop_map(|p| Event::new("price_change").with("new_price", p)),
        Just(Event::new("price_change").with("new_price", 299.0)),
        Just(Event::new("price_change")),
        Just(Event::new("reminder").with("at", "9:00")),
        Just(Event::new("")),
    ]
}

fn flight_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => user_text().prop_map(Step::Say),
        1 => event().prop_map(Step::Event),
    ]
}

fn maze_step() -> impl Strategy<Value = Step> {
    let words = select(
        &[
            "go1",
            "go2",
            "go3",
            "go4",
            "go5",
            "go6",
            "go2 then go5",
            "yes",
            "no",
            "cancel",
            "restart",
            "help",
            "",
            "hmm",
            "🙂",
        ][..],
    );
    prop_oneof![
        8 => words.prop_map(|w| Step::Say(w.to_owned())),
        1 => Just(Step::Event(Event::new("ping").with("msg", "hi"))),
        1 => Just(Step::Event(Event::new("price_change"))),
    ]
}

/// Runs one step and checks what must hold after every turn; `all` is every history entry so far.
fn run_step(
    bot: &Bot,
    session: &mut Session,
    step: &Step,
    now_ms: u64,
    all: &mut Vec<HistoryEntry>,
) -> Result<Turn, TestCaseError> {
    let engine = bot.engine();
    let (turn, first) = match step {
        Step::Say(text) => (
            bot.respond(session, text, now_ms),
            HistoryKind::In { text: text.clone() },
        ),
        Step::Event(e) => (
            bot.deliver(session, e, now_ms),
            HistoryKind::Event {
                event: e.kind.clone(),
            },
        ),
    };
    let max_depth = engine.config.router.max_depth;
    prop_assert!(
        session.stack.depth() <= max_depth,
        "depth {} > max_depth {max_depth} after {step:?}",
        session.stack.depth()
    );
    prop_assert_eq!(turn.history.first().map(|h| &h.kind), Some(&first));
    prop_assert!(turn.history.iter().all(|h| h.at_ms == now_ms));
    let said: Vec<&String> = turn
        .history
        .iter()
        .filter_map(|h| match &h.kind {
            HistoryKind::Out { text } => Some(text),
            _ => None,
        })
        .collect();
    prop_assert_eq!(said, turn.replies.iter().collect::<Vec<_>>());
    prop_assert!(turn.replies.iter().all(|r| !r.is_empty()));

    all.extend(turn.history.iter().cloned());
    let limit = engine.config.history_limit;
    prop_assert!(session.history.len() <= limit);
    let tail: Vec<HistoryEntry> = session.history.iter().cloned().collect();
    prop_assert_eq!(&tail[..], &all[all.len().saturating_sub(limit)..]);
    Ok(turn)
}

fn round_trip(session: &Session) -> Result<Session, TestCaseError> {
    let json = serde_json::to_string(session).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: Session = serde_json::from_str(&json)
        .map_err(|e| TestCaseError::fail(format!("{e} in snapshot {json}")))?;
    prop_assert_eq!(&back, session);
    Ok(back)
}

/// Runs `steps[..split]`, round-trips the session through JSON, then runs the rest on both the original
/// and the copy: every turn and the final sessions must be identical.
fn check_conversation(bot: &Bot, steps: &[Step], split: usize) -> Result<(), TestCaseError> {
    let mut session = Session::default();
    let mut all = Vec::new();
    let mut now = 1_000u64;
    for step in &steps[..split] {
        now += 1_000;
        run_step(bot, &mut session, step, now, &mut all)?;
    }
    let mut copy = round_trip(&session)?;
    let mut all_copy = all.clone();
    for step in &steps[split..] {
        now += 1_000;
        let a = run_step(bot, &mut session, step, now, &mut all)?;
        let b = run_step(bot, &mut copy, step, now, &mut all_copy)?;
        prop_assert_eq!(a, b, "after {:?}", step);
    }
    prop_assert_eq!(&copy, &session);
    round_trip(&session)?;
    Ok(())
}

fn steps_and_split(step: impl Strategy<Value = Step>) -> impl Strategy<Value = (Vec<Step>, usize)> {
    prop::collection::vec(step, 0..=30).prop_flat_map(|steps| {
        let n = steps.len();
        (Just(steps), 0..=n)
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Keep the source tree untouched; a failure prints its minimal case.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn flight_bot_conversations_keep_their_invariants((steps, split) in steps_and_split(flight_step())) {
        check_conversation(&FLIGHT_BOT, &steps, split)?;
    }

    #[test]
    fn maze_bot_never_exceeds_depth_three((steps, split) in steps_and_split(maze_step())) {
        prop_assert_eq!(MAZE_BOT.engine().config.router.max_depth, MAZE_MAX_DEPTH);
        check_conversation(&MAZE_BOT, &steps, split)?;
    }
}

#[test]
fn maze_bot_refuses_the_fourth_room_and_keeps_talking_in_the_third() {
    let bot = &*MAZE_BOT;
    let mut session = Session::default();
    for (i, word) in ["go1", "go2", "go3"].into_iter().enumerate() {
        let turn = bot.respond(&mut session, word, 1_000);
        assert!(
            matches!(turn.route, Route::Start { .. } | Route::Digress { .. }),
            "{word}: {:?}",
            turn.route
        );
        assert_eq!(session.stack.depth(), i + 1);
    }
    let turn = bot.respond(&mut session, "go4", 2_000);
    assert_eq!(
        turn.route,
        Route::Continue {
            refused: Some("c4".into())
        }
    );
    assert_eq!(turn.replies, ["Room 3. Done? (yes/no)"]);
    assert_eq!(
        colloquy_testkit::transcript::describe_stack(&session),
        "c1/ASK > c2/ASK > c3/ASK"
    );
    let turn = bot.respond(&mut session, "yes", 3_000);
    assert_eq!(
        turn.replies,
        [
            "Room 3 done.",
            "Back to your room 2: Room 2. Done? (yes/no)"
        ]
    );
    assert_eq!(
        session.history.len(),
        7,
        "history_limit = 7 bounds the tail"
    );
}

#[test]
fn long_flight_conversation_stays_bounded() {
    // A deterministic worst case next to the random ones: nested digressions, repeated forever.
    let bot = &*FLIGHT_BOT;
    let mut session = Session::default();
    let mut all = Vec::new();
    let mut deepest = 0;
    let cycle = [
        "I want to book a flight",
        "how's the weather?",
        "book a ticket",
        "weather please",
    ];
    for (i, text) in cycle.iter().cycle().take(200).enumerate() {
        let now = 1_000 * (i as u64 + 1);
        run_step(
            bot,
            &mut session,
            &Step::Say((*text).to_owned()),
            now,
            &mut all,
        )
        .unwrap();
        deepest = deepest.max(session.stack.depth());
    }
    assert_eq!(
        deepest,
        bot.engine().config.router.max_depth,
        "the bound is reached"
    );
    assert_eq!(session.history.len(), bot.engine().config.history_limit);
}

//! The runtime through its public API: real actors, real stores, no sockets.

#![allow(clippy::unwrap_used)]

use colloquy_channel::{DispatchError, Inbound, SessionKey, TurnReply};
use colloquy_core::{Context, Event, Frame, Outcome, Output, UserInput};
use colloquy_flow::Bot;
use colloquy_runtime::{Durability, RuntimeConfig, Supervisor, SystemClock};
use colloquy_store::{Commit, MemoryStore, SessionStore, SledStore};
use futures_util::future::join_all;
use std::sync::Arc;
use std::time::Duration;

fn inbound(user: &str, text: &str, id: Option<&str>) -> Inbound {
    Inbound {
        bot: "flight-bot".into(),
        channel: "test".into(),
        conversation: user.into(),
        user: user.into(),
        display_name: None,
        text: text.into(),
        message_id: id.map(str::to_owned),
        at_ms: 0,
        reply_to: None,
    }
}

fn key(user: &str) -> SessionKey {
    SessionKey::of(&inbound(user, "", None))
}

fn texts(r: Result<TurnReply, DispatchError>) -> Vec<String> {
    r.unwrap().messages.into_iter().map(|m| m.text).collect()
}

fn start(bot: Bot, store: Arc<dyn SessionStore>, config: RuntimeConfig) -> Supervisor {
    Supervisor::start(bot, store, config, Arc::new(SystemClock)).unwrap()
}

async fn say(sup: &Supervisor, user: &str, text: &str) -> Vec<String> {
    texts(sup.dispatch_message(inbound(user, text, None)).await)
}

/// Panics on every input: stands in for a buggy Rust context.
struct Bomb;
impl Context for Bomb {
    fn title(&self) -> &str {
        "bomb"
    }
    fn process_input(&self, _: &mut Frame, _: &UserInput<'_>, _: &mut Output) -> Outcome {
        panic!("boom")
    }
}

/// Blocks its thread for a while on every input: a slow context.
struct Slow;
impl Context for Slow {
    fn title(&self) -> &str {
        "slow"
    }
    fn process_input(&self, _: &mut Frame, input: &UserInput<'_>, out: &mut Output) -> Outcome {
        std::thread::sleep(Duration::from_millis(150));
        out.say(format!("slowly: {}", input.text));
        Outcome::Continue
    }
}

#[actix_rt::test]
async fn a_panicking_context_restarts_only_its_session_from_the_last_snapshot() {
    let mut bot = colloquy_testkit::flight_bot();
    bot.registry_mut().register_context("weather", Bomb);
    let sup = start(
        bot,
        Arc::new(MemoryStore::default()),
        RuntimeConfig::default(),
    );
    say(&sup, "a", "I want to book a flight").await;
    say(&sup, "b", "I want to book a flight").await;
    assert_eq!(
        say(&sup, "a", "from Lahore").await,
        ["Great! Now tell me the destination city."]
    );
    assert_eq!(
        say(&sup, "a", "weather in Dubai?").await,
        [RuntimeConfig::default().apology]
    );
    // Session a continues from its last snapshot: the booking with Lahore filled, no weather frame.
    assert_eq!(
        say(&sup, "a", "to Dubai").await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    // Session b never noticed.
    assert_eq!(
        say(&sup, "b", "from Karachi").await,
        ["Great! Now tell me the destination city."]
    );
    sup.stop_arbiters();
}

#[actix_rt::test]
async fn idle_sessions_are_passivated_and_rehydrated_with_their_state() {
    let config = RuntimeConfig {
        idle_timeout: Duration::from_millis(100),
        ..RuntimeConfig::default()
    };
    let sup = start(
        colloquy_testkit::flight_bot(),
        Arc::new(MemoryStore::default()),
        config,
    );
    say(&sup, "a", "I want to book a flight").await;
    say(&sup, "a", "from Lahore").await;
    assert_eq!(sup.live_sessions(), 1);
    actix_rt::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sup.live_sessions(), 0, "the idle actor stopped");
    assert_eq!(
        say(&sup, "a", "to Dubai").await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    assert_eq!(sup.live_sessions(), 1);
    sup.stop_arbiters();
}

#[actix_rt::test]
async fn events_wake_a_passivated_session() {
    let config = RuntimeConfig {
        idle_timeout: Duration::from_millis(50),
        ..RuntimeConfig::default()
    };
    let sup = start(
        colloquy_testkit::flight_bot(),
        Arc::new(MemoryStore::default()),
        config,
    );
    say(&sup, "a", "I want to book a flight").await;
    actix_rt::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(sup.live_sessions(), 0);
    let event = Event::new("price_change").with("new_price", "$299");
    assert_eq!(
        texts(
            sup.process_event(key("a"), event)
                .await
                .map_err(|e| DispatchError::Unavailable(e.to_string()))
        ),
        [
            "Alert: Price changed to $299",
            "Back to your booking: Which city are you flying from?"
        ]
    );
    assert_eq!(
        say(&sup, "a", "Lahore").await,
        ["Great! Now tell me the destination city."]
    );
    sup.stop_arbiters();
}

#[actix_rt::test]
async fn a_full_mailbox_answers_busy_and_keeps_the_rest_in_order() {
    let mut bot = colloquy_testkit::flight_bot();
    bot.registry_mut().register_context("booking", Slow);
    let config = RuntimeConfig {
        mailbox_capacity: 2,
        ..RuntimeConfig::default()
    };
    let sup = start(bot, Arc::new(MemoryStore::default()), config);
    let sends =
        (0..12).map(|i| sup.dispatch_message(inbound("a", &format!("book a flight {i}"), None)));
    let results = join_all(sends).await;
    let busy = results
        .iter()
        .filter(|r| matches!(r, Err(DispatchError::Busy)))
        .count();
    let done: Vec<String> = results
        .into_iter()
        .filter_map(Result::ok)
        .flat_map(|r| r.messages)
        .map(|m| m.text)
        .collect();
    assert!(busy > 0, "some messages were refused as busy");
    assert!(!done.is_empty(), "the mailbox still served some");
    let mut sorted = done.clone();
    sorted.sort_by_key(|t| t.rsplit(' ').next().unwrap().parse::<u32>().unwrap());
    assert_eq!(
        done, sorted,
        "accepted messages were processed in the order sent"
    );
    sup.stop_arbiters();
}

#[actix_rt::test]
async fn messages_of_one_session_are_processed_in_send_order() {
    let sup = start(
        colloquy_testkit::flight_bot(),
        Arc::new(MemoryStore::default()),
        RuntimeConfig::default(),
    );
    let script = [
        "I want to book a flight",
        "from Lahore",
        "What's the weather in Dubai?",
        "to Dubai",
        "yes",
    ];
    let results = join_all(
        script
            .iter()
            .map(|t| sup.dispatch_message(inbound("a", t, None))),
    )
    .await;
    let replies: Vec<Vec<String>> = results.into_iter().map(texts).collect();
    assert_eq!(
        replies[3],
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    assert_eq!(replies[4], ["Booking confirmed!"]);
    sup.stop_arbiters();
}

#[actix_rt::test]
async fn a_redelivered_message_is_not_processed_twice() {
    let store = Arc::new(MemoryStore::default());
    let sup = start(
        colloquy_testkit::flight_bot(),
        store.clone(),
        RuntimeConfig::default(),
    );
    say(&sup, "a", "I want to book a flight").await;
    let first = sup
        .dispatch_message(inbound("a", "from Lahore", Some("m-7")))
        .await
        .unwrap();
    let again = sup
        .dispatch_message(inbound("a", "from Lahore", Some("m-7")))
        .await
        .unwrap();
    assert!(!first.duplicate && again.duplicate);
    assert_eq!(
        again.messages, first.messages,
        "the redelivery gets the same answer"
    );
    let turns = |s: &MemoryStore| {
        let v: serde_json::Value =
            serde_json::from_slice(&s.get(&key("a").storage_id()).unwrap().unwrap().snapshot)
                .unwrap();
        v["turns"].as_u64().unwrap()
    };
    assert_eq!(turns(&store), 2, "the duplicate committed nothing");
    assert_eq!(
        say(&sup, "a", "to Dubai").await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    sup.stop_arbiters();
}

#[actix_rt::test]
async fn an_unreadable_snapshot_is_quarantined_and_the_session_starts_afresh() {
    let store = Arc::new(MemoryStore::default());
    let id = key("a").storage_id();
    store
        .put(
            &id,
            0,
            Commit {
                snapshot: b"\x00not json".to_vec(),
                transcript: vec![],
                index: vec![],
            },
        )
        .unwrap();
    let sup = start(
        colloquy_testkit::flight_bot(),
        store.clone(),
        RuntimeConfig::default(),
    );
    assert_eq!(
        say(&sup, "a", "I want to book a flight").await,
        ["Starting new booking. Please specify departure city."]
    );
    let stored = store.get(&id).unwrap().unwrap();
    assert!(
        colloquy_runtime::Snapshot::decode(&stored.snapshot).is_ok(),
        "a good snapshot replaced the bad one"
    );
    assert_eq!(
        say(&sup, "b", "I want to book a flight").await.len(),
        1,
        "other sessions are unaffected"
    );
    sup.stop_arbiters();
}

#[actix_rt::test]
async fn per_turn_durability_group_commits_and_a_fresh_runtime_rehydrates() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn SessionStore> = Arc::new(SledStore::open(dir.path(), None).unwrap());
    let config = RuntimeConfig {
        durability: Durability::PerTurn,
        ..RuntimeConfig::default()
    };
    let sup = start(colloquy_testkit::flight_bot(), store.clone(), config);
    let users: Vec<String> = (0..20).map(|i| format!("u{i}")).collect();
    let firsts = join_all(
        users
            .iter()
            .map(|u| say(&sup, u, "I want to book a flight")),
    )
    .await;
    assert!(
        firsts
            .iter()
            .all(|r| r == &["Starting new booking. Please specify departure city."])
    );
    join_all(users.iter().map(|u| say(&sup, u, "from Lahore"))).await;
    sup.stop_arbiters();
    // A second runtime on the same store (a restart without the process exit) rehydrates every session.
    let again = start(
        colloquy_testkit::flight_bot(),
        store,
        RuntimeConfig::default(),
    );
    for u in ["u0", "u7", "u19"] {
        assert_eq!(
            say(&again, u, "to Dubai").await,
            ["Confirm booking from Lahore to Dubai? (yes/no)"]
        );
    }
    again.stop_arbiters();
}

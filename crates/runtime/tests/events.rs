//! Events, topics, durable timers, kept messages and session expiry through the real supervisor.

#![allow(clippy::unwrap_used)]

use colloquy_channel::{Gateway, Inbound, SessionKey};
use colloquy_core::Event;
use colloquy_runtime::{
    EventBus, ExpiryPolicy, ManualClock, PublishError, RuntimeConfig, Sent, Supervisor, Target,
    TurnError,
};
use colloquy_store::{MemoryStore, SessionStore};
use colloquy_testkit::{RecordingChannel, flight_bot};
use std::sync::Arc;
use std::time::Duration;

const T0: u64 = 1_700_000_000_000;

fn inbound(user: &str, text: &str) -> Inbound {
    colloquy_testkit::inbound("test", user, text)
}

fn key(user: &str) -> SessionKey {
    SessionKey::of(&inbound(user, ""))
}

struct Rig {
    sup: Supervisor,
    clock: Arc<ManualClock>,
    channel: Arc<RecordingChannel>,
    store: Arc<dyn SessionStore>,
}

fn rig_with(store: Arc<dyn SessionStore>, clock: Arc<ManualClock>, config: RuntimeConfig) -> Rig {
    let sup = Supervisor::start(flight_bot(), store.clone(), config, clock.clone()).unwrap();
    let channel = RecordingChannel::new("test");
    sup.attach_channel(channel.clone());
    sup.start_timers();
    Rig {
        sup,
        clock,
        channel,
        store,
    }
}

fn rig(config: RuntimeConfig) -> Rig {
    rig_with(
        Arc::new(MemoryStore::default()),
        Arc::new(ManualClock::at(T0)),
        config,
    )
}

impl Rig {
    async fn say(&self, user: &str, text: &str) -> Vec<String> {
        self.sup
            .dispatch_message(inbound(user, text))
            .await
            .unwrap()
            .messages
            .into_iter()
            .map(|m| m.text)
            .collect()
    }

    fn timer_entries(&self) -> usize {
        self.store.scan_index(b"T", None, 100_000).unwrap().len()
    }
}

fn price(p: &str) -> Event {
    Event::new("price_change").with("new_price", p)
}

#[actix_rt::test]
async fn an_event_mid_booking_is_delivered_proactively_and_the_booking_resumes() {
    let r = rig(RuntimeConfig::default());
    r.say("ana", "I want to book a flight").await;
    r.say("ana", "from Lahore").await;
    let bus = EventBus::new(r.sup.clone());
    let d = bus
        .publish(Target::Session(key("ana")), price("$299").with_id("evt-1"))
        .await
        .unwrap();
    assert_eq!((d.sessions, d.delivered, d.duplicate), (1, 1, false));
    assert_eq!(
        r.channel.texts(&key("ana")),
        [
            "Alert: Price changed to $299",
            "Back to your booking: What is your destination city?"
        ]
    );
    assert_eq!(
        r.say("ana", "to Dubai").await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    // The same id again: acknowledged, not delivered again.
    let again = bus
        .publish(Target::Session(key("ana")), price("$299").with_id("evt-1"))
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(r.channel.deliveries(), 1);
    r.sup.stop_arbiters();
}

#[actix_rt::test]
async fn unknown_sessions_are_not_created_by_events() {
    let r = rig(RuntimeConfig::default());
    let bus = EventBus::new(r.sup.clone());
    let err = bus
        .publish(Target::Session(key("nobody")), price("$1"))
        .await
        .unwrap_err();
    assert!(matches!(err, PublishError::NoSuchSession(_)), "{err:?}");
    assert_eq!(r.store.session_count().unwrap(), 0);
    assert!(matches!(
        r.sup.process_event(key("nobody"), price("$1")).await,
        Err(TurnError::NoSuchSession)
    ));
    let bad = bus
        .publish(Target::Topic(String::new()), price("$1"))
        .await
        .unwrap_err();
    assert!(matches!(bad, PublishError::Invalid { field: "topic", .. }));
    r.sup.stop_arbiters();
}

#[actix_rt::test]
async fn an_event_and_a_message_racing_are_both_processed_in_mailbox_order() {
    let r = rig(RuntimeConfig::default());
    r.say("ben", "I want to book a flight from Lahore").await;
    for round in 0..20 {
        let p = format!("${}", 100 + round);
        let event = r.sup.process_event(key("ben"), price(&p));
        let message = r.sup.dispatch_message(inbound("ben", "help"));
        let (event, message) = futures_util::future::join(event, message).await;
        let event: Vec<String> = event
            .unwrap()
            .messages
            .into_iter()
            .map(|m| m.text)
            .collect();
        let message: Vec<String> = message
            .unwrap()
            .messages
            .into_iter()
            .map(|m| m.text)
            .collect();
        // Whatever order the mailbox took, each was a whole turn on a consistent state.
        assert_eq!(
            event,
            [
                format!("Alert: Price changed to {p}"),
                "Back to your booking: What is your destination city?".to_owned()
            ]
        );
        assert_eq!(message.len(), 2, "{message:?}");
        assert_eq!(message[1], "What is your destination city?");
    }
    assert_eq!(
        r.say("ben", "to Dubai").await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    // 1 + 20 × 2 + 1 turns committed.
    let stored = r.store.get(&key("ben").storage_id()).unwrap().unwrap();
    assert_eq!(stored.version, 42);
    r.sup.stop_arbiters();
}

#[actix_rt::test]
async fn a_topic_event_reaches_each_of_10_000_mostly_passivated_sessions_exactly_once() {
    let r = rig(RuntimeConfig {
        idle_timeout: Duration::from_millis(100),
        ..RuntimeConfig::default()
    });
    const N: usize = 10_000;
    let users: Vec<String> = (0..N).map(|i| format!("u{i}")).collect();
    for chunk in users.chunks(500) {
        let turns = chunk.iter().map(|u| {
            r.sup
                .dispatch_message(inbound(u, "I want to book a flight from Lahore to Dubai"))
        });
        for t in futures_util::future::join_all(turns).await {
            assert_eq!(
                t.unwrap().messages[0].text,
                "Starting new booking. Confirm booking from Lahore to Dubai? (yes/no)"
            );
        }
    }
    // Another route's follower must not get it.
    r.say("other", "I want to book a flight from Karachi to London")
        .await;
    actix_rt::time::sleep(Duration::from_millis(600)).await;
    let live = r.sup.live_sessions();
    assert!(live < N / 10, "most sessions passivated, {live} live");
    let bus = EventBus::new(r.sup.clone());
    let event = price("$199").with_id("fare-42");
    let d = bus
        .publish(Target::Topic("fare:Lahore-Dubai".into()), event.clone())
        .await
        .unwrap();
    assert_eq!((d.sessions, d.delivered, d.failed), (N, N, 0), "{d:?}");
    let counts = r.channel.count_per_session("Alert: Price changed to $199");
    assert_eq!(counts.len(), N);
    assert!(counts.values().all(|c| *c == 1));
    assert!(!counts.contains_key(&key("other")));
    // Published again: the bus remembers the id; no session hears it twice.
    let again = bus
        .publish(Target::Topic("fare:Lahore-Dubai".into()), event)
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(r.channel.deliveries(), N);
    r.sup.stop_arbiters();
}

#[actix_rt::test]
async fn a_timer_due_during_downtime_fires_exactly_once_after_restart() {
    let store: Arc<dyn SessionStore> = Arc::new(MemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let first = rig_with(store.clone(), clock.clone(), RuntimeConfig::default());
    assert_eq!(
        first.say("cy", "I want to book a flight").await,
        ["Starting new booking. Please specify departure city."]
    );
    assert_eq!(
        first.timer_entries(),
        1,
        "the nudge is in the store's index"
    );
    first.sup.stop_arbiters();
    drop(first);
    // "Down" for 15 minutes, then a new runtime on the same store.
    clock.advance(Duration::from_secs(15 * 60));
    let second = rig_with(store.clone(), clock.clone(), RuntimeConfig::default());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while second.channel.deliveries() == 0 && std::time::Instant::now() < deadline {
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        second.channel.texts(&key("cy")),
        [
            "Are you still there?",
            "Back to your booking: Which city are you flying from?"
        ]
    );
    // Further sweeps (and another restart) find nothing due.
    let report = second.sup.fire_due_timers().await.unwrap();
    assert_eq!(report.sessions, 0);
    assert_eq!(second.timer_entries(), 0);
    second.sup.stop_arbiters();
    drop(second);
    clock.advance(Duration::from_secs(3600));
    let third = rig_with(store, clock, RuntimeConfig::default());
    assert_eq!(third.sup.fire_due_timers().await.unwrap().sessions, 0);
    actix_rt::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(third.channel.deliveries(), 0);
    third.sup.stop_arbiters();
}

#[actix_rt::test]
async fn a_user_message_before_the_inactivity_reminder_pushes_it_back() {
    let r = rig(RuntimeConfig::default());
    r.say("di", "I want to book a flight").await;
    r.clock.advance(Duration::from_secs(9 * 60));
    r.say("di", "from Lahore").await;
    r.clock.advance(Duration::from_secs(9 * 60));
    r.sup.fire_due_timers().await.unwrap();
    assert_eq!(r.channel.deliveries(), 0, "only 9 minutes of silence");
    assert_eq!(r.timer_entries(), 1, "one entry, moved");
    r.clock.advance(Duration::from_secs(60));
    let report = r.sup.fire_due_timers().await.unwrap();
    assert_eq!(report.sessions, 1);
    assert_eq!(
        r.channel.texts(&key("di")),
        [
            "Are you still there?",
            "Back to your booking: What is your destination city?"
        ]
    );
    r.sup.stop_arbiters();
}

#[actix_rt::test]
async fn replies_for_a_user_who_is_not_connected_are_kept_until_they_return() {
    let r = rig(RuntimeConfig {
        held_max_messages: 3,
        held_max_age: Duration::from_secs(3600),
        ..RuntimeConfig::default()
    });
    r.say("eve", "hello").await;
    r.channel.set_offline("eve", true);
    for p in ["$1", "$2", "$3"] {
        let receipt = r.sup.deliver_event(key("eve"), price(p)).await.unwrap();
        assert_eq!(receipt.sent, Sent::Held);
    }
    // Oldest dropped beyond the count: 3 kept of the last two events' alerts.
    assert_eq!(
        r.sup
            .take_held(key("eve"))
            .await
            .into_iter()
            .map(|m| m.text)
            .collect::<Vec<_>>(),
        [
            "Alert: Price changed to $1",
            "Alert: Price changed to $2",
            "Alert: Price changed to $3"
        ]
    );
    assert!(
        r.sup.take_held(key("eve")).await.is_empty(),
        "handed over once"
    );
    // Too old when the user comes back: dropped.
    r.sup.deliver_event(key("eve"), price("$4")).await.unwrap();
    r.clock.advance(Duration::from_secs(2 * 3600));
    assert!(Gateway::take_held(&r.sup, key("eve")).await.is_empty());
    r.sup.stop_arbiters();
}

#[actix_rt::test]
async fn expired_sessions_hear_session_expired_and_are_deleted_or_reset() {
    for policy in [ExpiryPolicy::Delete, ExpiryPolicy::Reset] {
        let r = rig(RuntimeConfig {
            session_ttl: Some(Duration::from_secs(3600)),
            on_session_expired: policy,
            ..RuntimeConfig::default()
        });
        r.say("fay", "I want to book a flight from Lahore").await;
        r.clock.advance(Duration::from_secs(1800));
        r.say("fay", "help").await;
        r.clock.advance(Duration::from_secs(1800));
        // An hour since the first message, half an hour since the last: not expired.
        r.sup.fire_due_timers().await.unwrap();
        assert_eq!(r.store.session_count().unwrap(), 1);
        r.clock.advance(Duration::from_secs(1900));
        r.sup.fire_due_timers().await.unwrap();
        let stored = r.store.get(&key("fay").storage_id()).unwrap();
        match policy {
            ExpiryPolicy::Delete => {
                assert!(stored.is_none(), "deleted");
                assert!(
                    r.store
                        .transcript(&key("fay").storage_id(), 0, 10)
                        .unwrap()
                        .is_empty()
                );
                assert_eq!(r.timer_entries(), 0);
                assert!(r.store.scan_index(b"P", None, 10).unwrap().is_empty());
            }
            ExpiryPolicy::Reset => {
                assert!(stored.is_some());
                assert_eq!(
                    r.say("fay", "to Dubai").await,
                    [
                        "Sorry, I didn't get that. I can book a flight or tell you the weather. Type 'help' for more."
                    ],
                    "the booking is gone"
                );
            }
        }
        r.sup.stop_arbiters();
    }
}

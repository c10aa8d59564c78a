//! The Discord adapter end to end: the real serenity client and the adapter's REST calls against a local
//! fake Discord (REST + gateway on 127.0.0.1), the real runtime (Supervisor + MemoryStore) and the shipped
//! flight bot. Nothing here can reach the real Discord: every harness start asserts the fake saw the
//! gateway lookup, the connection and IDENTIFY.

#![allow(clippy::unwrap_used)]

mod support;

use colloquy_channel::{Channel, ChannelError, ChannelIo, Gateway, SessionKey, ShutdownTrigger};
use colloquy_core::Event;
use colloquy_discord::{DiscordConfig, Snowflake};
use colloquy_runtime::{RuntimeConfig, Supervisor, SystemClock};
use colloquy_store::MemoryStore;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::fake_discord::{self, BOT_ID, SESSION_ID, message, user};
use support::{Harness, WAIT};

const GUILD: u64 = 7_000;
const OPEN_CHANNEL: u64 = 7_001;
const OTHER_CHANNEL: u64 = 7_002;

fn bot_mention() -> serde_json::Value {
    user(BOT_ID, "colloquy", true)
}

/// The quiet period after which "nothing more was sent" is believed.
const QUIET: Duration = Duration::from_millis(400);

#[actix_rt::test]
async fn connects_only_to_the_fake_with_the_needed_intents_and_heartbeats() {
    let h = Harness::start(colloquy_testkit::flight_bot(), |_| {}).await;
    h.fake
        .wait_for("a heartbeat", WAIT, |log| log.heartbeats >= 1)
        .await;
    let log = h.fake.log();
    // Ours (which fails loudly) and serenity's own (whose answer ours overrides).
    assert_eq!(log.gateway_lookups, 2, "GET /api/v10/gateway at the fake");
    assert_eq!(log.connections, 1);
    let identify = &log.identifies[0];
    assert_eq!(identify["token"], format!("Bot {}", fake_discord::TOKEN));
    let intents = identify["intents"].as_u64().unwrap();
    // DIRECT_MESSAGES (1 << 12), GUILD_MESSAGES (1 << 9), MESSAGE_CONTENT (1 << 15), nothing else.
    assert_eq!(intents, (1 << 12) | (1 << 9) | (1 << 15));
    assert!(log.unexpected.is_empty(), "{:?}", log.unexpected);
    drop(log);
    h.sup.stop_arbiters();
}

#[actix_rt::test]
async fn a_failed_gateway_lookup_fails_loudly_instead_of_falling_back_to_the_real_discord() {
    // A port nobody listens on: serenity alone would fall back to wss://gateway.discord.gg.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let api_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let sup = Supervisor::start(
        colloquy_testkit::flight_bot(),
        Arc::new(MemoryStore::default()),
        RuntimeConfig::default(),
        Arc::new(SystemClock),
    )
    .unwrap();
    let mut config = DiscordConfig::new("DISCORD_TOKEN");
    config.api_url = api_url;
    let channel = colloquy_discord::build("flight-bot", config, &|_| Some("t".to_owned())).unwrap();
    let (_trigger, shutdown) = ShutdownTrigger::new();
    let gateway: Arc<dyn Gateway> = Arc::new(sup.clone());
    let outcome = tokio::time::timeout(WAIT, channel.run(ChannelIo { gateway, shutdown }))
        .await
        .expect("run() must end, not keep trying another gateway");
    match outcome {
        Err(ChannelError::Transient(e)) => {
            assert!(e.contains("GET /api/v10/gateway failed"), "{e}")
        }
        other => panic!("expected a loud gateway lookup failure, got {other:?}"),
    }
    sup.stop_arbiters();
}

#[actix_rt::test]
async fn a_failing_second_gateway_lookup_cannot_send_serenity_to_the_real_gateway() {
    // serenity looks the gateway up again after the adapter did; when that lookup fails it falls back to
    // wss://gateway.discord.gg. The adapter pins the URL it got, so the bot still connects to the fake
    // (Harness::start fails loudly otherwise).
    let fake = fake_discord::FakeDiscord::start();
    fake.answer_gateway_lookups(1);
    let h = Harness::start_on(fake, colloquy_testkit::flight_bot(), |_| {}).await;
    assert_eq!(
        h.fake.log().gateway_lookups,
        2,
        "serenity's own lookup was made (and failed)"
    );
    h.dm_exchange(
        "ana",
        "I want to book a flight",
        "p1",
        &["Starting new booking. Please specify departure city."],
    )
    .await;
    h.sup.stop_arbiters();
}

#[actix_rt::test]
async fn a_refused_token_stops_run_with_a_clear_error() {
    let fake = fake_discord::FakeDiscord::start();
    let sup = Supervisor::start(
        colloquy_testkit::flight_bot(),
        Arc::new(MemoryStore::default()),
        RuntimeConfig::default(),
        Arc::new(SystemClock),
    )
    .unwrap();
    let mut config = DiscordConfig::new("DISCORD_TOKEN");
    config.api_url = fake.api_url.clone();
    let channel =
        colloquy_discord::build("flight-bot", config, &|_| Some("wrong.token".to_owned())).unwrap();
    let (_trigger, shutdown) = ShutdownTrigger::new();
    let gateway: Arc<dyn Gateway> = Arc::new(sup.clone());
    let outcome = tokio::time::timeout(WAIT, channel.run(ChannelIo { gateway, shutdown }))
        .await
        .expect("run() must end");
    match outcome {
        Err(ChannelError::Rejected(e)) => assert!(e.contains("token_env"), "{e}"),
        other => panic!("expected the token to be refused, got {other:?}"),
    }
    assert_eq!(fake.log().connections, 0);
    assert_eq!(
        fake.log().unexpected,
        ["GET /api/v10/gateway without the bot token"]
    );
    sup.stop_arbiters();
}

#[actix_rt::test]
async fn seed_booking_in_a_dm_with_a_button_click_then_a_proactive_event() {
    let h = Harness::start(colloquy_testkit::flight_bot(), |_| {}).await;
    let steps: [(&str, &[&str]); 4] = [
        (
            "I want to book a flight",
            &["Starting new booking. Please specify departure city."],
        ),
        ("from Lahore", &["Great! Now tell me the destination city."]),
        (
            "What's the weather in Dubai?",
            &[
                "It's sunny and 34°C in Dubai.",
                "Back to your booking: What is your destination city?",
            ],
        ),
        (
            "to Dubai",
            &["Confirm booking from Lahore to Dubai? (yes/no)"],
        ),
    ];
    for (i, (say, expected)) in steps.iter().enumerate() {
        h.dm_exchange("ana", say, &format!("ana-{i}"), expected)
            .await;
    }
    let dm = h.dm_channel("ana");
    let sent = h.sent_to(dm, 5, WAIT).await;
    let confirm = sent.last().unwrap();
    assert_eq!(
        confirm.body["components"],
        json!([{"type": 1, "components": [
            {"type": 2, "style": 1, "label": "yes", "custom_id": "qr:yes"},
            {"type": 2, "style": 1, "label": "no", "custom_id": "qr:no"}]}])
    );
    assert!(
        sent.iter()
            .all(|s| s.body["allowed_mentions"] == json!({"parse": [], "replied_user": false}))
    );
    assert!(
        sent.iter()
            .all(|s| s.body.get("message_reference").is_none()),
        "no reply references in DMs"
    );

    // Ana clicks "yes".
    let click = json!({
        "id": "555", "application_id": BOT_ID.to_string(), "type": 3, "token": "click-token",
        "version": 1, "channel_id": dm.to_string(), "user": user(h.id("ana"), "ana", false),
        "data": {"custom_id": "qr:yes", "component_type": 2},
        "message": message(1_000_004, dm, None, bot_mention(), "Confirm booking from Lahore to Dubai? (yes/no)", vec![]),
        "locale": "en-US", "entitlements": [], "attachment_size_limit": 8_388_608,
    });
    h.fake.interaction_create(click).await;
    assert_eq!(h.texts_to(dm, 6, WAIT).await[5], "Booking confirmed!");
    let acks = h.fake.log().interaction_acks.clone();
    assert_eq!(acks, [("555".to_owned(), json!({"type": 6}))]);

    // An event for Ana's session, sent proactively through `deliver`.
    let key = SessionKey {
        bot: "flight-bot".into(),
        channel: "discord".into(),
        conversation: dm.to_string(),
        user: h.id("ana").to_string(),
    };
    // The supervisor sends an event's replies itself, through the channel the session's key names.
    h.sup.attach_channel(h.channel.clone());
    let receipt = h
        .sup
        .deliver_event(
            key.clone(),
            Event::new("price_change").with("new_price", "$299"),
        )
        .await
        .unwrap();
    assert_eq!(receipt.sent, colloquy_runtime::Sent::Delivered);
    assert_eq!(
        h.texts_to(dm, 7, WAIT).await[6],
        "Alert: Price changed to $299"
    );
    let wrong = SessionKey {
        channel: "telegram".into(),
        ..key
    };
    assert!(matches!(
        h.channel.deliver(&wrong, vec![]).await,
        Err(ChannelError::Rejected(_))
    ));
    h.sup.stop_arbiters();
}

#[actix_rt::test]
async fn a_burst_of_messages_is_processed_in_order() {
    let h = Harness::start(colloquy_testkit::flight_bot(), |_| {}).await;
    // serenity hands each event to a task of its own; a burst (typical when a resume replays missed
    // events) must still reach the session in the order the user wrote it.
    for round in 0..3 {
        let user = format!("burst{round}");
        let says = ["I want to book a flight", "from Lahore", "to Dubai", "yes"];
        for (i, text) in says.iter().enumerate() {
            h.dm(&user, text, &format!("{user}-{i}")).await;
        }
        let texts = h.texts_to(h.dm_channel(&user), 4, WAIT).await;
        assert_eq!(
            texts,
            [
                "Starting new booking. Please specify departure city.",
                "Great! Now tell me the destination city.",
                "Confirm booking from Lahore to Dubai? (yes/no)",
                "Booking confirmed!",
            ],
            "round {round}"
        );
    }
    h.sup.stop_arbiters();
}

#[actix_rt::test]
async fn quick_replies_can_be_a_numbered_list() {
    let h = Harness::start(colloquy_testkit::flight_bot(), |c| {
        c.quick_replies = colloquy_discord::QuickReplyStyle::Numbered;
    })
    .await;
    h.dm_exchange(
        "ana",
        "I want to fly from Lahore to DXB",
        "n1",
        &["Starting new booking. Confirm booking from Lahore to Dubai? (yes/no)\n1. yes\n2. no"],
    )
    .await;
    let sent = h.sent_to(h.dm_channel("ana"), 1, WAIT).await;
    assert!(sent[0].body.get("components").is_none(), "no buttons");
    h.sup.stop_arbiters();
}

#[actix_rt::test]
async fn two_dm_users_stay_separate_and_apart_from_other_channels() {
    let h = Harness::start(colloquy_testkit::flight_bot(), |_| {}).await;
    h.dm_exchange(
        "ana",
        "I want to book a flight",
        "a1",
        &["Starting new booking. Please specify departure city."],
    )
    .await;
    // Bo has no booking: "from Lahore" alone is not understood in his session.
    h.dm_exchange(
        "bo",
        "from Lahore",
        "b1",
        &["Sorry, I didn't get that. I can book a flight or tell you the weather. Type 'help' for more."],
    )
    .await;
    // A user of another channel with the same ids (say Telegram) has a session of their own too.
    let other = h
        .sup
        .dispatch_message(colloquy_channel::Inbound {
            bot: "flight-bot".into(),
            channel: "telegram".into(),
            conversation: h.dm_channel("ana").to_string(),
            user: h.id("ana").to_string(),
            display_name: None,
            text: "from Lahore".into(),
            message_id: Some(h.id("a2").to_string()),
            at_ms: 0,
            reply_to: None,
        })
        .await
        .unwrap();
    assert_eq!(
        other.messages[0].text,
        "Sorry, I didn't get that. I can book a flight or tell you the weather. Type 'help' for more."
    );
    h.dm_exchange(
        "ana",
        "from Lahore",
        "a2",
        &["Great! Now tell me the destination city."],
    )
    .await;
    h.sup.stop_arbiters();
}

#[actix_rt::test]
async fn guild_channels_answer_mentions_and_configured_channels_with_a_session_per_channel_and_user()
 {
    let h = Harness::start(colloquy_testkit::flight_bot(), |c| {
        c.channels = vec![Snowflake(OPEN_CHANNEL)];
    })
    .await;
    let ana = user(h.id("ana"), "ana", false);
    let bo = user(h.id("bo"), "bo", false);
    let say = |id: &str, channel: u64, author: &serde_json::Value, text: &str, mentions| {
        message(
            h.id(id),
            channel,
            Some(GUILD),
            author.clone(),
            text,
            mentions,
        )
    };

    // Not mentioned, not a configured channel: ignored. A bot (and the bot itself) is ignored everywhere.
    h.fake
        .message_create(say(
            "g1",
            OTHER_CHANNEL,
            &ana,
            "I want to book a flight",
            vec![],
        ))
        .await;
    h.fake
        .message_create(say(
            "g2",
            OPEN_CHANNEL,
            &user(4242, "otherbot", true),
            "I want to book a flight",
            vec![],
        ))
        .await;
    h.fake
        .message_create(say(
            "g3",
            OPEN_CHANNEL,
            &bot_mention(),
            "I want to book a flight",
            vec![],
        ))
        .await;
    tokio::time::sleep(QUIET).await;
    assert!(
        h.fake.log().sent.is_empty(),
        "answered an unaddressed or bot message: {:?}",
        h.fake.log().sent
    );

    // Mentioned in another channel: answered, as a reply to the message, mention stripped.
    h.fake
        .message_create(say(
            "g4",
            OTHER_CHANNEL,
            &ana,
            &format!("<@{BOT_ID}> I want to book a flight"),
            vec![bot_mention()],
        ))
        .await;
    let sent = h.sent_to(OTHER_CHANNEL, 1, WAIT).await;
    assert_eq!(
        sent[0].text(),
        "Starting new booking. Please specify departure city."
    );
    assert_eq!(
        sent[0].body["message_reference"]["message_id"],
        h.id("g4").to_string()
    );

    // The configured channel, no mention: answered. Ana's session here is not her session in the other channel.
    h.fake
        .message_create(say("g5", OPEN_CHANNEL, &ana, "from Lahore", vec![]))
        .await;
    let fallback = "Sorry, I didn't get that. I can book a flight or tell you the weather. Type 'help' for more.";
    assert_eq!(h.sent_to(OPEN_CHANNEL, 1, WAIT).await[0].text(), fallback);
    h.fake
        .message_create(say(
            "g6",
            OPEN_CHANNEL,
            &ana,
            "I want to book a flight",
            vec![],
        ))
        .await;
    // Bo in the same channel has his own session.
    h.fake
        .message_create(say("g7", OPEN_CHANNEL, &bo, "from Lahore", vec![]))
        .await;
    // Different sessions run concurrently: match answers to messages by their reply reference.
    let answers: std::collections::HashMap<String, String> = h
        .sent_to(OPEN_CHANNEL, 3, WAIT)
        .await
        .iter()
        .map(|s| {
            (
                s.body["message_reference"]["message_id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                s.text(),
            )
        })
        .collect();
    let answer = |id: &str| {
        answers
            .get(&h.id(id).to_string())
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(answer("g5"), fallback);
    assert_eq!(
        answer("g6"),
        "Starting new booking. Please specify departure city."
    );
    assert_eq!(
        answer("g7"),
        fallback,
        "Bo shares nothing with Ana's session in the same channel"
    );
    // Ana continues her booking in the other channel (mention needed there).
    h.fake
        .message_create(say(
            "g8",
            OTHER_CHANNEL,
            &ana,
            &format!("from Lahore <@!{BOT_ID}>"),
            vec![bot_mention()],
        ))
        .await;
    assert_eq!(
        h.sent_to(OTHER_CHANNEL, 2, WAIT).await[1].text(),
        "Great! Now tell me the destination city."
    );
    tokio::time::sleep(QUIET).await;
    assert_eq!(h.fake.log().sent.len(), 5, "exactly five answers");
    h.sup.stop_arbiters();
}

#[actix_rt::test]
async fn a_redelivered_message_create_is_processed_and_answered_once() {
    let h = Harness::start(colloquy_testkit::flight_bot(), |_| {}).await;
    h.dm_exchange(
        "ana",
        "I want to book a flight",
        "m1",
        &["Starting new booking. Please specify departure city."],
    )
    .await;
    h.dm_exchange(
        "ana",
        "from Lahore",
        "m2",
        &["Great! Now tell me the destination city."],
    )
    .await;
    // The same MESSAGE_CREATE again (same id): nothing is processed or sent.
    h.dm("ana", "from Lahore", "m2").await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        h.texts_to(h.dm_channel("ana"), 0, Duration::ZERO)
            .await
            .len(),
        2
    );
    // And the session did not move: the destination is still asked for.
    h.dm_exchange(
        "ana",
        "to Dubai",
        "m3",
        &["Confirm booking from Lahore to Dubai? (yes/no)"],
    )
    .await;
    h.sup.stop_arbiters();
}

#[actix_rt::test]
async fn a_429_is_honoured_for_its_retry_after() {
    // 1.5 s: not the adapter's 1 s default for a 429 without `retry_after`, nor its 200 ms backoff.
    let h = Harness::start(colloquy_testkit::flight_bot(), |_| {}).await;
    h.fake.rate_limit_next_send(Duration::from_millis(1500));
    h.dm_exchange(
        "ana",
        "I want to book a flight",
        "r1",
        &["Starting new booking. Please specify departure city."],
    )
    .await;
    let log = h.fake.log();
    assert_eq!(log.rate_limited.len(), 1);
    let waited = log.sent[0].at.duration_since(log.rate_limited[0]);
    assert!(
        waited >= Duration::from_millis(1500),
        "retried after {waited:?}, before retry_after"
    );
    assert!(
        waited < Duration::from_millis(1500 + 3000),
        "waited {waited:?}, far longer than asked"
    );
    drop(log);
    h.sup.stop_arbiters();
}

#[actix_rt::test]
async fn server_errors_are_retried_with_backoff_and_refusals_are_not() {
    let h = Harness::start(colloquy_testkit::flight_bot(), |_| {}).await;
    h.fake
        .fail_next_sends(&["503 Service Unavailable", "502 Bad Gateway"]);
    h.dm_exchange(
        "ana",
        "I want to book a flight",
        "e1",
        &["Starting new booking. Please specify departure city."],
    )
    .await;
    {
        let log = h.fake.log();
        assert_eq!(log.failed.len(), 2);
        // Backoff: 200 ms after the first failure, 400 ms after the second.
        let gap = log.failed[1].1.duration_since(log.failed[0].1);
        assert!(gap >= Duration::from_millis(200), "first backoff {gap:?}");
        let gap = log.sent[0].at.duration_since(log.failed[1].1);
        assert!(gap >= Duration::from_millis(400), "second backoff {gap:?}");
    }
    // 403 (no access to the channel) is final: one attempt, the reply is dropped and logged; the session
    // goes on.
    h.fake.fail_next_sends(&["403 Forbidden"]);
    h.dm("ana", "from Lahore", "e2").await;
    h.fake
        .wait_for("the 403", WAIT, |log| log.failed.len() == 3)
        .await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(h.fake.log().sent.len(), 1, "a refused send is not retried");
    h.dm_exchange(
        "ana",
        "to Dubai",
        "e3",
        &["Confirm booking from Lahore to Dubai? (yes/no)"],
    )
    .await;
    h.sup.stop_arbiters();
}

async fn resumes_after(h: &Harness, disrupt: impl FnOnce(&Harness)) {
    h.dm_exchange(
        "ana",
        "I want to book a flight",
        "c1",
        &["Starting new booking. Please specify departure city."],
    )
    .await;
    let identifies_before = h.fake.log().identifies.len();
    let last_seq = h.fake.last_seq();
    disrupt(h);
    // While the session is down Ana writes again, and Discord will also replay her first message
    // (at-least-once): after the RESUME both arrive; the replay must not be answered twice.
    let ana = user(h.id("ana"), "ana", false);
    let dm = h.dm_channel("ana");
    h.fake.missed_message_create(message(
        h.id("c1"),
        dm,
        None,
        ana.clone(),
        "I want to book a flight",
        vec![],
    ));
    h.fake
        .missed_message_create(message(h.id("c2"), dm, None, ana, "from Lahore", vec![]));
    h.fake
        .wait_for("RESUME on a new connection", WAIT, |log| {
            !log.resumes.is_empty() && log.connections >= 2
        })
        .await;
    {
        let log = h.fake.log();
        let resume = &log.resumes[0];
        assert_eq!(resume["session_id"], SESSION_ID);
        assert_eq!(resume["token"], format!("Bot {}", fake_discord::TOKEN));
        assert_eq!(
            resume["seq"].as_u64(),
            Some(last_seq),
            "resume carries the last sequence number seen: {resume}"
        );
        assert_eq!(
            log.identifies.len(),
            identifies_before,
            "resumed, not re-identified"
        );
    }
    h.texts_to(dm, 2, WAIT).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        h.texts_to(dm, 0, Duration::ZERO).await,
        [
            "Starting new booking. Please specify departure city.",
            "Great! Now tell me the destination city."
        ],
        "the missed message answered, the replayed one not again"
    );
    h.dm_exchange(
        "ana",
        "to Dubai",
        "c3",
        &["Confirm booking from Lahore to Dubai? (yes/no)"],
    )
    .await;
}

#[actix_rt::test]
async fn a_reconnect_request_resumes_the_session_and_the_conversation_continues() {
    let h = Harness::start(colloquy_testkit::flight_bot(), |_| {}).await;
    resumes_after(&h, |h| h.fake.reconnect()).await;
    h.sup.stop_arbiters();
}

#[actix_rt::test]
async fn a_dropped_gateway_connection_resumes_and_the_conversation_continues() {
    let h = Harness::start(colloquy_testkit::flight_bot(), |_| {}).await;
    resumes_after(&h, |h| h.fake.drop_connection()).await;
    h.sup.stop_arbiters();
}

#[actix_rt::test]
async fn an_invalidated_session_identifies_anew_and_the_conversation_continues() {
    let h = Harness::start(colloquy_testkit::flight_bot(), |_| {}).await;
    h.dm_exchange(
        "ana",
        "I want to book a flight",
        "v1",
        &["Starting new booking. Please specify departure city."],
    )
    .await;
    h.fake.refuse_resume();
    h.fake.drop_connection();
    h.fake
        .wait_for(
            "a second IDENTIFY after the refused RESUME",
            Duration::from_secs(15),
            |log| log.resumes.len() == 1 && log.identifies.len() == 2,
        )
        .await;
    // The conversation lives in the runtime, not in the gateway session.
    h.dm_exchange(
        "ana",
        "from Lahore",
        "v2",
        &["Great! Now tell me the destination city."],
    )
    .await;
    h.sup.stop_arbiters();
}

#[actix_rt::test]
async fn shutdown_mid_send_drains_the_pending_reply_and_returns_promptly() {
    let h = Harness::start(colloquy_testkit::flight_bot(), |_| {}).await;
    h.dm_exchange(
        "ana",
        "I want to book a flight",
        "s1",
        &["Starting new booking. Please specify departure city."],
    )
    .await;
    // The next reply is held by a 429 for 1 s; shut down while it waits.
    h.fake.rate_limit_next_send(Duration::from_secs(1));
    h.dm("ana", "from Lahore", "s2").await;
    h.fake
        .wait_for("the 429", WAIT, |log| !log.rate_limited.is_empty())
        .await;
    let started = Instant::now();
    h.trigger_shutdown();
    let outcome = h
        .join(WAIT)
        .await
        .expect("run() did not return within 10 s of shutdown");
    assert_eq!(outcome, Ok(()));
    let texts = h.texts_to(h.dm_channel("ana"), 2, Duration::ZERO).await;
    assert_eq!(
        texts.last().map(String::as_str),
        Some("Great! Now tell me the destination city."),
        "drained"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    // After shutdown, new messages are not taken.
    assert_eq!(h.channel.in_flight(), 0);
    h.sup.stop_arbiters();
}

#[test]
fn the_cli_registration_line_compiles_and_builds_from_toml() {
    // The constructor shape of `crates/cli/src/channels.rs` (`Typed::new("discord", …)`).
    type Constructor<C> = fn(&str, C) -> Result<Arc<dyn Channel>, ChannelError>;
    let register: Constructor<DiscordConfig> = |bot, config| {
        Ok(colloquy_discord::build(bot, config, &|name| {
            std::env::var(name).ok()
        })?)
    };
    let config: DiscordConfig =
        toml::from_str("token_env = \"COLLOQUY_TEST_UNSET_DISCORD_TOKEN\"\nchannels = [\"1\"]")
            .unwrap();
    let Err(ChannelError::Config(m)) = register("flight-bot", config) else {
        panic!("an unset token variable must fail the build")
    };
    assert!(m.contains("COLLOQUY_TEST_UNSET_DISCORD_TOKEN"), "{m}");
}

#[test]
fn build_reads_the_token_from_the_named_variable_and_never_prints_it() {
    let config = DiscordConfig::new("MY_DISCORD_TOKEN");
    let err = colloquy_discord::build("b", config.clone(), &|_| None).unwrap_err();
    assert!(
        matches!(&err, ChannelError::Config(m) if m.contains("MY_DISCORD_TOKEN")),
        "{err}"
    );
    let channel = colloquy_discord::build("b", config, &|name| {
        (name == "MY_DISCORD_TOKEN").then(|| "super.secret.token".to_owned())
    })
    .unwrap();
    let debug = format!("{channel:?}");
    assert!(!debug.contains("super.secret"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert_eq!(channel.name(), "discord");
    let mut bad = DiscordConfig::new("");
    bad.api_url = "ftp://x".into();
    let err = colloquy_discord::build("b", bad, &|_| Some("t".into())).unwrap_err();
    let ChannelError::Config(m) = err else {
        panic!()
    };
    assert!(
        m.contains("token_env") && m.contains("api_url"),
        "all problems at once: {m}"
    );
}

//! The Telegram adapter end to end: the real teloxide client against a local fake Bot API server, the
//! real runtime (Supervisor + MemoryStore) and the shipped flight bot.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fake_telegram;
mod support;

use colloquy_channel::{Channel, ChannelError, SessionKey, WebhookRequest};
use colloquy_core::Event;
use colloquy_telegram::{GroupMode, Mode, build};
use colloquy_testkit::flight_bot;
use fake_telegram::{BOT_USERNAME, FakeTelegram};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Harness, Running, SECRET, SECRET_ENV};

const ADA: i64 = 1001;
const BOB: i64 = 1002;
const GROUP: i64 = -100_777;

fn key(conversation: i64, user: i64) -> SessionKey {
    SessionKey {
        bot: "flight-bot".into(),
        channel: "telegram".into(),
        conversation: conversation.to_string(),
        user: user.to_string(),
    }
}

/// Sends `price_change` to Ada's private-chat session; its replies must reach Telegram.
async fn price_change_to_ada(supervisor: &colloquy_runtime::Supervisor, price: &str) {
    let receipt = supervisor
        .deliver_event(
            key(ADA, ADA),
            Event::new("price_change").with("new_price", price),
        )
        .await
        .expect("event handled");
    assert_eq!(receipt.sent, colloquy_runtime::Sent::Delivered);
}

#[actix_rt::test]
async fn seed_booking_with_a_weather_digression_word_for_word() {
    let mut h = Harness::start(flight_bot(), |_| {}).await;
    assert_eq!(
        h.say(ADA, "I want to book a flight", 1).await,
        ["Starting new booking. Please specify departure city."]
    );
    assert_eq!(
        h.say(ADA, "from Lahore", 1).await,
        ["Great! Now tell me the destination city."]
    );
    assert_eq!(
        h.say(ADA, "What's the weather in Dubai?", 2).await,
        [
            "It's sunny and 34°C in Dubai.",
            "Back to your booking: What is your destination city?"
        ]
    );
    // The seed's event mid-booking: the supervisor sends its replies through the Telegram channel, and
    // the booking resumes with its open question.
    h.supervisor.attach_channel(h.run.channel.clone());
    price_change_to_ada(&h.supervisor, "$299").await;
    let sent = h.fake.texts_to(ADA);
    assert_eq!(
        sent[sent.len() - 2..],
        [
            "Alert: Price changed to $299",
            "Back to your booking: What is your destination city?"
        ]
    );
    assert_eq!(
        h.say(ADA, "to Dubai", 1).await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    // The confirmation's quick replies arrive as a one-time reply keyboard.
    let confirm = h.fake.messages_to(ADA).pop().expect("sent");
    assert_eq!(
        confirm.body["reply_markup"],
        serde_json::json!({"keyboard": [[{"text": "yes"}, {"text": "no"}]], "one_time_keyboard": true, "resize_keyboard": true})
    );
    assert_eq!(h.say(ADA, "yes", 1).await, ["Booking confirmed!"]);
    // After the booking: the bot-level reply, also sent proactively.
    price_change_to_ada(&h.supervisor, "$299").await;
    assert_eq!(
        h.fake.texts_to(ADA).last().map(String::as_str),
        Some("Alert: Price changed to $299")
    );
    let (result, _) = h.run.stop().await;
    assert_eq!(result, Ok(()));
    let calls = h.fake.calls();
    assert_eq!(
        calls[..3],
        ["getme", "getwebhookinfo", "getupdates"],
        "{calls:?}"
    );
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn two_users_in_private_chats_keep_separate_sessions() {
    let mut h = Harness::start(flight_bot(), |_| {}).await;
    h.say(ADA, "I want to book a flight", 1).await;
    h.say(ADA, "from Lahore", 1).await;
    assert_eq!(
        h.say(BOB, "I want to book a flight", 1).await,
        ["Starting new booking. Please specify departure city."]
    );
    assert_eq!(
        h.say(BOB, "from Karachi", 1).await,
        ["Great! Now tell me the destination city."]
    );
    assert_eq!(
        h.say(ADA, "to Dubai", 1).await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    assert_eq!(
        h.say(BOB, "London", 1).await,
        ["Confirm booking from Karachi to London? (yes/no)"]
    );
    h.run.stop().await.0.expect("clean stop");
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn group_chats_answer_mentions_and_commands_with_a_session_per_user() {
    let mut h = Harness::start(flight_bot(), |c| c.groups = GroupMode::MentionsAndCommands).await;
    let mention = format!("@{BOT_USERNAME}");
    h.fake.group(GROUP, ADA, "anyone going to Dubai?");
    h.fake.group(GROUP, BOB, "/help@OtherBot");
    let (_, ada_msg) = h
        .fake
        .group(GROUP, ADA, &format!("{mention} I want to book a flight"));
    let texts = h.fake.wait_texts(GROUP, 1).await;
    assert_eq!(
        texts,
        ["Starting new booking. Please specify departure city."]
    );
    // Answers in groups reply to the message they answer.
    let first = &h.fake.messages_to(GROUP)[0];
    assert_eq!(first.body["reply_parameters"]["message_id"], ada_msg);
    // Bob has his own session in the same chat: no booking of his to resume.
    h.fake.group(
        GROUP,
        BOB,
        &format!("{mention} what's the weather in London?"),
    );
    let texts = h.fake.wait_texts(GROUP, 2).await;
    assert_eq!(texts[1], "It's drizzling and 12°C in London.");
    h.fake.group(GROUP, ADA, &format!("/cancel@{BOT_USERNAME}"));
    let texts = h.fake.wait_texts(GROUP, 3).await;
    // Ada's own session had the booking; the command with the bot's name reached the global cancel.
    assert_eq!(texts[2], "Okay, I've stopped the booking.");
    h.fake.group(GROUP, BOB, "/help");
    let texts = h.fake.wait_texts(GROUP, 4).await;
    assert!(texts[3].starts_with("I can book flights"), "{texts:?}");
    // Nothing else was answered: the plain message and the other bot's command were ignored.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        h.fake.texts_to(GROUP).len(),
        4,
        "{:?}",
        h.fake.texts_to(GROUP)
    );
    assert!(h.supervisor.live_sessions() >= 2);
    h.run.stop().await.0.expect("clean stop");
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn start_cancel_and_help_commands_reach_the_global_commands() {
    let mut h = Harness::start(flight_bot(), |_| {}).await;
    let help = h.say(ADA, "/help", 1).await;
    assert!(help[0].starts_with("I can book flights"), "{help:?}");
    h.say(ADA, "I want to book a flight", 1).await;
    h.say(ADA, "from Lahore", 1).await;
    let restarted = h
        .say(ADA, &format!("/start@{BOT_USERNAME} deep-link-payload"), 1)
        .await;
    // Restart dropped the booking: a new one starts from the beginning.
    assert_eq!(restarted, ["Okay, let's start over."]);
    assert_eq!(
        h.say(ADA, "I want to book a flight", 1).await,
        ["Starting new booking. Please specify departure city."]
    );
    h.run.stop().await.0.expect("clean stop");
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn a_redelivered_update_is_not_processed_twice() {
    let mut h = Harness::start(flight_bot(), |_| {}).await;
    h.say(ADA, "I want to book a flight", 1).await;
    h.say(ADA, "from Lahore", 1).await;
    let before = h.fake.texts_to(ADA).len();
    let (update_id, _) = h.fake.private(ADA, "to Dubai");
    h.fake.wait_texts(ADA, before + 1).await;
    h.run.stop().await.0.expect("clean stop");
    // Shutdown confirmed everything processed.
    assert_eq!(h.fake.confirmed(), update_id + 1);
    // The confirmation is lost (crash before Telegram saw it): a restarted adapter gets the update again.
    h.fake.requeue(update_id);
    let mut again = Harness::adapter(&h.fake, &h.supervisor, |_| {});
    let texts = h.fake.wait_texts(ADA, before + 2).await;
    // The runtime recognised the message id: the turn is not re-run (re-running "to Dubai" while
    // confirming would answer "Please answer yes or no…"); the reply is repeated for a user who lost it.
    assert_eq!(
        texts[before + 1],
        "Confirm booking from Lahore to Dubai? (yes/no)"
    );
    h.fake.private(ADA, "yes");
    let texts = h.fake.wait_texts(ADA, before + 3).await;
    assert_eq!(texts[before + 2], "Booking confirmed!");
    assert!(h.fake.get_updates_offsets().contains(&0));
    again.stop().await.0.expect("clean stop");
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn a_reply_longer_than_4096_utf16_units_is_split() {
    // 😀 is two UTF-16 units: 1,500 of them in words are 6,000+ units.
    let help = "Welcome 😀😀 to the flight bot. ".repeat(300);
    let mut h = Harness::start(support::bot_with_long_help(&help), |_| {}).await;
    h.fake.private(ADA, "help");
    let texts = h.fake.wait_texts(ADA, 3).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let texts_now = h.fake.texts_to(ADA);
    assert_eq!(texts_now.len(), texts.len());
    assert_eq!(texts.len(), 3, "{}", texts.len());
    for t in &texts {
        assert!(
            t.encode_utf16().count() <= 4096,
            "{} units",
            t.encode_utf16().count()
        );
    }
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    assert_eq!(squash(&texts.concat()), squash(&help));
    h.run.stop().await.0.expect("clean stop");
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn a_429_is_honoured_before_the_reply_is_sent_again() {
    let mut h = Harness::start(flight_bot(), |_| {}).await;
    h.fake.rate_limit_next_sends(1, 1);
    assert_eq!(
        h.say(ADA, "I want to book a flight", 1).await,
        ["Starting new booking. Please specify departure city."]
    );
    let attempts: Vec<_> = h
        .fake
        .sent()
        .into_iter()
        .filter(|s| s.method == "sendmessage")
        .collect();
    assert_eq!(attempts.len(), 2);
    assert!(attempts[0].rate_limited && !attempts[1].rate_limited);
    let waited = attempts[1].at - attempts[0].at;
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    h.run.stop().await.0.expect("clean stop");
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn a_slow_turn_shows_typing() {
    struct Slow(colloquy_runtime::Supervisor);
    impl colloquy_channel::Gateway for Slow {
        fn dispatch(
            &self,
            inbound: colloquy_channel::Inbound,
        ) -> colloquy_channel::BoxFuture<
            'static,
            Result<colloquy_channel::TurnReply, colloquy_channel::DispatchError>,
        > {
            let sup = self.0.clone();
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                sup.dispatch_message(inbound).await
            })
        }
    }
    let h = Harness::start(flight_bot(), |_| {}).await;
    let mut slow = {
        let mut c = support::config(&h.fake);
        c.typing_after_ms = 50;
        let channel = build("flight-bot", c, &support::env).expect("builds");
        Running::start(channel, Arc::new(Slow(h.supervisor.clone())))
    };
    let mut h = h;
    h.run.stop().await.0.expect("first adapter stops");
    h.fake.private(ADA, "I want to book a flight");
    h.fake.wait_texts(ADA, 1).await;
    let sent = h.fake.sent();
    assert_eq!(sent[0].method, "sendchataction");
    assert_eq!(sent[0].text, "typing");
    assert_eq!(sent[1].method, "sendmessage");
    slow.stop().await.0.expect("clean stop");
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn shutdown_mid_turn_drains_the_send_and_returns_promptly() {
    let mut h = Harness::start(flight_bot(), |_| {}).await;
    // The reply's first send is rate limited for 1 s: shutdown arrives while it is pending.
    h.fake.rate_limit_next_sends(1, 1);
    let (update_id, _) = h.fake.private(ADA, "I want to book a flight");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !h.fake.sent().iter().any(|s| s.rate_limited) {
        assert!(Instant::now() < deadline, "no send attempt");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (result, took) = h.run.stop().await;
    assert_eq!(result, Ok(()));
    // The pending reply went out before `run` returned, and the update was confirmed.
    assert_eq!(
        h.fake.texts_to(ADA),
        ["Starting new booking. Please specify departure city."]
    );
    assert_eq!(h.fake.confirmed(), update_id + 1);
    assert!(took < Duration::from_secs(3), "stop took {took:?}");
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn an_idle_long_poll_is_cut_short_by_shutdown() {
    let mut h = Harness::start(flight_bot(), |c| c.poll_timeout_secs = 30).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (result, took) = h.run.stop().await;
    assert_eq!(result, Ok(()));
    // The long poll (30 s) is dropped, not waited for.
    assert!(took < Duration::from_secs(2), "stop took {took:?}");
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn polling_removes_a_webhook_left_by_webhook_mode() {
    let fake = FakeTelegram::start();
    fake.preset_webhook("https://old.example.com/hook");
    let sup = colloquy_runtime::Supervisor::start(
        flight_bot(),
        Arc::new(colloquy_store::MemoryStore::new()),
        colloquy_runtime::RuntimeConfig::default(),
        Arc::new(colloquy_runtime::SystemClock),
    )
    .expect("runtime");
    let mut run = Harness::adapter(&fake, &sup, |_| {});
    let deadline = Instant::now() + Duration::from_secs(5);
    while !fake.calls().iter().any(|c| c == "getupdates") {
        assert!(Instant::now() < deadline, "{:?}", fake.calls());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(fake.calls().contains(&"deletewebhook".to_owned()));
    assert_eq!(fake.webhook(), None);
    run.stop().await.0.expect("clean stop");
    fake.assert_clean();
}

#[actix_rt::test]
async fn webhook_requests_need_the_secret_token() {
    let h = Harness::start(flight_bot(), |c| {
        c.mode = Mode::Webhook;
        c.public_url = Some("https://bot.example.test".into());
        c.secret_token_env = Some(SECRET_ENV.into());
    })
    .await;
    assert_eq!(
        h.fake.webhook(),
        Some((
            "https://bot.example.test/telegram/webhook".to_owned(),
            Some(SECRET.to_owned())
        ))
    );
    let hooks = h.run.channel.webhooks();
    assert_eq!(hooks.len(), 1);
    let hook = hooks[0].clone();
    assert_eq!(hook.path(), "/telegram/webhook");
    let body = fake_telegram::message_update(
        50,
        7,
        serde_json::json!({"id": ADA, "type": "private", "first_name": "Ada"}),
        ADA,
        "I want to book a flight",
        None,
    )
    .to_string()
    .into_bytes();
    let request = |secret: Option<&str>| WebhookRequest {
        headers: secret
            .map(|s| vec![("x-telegram-bot-api-secret-token".to_owned(), s.to_owned())])
            .unwrap_or_default(),
        body: body.clone(),
    };
    assert_eq!(hook.handle(request(None)).await.status, 401);
    assert_eq!(hook.handle(request(Some("wrong"))).await.status, 401);
    assert_eq!(
        hook.handle(request(Some(&SECRET[..SECRET.len() - 1])))
            .await
            .status,
        401
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        h.fake.message_count(),
        0,
        "a rejected request was processed"
    );
    assert_eq!(
        h.supervisor.live_sessions(),
        0,
        "a rejected request reached the runtime"
    );
    let bad_json = WebhookRequest {
        headers: vec![("x-telegram-bot-api-secret-token".into(), SECRET.into())],
        body: b"{not json".to_vec(),
    };
    assert_eq!(hook.handle(bad_json).await.status, 400);
    // The right secret: processed, and the reply is out before Telegram gets its 200.
    assert_eq!(hook.handle(request(Some(SECRET))).await.status, 200);
    assert_eq!(
        h.fake.texts_to(ADA),
        ["Starting new booking. Please specify departure city."]
    );
    // Telegram retrying the same update is not processed twice.
    assert_eq!(hook.handle(request(Some(SECRET))).await.status, 200);
    h.fake.private(ADA, "ignored: webhook mode never polls");
    let mut h = h;
    let (result, _) = h.run.stop().await;
    assert_eq!(result, Ok(()));
    assert!(!h.fake.calls().contains(&"getupdates".to_owned()));
    // After stop the endpoint answers 503 so Telegram keeps the update for later.
    assert_eq!(hook.handle(request(Some(SECRET))).await.status, 503);
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn a_wrong_token_stops_the_adapter_loudly() {
    let fake = FakeTelegram::start();
    let mut c = support::config(&fake);
    c.token_env = "WRONG".into();
    let channel = build("flight-bot", c, &|_| Some("42:WRONG-token".into())).expect("builds");
    let sup = colloquy_runtime::Supervisor::start(
        flight_bot(),
        Arc::new(colloquy_store::MemoryStore::new()),
        colloquy_runtime::RuntimeConfig::default(),
        Arc::new(colloquy_runtime::SystemClock),
    )
    .expect("runtime");
    let mut run = Running::start(channel, Arc::new(sup));
    let err = run.finished().await.expect_err("getMe fails");
    assert!(matches!(err, ChannelError::Config(_)), "{err:?}");
    assert!(
        !err.to_string().contains("WRONG-token"),
        "token leaked: {err}"
    );
    assert_eq!(fake.violations(), ["wrong token on getme"]);
}

#[actix_rt::test]
async fn an_update_the_runtime_could_not_take_is_not_confirmed_and_comes_again() {
    /// Answers "unavailable" to the first message, then passes everything to the runtime.
    struct FlakyOnce(colloquy_runtime::Supervisor, std::sync::atomic::AtomicBool);
    impl colloquy_channel::Gateway for FlakyOnce {
        fn dispatch(
            &self,
            inbound: colloquy_channel::Inbound,
        ) -> colloquy_channel::BoxFuture<
            'static,
            Result<colloquy_channel::TurnReply, colloquy_channel::DispatchError>,
        > {
            let fail = !self.1.swap(true, std::sync::atomic::Ordering::SeqCst);
            let sup = self.0.clone();
            Box::pin(async move {
                if fail {
                    return Err(colloquy_channel::DispatchError::Unavailable(
                        "stopping".into(),
                    ));
                }
                sup.dispatch_message(inbound).await
            })
        }
    }
    let mut h = Harness::start(flight_bot(), |_| {}).await;
    h.run.stop().await.0.expect("first adapter stops");
    let channel = build("flight-bot", support::config(&h.fake), &support::env).expect("builds");
    let gateway = FlakyOnce(
        h.supervisor.clone(),
        std::sync::atomic::AtomicBool::new(false),
    );
    let mut flaky = Running::start(channel, Arc::new(gateway));
    let (update_id, _) = h.fake.private(ADA, "I want to book a flight");
    assert_eq!(
        h.fake.wait_texts(ADA, 1).await,
        ["Starting new booking. Please specify departure city."]
    );
    // The failed update was asked for again from its own id (not confirmed), then confirmed.
    let offsets = h.fake.get_updates_offsets();
    assert!(offsets.contains(&update_id), "{offsets:?}");
    flaky.stop().await.0.expect("clean stop");
    assert_eq!(h.fake.confirmed(), update_id + 1);
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn proactive_delivery_needs_a_running_adapter_and_a_telegram_chat() {
    let mut h = Harness::start(flight_bot(), |_| {}).await;
    let msg = || vec![colloquy_channel::Outbound::text("hello")];
    let mut other = key(ADA, ADA);
    other.channel = "websocket".into();
    assert!(matches!(
        h.run.channel.deliver(&other, msg()).await,
        Err(ChannelError::Rejected(_))
    ));
    h.run
        .channel
        .deliver(&key(GROUP, ADA), msg())
        .await
        .expect("sent");
    assert_eq!(h.fake.texts_to(GROUP), ["hello"]);
    let channel = h.run.channel.clone();
    h.run.stop().await.0.expect("clean stop");
    assert_eq!(
        channel.deliver(&key(ADA, ADA), msg()).await,
        Err(ChannelError::Stopped)
    );
    h.fake.assert_clean();
}

#[actix_rt::test]
async fn network_errors_never_show_the_token() {
    // A port nothing listens on. (teloxide strips the URL, which holds the token, from network errors;
    // the adapter scrubs the token from every error text as well.)
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let fake = FakeTelegram::start();
    let mut c = support::config(&fake);
    c.api_url = format!("http://{closed}");
    let channel = build("flight-bot", c, &support::env).expect("builds");
    let sup = colloquy_runtime::Supervisor::start(
        flight_bot(),
        Arc::new(colloquy_store::MemoryStore::new()),
        colloquy_runtime::RuntimeConfig::default(),
        Arc::new(colloquy_runtime::SystemClock),
    )
    .expect("runtime");
    let mut run = Running::start(channel, Arc::new(sup));
    let err = run
        .finished()
        .await
        .expect_err("nothing listens there")
        .to_string();
    assert!(!err.contains(fake_telegram::TOKEN), "token leaked: {err}");
    assert!(
        err.contains("getMe failed") && err.contains("network error"),
        "{err}"
    );
}

//! End-to-end: `colloquy run` hosts the Telegram adapter (teloxide) against a local fake of the Bot API
//! on 127.0.0.1, and the event API reaches a Telegram user in the middle of a booking.

mod support;

#[path = "../crates/channels/telegram/tests/fake_telegram/mod.rs"]
mod fake_telegram;

use fake_telegram::{FakeTelegram, TOKEN};
use serde_json::json;
use std::time::{Duration, Instant};
use support::{FLIGHT_BOT, Server, http_post};

const ADA: i64 = 4242;
const EVENTS_TOKEN: &str = "e2e-events";

/// Waits until the fake has sent `n` texts to `chat`; returns them.
async fn texts(fake: &FakeTelegram, chat: i64, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let sent = fake.texts_to(chat);
        if sent.len() >= n || Instant::now() > deadline {
            return sent;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_telegram_user_books_and_gets_the_price_change_mid_booking() {
    let fake = FakeTelegram::start();
    let config = format!(
        "{FLIGHT_BOT}\n[channels.telegram]\ntoken_env = \"E2E_TELEGRAM_TOKEN\"\napi_url = \"{}\"\npoll_timeout_secs = 2\n",
        fake.url
    );
    let data = tempfile::tempdir().expect("data dir");
    let server = Server::start_with_env(
        &config,
        data.path(),
        &[
            ("E2E_TELEGRAM_TOKEN", TOKEN),
            ("COLLOQUY_EVENTS_TOKEN", EVENTS_TOKEN),
        ],
    );
    assert!(
        server
            .startup_lines
            .iter()
            .any(|l| l.contains("colloquy channel telegram ready")),
        "{:?}",
        server.startup_lines
    );
    fake.private(ADA, "I want to book a flight");
    assert_eq!(
        texts(&fake, ADA, 1).await,
        ["Starting new booking. Please specify departure city."]
    );
    fake.private(ADA, "from Lahore");
    assert_eq!(
        texts(&fake, ADA, 2).await[1],
        "Great! Now tell me the destination city."
    );
    let path = format!("/v1/bots/flight-bot/sessions/telegram/{ADA}/{ADA}/events");
    let body = json!({"type": "price_change", "data": {"new_price": "$299"}, "id": "tg-fare-1"});
    let (status, answer) = http_post(
        server.addr,
        &path,
        Some(EVENTS_TOKEN),
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        texts(&fake, ADA, 4).await[2..],
        [
            "Alert: Price changed to $299",
            "Back to your booking: What is your destination city?"
        ]
    );
    fake.private(ADA, "to Dubai");
    assert_eq!(
        texts(&fake, ADA, 5).await[4],
        "Confirm booking from Lahore to Dubai? (yes/no)"
    );
}

#[test]
fn check_reports_the_adapters_own_problems_for_telegram_and_discord() {
    let config = format!(
        "{FLIGHT_BOT}\n[channels.telegram]\ntoken_env = \"\"\napi_url = \"ftp://example\"\n\n[channels.discord]\ntoken_env = \"not a name\"\n"
    );
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bot.toml");
    std::fs::write(&path, &config).expect("write");
    let out = support::colloquy()
        .arg("check")
        .arg(&path)
        .output()
        .expect("run colloquy check");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "channels.telegram.token_env",
        "channels.telegram.api_url",
        "channels.discord.token_env: `not a name` is not an environment variable name",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}

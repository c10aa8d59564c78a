//! End-to-end: the event API of the real binary, proactive messages over WebSocket, and a durable timer
//! that falls due while the server is killed (SIGKILL) fires exactly once after the restart.

mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::{Client, FLIGHT_BOT, Server, flight_bot_with, http_post};

const TOKEN: &str = "test-events-token";
const ENV: [(&str, &str); 1] = [("COLLOQUY_EVENTS_TOKEN", TOKEN)];

/// Connects a new anonymous user; returns the client, its event API session id and its token.
async fn user(server: &Server) -> (Client, String, String) {
    let mut c = Client::connect(server).await;
    let welcome = c.hello_with(json!({"type": "hello"})).await;
    let id = welcome["session_id"]
        .as_str()
        .expect("session_id")
        .to_owned();
    let token = welcome["session_token"].as_str().expect("token").to_owned();
    (c, id, token)
}

async fn post(server: &Server, path: &str, body: &Value) -> (u16, Value) {
    http_post(server.addr, path, Some(TOKEN), body.to_string().as_bytes()).await
}

fn texts(frame: &Value) -> Vec<String> {
    frame["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|x| x["text"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_seed_price_change_reaches_a_websocket_user_mid_booking_once() {
    let data = tempfile::tempdir().expect("data dir");
    let server = Server::start_with_env(FLIGHT_BOT, data.path(), &ENV);
    let (mut c, id, _) = user(&server).await;
    c.say("I want to book a flight").await;
    c.say("from Lahore").await;
    let path = format!("/v1/bots/flight-bot/sessions/{id}/events");
    let event = json!({"type": "price_change", "data": {"new_price": "$299"}, "id": "fare-1"});
    let (status, body) = post(&server, &path, &event).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "delivered");
    let frame = c.next_frame().await;
    assert_eq!(frame["type"], "reply");
    assert_eq!(
        frame["in_reply_to"],
        Value::Null,
        "proactive: answers no message"
    );
    assert_eq!(
        texts(&frame),
        [
            "Alert: Price changed to $299",
            "Back to your booking: What is your destination city?"
        ]
    );
    // The same id again: acknowledged as a duplicate, nothing sent.
    let (status, body) = post(&server, &path, &event).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(c.frame_within(Duration::from_millis(300)).await, None);
    assert_eq!(
        c.say("to Dubai").await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    // A topic event reaches the booking that follows the route.
    let (status, body) = post(
        &server,
        "/v1/bots/flight-bot/topics/fare:Lahore-Dubai/events",
        &json!({"type": "price_change", "data": {"new_price": "$250"}, "id": "fare-2"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["sessions"].as_u64(), body["delivered"].as_u64()),
        (Some(1), Some(1))
    );
    let frame = c.next_frame().await;
    assert_eq!(texts(&frame)[0], "Alert: Price changed to $250");
}

/// Name, token, path, body, expected status, expected `error`, expected `field`.
type BadCase<'a> = (
    &'a str,
    Option<&'a str>,
    String,
    Vec<u8>,
    u16,
    &'a str,
    Option<&'a str>,
);

#[tokio::test]
async fn every_bad_request_gets_its_documented_status_and_delivers_nothing() {
    let data = tempfile::tempdir().expect("data dir");
    let server = Server::start_with_env(FLIGHT_BOT, data.path(), &ENV);
    let (mut c, id, _) = user(&server).await;
    c.say("I want to book a flight").await;
    let path = format!("/v1/bots/flight-bot/sessions/{id}/events");
    let good = json!({"type": "price_change", "data": {"new_price": "$1"}});
    let cases: Vec<BadCase> = vec![
        (
            "no token",
            None,
            path.clone(),
            good.to_string().into_bytes(),
            401,
            "unauthorized",
            None,
        ),
        (
            "wrong token",
            Some("nope"),
            path.clone(),
            good.to_string().into_bytes(),
            401,
            "unauthorized",
            None,
        ),
        (
            "unknown bot",
            Some(TOKEN),
            format!("/v1/bots/other-bot/sessions/{id}/events"),
            good.to_string().into_bytes(),
            404,
            "unknown_bot",
            None,
        ),
        (
            "unknown session",
            Some(TOKEN),
            "/v1/bots/flight-bot/sessions/websocket/ghost/ghost/events".into(),
            good.to_string().into_bytes(),
            404,
            "unknown_session",
            None,
        ),
        (
            "malformed id",
            Some(TOKEN),
            "/v1/bots/flight-bot/sessions/just-one-part/events".into(),
            good.to_string().into_bytes(),
            404,
            "unknown_session",
            None,
        ),
        (
            "malformed JSON",
            Some(TOKEN),
            path.clone(),
            b"{\"type\": ".to_vec(),
            400,
            "malformed_json",
            None,
        ),
        (
            "not an object",
            Some(TOKEN),
            path.clone(),
            b"[1,2]".to_vec(),
            400,
            "invalid_field",
            Some("(body)"),
        ),
        (
            "missing type",
            Some(TOKEN),
            path.clone(),
            br#"{"data": {}}"#.to_vec(),
            400,
            "missing_field",
            Some("type"),
        ),
        (
            "empty type",
            Some(TOKEN),
            path.clone(),
            br#"{"type": ""}"#.to_vec(),
            400,
            "invalid_field",
            Some("type"),
        ),
        (
            "nested data",
            Some(TOKEN),
            path.clone(),
            br#"{"type": "x", "data": {"a": {"b": 1}}}"#.to_vec(),
            400,
            "invalid_field",
            Some("data.a"),
        ),
        (
            "data not an object",
            Some(TOKEN),
            path.clone(),
            br#"{"type": "x", "data": 3}"#.to_vec(),
            400,
            "invalid_field",
            Some("data"),
        ),
        (
            "bad id",
            Some(TOKEN),
            path.clone(),
            br#"{"type": "x", "id": 7}"#.to_vec(),
            400,
            "invalid_field",
            Some("id"),
        ),
        (
            "unknown field",
            Some(TOKEN),
            path.clone(),
            br#"{"type": "x", "when": "now"}"#.to_vec(),
            400,
            "invalid_field",
            Some("when"),
        ),
        (
            "too large",
            Some(TOKEN),
            path.clone(),
            format!(
                r#"{{"type": "x", "data": {{"pad": "{}"}}}}"#,
                "x".repeat(70_000)
            )
            .into_bytes(),
            413,
            "body_too_large",
            None,
        ),
    ];
    for (name, token, path, body, status, code, field) in cases {
        let (got, json) = http_post(server.addr, &path, token, &body).await;
        assert_eq!(got, status, "{name}: {json}");
        assert_eq!(json["error"], code, "{name}: {json}");
        assert!(
            json["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{name}: {json}"
        );
        if let Some(field) = field {
            assert_eq!(json["field"], field, "{name}: {json}");
        }
    }
    assert_eq!(
        c.frame_within(Duration::from_millis(300)).await,
        None,
        "nothing was delivered"
    );
    // The conversation is untouched.
    assert_eq!(
        c.say("from Lahore").await,
        ["Great! Now tell me the destination city."]
    );
    // And without a configured token the API is off (503), not open.
    let open = Server::start(FLIGHT_BOT, tempfile::tempdir().expect("dir").path());
    let (status, json) = http_post(
        open.addr,
        &path,
        Some("anything"),
        good.to_string().as_bytes(),
    )
    .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (503, Some("events_disabled"))
    );
}

#[tokio::test]
async fn a_timer_due_while_the_server_was_killed_fires_once_after_restart() {
    let data = tempfile::tempdir().expect("data dir");
    // The nudge after 2 s instead of 10 minutes; every turn flushed before its reply.
    let config = flight_bot_with(&[
        ("after = \"10m\"", "after = \"2s\""),
        ("durability = \"interval\"", "durability = \"per_turn\""),
    ]);
    let mut first = Server::start(&config, data.path());
    let (mut c, _, token) = user(&first).await;
    c.say("I want to book a flight").await;
    first.kill();
    drop(c);
    // Due while nobody is running.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut second = Server::start(&config, data.path());
    // The user comes back after the timer fired at start-up: its reply was kept for them.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut c = Client::connect(&second).await;
    c.resume(&token).await;
    let kept = c.next_frame().await;
    assert_eq!(
        texts(&kept),
        [
            "Are you still there?",
            "Back to your booking: Which city are you flying from?"
        ]
    );
    assert_eq!(
        c.frame_within(Duration::from_millis(2500)).await,
        None,
        "fired once"
    );
    second.kill();
    drop(c);
    let third = Server::start(&config, data.path());
    let mut c = Client::connect(&third).await;
    c.resume(&token).await;
    assert_eq!(
        c.frame_within(Duration::from_millis(2500)).await,
        None,
        "not again after another restart"
    );
    assert_eq!(
        c.say("from Lahore").await,
        ["Great! Now tell me the destination city."]
    );
}

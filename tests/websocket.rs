//! End-to-end: the real `colloquy run` binary, the shipped flight bot, real WebSockets on 127.0.0.1.
//!
//! Bot texts are the exact ones of `crates/testkit/tests/flight_bot_transcripts.rs`.

mod support;

use colloquy_websocket::identity::Secret;
use serde_json::json;
use support::{Client, FLIGHT_BOT, Server, flight_bot_with, http_get, texts, unique_id};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

const STARTING: &str = "Starting new booking. Please specify departure city.";
const GREAT: &str = "Great! Now tell me the destination city.";
const CANCELLED: &str = "Booking cancelled. Start over?";
const CONFIRMED: &str = "Booking confirmed!";
const HELP: &str = "I can book flights ('I want to book a flight') and tell you the weather ('weather in Dubai'). Say 'cancel' to stop the current step or 'restart' to start over.";
const FALLBACK: &str =
    "Sorry, I didn't get that. I can book a flight or tell you the weather. Type 'help' for more.";

/// A server running the shipped flight bot with a fresh data directory.
fn flight_server() -> (Server, tempfile::TempDir) {
    let data = tempfile::tempdir().expect("create a data directory");
    (Server::start(FLIGHT_BOT, data.path()), data)
}

#[tokio::test]
async fn seed_conversation_over_a_real_websocket() {
    let (server, _data) = flight_server();
    let mut c = Client::connect(&server).await;
    let (user, token) = c.hello().await;
    assert!(user.starts_with("anon-"), "anonymous user id: {user}");
    assert!(
        token.starts_with(&format!("v1.{user}.")),
        "token {token} names its user {user}"
    );

    assert_eq!(c.say("I want to book a flight").await, [STARTING]);
    assert_eq!(c.say("from Lahore").await, [GREAT]);
    assert_eq!(
        c.say("What's the weather in Dubai?").await,
        [
            "It's sunny and 34°C in Dubai.",
            "Back to your booking: What is your destination city?"
        ]
    );
    assert_eq!(
        c.say("to Dubai").await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    assert_eq!(c.say("no").await, [CANCELLED]);
    assert_eq!(c.say("yes").await, [STARTING]);
    assert_eq!(c.say("from Karachi").await, [GREAT]);
    assert_eq!(
        c.say("London").await,
        ["Confirm booking from Karachi to London? (yes/no)"]
    );
    assert_eq!(c.say("yes").await, [CONFIRMED]);
    // The booking is over: the stack is empty.
    assert_eq!(c.say("cancel").await, ["There is nothing to cancel."]);
    c.close().await;
}

#[tokio::test]
async fn two_users_on_two_connections_keep_separate_state() {
    let (server, _data) = flight_server();
    let mut a = Client::connect(&server).await;
    let mut b = Client::connect(&server).await;
    let (user_a, token_a) = a.hello().await;
    let (user_b, token_b) = b.hello().await;
    assert_ne!(user_a, user_b);
    assert_ne!(token_a, token_b);

    assert_eq!(a.say("I want to book a flight").await, [STARTING]);
    assert_eq!(b.say("I want to book a flight").await, [STARTING]);
    assert_eq!(a.say("from Lahore").await, [GREAT]);
    assert_eq!(b.say("from Karachi").await, [GREAT]);

    // Both messages in flight at once before either reply is read.
    let (id_a, id_b) = (unique_id(), unique_id());
    a.send_json(&json!({"type": "message", "text": "to Dubai", "id": id_a}))
        .await;
    b.send_json(&json!({"type": "message", "text": "to Dubai", "id": id_b}))
        .await;
    let (reply_a, reply_b) = tokio::join!(a.next_frame(), b.next_frame());
    assert_eq!(reply_a["in_reply_to"], id_a.as_str(), "{reply_a}");
    assert_eq!(reply_b["in_reply_to"], id_b.as_str(), "{reply_b}");
    assert_eq!(
        texts(&reply_a),
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    assert_eq!(
        texts(&reply_b),
        ["Confirm booking from Karachi to Dubai? (yes/no)"]
    );

    // A's answer ends only A's booking.
    assert_eq!(a.say("yes").await, [CONFIRMED]);
    assert_eq!(
        b.say("what's the weather in London?").await,
        ["Please answer yes or no: book from Karachi to Dubai?"]
    );
    assert_eq!(b.say("no").await, [CANCELLED]);
    assert_eq!(a.say("cancel").await, ["There is nothing to cancel."]);
}

/// Bad frames get error frames (the connection stays usable), oversized and non-UTF-8 text frames close the
/// connection with 1009 / 1007, and none of it disturbs the session or another connection.
#[tokio::test]
async fn bad_input_gets_clear_errors_and_never_breaks_sessions() {
    let (server, _data) = flight_server();

    // A bystander who keeps chatting between every bad frame.
    let mut bystander = Client::connect(&server).await;
    bystander.hello().await;
    let mut bystander_script = [
        ("I want to book a flight", vec![STARTING.to_owned()]),
        (
            "help",
            vec![
                HELP.to_owned(),
                "Which city are you flying from?".to_owned(),
            ],
        ),
        ("from Karachi", vec![GREAT.to_owned()]),
        (
            "help",
            vec![HELP.to_owned(), "What is your destination city?".to_owned()],
        ),
        (
            "to London",
            vec!["Confirm booking from Karachi to London? (yes/no)".to_owned()],
        ),
        ("no", vec![CANCELLED.to_owned()]),
        ("yes", vec![STARTING.to_owned()]),
        ("from Islamabad", vec![GREAT.to_owned()]),
        (
            "to Doha",
            vec!["Confirm booking from Islamabad to Doha? (yes/no)".to_owned()],
        ),
        ("yes", vec![CONFIRMED.to_owned()]),
    ]
    .into_iter();
    let mut bystander_turn = async || {
        let (text, expected) = bystander_script
            .next()
            .expect("the bystander script is long enough");
        assert_eq!(
            bystander.say(text).await,
            expected,
            "bystander said `{text}`"
        );
    };

    let mut a = Client::connect(&server).await;
    let (user_a, token_a) = a.hello().await;
    bystander_turn().await;
    assert_eq!(a.say("I want to book a flight").await, [STARTING]);

    a.send_text("this is not json").await;
    a.expect_error("bad_json").await;
    a.send_text(r#"{"type":"message","text":"unterminated"#)
        .await;
    a.expect_error("bad_json").await;
    bystander_turn().await;
    assert_eq!(a.say("from Lahore").await, [GREAT]);

    a.send_json(&json!({"type": "shout", "text": "from Paris"}))
        .await;
    a.expect_error("bad_frame").await;
    bystander_turn().await;
    assert_eq!(
        a.say("What's the weather in Dubai?").await,
        [
            "It's sunny and 34°C in Dubai.",
            "Back to your booking: What is your destination city?"
        ]
    );

    a.send_json(&json!({"type": "message", "id": unique_id()}))
        .await;
    a.expect_error("bad_frame").await;
    bystander_turn().await;
    assert_eq!(
        a.say("help").await,
        [HELP, "What is your destination city?"]
    );

    a.send_raw(Message::binary(b"to Paris".to_vec())).await;
    a.expect_error("binary_not_supported").await;
    bystander_turn().await;
    assert_eq!(
        a.say("to Dubai").await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );

    // Message before hello, on a connection of its own: the error, then hello and chat work.
    let mut early = Client::connect(&server).await;
    early
        .send_json(
            &json!({"type": "message", "text": "I want to book a flight", "id": unique_id()}),
        )
        .await;
    early.expect_error("hello_first").await;
    bystander_turn().await;
    let (early_user, _) = early.hello().await;
    assert_ne!(early_user, user_a);
    assert_eq!(early.say("I want to book a flight").await, [STARTING]);
    early.close().await;

    // A text frame over 16 KiB: the server closes with 1009 (message too big).
    let huge = json!({"type": "message", "text": "x".repeat(20 * 1024), "id": unique_id()});
    a.send_json(&huge).await;
    assert_eq!(
        a.expect_close().await,
        1009,
        "close code for an oversized frame"
    );
    bystander_turn().await;

    // A new connection with the same token continues the same booking, which the huge frame did not touch.
    let mut a2 = Client::connect(&server).await;
    assert_eq!(a2.resume(&token_a).await, user_a);
    assert_eq!(
        a2.say("what's the weather in London?").await,
        ["Please answer yes or no: book from Lahore to Dubai?"]
    );

    // A text frame that is not UTF-8: the server closes with 1007 (invalid frame payload data).
    let mut bad_utf8 = br#"{"type":"message","text":"to "#.to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    bad_utf8.extend_from_slice(br#"","id":"x"}"#);
    a2.send_raw(Message::Frame(Frame::message(
        bad_utf8,
        OpCode::Data(Data::Text),
        true,
    )))
    .await;
    assert_eq!(
        a2.expect_close().await,
        1007,
        "close code for invalid UTF-8"
    );
    bystander_turn().await;

    let mut a3 = Client::connect(&server).await;
    assert_eq!(a3.resume(&token_a).await, user_a);
    assert_eq!(a3.say("yes").await, [CONFIRMED]);
    bystander_turn().await;
    assert_eq!(a3.say("cancel").await, ["There is nothing to cancel."]);
    a3.close().await;
    bystander.close().await;
}

#[tokio::test]
async fn reconnecting_with_the_token_resumes_the_booking_and_forged_tokens_are_refused() {
    let (server, _data) = flight_server();
    let mut c = Client::connect(&server).await;
    let (user, token) = c.hello().await;
    assert_eq!(c.say("I want to book a flight").await, [STARTING]);
    assert_eq!(c.say("from Lahore").await, [GREAT]);
    c.close().await;

    let mut again = Client::connect(&server).await;
    assert_eq!(again.resume(&token).await, user);
    assert_eq!(
        again.say("to Dubai").await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );

    // Forgeries: another user with this token's MAC, a token made with another secret, garbage.
    let mac = token.rsplit('.').next().expect("token has a MAC");
    let other_user = format!("anon-{}", "0".repeat(32));
    for forged in [
        format!("v1.{other_user}.{mac}"),
        Secret::new(b"not the server's secret".to_vec()).token_for(&user),
        "garbage".to_owned(),
        format!("{token}00"),
    ] {
        let mut f = Client::connect(&server).await;
        let answer = f
            .hello_with(json!({"type": "hello", "token": forged}))
            .await;
        assert_eq!(answer["type"], "error", "forged token {forged}: {answer}");
        assert_eq!(
            answer["code"], "bad_token",
            "forged token {forged}: {answer}"
        );
        // Still not identified: messages are refused, and a plain hello starts a different user.
        f.send_json(&json!({"type": "message", "text": "yes", "id": unique_id()}))
            .await;
        f.expect_error("hello_first").await;
        let (fresh, _) = f.hello().await;
        assert_ne!(fresh, user);
        assert_eq!(f.say("yes").await, [FALLBACK]);
    }

    // The real user's booking was not touched by any of that.
    assert_eq!(again.say("yes").await, [CONFIRMED]);
}

#[tokio::test]
async fn a_redelivered_message_id_is_answered_as_duplicate_and_processed_once() {
    let (server, _data) = flight_server();
    let mut c = Client::connect(&server).await;
    let (_, token) = c.hello().await;
    assert_eq!(
        c.say("fly from Lahore to Dubai").await,
        ["Starting new booking. Confirm booking from Lahore to Dubai? (yes/no)"]
    );

    // "no" twice would be: cancelled → INIT, then "no" at INIT ends the booking.
    let first = c.say_with_id("no", "no-1").await;
    assert_eq!(first["type"], "reply", "{first}");
    assert_eq!(first["in_reply_to"], "no-1", "{first}");
    assert!(
        first.get("duplicate").is_none_or(|d| d == false),
        "first delivery is not a duplicate: {first}"
    );
    assert_eq!(texts(&first), [CANCELLED]);

    let again = c.say_with_id("no", "no-1").await;
    assert_eq!(again["type"], "reply", "{again}");
    assert_eq!(again["in_reply_to"], "no-1", "{again}");
    assert_eq!(again["duplicate"], true, "{again}");
    assert_eq!(again["messages"], first["messages"], "{again}");

    // Processed once: still at "Start over?", so "yes" starts a new booking.
    let yes = c.say_with_id("yes", "yes-1").await;
    assert_eq!(texts(&yes), [STARTING], "{yes}");
    c.close().await;

    // Redelivery after a reconnect (the client never saw the reply): the same answer, not a second turn.
    let mut c2 = Client::connect(&server).await;
    c2.resume(&token).await;
    let resent = c2.say_with_id("yes", "yes-1").await;
    assert_eq!(resent["duplicate"], true, "{resent}");
    assert_eq!(resent["messages"], yes["messages"], "{resent}");
    assert_eq!(c2.say("from Karachi").await, [GREAT]);
    assert_eq!(
        c2.say("to Doha").await,
        ["Confirm booking from Karachi to Doha? (yes/no)"]
    );
}

#[tokio::test]
async fn signed_identity_requires_the_operators_hmac() {
    const SECRET: &str = "e2e-test-secret-do-not-use";
    let config = flight_bot_with(&[(
        r#"identity = "anonymous""#,
        "identity = \"signed\"\nsecret_env = \"COLLOQUY_TEST_SECRET\"",
    )]);
    let data = tempfile::tempdir().expect("create a data directory");
    let server = Server::start_with_env(&config, data.path(), &[("COLLOQUY_TEST_SECRET", SECRET)]);
    let secret = Secret::new(SECRET.as_bytes().to_vec());
    let mut c = Client::connect(&server).await;

    let answer = c.hello_with(json!({"type": "hello"})).await;
    assert_eq!(
        answer["code"], "bad_signature",
        "hello without signature: {answer}"
    );
    let answer = c
        .hello_with(json!({"type": "hello", "user_id": "alice"}))
        .await;
    assert_eq!(
        answer["code"], "bad_signature",
        "user_id without signature: {answer}"
    );
    let answer = c
        .hello_with(
            json!({"type": "hello", "user_id": "alice", "signature": secret.sign_user("bob")}),
        )
        .await;
    assert_eq!(
        answer["code"], "bad_signature",
        "alice with bob's signature: {answer}"
    );
    let wrong_key = Secret::new(b"another secret".to_vec()).sign_user("alice");
    let answer = c
        .hello_with(json!({"type": "hello", "user_id": "alice", "signature": wrong_key}))
        .await;
    assert_eq!(
        answer["code"], "bad_signature",
        "signature with another key: {answer}"
    );
    // An anonymous token is no way around signed identity.
    let token = secret.token_for("alice");
    let answer = c.hello_with(json!({"type": "hello", "token": token})).await;
    assert_eq!(
        answer["code"], "bad_signature",
        "token in signed mode: {answer}"
    );
    c.send_json(&json!({"type": "message", "text": "I want to book a flight", "id": unique_id()}))
        .await;
    c.expect_error("hello_first").await;

    let welcome = c
        .hello_with(
            json!({"type": "hello", "user_id": "alice", "signature": secret.sign_user("alice")}),
        )
        .await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["user_id"], "alice", "{welcome}");
    assert_eq!(c.say("I want to book a flight").await, [STARTING]);
    assert_eq!(c.say("from Lahore").await, [GREAT]);

    // Alice on a second connection is the same session.
    let mut c2 = Client::connect(&server).await;
    let welcome = c2
        .hello_with(
            json!({"type": "hello", "user_id": "alice", "signature": secret.sign_user("alice")}),
        )
        .await;
    assert_eq!(welcome["user_id"], "alice", "{welcome}");
    assert_eq!(
        c2.say("to Dubai").await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
}

#[tokio::test]
async fn healthz_and_the_chat_page_are_served_over_http() {
    let (server, _data) = flight_server();

    let health = http_get(server.addr, "/healthz").await;
    assert_eq!(health.status, 200, "{health:?}");
    assert!(
        health
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{health:?}"
    );
    let body: serde_json::Value =
        serde_json::from_str(&health.body).unwrap_or_else(|e| panic!("{e}: {health:?}"));
    assert_eq!(body["status"], "ok", "{body}");
    assert_eq!(body["live_sessions"], 0, "no one has chatted yet: {body}");

    let mut c = Client::connect(&server).await;
    c.hello().await;
    assert_eq!(c.say("I want to book a flight").await, [STARTING]);
    let body: serde_json::Value =
        serde_json::from_str(&http_get(server.addr, "/healthz").await.body).expect("JSON");
    assert_eq!(body["live_sessions"], 1, "one user chatting: {body}");

    let page = http_get(server.addr, "/").await;
    assert_eq!(page.status, 200, "{page:?}");
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{page:?}"
    );
    assert!(page.body.contains("<html"), "{}", page.body);
    assert!(
        page.body.contains("/ws"),
        "the page connects to /ws: {}",
        page.body
    );
    assert!(
        !page.body.contains("__WS_PATH__"),
        "the WebSocket path placeholder is filled in"
    );

    let missing = http_get(server.addr, "/no-such-page").await;
    assert_eq!(missing.status, 404, "{missing:?}");
}

//! End-to-end: sessions survive a crash (SIGKILL) and a graceful stop (SIGTERM) of the real binary, and bad bot
//! files are refused with located diagnostics.

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::{
    Client, FLIGHT_BOT, Server, colloquy, flight_bot_path, flight_bot_per_turn, flight_bot_with,
};

const STARTING: &str = "Starting new booking. Please specify departure city.";
const GREAT: &str = "Great! Now tell me the destination city.";

#[tokio::test]
async fn a_booking_survives_sigkill_with_per_turn_durability() {
    let data = tempfile::tempdir().expect("create a data directory");
    let config = flight_bot_per_turn();
    let mut first = Server::start(&config, data.path());
    let mut c = Client::connect(&first).await;
    let (user, token) = c.hello().await;
    assert_eq!(c.say("I want to book a flight").await, [STARTING]);
    assert_eq!(c.say("from Lahore").await, [GREAT]);
    // The reply was seen, so the turn must be on disk: crash right now, no shutdown code runs.
    first.kill();
    drop(c);

    let second = Server::start(&config, data.path());
    let mut c = Client::connect(&second).await;
    assert_eq!(
        c.resume(&token).await,
        user,
        "the token survives the restart"
    );
    assert_eq!(
        c.say("to Dubai").await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    assert_eq!(c.say("yes").await, ["Booking confirmed!"]);
}

#[tokio::test]
async fn an_open_digression_survives_sigkill() {
    let data = tempfile::tempdir().expect("create a data directory");
    let config = flight_bot_per_turn();
    let mut first = Server::start(&config, data.path());
    let mut c = Client::connect(&first).await;
    let (user, token) = c.hello().await;
    assert_eq!(c.say("I want to book a flight").await, [STARTING]);
    assert_eq!(c.say("how's the weather?").await, ["Which city?"]);
    first.kill();
    drop(c);

    let second = Server::start(&config, data.path());
    let mut c = Client::connect(&second).await;
    assert_eq!(c.resume(&token).await, user);
    assert_eq!(
        c.say("Paris").await,
        [
            "It's mild and partly cloudy in Paris.",
            "Back to your booking: Which city are you flying from?"
        ]
    );
    assert_eq!(c.say("from Lahore").await, [GREAT]);
}

#[tokio::test]
async fn sigterm_stops_gracefully_within_10s_and_keeps_the_session() {
    graceful_stop(false).await;
}

#[tokio::test]
async fn sigterm_stops_gracefully_within_10s_while_a_websocket_client_is_connected() {
    graceful_stop(true).await;
}

/// SIGTERM → exit 0 within 10 s → a restarted server on the same data directory has the booking.
async fn graceful_stop(client_connected: bool) {
    let data = tempfile::tempdir().expect("create a data directory");
    // Interval durability with a flush period far longer than the test: only the graceful stop can have
    // written the turn to disk.
    let config = flight_bot_with(&[("flush_interval_ms = 100", "flush_interval_ms = 600000")]);
    let mut first = Server::start(&config, data.path());
    let mut c = Client::connect(&first).await;
    let (user, token) = c.hello().await;
    assert_eq!(c.say("I want to book a flight").await, [STARTING]);
    assert_eq!(c.say("from Lahore").await, [GREAT]);
    // A connected client stays open while the server stops, as real users' browser tabs would, and keeps
    // reading so that it answers a close handshake if the server starts one.
    let connected = if client_connected {
        Some(tokio::spawn(c.wait_closed(Duration::from_secs(15))))
    } else {
        c.close().await;
        None
    };

    let started = Instant::now();
    let (first, status) = tokio::task::spawn_blocking(move || {
        let status = first.terminate(Duration::from_secs(10));
        (first, status)
    })
    .await
    .expect("terminate the server");
    let took = started.elapsed();
    let Some(status) = status else {
        if let Some(task) = &connected {
            task.abort();
        }
        panic!(
            "colloquy run did not exit within 10 s of SIGTERM (WebSocket client connected: {client_connected})\nstderr:\n{}",
            first.stderr()
        );
    };
    assert!(
        status.success(),
        "graceful stop must exit 0, got {status} after {took:?}\nstderr:\n{}",
        first.stderr()
    );
    if let Some(task) = connected {
        task.await.expect("the client task");
    }

    let second = Server::start(&config, data.path());
    let mut c = Client::connect(&second).await;
    assert_eq!(c.resume(&token).await, user);
    assert_eq!(
        c.say("to Dubai").await,
        ["Confirm booking from Lahore to Dubai? (yes/no)"],
        "the session kept across a graceful stop"
    );
}

/// The line (1-based) of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in the file"))
        + 1
}

/// Asserts `stderr` has a `FILE:LINE:COL: ` diagnostic for `line`.
fn assert_located(stderr: &str, file: &Path, line: usize) {
    let prefix = format!("{}:{line}:", file.display());
    let found = stderr.lines().any(|l| {
        l.find(&prefix).is_some_and(|at| {
            let rest = &l[at + prefix.len()..];
            let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
            !col.is_empty() && col != "0" && rest[col.len()..].starts_with(": ")
        })
    });
    assert!(found, "expected a diagnostic at {prefix}COL in:\n{stderr}");
}

/// Runs a short-lived `colloquy` command, killing it after 20 s.
fn run_briefly(cmd: &mut std::process::Command) -> (Option<i32>, String, String) {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn colloquy");
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(out) => out.expect("collect the output"),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &id.to_string()])
                .status();
            panic!("colloquy did not exit within 20 s");
        }
    };
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn check_and_run_refuse_a_bad_bot_file_with_located_errors() {
    let dir = tempfile::tempdir().expect("create a temporary directory");

    // Two validation errors in one file: both are reported, each at its own line.
    let bad = flight_bot_with(&[
        ("initial = \"INIT\"", "initial = \"NOWHERE\""),
        (
            "entity = \"city\"\nrole = \"to\"",
            "entity = \"planet\"\nrole = \"to\"",
        ),
    ]);
    let bad_path = dir.path().join("bad-bot.toml");
    std::fs::write(&bad_path, &bad).expect("write the bad bot");
    let (code, _, stderr) = run_briefly(colloquy().arg("check").arg(&bad_path));
    assert_eq!(code, Some(2), "check exit code; stderr:\n{stderr}");
    assert_located(&stderr, &bad_path, line_of(&bad, "initial = \"NOWHERE\""));
    assert_located(&stderr, &bad_path, line_of(&bad, "entity = \"planet\""));
    assert!(
        stderr.contains("NOWHERE"),
        "names the unknown state:\n{stderr}"
    );
    assert!(
        stderr.contains("planet"),
        "names the unknown entity:\n{stderr}"
    );

    // A TOML syntax error.
    let broken = FLIGHT_BOT.replacen("[contexts.booking]", "[contexts.booking", 1);
    let broken_path = dir.path().join("broken.toml");
    std::fs::write(&broken_path, &broken).expect("write the broken bot");
    let (code, _, stderr) = run_briefly(colloquy().arg("check").arg(&broken_path));
    assert_eq!(code, Some(2), "check exit code; stderr:\n{stderr}");
    assert_located(&stderr, &broken_path, line_of(&broken, "[contexts.booking"));

    // The shipped bot is fine.
    let (code, stdout, stderr) = run_briefly(colloquy().arg("check").arg(flight_bot_path()));
    assert_eq!(
        code,
        Some(0),
        "check config/flight-bot.toml\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.starts_with("ok: "), "{stdout}");

    // `run` refuses the bad file before listening.
    let data = dir.path().join("data");
    let (code, stdout, stderr) = run_briefly(
        colloquy()
            .arg("run")
            .arg("--config")
            .arg(&bad_path)
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(&data)
            .current_dir(dir.path()),
    );
    assert_eq!(
        code,
        Some(2),
        "run exit code\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(!stdout.contains("listening"), "must not listen:\n{stdout}");
    assert_located(&stderr, &bad_path, line_of(&bad, "initial = \"NOWHERE\""));
}

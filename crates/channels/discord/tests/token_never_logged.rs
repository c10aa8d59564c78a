//! The bot token never appears in logs, at any level, including serenity's own spans and events.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use support::Harness;
use support::fake_discord::TOKEN;

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_rt::test]
async fn the_token_is_never_logged_even_at_trace_level() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let h = Harness::start(colloquy_testkit::flight_bot(), |_| {}).await;
    h.dm_exchange(
        "ana",
        "I want to book a flight",
        "t1",
        &["Starting new booking. Please specify departure city."],
    )
    .await;
    h.fake.drop_connection();
    h.fake
        .wait_for("RESUME", support::WAIT, |log| !log.resumes.is_empty())
        .await;
    h.dm_exchange(
        "ana",
        "from Lahore",
        "t2",
        &["Great! Now tell me the destination city."],
    )
    .await;
    h.trigger_shutdown();
    h.join(support::WAIT).await.unwrap().unwrap();
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(
        log.len() > 1000,
        "the subscriber captured serenity's logs ({} bytes)",
        log.len()
    );
    assert!(
        log.contains("discord gateway ready"),
        "our own events were captured"
    );
    assert!(!log.contains(TOKEN), "the token leaked into the logs");
    assert!(
        !log.contains("fake-token"),
        "part of the token leaked into the logs"
    );
    h.sup.stop_arbiters();
}

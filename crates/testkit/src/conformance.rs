//! The adapter conformance kit: one call every channel adapter's tests make.
//!
//! An adapter's test builds a [`AdapterHarness`] — its adapter running against the real runtime with
//! [`bot`] and a fake of its platform — and calls [`run_all`]. The kit then drives the platform side like a
//! user would and checks what the bot sent back:
//! 1. the seed booking with a weather digression and its resume, word for word;
//! 2. a redelivered platform message is not processed twice;
//! 3. a reply longer than the platform limit arrives split into parts within the limit, nothing lost;
//! 4. a send answered with "rate limited, retry after N" is retried after N and arrives;
//! 5. shutdown in the middle of a conversation returns promptly.

use colloquy_channel::{BoxFuture, Measure};
use colloquy_flow::Bot;
use std::time::Duration;

/// How long a check waits for the bot's messages before failing.
pub const WAIT: Duration = Duration::from_secs(10);

/// The platform side of an adapter under test.
pub trait AdapterHarness: Send + Sync {
    /// The platform's message length limit, in `measure` units.
    fn text_limit(&self) -> usize;

    /// How the platform counts length.
    fn measure(&self) -> Measure;

    /// Delivers a user message as the platform would (`platform_id` is the platform's message id; using
    /// the same id twice simulates a redelivery).
    fn user_says<'a>(
        &'a self,
        user: &'a str,
        text: &'a str,
        platform_id: &'a str,
    ) -> BoxFuture<'a, ()>;

    /// Every message the bot has sent to `user` so far, once there are at least `at_least` (or after
    /// `timeout`, whatever there is).
    fn bot_messages<'a>(
        &'a self,
        user: &'a str,
        at_least: usize,
        timeout: Duration,
    ) -> BoxFuture<'a, Vec<String>>;

    /// Makes the platform answer the next send with a rate-limit error asking to retry after `after`.
    /// Returns false for a platform that has no rate limits (e.g. a raw TCP line protocol); the check is
    /// then reported as not applicable.
    fn rate_limit_next_send(&self, after: Duration) -> bool;

    /// Stops the adapter; true if its `run` returned within `timeout`.
    fn shutdown(&self, timeout: Duration) -> BoxFuture<'_, bool>;
}

/// Help text long enough to need splitting on every platform (Telegram's 4,096 is the largest limit).
pub fn long_help() -> String {
    (1..=40)
        .map(|i| format!("Help section {i}: colloquy keeps your booking while you ask about the weather, and resumes it exactly where you left off. Say cancel to stop, restart to start over."))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The bot adapters are tested with: the flight bot, with [`long_help`] as its help text.
pub fn bot() -> Bot {
    let path = crate::example_path("flight-bot.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let help_line = text
        .lines()
        .find(|l| l.starts_with("help = "))
        .unwrap_or_else(|| panic!("config/flight-bot.toml has no `help = ` line in [bot]"));
    let text = text.replacen(help_line, &format!("help = {:?}", long_help()), 1);
    // Loaded under the real file's path so that relative paths in it (the gazetteer) resolve.
    match colloquy_flow::load_str_in(
        &path.display().to_string(),
        &text,
        &colloquy_flow::base_dir(&path),
    ) {
        Ok((_, bot)) => bot,
        Err(d) => panic!("conformance bot does not load:\n{d}"),
    }
}

/// Runs every check; each uses its own users. Shutdown is last.
pub async fn run_all<H: AdapterHarness>(h: &H) {
    seed_booking_with_digression(h, "conf-seed").await;
    redelivery_is_processed_once(h, "conf-redelivery").await;
    long_reply_is_split(h, "conf-long").await;
    rate_limited_send_is_retried(h, "conf-429").await;
    shutdown_mid_conversation(h, "conf-shutdown").await;
}

/// Sends `text` and returns the bot's new messages once `expect` of them arrived.
async fn exchange<H: AdapterHarness>(
    h: &H,
    user: &str,
    text: &str,
    id: &str,
    expect: usize,
) -> Vec<String> {
    let before = h.bot_messages(user, 0, Duration::ZERO).await.len();
    h.user_says(user, text, id).await;
    let all = h.bot_messages(user, before + expect, WAIT).await;
    assert!(
        all.len() >= before + expect,
        "after {user}: {text:?} expected {expect} new bot message(s), got {:?}",
        &all[before.min(all.len())..]
    );
    all[before..].to_vec()
}

/// Check 1: the seed booking with a digression and its resume, word for word.
pub async fn seed_booking_with_digression<H: AdapterHarness>(h: &H, user: &str) {
    let steps: [(&str, &[&str]); 5] = [
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
        ("yes", &["Booking confirmed!"]),
    ];
    for (i, (say, expected)) in steps.iter().enumerate() {
        let got = exchange(h, user, say, &format!("{user}-{i}"), expected.len()).await;
        assert_eq!(got, *expected, "seed step {i}: {say:?}");
    }
}

/// Check 2: the same platform message id twice is processed once.
pub async fn redelivery_is_processed_once<H: AdapterHarness>(h: &H, user: &str) {
    exchange(h, user, "I want to book a flight", &format!("{user}-1"), 1).await;
    let first = exchange(h, user, "no", &format!("{user}-2"), 1).await;
    assert_eq!(
        first,
        ["Sorry, I don't know that city. Which city are you flying from?"]
    );
    // Redelivery of "no": if processed again it would count as a second invalid answer.
    let before = h.bot_messages(user, 0, Duration::ZERO).await.len();
    h.user_says(user, "no", &format!("{user}-2")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after_redelivery = h.bot_messages(user, 0, Duration::ZERO).await.len();
    assert!(
        after_redelivery - before <= 1,
        "a redelivery may at most repeat the answer once, got {} messages",
        after_redelivery - before
    );
    // A second invalid answer must re-prompt; had the redelivery counted, this third attempt would give up.
    let next = exchange(h, user, "maybe", &format!("{user}-3"), 1).await;
    assert_eq!(
        next,
        ["Sorry, I don't know that city. Which city are you flying from?"],
        "the redelivered 'no' was processed twice"
    );
}

/// Check 3: a reply longer than the limit arrives in parts within the limit, nothing lost.
pub async fn long_reply_is_split<H: AdapterHarness>(h: &H, user: &str) {
    let full = long_help();
    let limit = h.text_limit();
    let measure = h.measure();
    let expected_parts = colloquy_channel::split_text(&full, limit, measure).len();
    assert!(
        expected_parts > 1,
        "the long help text must exceed the platform limit ({limit})"
    );
    let got = exchange(h, user, "help", &format!("{user}-1"), expected_parts).await;
    let size = |s: &str| -> usize {
        match measure {
            Measure::Chars => s.chars().count(),
            Measure::Utf16 => s.encode_utf16().count(),
        }
    };
    for part in &got {
        assert!(
            size(part) <= limit,
            "a part of {} units exceeds the limit {limit}",
            size(part)
        );
    }
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        squash(&got.join(" ")),
        squash(&full),
        "the parts put together are the whole reply"
    );
}

/// Check 4: a rate-limited send is retried after the platform's delay and arrives.
pub async fn rate_limited_send_is_retried<H: AdapterHarness>(h: &H, user: &str) {
    let after = Duration::from_millis(1000);
    if !h.rate_limit_next_send(after) {
        eprintln!("conformance: rate limiting not applicable to this platform");
        return;
    }
    let started = tokio::time::Instant::now();
    let got = exchange(h, user, "I want to book a flight", &format!("{user}-1"), 1).await;
    assert_eq!(
        got,
        ["Starting new booking. Please specify departure city."]
    );
    assert!(
        started.elapsed() >= after,
        "the retry waited for retry_after ({:?} elapsed)",
        started.elapsed()
    );
}

/// Check 5: shutdown in the middle of a conversation returns promptly.
pub async fn shutdown_mid_conversation<H: AdapterHarness>(h: &H, user: &str) {
    exchange(h, user, "I want to book a flight", &format!("{user}-1"), 1).await;
    h.user_says(user, "from Lahore", &format!("{user}-2")).await;
    assert!(
        h.shutdown(Duration::from_secs(10)).await,
        "the adapter's run() returned within 10 s of shutdown"
    );
}

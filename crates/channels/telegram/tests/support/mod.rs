//! Test harness: the real runtime (Supervisor + MemoryStore) and the Telegram adapter pointed at the fake.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::fake_telegram::{FakeTelegram, TOKEN};
use colloquy_channel::{Channel, ChannelError, ChannelIo, Gateway, ShutdownTrigger};
use colloquy_flow::Bot;
use colloquy_runtime::{RuntimeConfig, Supervisor, SystemClock};
use colloquy_store::MemoryStore;
use colloquy_telegram::{TelegramChannel, TelegramConfig, build};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The environment variable the tests name in `token_env`.
pub const TOKEN_ENV: &str = "TEST_TELEGRAM_TOKEN";
/// The webhook secret variable and value.
pub const SECRET_ENV: &str = "TEST_TELEGRAM_SECRET";
/// The webhook secret.
pub const SECRET: &str = "s3cret-Token_1";

/// The environment the adapter is built with.
pub fn env(name: &str) -> Option<String> {
    match name {
        TOKEN_ENV => Some(TOKEN.into()),
        SECRET_ENV => Some(SECRET.into()),
        _ => None,
    }
}

/// A test configuration pointed at `fake`.
pub fn config(fake: &FakeTelegram) -> TelegramConfig {
    let mut c = TelegramConfig::new(TOKEN_ENV);
    c.api_url = fake.url.clone();
    c.poll_timeout_secs = 20;
    c.drain_timeout_secs = 5;
    c
}

/// A running adapter.
pub struct Running {
    /// The adapter.
    pub channel: Arc<TelegramChannel>,
    trigger: ShutdownTrigger,
    task: Option<tokio::task::JoinHandle<Result<(), ChannelError>>>,
}

impl Running {
    /// Starts `channel.run` with `gateway` on the current runtime.
    pub fn start(channel: Arc<TelegramChannel>, gateway: Arc<dyn Gateway>) -> Running {
        let (trigger, shutdown) = ShutdownTrigger::new();
        let io = ChannelIo { gateway, shutdown };
        let task = tokio::spawn(channel.clone().run(io));
        Running {
            channel,
            trigger,
            task: Some(task),
        }
    }

    /// Fires shutdown and waits for `run` to return; gives its result and how long it took.
    pub async fn stop(&mut self) -> (Result<(), ChannelError>, Duration) {
        let started = Instant::now();
        self.trigger.trigger();
        let task = self.task.take().expect("running");
        let result = tokio::time::timeout(Duration::from_secs(15), task)
            .await
            .expect("run returned within 15 s")
            .expect("run did not panic");
        (result, started.elapsed())
    }

    /// Waits for `run` to return by itself (e.g. a start-up error).
    pub async fn finished(&mut self) -> Result<(), ChannelError> {
        let task = self.task.take().expect("running");
        tokio::time::timeout(Duration::from_secs(15), task)
            .await
            .expect("run returned within 15 s")
            .expect("run did not panic")
    }
}

/// Fake + real runtime + running adapter.
pub struct Harness {
    /// The fake Bot API.
    pub fake: FakeTelegram,
    /// The runtime.
    pub supervisor: Supervisor,
    /// The adapter.
    pub run: Running,
}

impl Harness {
    /// Starts everything for `bot` with the test config changed by `tweak`. Call inside an actix System.
    pub async fn start(bot: Bot, tweak: impl FnOnce(&mut TelegramConfig)) -> Harness {
        let fake = FakeTelegram::start();
        let supervisor = Supervisor::start(
            bot,
            Arc::new(MemoryStore::new()),
            RuntimeConfig::default(),
            Arc::new(SystemClock),
        )
        .expect("runtime starts");
        let run = Self::adapter(&fake, &supervisor, tweak);
        let h = Harness {
            fake,
            supervisor,
            run,
        };
        h.wait_polling().await;
        h
    }

    /// A new adapter on the same fake and runtime (a restart of the channel).
    pub fn adapter(
        fake: &FakeTelegram,
        supervisor: &Supervisor,
        tweak: impl FnOnce(&mut TelegramConfig),
    ) -> Running {
        let mut c = config(fake);
        tweak(&mut c);
        let channel = build("flight-bot", c, &env).expect("adapter builds");
        Running::start(channel, Arc::new(supervisor.clone()))
    }

    /// Waits until the adapter is long-polling (webhook mode: until setWebhook happened).
    pub async fn wait_polling(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self
            .fake
            .calls()
            .iter()
            .any(|c| c == "getupdates" || c == "setwebhook")
        {
            assert!(
                Instant::now() < deadline,
                "adapter never polled: {:?}",
                self.fake.calls()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// A private-chat user says `text`; returns the bot's answers (waits for `expect` of them).
    pub async fn say(&self, user: i64, text: &str, expect: usize) -> Vec<String> {
        let before = self.fake.texts_to(user).len();
        self.fake.private(user, text);
        let all = self.fake.wait_texts(user, before + expect).await;
        all[before..].to_vec()
    }
}

/// The flight bot with a `help` text longer than Telegram's limit.
pub fn bot_with_long_help(help: &str) -> Bot {
    let text = std::fs::read_to_string(colloquy_testkit::example_path("flight-bot.toml"))
        .expect("flight bot file");
    let start = text.find("\nhelp = ").expect("help line") + 1;
    let end = start + text[start..].find('\n').expect("end of help line");
    let patched = format!(
        "{}help = {}{}",
        &text[..start],
        toml_string(help),
        &text[end..]
    );
    let path = colloquy_testkit::example_path("flight-bot.toml");
    match colloquy_flow::load_str_in(
        "flight-bot-long-help.toml",
        &patched,
        &colloquy_flow::base_dir(&path),
    ) {
        Ok((_, bot)) => bot,
        Err(d) => panic!("patched bot does not load:\n{d}"),
    }
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

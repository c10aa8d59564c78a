//! Test support: the fake Discord and a harness running the adapter against it and the real runtime.

#![allow(dead_code, clippy::unwrap_used)]

pub mod fake_discord;

use colloquy_channel::{
    BoxFuture, Channel, ChannelError, ChannelIo, Gateway, Measure, ShutdownTrigger,
};
use colloquy_discord::{DiscordChannel, DiscordConfig};
use colloquy_flow::Bot;
use colloquy_runtime::{RuntimeConfig, Supervisor, SystemClock};
use colloquy_store::MemoryStore;
use colloquy_testkit::conformance::AdapterHarness;
use fake_discord::{FakeDiscord, Sent, TOKEN};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Generous bound for anything to happen.
pub const WAIT: Duration = Duration::from_secs(10);

/// The adapter running against the fake and the real runtime.
pub struct Harness {
    /// The fake platform.
    pub fake: FakeDiscord,
    /// The adapter under test.
    pub channel: Arc<DiscordChannel>,
    /// The real runtime.
    pub sup: Supervisor,
    trigger: ShutdownTrigger,
    run: Mutex<Option<actix_rt::task::JoinHandle<Result<(), ChannelError>>>>,
    ids: Mutex<HashMap<String, u64>>,
}

impl Harness {
    /// Starts the fake, the runtime with `bot`, and the adapter (configured by `tweak`), and waits until the
    /// adapter looked the gateway up at the fake and identified there. Must run inside an actix System.
    pub async fn start(bot: Bot, tweak: impl FnOnce(&mut DiscordConfig)) -> Harness {
        Harness::start_on(FakeDiscord::start(), bot, tweak).await
    }

    /// [`Harness::start`] with a fake prepared by the test.
    pub async fn start_on(
        fake: FakeDiscord,
        bot: Bot,
        tweak: impl FnOnce(&mut DiscordConfig),
    ) -> Harness {
        let sup = Supervisor::start(
            bot,
            Arc::new(MemoryStore::default()),
            RuntimeConfig::default(),
            Arc::new(SystemClock),
        )
        .unwrap();
        let mut config = DiscordConfig::new("DISCORD_TOKEN");
        config.api_url = fake.api_url.clone();
        tweak(&mut config);
        let env = |name: &str| (name == "DISCORD_TOKEN").then(|| TOKEN.to_owned());
        let channel = colloquy_discord::build("flight-bot", config, &env).unwrap();
        let (trigger, shutdown) = ShutdownTrigger::new();
        let gateway: Arc<dyn Gateway> = Arc::new(sup.clone());
        let run = actix_rt::spawn(channel.clone().run(ChannelIo { gateway, shutdown }));
        // Fail loudly if serenity went anywhere but the fake (e.g. its silent fallback to the real gateway).
        fake.wait_for(
            "the gateway lookup, a connection and IDENTIFY at the fake",
            WAIT,
            |log| log.gateway_lookups >= 1 && log.connections >= 1 && !log.identifies.is_empty(),
        )
        .await;
        fake.wait_live(WAIT).await;
        Harness {
            fake,
            channel,
            sup,
            trigger,
            run: Mutex::new(Some(run)),
            ids: Mutex::new(HashMap::new()),
        }
    }

    /// A stable snowflake for a name (user names, DM channels, platform message ids).
    pub fn id(&self, name: &str) -> u64 {
        let mut ids = self.ids.lock().unwrap();
        let next = 100_000 + ids.len() as u64;
        *ids.entry(name.to_owned()).or_insert(next)
    }

    /// The DM channel between `user` and the bot.
    pub fn dm_channel(&self, user: &str) -> u64 {
        self.id(&format!("dm:{user}"))
    }

    /// `user` writes `text` in their DM with the bot, as message `platform_id`.
    pub async fn dm(&self, user: &str, text: &str, platform_id: &str) {
        let author = fake_discord::user(self.id(user), user, false);
        let m = fake_discord::message(
            self.id(platform_id),
            self.dm_channel(user),
            None,
            author,
            text,
            vec![],
        );
        self.fake.message_create(m).await;
    }

    /// What the bot has sent to `channel`, once there are at least `at_least` messages (or after `timeout`).
    pub async fn sent_to(&self, channel: u64, at_least: usize, timeout: Duration) -> Vec<Sent> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let got: Vec<Sent> = self
                .fake
                .log()
                .sent
                .iter()
                .filter(|s| s.channel == channel)
                .cloned()
                .collect();
            if got.len() >= at_least || tokio::time::Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Texts sent to `channel` (see [`Harness::sent_to`]).
    pub async fn texts_to(&self, channel: u64, at_least: usize, timeout: Duration) -> Vec<String> {
        self.sent_to(channel, at_least, timeout)
            .await
            .iter()
            .map(Sent::text)
            .collect()
    }

    /// `user` says `text` in a DM and the bot answers with exactly `expected` (checked after a short quiet
    /// period, so extra messages fail the test).
    pub async fn dm_exchange(&self, user: &str, text: &str, platform_id: &str, expected: &[&str]) {
        let channel = self.dm_channel(user);
        let before = self.sent_to(channel, 0, Duration::ZERO).await.len();
        self.dm(user, text, platform_id).await;
        self.texts_to(channel, before + expected.len(), WAIT).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let got = self.texts_to(channel, 0, Duration::ZERO).await;
        assert_eq!(&got[before..], expected, "{user}: {text:?}");
    }

    /// Fires shutdown without waiting.
    pub fn trigger_shutdown(&self) {
        self.trigger.trigger();
    }

    /// Waits for `run` to return; its result, or None after `timeout`.
    pub async fn join(&self, timeout: Duration) -> Option<Result<(), ChannelError>> {
        let run = self.run.lock().unwrap().take()?;
        tokio::time::timeout(timeout, run)
            .await
            .ok()
            .map(|r| r.unwrap())
    }
}

impl AdapterHarness for Harness {
    fn text_limit(&self) -> usize {
        colloquy_discord::convert::MESSAGE_LIMIT
    }

    fn measure(&self) -> Measure {
        Measure::Chars
    }

    fn user_says<'a>(
        &'a self,
        user: &'a str,
        text: &'a str,
        platform_id: &'a str,
    ) -> BoxFuture<'a, ()> {
        Box::pin(self.dm(user, text, platform_id))
    }

    fn bot_messages<'a>(
        &'a self,
        user: &'a str,
        at_least: usize,
        timeout: Duration,
    ) -> BoxFuture<'a, Vec<String>> {
        Box::pin(async move {
            self.texts_to(self.dm_channel(user), at_least, timeout)
                .await
        })
    }

    fn rate_limit_next_send(&self, after: Duration) -> bool {
        self.fake.rate_limit_next_send(after);
        true
    }

    fn shutdown(&self, timeout: Duration) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            self.trigger.trigger();
            matches!(self.join(timeout).await, Some(Ok(())))
        })
    }
}

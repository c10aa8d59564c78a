//! The Telegram adapter through the shared adapter conformance kit (`colloquy_testkit::conformance`):
//! the real teloxide client, the fake Bot API, the real runtime.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fake_telegram;
mod support;

use colloquy_channel::{BoxFuture, Measure};
use colloquy_runtime::{RuntimeConfig, Supervisor, SystemClock};
use colloquy_store::MemoryStore;
use colloquy_testkit::conformance::{self, AdapterHarness};
use fake_telegram::FakeTelegram;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{Harness, Running};

struct TelegramHarness {
    fake: FakeTelegram,
    supervisor: Supervisor,
    run: Mutex<Option<Running>>,
    /// Chat id per kit user.
    chats: Mutex<HashMap<String, i64>>,
    /// Update id per platform message id the kit used.
    updates: Mutex<HashMap<String, i64>>,
}

impl TelegramHarness {
    fn chat(&self, user: &str) -> i64 {
        let mut chats = self.chats.lock().unwrap();
        let next = 5_000 + chats.len() as i64;
        *chats.entry(user.to_owned()).or_insert(next)
    }

    async fn stop_adapter(&self) -> bool {
        let running = self.run.lock().unwrap().take();
        match running {
            Some(mut r) => r.stop().await.0.is_ok(),
            None => false,
        }
    }
}

impl AdapterHarness for TelegramHarness {
    fn text_limit(&self) -> usize {
        4096
    }

    fn measure(&self) -> Measure {
        Measure::Utf16
    }

    fn user_says<'a>(
        &'a self,
        user: &'a str,
        text: &'a str,
        platform_id: &'a str,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let chat = self.chat(user);
            let known = self.updates.lock().unwrap().get(platform_id).copied();
            match known {
                None => {
                    let (update_id, _) = self.fake.private(chat, text);
                    self.updates
                        .lock()
                        .unwrap()
                        .insert(platform_id.to_owned(), update_id);
                }
                Some(update_id) => {
                    // Telegram redelivers an update when its confirmation was lost: the adapter restarts
                    // (as after a crash) and gets the same update id and message id again.
                    assert!(
                        self.stop_adapter().await,
                        "adapter stopped for the redelivery"
                    );
                    self.fake.requeue(update_id);
                    let run = Harness::adapter(&self.fake, &self.supervisor, |_| {});
                    *self.run.lock().unwrap() = Some(run);
                }
            }
        })
    }

    fn bot_messages<'a>(
        &'a self,
        user: &'a str,
        at_least: usize,
        timeout: Duration,
    ) -> BoxFuture<'a, Vec<String>> {
        Box::pin(async move {
            let chat = self.chat(user);
            let deadline = tokio::time::Instant::now() + timeout;
            loop {
                let got = self.fake.texts_to(chat);
                if got.len() >= at_least || tokio::time::Instant::now() >= deadline {
                    return got;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    }

    fn rate_limit_next_send(&self, after: Duration) -> bool {
        self.fake.rate_limit_next_sends(1, after.as_secs().max(1));
        true
    }

    fn shutdown(&self, timeout: Duration) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            tokio::time::timeout(timeout, self.stop_adapter())
                .await
                .unwrap_or(false)
        })
    }
}

#[actix_rt::test]
async fn telegram_passes_the_adapter_conformance_kit() {
    let fake = FakeTelegram::start();
    let supervisor = Supervisor::start(
        conformance::bot(),
        Arc::new(MemoryStore::new()),
        RuntimeConfig::default(),
        Arc::new(SystemClock),
    )
    .expect("runtime");
    let run = Harness::adapter(&fake, &supervisor, |_| {});
    let h = TelegramHarness {
        fake,
        supervisor,
        run: Mutex::new(Some(run)),
        chats: Mutex::default(),
        updates: Mutex::default(),
    };
    conformance::run_all(&h).await;
    h.fake.assert_clean();
    h.supervisor.stop_arbiters();
}

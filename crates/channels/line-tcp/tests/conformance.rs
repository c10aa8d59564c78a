//! The line TCP channel against the real runtime and real TCP sockets, through the conformance kit.

#![allow(clippy::unwrap_used)]

use colloquy_channel::{
    BoxFuture, Channel, ChannelIo, Gateway, Measure, Outbound, SessionKey, ShutdownTrigger,
};
use colloquy_line_tcp::{LineTcpChannel, LineTcpConfig};
use colloquy_runtime::{RuntimeConfig, Supervisor, SystemClock};
use colloquy_store::MemoryStore;
use colloquy_testkit::conformance::{self, AdapterHarness};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;

struct Harness {
    addr: SocketAddr,
    writers: tokio::sync::Mutex<HashMap<String, OwnedWriteHalf>>,
    received: Arc<Mutex<HashMap<String, Vec<String>>>>,
    trigger: ShutdownTrigger,
    run: Mutex<Option<actix_rt::task::JoinHandle<Result<(), colloquy_channel::ChannelError>>>>,
}

impl Harness {
    async fn start() -> (Harness, Arc<LineTcpChannel>, Supervisor) {
        let sup = Supervisor::start(
            conformance::bot(),
            Arc::new(MemoryStore::default()),
            RuntimeConfig::default(),
            Arc::new(SystemClock),
        )
        .unwrap();
        let config = LineTcpConfig {
            listen: "127.0.0.1:0".into(),
            ..LineTcpConfig::default()
        };
        let channel = LineTcpChannel::bind("flight-bot", config).unwrap();
        let (trigger, shutdown) = ShutdownTrigger::new();
        let gateway: Arc<dyn Gateway> = Arc::new(sup.clone());
        let run = actix_rt::spawn(channel.clone().run(ChannelIo { gateway, shutdown }));
        let h = Harness {
            addr: channel.local_addr(),
            writers: tokio::sync::Mutex::new(HashMap::new()),
            received: Arc::default(),
            trigger,
            run: Mutex::new(Some(run)),
        };
        (h, channel, sup)
    }

    async fn writer<'a>(
        &'a self,
        map: &'a mut HashMap<String, OwnedWriteHalf>,
        user: &str,
    ) -> &'a mut OwnedWriteHalf {
        if !map.contains_key(user) {
            let (read, mut write) = TcpStream::connect(self.addr).await.unwrap().into_split();
            write
                .write_all(format!("HELLO {user}\n").as_bytes())
                .await
                .unwrap();
            let received = self.received.clone();
            let u = user.to_owned();
            actix_rt::spawn(async move {
                let mut lines = BufReader::new(read).lines();
                while let Ok(Some(l)) = lines.next_line().await {
                    received
                        .lock()
                        .unwrap()
                        .entry(u.clone())
                        .or_default()
                        .push(l);
                }
            });
            map.insert(user.to_owned(), write);
        }
        map.get_mut(user).unwrap()
    }
}

impl AdapterHarness for Harness {
    fn text_limit(&self) -> usize {
        LineTcpConfig::default().max_line_chars
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
        Box::pin(async move {
            let mut map = self.writers.lock().await;
            let w = self.writer(&mut map, user).await;
            w.write_all(format!("MSG {platform_id} {text}\n").as_bytes())
                .await
                .unwrap();
        })
    }
    fn bot_messages<'a>(
        &'a self,
        user: &'a str,
        at_least: usize,
        timeout: Duration,
    ) -> BoxFuture<'a, Vec<String>> {
        Box::pin(async move {
            let deadline = tokio::time::Instant::now() + timeout;
            loop {
                let got: Vec<String> = self
                    .received
                    .lock()
                    .unwrap()
                    .get(user)
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|l| l.strip_prefix("BOT ").map(str::to_owned))
                    .collect();
                if got.len() >= at_least || tokio::time::Instant::now() >= deadline {
                    return got;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    }
    fn rate_limit_next_send(&self, _after: Duration) -> bool {
        false
    }
    fn shutdown(&self, timeout: Duration) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            self.trigger.trigger();
            let run = self.run.lock().unwrap().take().unwrap();
            matches!(tokio::time::timeout(timeout, run).await, Ok(Ok(Ok(()))))
        })
    }
}

#[actix_rt::test]
async fn line_tcp_passes_the_adapter_conformance_kit() {
    let (h, _channel, sup) = Harness::start().await;
    conformance::run_all(&h).await;
    sup.stop_arbiters();
}

#[actix_rt::test]
async fn bad_lines_get_err_and_proactive_delivery_reaches_a_connected_user() {
    let (h, channel, sup) = Harness::start().await;
    let (read, mut write) = TcpStream::connect(h.addr).await.unwrap().into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"MSG 1 hi\n").await.unwrap();
    assert_eq!(
        lines.next_line().await.unwrap().unwrap(),
        "ERR say HELLO <user> first"
    );
    write.write_all(b"bogus\nHELLO ana\n").await.unwrap();
    assert!(
        lines
            .next_line()
            .await
            .unwrap()
            .unwrap()
            .starts_with("ERR unknown command")
    );
    write
        .write_all(format!("MSG 2 {}\n", "x".repeat(20_000)).as_bytes())
        .await
        .unwrap();
    assert_eq!(
        lines.next_line().await.unwrap().unwrap(),
        "ERR line longer than 16384 bytes"
    );
    write
        .write_all(b"MSG 3 I want to book a flight\n")
        .await
        .unwrap();
    assert_eq!(
        lines.next_line().await.unwrap().unwrap(),
        "BOT Starting new booking. Please specify departure city."
    );
    let key = SessionKey {
        bot: "flight-bot".into(),
        channel: "line_tcp".into(),
        conversation: "ana".into(),
        user: "ana".into(),
    };
    channel
        .deliver(&key, vec![Outbound::text("Alert: Price changed to $299")])
        .await
        .unwrap();
    assert_eq!(
        lines.next_line().await.unwrap().unwrap(),
        "BOT Alert: Price changed to $299"
    );
    let nobody = SessionKey {
        user: "nobody".into(),
        ..key
    };
    assert!(
        channel
            .deliver(&nobody, vec![Outbound::text("x")])
            .await
            .is_err()
    );
    sup.stop_arbiters();
}

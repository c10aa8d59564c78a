//! N concurrent WebSocket users, each on its own connection, each running one request→reply turn at a
//! time. Closed loop by default (send the next message as soon as the reply arrives); with a total rate,
//! every user sends on a fixed schedule instead (open loop, staggered start times).
//!
//! Every loop is bounded: users stop at the end of the window, after `max_turns_per_user` turns, or after
//! their connection fails; every wait has a timeout.

use crate::stats::{Percentiles, Report};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// One client connection.
pub type Ws = WebSocketStream<TcpStream>;

/// The messages a colloquy user sends, in a loop: a booking with a weather digression in the middle.
pub const DIALOGUE: [&str; 5] = [
    "I want to book a flight",
    "from Lahore",
    "What's the weather in Dubai?",
    "to Dubai",
    "yes",
];

/// Which server protocol the users speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    /// colloquy's JSON frames: `hello`, then `message` frames answered by `reply` frames.
    Colloquy,
    /// The same `message` frames, answered by an identical echo.
    Echo,
}

impl Protocol {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Colloquy => "colloquy",
            Protocol::Echo => "echo",
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// `ws://host:port/path`.
    pub target: String,
    /// Concurrent users (connections).
    pub users: usize,
    /// Measured window (after warmup).
    pub duration: Duration,
    /// Load before the window starts; its turns are not counted.
    pub warmup: Duration,
    /// Total paced rate in turns/s (open loop); None = closed loop.
    pub rate: Option<f64>,
    /// Protocol the users speak.
    pub protocol: Protocol,
    /// A turn (or connect + hello) that takes longer counts as an error and ends that user.
    pub turn_timeout: Duration,
    /// Upper bound on turns per user.
    pub max_turns_per_user: u64,
    /// Connections opened at the same time during the connect phase.
    pub connect_concurrency: usize,
}

impl LoadConfig {
    /// Defaults for everything except target, users, duration and protocol.
    pub fn new(target: &str, users: usize, duration: Duration, protocol: Protocol) -> Self {
        LoadConfig {
            target: target.to_owned(),
            users,
            duration,
            warmup: Duration::from_secs(2),
            rate: None,
            protocol,
            turn_timeout: Duration::from_secs(10),
            max_turns_per_user: 10_000_000,
            connect_concurrency: 64,
        }
    }
}

/// Connections still open after a run (so the caller can look at the server while they are live).
#[derive(Debug, Default)]
pub struct Connections(Vec<Ws>);

impl Connections {
    /// Number of open connections.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sends a close frame on each (at most 2 s per connection, all in parallel) and drops them.
    pub async fn close(self) {
        let tasks: Vec<_> = self
            .0
            .into_iter()
            .map(|mut ws| {
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
                })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
    }
}

/// Runs the load and returns the report and the connections that are still open.
pub async fn run(cfg: &LoadConfig) -> anyhow::Result<(Report, Connections)> {
    anyhow::ensure!(cfg.users > 0, "--users must be at least 1");
    anyhow::ensure!(!cfg.duration.is_zero(), "the duration must be positive");
    if let Some(r) = cfg.rate {
        anyhow::ensure!(r.is_finite() && r > 0.0, "--rate must be a positive number");
    }
    let addr = authority(&cfg.target)?;
    // Connect everyone first, so the window measures turns, not handshakes.
    let gate = Arc::new(Semaphore::new(cfg.connect_concurrency.max(1)));
    let connecting: Vec<_> = (0..cfg.users)
        .map(|_| {
            let gate = gate.clone();
            let (addr, url) = (addr.clone(), cfg.target.clone());
            let (protocol, limit) = (cfg.protocol, cfg.turn_timeout);
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.ok()?;
                tokio::time::timeout(limit, connect(&addr, &url, protocol))
                    .await
                    .ok()?
                    .ok()
            })
        })
        .collect();
    let mut sockets = Vec::with_capacity(cfg.users);
    for c in connecting {
        if let Ok(Some(ws)) = c.await {
            sockets.push(ws);
        }
    }
    let connected = sockets.len();
    anyhow::ensure!(
        connected > 0,
        "no user could connect to {} (is the server running? file descriptor limit: `ulimit -n`)",
        cfg.target
    );

    let start = Instant::now();
    let plan = Arc::new(Plan {
        start,
        measure_from: start + cfg.warmup,
        end: start + cfg.warmup + cfg.duration,
        interval: cfg
            .rate
            .map(|r| Duration::from_secs_f64(connected as f64 / r)),
        users: connected,
        protocol: cfg.protocol,
        turn_timeout: cfg.turn_timeout,
        max_turns: cfg.max_turns_per_user,
    });
    let users: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, ws)| tokio::spawn(user_loop(i, ws, plan.clone())))
        .collect();
    let mut samples = Vec::new();
    let mut errors = (cfg.users - connected) as u64;
    let mut open = Vec::with_capacity(connected);
    for u in users {
        match u.await {
            Ok(outcome) => {
                samples.extend_from_slice(&outcome.samples);
                errors += outcome.errors;
                open.extend(outcome.ws);
            }
            Err(_) => errors += 1,
        }
    }
    let turns = samples.len() as u64;
    let secs = cfg.duration.as_secs_f64();
    let report = Report {
        target: cfg.target.clone(),
        protocol: cfg.protocol.name().to_owned(),
        users: cfg.users,
        connected,
        duration_secs: secs,
        warmup_secs: cfg.warmup.as_secs_f64(),
        rate: cfg.rate,
        turns,
        turns_per_sec: turns as f64 / secs,
        latency: Percentiles::of(&mut samples),
        errors,
    };
    Ok((report, Connections(open)))
}

/// `host:port` of a `ws://host:port/path` URL.
pub fn authority(url: &str) -> anyhow::Result<String> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| anyhow::anyhow!("the target must be a ws:// URL, got {url}"))?;
    let host = rest.split('/').next().unwrap_or_default();
    anyhow::ensure!(host.contains(':'), "the target must name a port: {url}");
    Ok(host.to_owned())
}

/// Opens one connection (TCP_NODELAY) and, for colloquy, says hello and waits for the welcome.
async fn connect(addr: &str, url: &str, protocol: Protocol) -> anyhow::Result<Ws> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut ws, _) =
        tokio_tungstenite::client_async_with_config(url, stream, Some(client_ws_config())).await?;
    if protocol == Protocol::Colloquy {
        ws.send(Message::text(r#"{"type":"hello"}"#)).await?;
        let text = next_text(&mut ws).await?;
        let v: serde_json::Value = serde_json::from_str(&text)?;
        anyhow::ensure!(
            v["type"] == "welcome",
            "expected a welcome frame, got {text}"
        );
    }
    Ok(ws)
}

/// The client's WebSocket settings: a 4 KiB read buffer instead of tungstenite's 128 KiB, because
/// tungstenite zero-fills the free part of its read buffer before every socket read; with 1,000
/// connections that memset was 60 % of the load generator's CPU (and the generator shares the cores with
/// the server under test). Frames here are well under 4 KiB; larger ones still work (the buffer grows).
pub fn client_ws_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4096)
}

/// The next text frame (pings and pongs are skipped; tungstenite answers pings itself).
async fn next_text(ws: &mut Ws) -> anyhow::Result<String> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => return Ok(t.as_str().to_owned()),
            Some(Ok(Message::Close(_))) | None => anyhow::bail!("the server closed the connection"),
            Some(Err(e)) => return Err(e.into()),
            Some(Ok(_)) => {}
        }
    }
}

/// Shared schedule of one run.
struct Plan {
    start: Instant,
    measure_from: Instant,
    end: Instant,
    /// Per-user send interval when paced.
    interval: Option<Duration>,
    users: usize,
    protocol: Protocol,
    turn_timeout: Duration,
    max_turns: u64,
}

/// What one user measured.
struct UserOutcome {
    /// Latency (µs) of each turn completed inside the window.
    samples: Vec<u32>,
    errors: u64,
    /// The connection, if it is still usable.
    ws: Option<Ws>,
}

/// One user's turns until the end of the window.
async fn user_loop(user: usize, mut ws: Ws, plan: Arc<Plan>) -> UserOutcome {
    let mut out = UserOutcome {
        samples: Vec::new(),
        errors: 0,
        ws: None,
    };
    // Paced users start staggered over one interval, so the total rate is smooth.
    let offset = plan
        .interval
        .map(|iv| iv.mul_f64(user as f64 / plan.users as f64));
    let mut prev_done = plan.start;
    for k in 0..plan.max_turns {
        let sent_at = match (plan.interval, offset) {
            (Some(iv), Some(off)) => {
                let at = plan.start + off + iv.mul_f64(k as f64);
                if at >= plan.end {
                    break;
                }
                if prev_done < at {
                    // On schedule: wait, and time from the actual send, so the timer's own lateness
                    // (tokio timers have millisecond granularity) is not charged to the server.
                    tokio::time::sleep_until(at.into()).await;
                    Instant::now()
                } else {
                    // Behind schedule because the previous reply was late: the backlog counts.
                    at
                }
            }
            _ => Instant::now(),
        };
        if Instant::now() >= plan.end {
            break;
        }
        let id = format!("u{user}-{k}");
        let text = DIALOGUE[(k % DIALOGUE.len() as u64) as usize];
        let frame = format!(
            r#"{{"type":"message","text":{},"id":"{id}"}}"#,
            serde_json::Value::from(text)
        );
        let turn = async {
            ws.send(Message::text(frame.clone())).await?;
            next_text(&mut ws).await
        };
        let reply = match tokio::time::timeout(plan.turn_timeout, turn).await {
            Ok(Ok(reply)) => reply,
            // A lost connection or a reply that never came: this user is done.
            Ok(Err(_)) | Err(_) => {
                out.errors += 1;
                return out;
            }
        };
        let done = Instant::now();
        prev_done = done;
        let ok = match plan.protocol {
            Protocol::Echo => reply == frame,
            Protocol::Colloquy => is_reply_to(&reply, &id),
        };
        if !ok {
            out.errors += 1;
        } else if done >= plan.measure_from && done <= plan.end {
            let us = done.duration_since(sent_at).as_micros();
            out.samples.push(u32::try_from(us).unwrap_or(u32::MAX));
        }
    }
    out.ws = Some(ws);
    out
}

/// True if `text` is a colloquy `reply` frame answering message `id` with at least one message.
fn is_reply_to(text: &str, id: &str) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    v["type"] == "reply"
        && v["in_reply_to"] == id
        && v["messages"].as_array().is_some_and(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_frames_are_checked_and_urls_parsed() {
        assert!(is_reply_to(
            r#"{"type":"reply","in_reply_to":"u1-2","messages":[{"text":"Starting new booking."}]}"#,
            "u1-2"
        ));
        assert!(!is_reply_to(
            r#"{"type":"reply","in_reply_to":"u1-3","messages":[{"text":"x"}]}"#,
            "u1-2"
        ));
        assert!(!is_reply_to(
            r#"{"type":"error","code":"busy","message":"x"}"#,
            "u1-2"
        ));
        assert_eq!(
            authority("ws://127.0.0.1:8080/ws").ok().as_deref(),
            Some("127.0.0.1:8080")
        );
        assert!(authority("http://127.0.0.1:8080/ws").is_err());
    }
}

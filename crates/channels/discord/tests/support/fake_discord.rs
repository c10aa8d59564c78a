//! A local fake of Discord, speaking the real wire protocols on 127.0.0.1 so the real serenity client and
//! the adapter's REST calls are exercised:
//! - REST (HTTP/1.1, hand-written): `GET /api/v10/gateway`, `GET /api/v10/gateway/bot`,
//!   `GET /api/v10/users/@me`, `POST /api/v10/channels/{id}/messages` (recorded; 429 with `retry_after`
//!   on demand), `POST /api/v10/interactions/{id}/{token}/callback`. Anything else is recorded as unknown.
//! - Gateway (WebSocket): HELLO, IDENTIFY → READY, HEARTBEAT → ACK, dispatches with sequence numbers,
//!   RECONNECT (op 7) or a dropped socket, RESUME → RESUMED.
//!
//! It runs on its own thread and runtime, independent of the test's executor.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::tungstenite::Message as Ws;

/// The token the fake accepts.
pub const TOKEN: &str = "fake-token.abc";
/// The bot's user id.
pub const BOT_ID: u64 = 900_000_000_000_000_001;
/// The session id given in READY.
pub const SESSION_ID: &str = "fake-session-1";

/// A message the bot sent over REST.
#[derive(Debug, Clone)]
pub struct Sent {
    /// Channel posted to.
    pub channel: u64,
    /// The JSON body.
    pub body: Value,
    /// When it arrived.
    pub at: Instant,
}

impl Sent {
    /// The text as a user would read it (markdown escapes and the mass-mention guard removed).
    pub fn text(&self) -> String {
        unescape(self.body["content"].as_str().unwrap_or_default())
    }
}

/// Undoes `colloquy_channel::escape::discord_markdown`.
pub fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some() {
            out.extend(chars.next());
        } else if c != '\u{200b}' {
            out.push(c);
        }
    }
    out
}

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Log {
    /// `GET /api/v10/gateway` and `/gateway/bot` calls.
    pub gateway_lookups: usize,
    /// WebSocket connections accepted.
    pub connections: usize,
    /// IDENTIFY payloads.
    pub identifies: Vec<Value>,
    /// RESUME payloads.
    pub resumes: Vec<Value>,
    /// Heartbeats received.
    pub heartbeats: usize,
    /// Messages the bot sent.
    pub sent: Vec<Sent>,
    /// 429s given, with when.
    pub rate_limited: Vec<Instant>,
    /// Sends answered with an error status on demand, with when.
    pub failed: Vec<(&'static str, Instant)>,
    /// Interaction callbacks (button click acknowledgements): (interaction id, body).
    pub interaction_acks: Vec<(String, Value)>,
    /// Requests the fake does not know (method, path) or with a wrong token.
    pub unexpected: Vec<String>,
}

/// Orders for the live gateway connection.
#[derive(Debug)]
enum Order {
    Dispatch(&'static str, Value),
    Reconnect,
    Drop,
}

struct State {
    ws_url: String,
    log: Mutex<Log>,
    changed: Notify,
    rate_limit: Mutex<Option<Duration>>,
    /// Gateway lookups answered before the fake starts answering them with 500 (None: always answer).
    lookups_answered: Mutex<Option<usize>>,
    /// Answer RESUME with INVALID_SESSION (op 9, not resumable), as Discord does for an expired session.
    refuse_resume: std::sync::atomic::AtomicBool,
    /// MESSAGE_CREATEs to replay after the next RESUME.
    missed: Mutex<Vec<Value>>,
    /// Status lines to answer the next sends with, in order.
    failures: Mutex<Vec<&'static str>>,
    /// The connection that has a live session (after READY or RESUMED).
    live: Mutex<Option<mpsc::UnboundedSender<Order>>>,
    seq: Mutex<u64>,
}

impl State {
    fn log(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn next_seq(&self) -> u64 {
        let mut s = self.seq.lock().unwrap_or_else(|e| e.into_inner());
        *s += 1;
        *s
    }
}

/// The running fake. Dropping it stops it.
pub struct FakeDiscord {
    /// REST base to give the adapter as `api_url`.
    pub api_url: String,
    state: Arc<State>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl FakeDiscord {
    /// Binds REST and gateway listeners on 127.0.0.1:0 and serves them on a thread of its own.
    pub fn start() -> FakeDiscord {
        let bind = || {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.set_nonblocking(true).unwrap();
            l
        };
        let (rest, ws) = (bind(), bind());
        let api_url = format!("http://{}", rest.local_addr().unwrap());
        let state = Arc::new(State {
            ws_url: format!("ws://{}", ws.local_addr().unwrap()),
            log: Mutex::default(),
            changed: Notify::new(),
            rate_limit: Mutex::new(None),
            failures: Mutex::new(Vec::new()),
            missed: Mutex::new(Vec::new()),
            refuse_resume: std::sync::atomic::AtomicBool::new(false),
            lookups_answered: Mutex::new(None),
            live: Mutex::new(None),
            seq: Mutex::new(0),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let s = state.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let rest = TcpListener::from_std(rest).unwrap();
                let ws = TcpListener::from_std(ws).unwrap();
                tokio::spawn(serve_rest(rest, s.clone()));
                tokio::spawn(serve_gateway(ws, s));
                let _ = stopped.await;
            });
            rt.shutdown_background();
        });
        FakeDiscord {
            api_url,
            state,
            _stop: stop,
        }
    }

    /// A snapshot read of the log.
    pub fn log(&self) -> MutexGuard<'_, Log> {
        self.state.log()
    }

    /// Waits until `cond` holds on the log (checked on every change), or panics after `timeout`.
    pub async fn wait_for(&self, what: &str, timeout: Duration, cond: impl Fn(&Log) -> bool) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.state.changed.notified();
            if cond(&self.state.log()) {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "fake Discord: timed out waiting for {what}; log: {:#?}",
                    self.state.log()
                );
            }
        }
    }

    /// Waits for a live gateway session (READY or RESUMED sent).
    pub async fn wait_live(&self, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.state.live.lock().unwrap().is_none() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "fake Discord: no live gateway session; log: {:#?}",
                self.state.log()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn order(&self, order: Order) {
        let live = self.state.live.lock().unwrap();
        let tx = live.as_ref().expect("no live gateway connection");
        tx.send(order).expect("gateway connection gone");
    }

    /// Sends a MESSAGE_CREATE dispatch to the bot.
    pub async fn message_create(&self, message: Value) {
        self.wait_live(Duration::from_secs(15)).await;
        self.order(Order::Dispatch("MESSAGE_CREATE", message));
    }

    /// Sends an INTERACTION_CREATE dispatch to the bot.
    pub async fn interaction_create(&self, interaction: Value) {
        self.wait_live(Duration::from_secs(15)).await;
        self.order(Order::Dispatch("INTERACTION_CREATE", interaction));
    }

    /// Asks the bot to reconnect (op 7), as Discord does before moving a session.
    pub fn reconnect(&self) {
        self.take_live()
            .send(Order::Reconnect)
            .expect("gateway connection gone");
    }

    /// Drops the gateway TCP connection without a close frame, as a network failure would.
    pub fn drop_connection(&self) {
        self.take_live()
            .send(Order::Drop)
            .expect("gateway connection gone");
    }

    /// Ends the live session now (so nothing more is sent on it) and returns its connection.
    fn take_live(&self) -> mpsc::UnboundedSender<Order> {
        self.state
            .live
            .lock()
            .unwrap()
            .take()
            .expect("no live gateway connection")
    }

    /// From now on, RESUME is answered with INVALID_SESSION (`d: false`): the bot must identify anew.
    pub fn refuse_resume(&self) {
        self.state
            .refuse_resume
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Queues a MESSAGE_CREATE for a session that is down: Discord replays it after the bot's RESUME.
    pub fn missed_message_create(&self, message: Value) {
        assert!(
            self.state.live.lock().unwrap().is_none(),
            "the session is live"
        );
        self.state.missed.lock().unwrap().push(message);
    }

    /// The sequence number of the last dispatch sent.
    pub fn last_seq(&self) -> u64 {
        *self.state.seq.lock().unwrap()
    }

    /// Answers only the first `n` gateway lookups; later ones get a 500.
    pub fn answer_gateway_lookups(&self, n: usize) {
        *self.state.lookups_answered.lock().unwrap() = Some(n);
    }

    /// Answers the next message sends with these HTTP status lines (e.g. `"503 Service Unavailable"`).
    pub fn fail_next_sends(&self, statuses: &[&'static str]) {
        self.state
            .failures
            .lock()
            .unwrap()
            .extend(statuses.iter().rev());
    }

    /// Answers the next message send with 429 and `retry_after`.
    pub fn rate_limit_next_send(&self, after: Duration) {
        *self.state.rate_limit.lock().unwrap() = Some(after);
    }
}

/// A user object.
pub fn user(id: u64, name: &str, bot: bool) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0", "global_name": null,
           "avatar": null, "bot": bot})
}

/// A MESSAGE_CREATE payload (`guild` None = a DM).
pub fn message(
    id: u64,
    channel: u64,
    guild: Option<u64>,
    author: Value,
    content: &str,
    mentions: Vec<Value>,
) -> Value {
    let mut m = json!({
        "id": id.to_string(), "channel_id": channel.to_string(), "author": author, "content": content,
        "timestamp": "2026-11-25T10:00:00.000000+00:00", "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": mentions, "mention_roles": [], "attachments": [],
        "embeds": [], "pinned": false, "type": 0,
    });
    if let Some(g) = guild {
        m["guild_id"] = json!(g.to_string());
    }
    m
}

// ------------------------------------------------------------------------------------------- REST

async fn serve_rest(listener: TcpListener, state: Arc<State>) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(rest_connection(stream, state.clone()));
    }
}

async fn rest_connection(stream: TcpStream, state: Arc<State>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let path = parts.next().unwrap_or_default().to_owned();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).await.unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        let (status, reply) = route(&state, &method, &path, &headers, &body);
        state.changed.notify_waiters();
        let text = reply.to_string();
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            text.len()
        );
        if write.write_all(head.as_bytes()).await.is_err()
            || write.write_all(text.as_bytes()).await.is_err()
        {
            return;
        }
    }
}

fn route(
    state: &State,
    method: &str,
    path: &str,
    headers: &HashMap<String, String>,
    body: &[u8],
) -> (&'static str, Value) {
    let path = path.split('?').next().unwrap_or_default();
    if headers.get("authorization").map(String::as_str) != Some(&format!("Bot {TOKEN}")) {
        state
            .log()
            .unexpected
            .push(format!("{method} {path} without the bot token"));
        return (
            "401 Unauthorized",
            json!({"message": "401: Unauthorized", "code": 0}),
        );
    }
    let segments: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    match (method, segments.as_slice()) {
        ("GET", ["gateway"]) => {
            let mut log = state.log();
            log.gateway_lookups += 1;
            if state
                .lookups_answered
                .lock()
                .unwrap()
                .is_some_and(|n| log.gateway_lookups > n)
            {
                return (
                    "500 Internal Server Error",
                    json!({"message": "500", "code": 0}),
                );
            }
            drop(log);
            ("200 OK", json!({"url": state.ws_url}))
        }
        ("GET", ["gateway", "bot"]) => {
            state.log().gateway_lookups += 1;
            (
                "200 OK",
                json!({"url": state.ws_url, "shards": 1, "session_start_limit":
                {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}}),
            )
        }
        ("GET", ["users", "@me"]) => ("200 OK", user(BOT_ID, "colloquy", true)),
        ("POST", ["channels", channel, "messages"]) => {
            if let Some(after) = state.rate_limit.lock().unwrap().take() {
                state.log().rate_limited.push(Instant::now());
                return (
                    "429 Too Many Requests",
                    json!({"message": "You are being rate limited.",
                    "retry_after": after.as_secs_f64(), "global": false}),
                );
            }
            if let Some(status) = state.failures.lock().unwrap().pop() {
                state.log().failed.push((status, Instant::now()));
                return (status, json!({"message": status, "code": 0}));
            }
            let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let channel: u64 = channel.parse().unwrap_or(0);
            let mut log = state.log();
            let id = 1_000_000 + log.sent.len() as u64;
            log.sent.push(Sent {
                channel,
                body: body.clone(),
                at: Instant::now(),
            });
            (
                "200 OK",
                message(
                    id,
                    channel,
                    None,
                    user(BOT_ID, "colloquy", true),
                    body["content"].as_str().unwrap_or_default(),
                    vec![],
                ),
            )
        }
        ("POST", ["interactions", id, _token, "callback"]) => {
            let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            state.log().interaction_acks.push(((*id).to_owned(), body));
            ("204 No Content", Value::Null)
        }
        _ => {
            state.log().unexpected.push(format!("{method} {path}"));
            (
                "404 Not Found",
                json!({"message": "404: Not Found", "code": 0}),
            )
        }
    }
}

// ---------------------------------------------------------------------------------------- gateway

async fn serve_gateway(listener: TcpListener, state: Arc<State>) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(gateway_connection(stream, state.clone()));
    }
}

async fn gateway_connection(stream: TcpStream, state: Arc<State>) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    state.log().connections += 1;
    state.changed.notify_waiters();
    let (tx, mut orders) = mpsc::unbounded_channel();
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 1000}});
    if ws.send(Ws::text(hello.to_string())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            frame = ws.next() => {
                let Some(Ok(frame)) = frame else { break };
                let payload: Value = match frame {
                    Ws::Text(t) => serde_json::from_str(t.as_str()).unwrap_or(Value::Null),
                    Ws::Close(_) => { let _ = ws.close(None).await; break; }
                    _ => continue,
                };
                let reply = match payload["op"].as_u64() {
                    Some(1) => {
                        state.log().heartbeats += 1;
                        Some(json!({"op": 11}))
                    }
                    Some(2) => {
                        state.log().identifies.push(payload["d"].clone());
                        *state.live.lock().unwrap() = Some(tx.clone());
                        Some(dispatch(&state, "READY", json!({
                            "v": 10, "user": user(BOT_ID, "colloquy", true), "guilds": [],
                            "session_id": SESSION_ID, "resume_gateway_url": state.ws_url,
                            "shard": [0, 1], "application": {"id": BOT_ID.to_string(), "flags": 0},
                        })))
                    }
                    Some(6) if state.refuse_resume.load(std::sync::atomic::Ordering::SeqCst) => {
                        state.log().resumes.push(payload["d"].clone());
                        Some(json!({"op": 9, "d": false}))
                    }
                    Some(6) => {
                        state.log().resumes.push(payload["d"].clone());
                        // RESUMED, then what the bot missed, as Discord replays it.
                        let _ = tx.send(Order::Dispatch("RESUMED", json!({})));
                        for m in state.missed.lock().unwrap().drain(..) {
                            let _ = tx.send(Order::Dispatch("MESSAGE_CREATE", m));
                        }
                        *state.live.lock().unwrap() = Some(tx.clone());
                        None
                    }
                    _ => None,
                };
                state.changed.notify_waiters();
                if let Some(r) = reply
                    && ws.send(Ws::text(r.to_string())).await.is_err() {
                        break;
                    }
            }
            order = orders.recv() => {
                let frame = match order {
                    Some(Order::Dispatch(t, d)) => dispatch(&state, t, d),
                    Some(Order::Reconnect) => {
                        clear_live(&state, &tx);
                        json!({"op": 7, "d": null})
                    }
                    Some(Order::Drop) | None => { clear_live(&state, &tx); return; }
                };
                if ws.send(Ws::text(frame.to_string())).await.is_err() {
                    break;
                }
            }
        }
    }
    clear_live(&state, &tx);
}

fn clear_live(state: &State, tx: &mpsc::UnboundedSender<Order>) {
    let mut live = state.live.lock().unwrap();
    if live.as_ref().is_some_and(|l| l.same_channel(tx)) {
        *live = None;
    }
}

fn dispatch(state: &State, t: &str, d: Value) -> Value {
    json!({"op": 0, "t": t, "s": state.next_seq(), "d": d})
}

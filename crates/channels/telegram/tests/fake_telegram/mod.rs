//! A local fake of the Telegram Bot API, speaking the wire protocol teloxide uses
//! (`POST /bot{token}/{Method}`, JSON or multipart bodies, `{"ok":…,"result":…}` answers).
//!
//! It runs on its own thread and actix `System`, bound to 127.0.0.1:0 only. It implements `getMe`,
//! `getWebhookInfo`, `setWebhook`, `deleteWebhook`, `getUpdates` (long poll with `offset`/`timeout`/`limit`
//! semantics: a call with `offset` confirms every earlier update), `sendMessage` (recorded; answers a
//! Message) and `sendChatAction`, plus 429 with `retry_after` on demand. Any other method, a wrong token
//! or a Host other than its own address is recorded as a violation; `assert_clean` fails the test on any.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, dev::ServerHandle, web};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The token the fake accepts.
pub const TOKEN: &str = "123456:TEST-token_abc";
/// The bot's id and username (as `getMe` answers).
pub const BOT_ID: i64 = 999;
/// The bot's username.
pub const BOT_USERNAME: &str = "FlightBot";

/// One `sendMessage` (or `sendChatAction`) the fake received.
#[derive(Debug, Clone)]
pub struct Sent {
    /// `sendMessage` or `sendChatAction`.
    pub method: String,
    /// Target chat.
    pub chat_id: i64,
    /// Text (sendMessage) or action (sendChatAction).
    pub text: String,
    /// The raw JSON body.
    pub body: Value,
    /// When it arrived.
    pub at: Instant,
    /// True when the fake answered it with 429.
    pub rate_limited: bool,
}

#[derive(Default)]
struct Inner {
    next_update_id: i64,
    next_message_id: i64,
    /// Unconfirmed updates by id (the JSON Telegram would send).
    queue: BTreeMap<i64, Value>,
    /// Every update ever pushed, for `requeue`.
    history: HashMap<i64, Value>,
    confirmed: i64,
    sent: Vec<Sent>,
    calls: Vec<String>,
    get_updates_offsets: Vec<i64>,
    violations: Vec<String>,
    rate_limit: u32,
    retry_after: u64,
    webhook: Option<(String, Option<String>)>,
    /// Successful sendMessage calls.
    delivered: usize,
    /// When set, only sends to this chat are kept in `sent` (the benchmark keeps memory flat).
    keep_only: Option<i64>,
}

struct State {
    inner: Mutex<Inner>,
    news: Notify,
    host: Mutex<String>,
}

/// The running fake.
pub struct FakeTelegram {
    /// Base URL to give the adapter as `api_url`.
    pub url: String,
    /// The socket address.
    pub addr: SocketAddr,
    state: Arc<State>,
    handle: ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeTelegram {
    /// Starts the fake with one worker.
    pub fn start() -> FakeTelegram {
        Self::start_with_workers(1)
    }

    /// Starts the fake with `workers` actix-web workers (the benchmark uses more).
    pub fn start_with_workers(workers: usize) -> FakeTelegram {
        let state = Arc::new(State {
            inner: Mutex::new(Inner {
                next_update_id: 10_000,
                next_message_id: 1,
                ..Inner::default()
            }),
            news: Notify::new(),
            host: Mutex::new(String::new()),
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let st = state.clone();
        let thread = std::thread::Builder::new()
            .name("fake-telegram".into())
            .spawn(move || {
                let sys = actix_rt::System::new();
                sys.block_on(async move {
                    let data = web::Data::from(st);
                    let server = HttpServer::new(move || {
                        App::new()
                            .app_data(data.clone())
                            .app_data(web::PayloadConfig::new(1 << 20))
                            .default_service(web::to(serve))
                    })
                    .workers(workers)
                    .disable_signals()
                    .shutdown_timeout(0)
                    .bind(("127.0.0.1", 0))
                    .expect("bind 127.0.0.1:0");
                    let addr = server.addrs()[0];
                    let server = server.run();
                    tx.send((addr, server.handle())).expect("report address");
                    let _ = server.await;
                });
            })
            .expect("fake thread");
        let (addr, handle) = rx.recv().expect("fake started");
        *state.host.lock().unwrap() = addr.to_string();
        FakeTelegram {
            url: format!("http://{addr}"),
            addr,
            state,
            handle,
            thread: Some(thread),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.state.inner.lock().unwrap()
    }

    /// A user writes `text` in a private chat (chat id = user id). Returns (update id, message id).
    pub fn private(&self, user: i64, text: &str) -> (i64, i64) {
        let chat = json!({"id": user, "type": "private", "first_name": format!("User{user}")});
        self.push(chat, user, text, None)
    }

    /// A user writes `text` in group `chat` (negative id). Commands and `@mentions` get entities.
    pub fn group(&self, chat: i64, user: i64, text: &str) -> (i64, i64) {
        let chat = json!({"id": chat, "type": "supergroup", "title": "Travellers"});
        self.push(chat, user, text, None)
    }

    /// Queues many private-chat messages at once (chat id = user id), in order; one wake-up.
    pub fn private_batch(&self, messages: &[(i64, &str)]) {
        {
            let mut inner = self.inner();
            for &(user, text) in messages {
                inner.next_update_id += 1;
                inner.next_message_id += 1;
                let (u, m) = (inner.next_update_id, inner.next_message_id);
                let chat =
                    json!({"id": user, "type": "private", "first_name": format!("User{user}")});
                let update = message_update(u, m, chat, user, text, None);
                inner.queue.insert(u, update);
            }
        }
        self.state.news.notify_waiters();
    }

    /// Forgets what was sent and resets the count.
    pub fn clear_sent(&self) {
        let mut inner = self.inner();
        inner.sent.clear();
        inner.delivered = 0;
    }

    /// Keeps only sends to `chat` in the log (others are just counted): for the benchmark.
    pub fn keep_only(&self, chat: i64) {
        self.inner().keep_only = Some(chat);
    }

    /// Pushes a message update and wakes a waiting `getUpdates`.
    pub fn push(&self, chat: Value, user: i64, text: &str, reply_to: Option<Value>) -> (i64, i64) {
        let (update_id, message_id) = {
            let mut inner = self.inner();
            inner.next_update_id += 1;
            inner.next_message_id += 1;
            let (u, m) = (inner.next_update_id, inner.next_message_id);
            let update = message_update(u, m, chat, user, text, reply_to);
            inner.queue.insert(u, update.clone());
            inner.history.insert(u, update);
            (u, m)
        };
        self.state.news.notify_waiters();
        (update_id, message_id)
    }

    /// Puts an update back as if its confirmation never reached Telegram (the bot crashed before
    /// confirming): the next `getUpdates` from an offset at or below it gets it again, same ids.
    pub fn requeue(&self, update_id: i64) {
        {
            let mut inner = self.inner();
            let update = inner
                .history
                .get(&update_id)
                .cloned()
                .expect("known update");
            inner.queue.insert(update_id, update);
            inner.confirmed = inner.confirmed.min(update_id);
        }
        self.state.news.notify_waiters();
    }

    /// The next `n` sendMessage calls get 429 with `retry_after` seconds.
    pub fn rate_limit_next_sends(&self, n: u32, retry_after: u64) {
        let mut inner = self.inner();
        inner.rate_limit = n;
        inner.retry_after = retry_after;
    }

    /// Sets a webhook as if an earlier run had registered one.
    pub fn preset_webhook(&self, url: &str) {
        self.inner().webhook = Some((url.to_owned(), None));
    }

    /// The registered webhook (url, secret), if any.
    pub fn webhook(&self) -> Option<(String, Option<String>)> {
        self.inner().webhook.clone()
    }

    /// Every sendMessage / sendChatAction received, in order (429 answers included, flagged).
    pub fn sent(&self) -> Vec<Sent> {
        self.inner().sent.clone()
    }

    /// Texts successfully sent to `chat`, in order.
    pub fn texts_to(&self, chat: i64) -> Vec<String> {
        self.inner()
            .sent
            .iter()
            .filter(|s| s.chat_id == chat && s.method == "sendmessage" && !s.rate_limited)
            .map(|s| s.text.clone())
            .collect()
    }

    /// Successful sendMessage calls to `chat`, in order.
    pub fn messages_to(&self, chat: i64) -> Vec<Sent> {
        self.inner()
            .sent
            .iter()
            .filter(|s| s.chat_id == chat && s.method == "sendmessage" && !s.rate_limited)
            .cloned()
            .collect()
    }

    /// Waits until `chat` has received at least `n` messages; returns them (panics after 10 s).
    pub async fn wait_texts(&self, chat: i64, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let texts = self.texts_to(chat);
            if texts.len() >= n {
                return texts;
            }
            assert!(
                Instant::now() < deadline,
                "chat {chat}: expected {n} messages, got {texts:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Total successful sendMessage calls.
    pub fn message_count(&self) -> usize {
        self.inner().delivered
    }

    /// Lower-case method names in call order.
    pub fn calls(&self) -> Vec<String> {
        self.inner().calls.clone()
    }

    /// The `offset` of every getUpdates call.
    pub fn get_updates_offsets(&self) -> Vec<i64> {
        self.inner().get_updates_offsets.clone()
    }

    /// Updates before this id are confirmed.
    pub fn confirmed(&self) -> i64 {
        self.inner().confirmed
    }

    /// Protocol violations seen (unknown methods, wrong token, wrong host).
    pub fn violations(&self) -> Vec<String> {
        self.inner().violations.clone()
    }

    /// Fails the test if the client ever called anything the fake does not implement, used another
    /// token, or addressed another host.
    pub fn assert_clean(&self) {
        let v = self.violations();
        assert!(
            v.is_empty(),
            "the client broke the Bot API contract: {v:#?}"
        );
    }
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A `message` update as Telegram sends it; commands and `@mentions` get their entities.
pub fn message_update(
    update_id: i64,
    message_id: i64,
    chat: Value,
    user: i64,
    text: &str,
    reply_to: Option<Value>,
) -> Value {
    let mut entities = Vec::new();
    let mut offset = 0usize; // UTF-16 units, as Telegram counts
    for word in text.split(' ') {
        let len = word.encode_utf16().count();
        if word.starts_with('/') && offset == 0 {
            entities.push(json!({"type": "bot_command", "offset": offset, "length": len}));
        } else if word.starts_with('@') && len > 1 {
            entities.push(json!({"type": "mention", "offset": offset, "length": len}));
        }
        offset += len + 1;
    }
    let mut message = json!({
        "message_id": message_id,
        "date": 1_764_000_000,
        "chat": chat,
        "from": {"id": user, "is_bot": false, "first_name": format!("User{user}"), "language_code": "en"},
        "text": text,
    });
    if !entities.is_empty() {
        message["entities"] = Value::Array(entities);
    }
    if let Some(r) = reply_to {
        message["reply_to_message"] = r;
    }
    json!({"update_id": update_id, "message": message})
}

fn ok(result: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({"ok": true, "result": result}))
}

fn error(status: u16, description: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).expect("status");
    HttpResponse::build(status)
        .json(json!({"ok": false, "error_code": status.as_u16(), "description": description}))
}

async fn serve(req: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let path = req.path().to_owned();
    let host = req.connection_info().host().to_owned();
    let expected_host = state.host.lock().unwrap().clone();
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let token = parts.next().unwrap_or("").strip_prefix("bot").unwrap_or("");
    let method = parts.next().unwrap_or("").to_ascii_lowercase();
    {
        let mut inner = state.inner.lock().unwrap();
        if inner.keep_only.is_none() {
            inner.calls.push(method.clone());
        }
        if host != expected_host {
            inner.violations.push(format!("request for host {host}"));
        }
        if req.method() != actix_web::http::Method::POST {
            inner.violations.push(format!("{} {path}", req.method()));
            return error(405, "Method Not Allowed");
        }
        if token != TOKEN {
            inner.violations.push(format!("wrong token on {method}"));
            return error(401, "Unauthorized");
        }
    }
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let params = params(&content_type, &body);
    match method.as_str() {
        "getme" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Flight", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false, "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            let inner = state.inner.lock().unwrap();
            let url = inner
                .webhook
                .as_ref()
                .map(|w| w.0.clone())
                .unwrap_or_default();
            ok(
                json!({"url": url, "has_custom_certificate": false, "pending_update_count": inner.queue.len()}),
            )
        }
        "deletewebhook" => {
            state.inner.lock().unwrap().webhook = None;
            ok(json!(true))
        }
        "setwebhook" => {
            let url = params["url"].as_str().unwrap_or("").to_owned();
            let secret = params["secret_token"].as_str().map(str::to_owned);
            state.inner.lock().unwrap().webhook = Some((url, secret));
            ok(json!(true))
        }
        "getupdates" => get_updates(&state, &params).await,
        "sendmessage" | "sendchataction" => record_send(&state, &method, params),
        other => {
            state
                .inner
                .lock()
                .unwrap()
                .violations
                .push(format!("unsupported method {other}"));
            error(404, "Not Found: method not implemented by the fake")
        }
    }
}

/// The request's parameters from a JSON or multipart body.
fn params(content_type: &str, body: &[u8]) -> Value {
    if let Some(boundary) = content_type.split("boundary=").nth(1) {
        let text = String::from_utf8_lossy(body);
        let mut map = serde_json::Map::new();
        for part in text.split(&format!("--{boundary}")) {
            let Some((head, value)) = part.split_once("\r\n\r\n") else {
                continue;
            };
            let Some(name) = head
                .split("name=\"")
                .nth(1)
                .and_then(|n| n.split('"').next())
            else {
                continue;
            };
            let value = value.trim_end_matches("\r\n");
            let v = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
            map.insert(name.to_owned(), v);
        }
        return Value::Object(map);
    }
    if body.is_empty() {
        return json!({});
    }
    serde_json::from_slice(body).unwrap_or_else(|_| json!({}))
}

async fn get_updates(state: &State, params: &Value) -> HttpResponse {
    let offset = params["offset"].as_i64().unwrap_or(0);
    let limit = params["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
    let timeout = params["timeout"].as_u64().unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(timeout);
    {
        let mut inner = state.inner.lock().unwrap();
        inner.get_updates_offsets.push(offset);
        if offset > 0 {
            // Confirms every update before `offset`.
            inner.queue.retain(|&id, _| id >= offset);
            inner.confirmed = inner.confirmed.max(offset);
        }
    }
    loop {
        let notified = state.news.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let batch: Vec<Value> = {
            let inner = state.inner.lock().unwrap();
            inner
                .queue
                .range(offset..)
                .take(limit)
                .map(|(_, u)| u.clone())
                .collect()
        };
        if !batch.is_empty() || Instant::now() >= deadline {
            return ok(Value::Array(batch));
        }
        let _ = tokio::time::timeout_at(deadline.into(), notified).await;
    }
}

fn record_send(state: &State, method: &str, params: Value) -> HttpResponse {
    let mut inner = state.inner.lock().unwrap();
    let chat_id = params["chat_id"].as_i64().unwrap_or(0);
    let text = if method == "sendmessage" {
        params["text"].as_str().unwrap_or("").to_owned()
    } else {
        params["action"].as_str().unwrap_or("").to_owned()
    };
    let limited = method == "sendmessage" && inner.rate_limit > 0;
    if method == "sendmessage" && !limited {
        inner.delivered += 1;
    }
    if inner.keep_only.is_none_or(|c| c == chat_id) {
        inner.sent.push(Sent {
            method: method.to_owned(),
            chat_id,
            text: text.clone(),
            body: params,
            at: Instant::now(),
            rate_limited: limited,
        });
    }
    if limited {
        inner.rate_limit -= 1;
        let after = inner.retry_after;
        return HttpResponse::TooManyRequests().json(json!({
            "ok": false, "error_code": 429,
            "description": format!("Too Many Requests: retry after {after}"),
            "parameters": {"retry_after": after}
        }));
    }
    if method == "sendchataction" {
        return ok(json!(true));
    }
    inner.next_message_id += 1;
    let chat = if chat_id < 0 {
        json!({"id": chat_id, "type": "supergroup", "title": "Travellers"})
    } else {
        json!({"id": chat_id, "type": "private", "first_name": format!("User{chat_id}")})
    };
    ok(json!({
        "message_id": inner.next_message_id, "date": 1_764_000_001, "chat": chat,
        "from": {"id": BOT_ID, "is_bot": true, "first_name": "Flight", "username": BOT_USERNAME},
        "text": text
    }))
}

//! Shared helpers for the end-to-end tests: the real `colloquy` binary as a child process, a WebSocket
//! client speaking the channel's JSON protocol, and a tiny HTTP GET.
//!
//! Every server listens on `127.0.0.1:0` (a free port picked by the OS) and keeps its data in a directory the
//! test owns, so tests run in parallel without touching each other or the repository.

#![allow(dead_code)] // each test binary uses a different subset

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a server may take to print its listening line.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long to wait for any single frame.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(10);

/// The shipped example bot, as text.
pub const FLIGHT_BOT: &str = include_str!("../../config/flight-bot.toml");

/// Path of the shipped example bot.
pub fn flight_bot_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/flight-bot.toml")
}

/// The flight bot with each `(from, to)` replacement applied; panics if a `from` text is not in the file, so a
/// change to the shipped bot cannot silently turn a variant back into the original.
pub fn flight_bot_with(replacements: &[(&str, &str)]) -> String {
    let mut text = FLIGHT_BOT.to_owned();
    for (from, to) in replacements {
        assert!(
            text.contains(from),
            "config/flight-bot.toml no longer contains `{from}`; update the e2e test's config variant"
        );
        text = text.replacen(from, to, 1);
    }
    text
}

/// The flight bot with `durability = "per_turn"`: every reply the user saw is on disk.
pub fn flight_bot_per_turn() -> String {
    flight_bot_with(&[(r#"durability = "interval""#, r#"durability = "per_turn""#)])
}

/// The path of the `colloquy` binary cargo built for these tests.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_colloquy")
}

/// A `colloquy` command with a quiet, predictable environment.
pub fn colloquy() -> Command {
    let mut cmd = Command::new(bin());
    cmd.env("COLLOQUY_LOG", "info")
        .env("COLLOQUY_LOG_FORMAT", "pretty")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

/// A running `colloquy run` child process. Killed (SIGKILL) on drop if still running.
pub struct Server {
    /// The bound HTTP address (`127.0.0.1:PORT`).
    pub addr: SocketAddr,
    /// The WebSocket URL printed by the server.
    pub ws_url: String,
    /// The child process.
    pub child: Child,
    /// Lines printed on stdout before the listening line (e.g. `colloquy channel line_tcp ready at …`).
    pub startup_lines: Vec<String>,
    stderr: Arc<Mutex<String>>,
    config_dir: tempfile::TempDir,
}

impl Server {
    /// Writes `config` (bot file text) to a temporary file and runs
    /// `colloquy run --config FILE --listen 127.0.0.1:0 --data-dir DATA_DIR`, waiting for the listening line.
    pub fn start(config: &str, data_dir: &Path) -> Server {
        Server::start_with_env(config, data_dir, &[])
    }

    /// [`Server::start`] with extra environment variables for the child.
    pub fn start_with_env(config: &str, data_dir: &Path, env: &[(&str, &str)]) -> Server {
        let config_dir = tempfile::tempdir().expect("create a temporary config directory");
        let config_path = config_dir.path().join("bot.toml");
        // The bot file moves to a temporary folder; its data file (the city gazetteer) stays in the repo.
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/gazetteer");
        let config = config.replace(
            "gazetteer = \"gazetteer/",
            &format!("gazetteer = \"{}/", data.display()),
        );
        std::fs::write(&config_path, config).expect("write the bot file");
        let mut cmd = colloquy();
        cmd.arg("run")
            .arg("--config")
            .arg(&config_path)
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir)
            // Relative paths in the bot file (e.g. `[storage] path = "data"`) land in the temp dir, not the repo.
            .current_dir(config_dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn the colloquy binary");
        let stderr = Arc::new(Mutex::new(String::new()));
        drain(child.stderr.take().expect("piped stderr"), stderr.clone());
        let (tx, rx) = mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref() {
                let Ok(line) = line else { return };
                let found = line.contains("listening on http://");
                let _ = tx.send(line);
                if found {
                    break;
                }
            }
            // Keep draining so the child never blocks on a full pipe.
            for _ in lines {}
        });
        let deadline = Instant::now() + START_TIMEOUT;
        let mut seen = Vec::new();
        let line = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.contains("listening on http://") => break line,
                Ok(other) => seen.push(other),
                Err(e) => {
                    let status = match e {
                        mpsc::RecvTimeoutError::Timeout => {
                            let _ = child.kill();
                            "did not print its listening line in time (killed)".to_owned()
                        }
                        mpsc::RecvTimeoutError::Disconnected => "closed stdout".to_owned(),
                    };
                    let exit = child.wait().map(|s| s.to_string()).unwrap_or_default();
                    // Give the stderr thread a moment to collect the last lines.
                    std::thread::sleep(Duration::from_millis(100));
                    panic!(
                        "colloquy run {status}; exit: {exit}\nstdout:\n{}\nstderr:\n{}",
                        seen.join("\n"),
                        stderr.lock().map(|s| s.clone()).unwrap_or_default()
                    );
                }
            }
        };
        // `colloquy listening on http://127.0.0.1:PORT (WebSocket at ws://127.0.0.1:PORT/ws)`
        let addr_text = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in the listening line: {line}"));
        let addr: SocketAddr = addr_text
            .parse()
            .unwrap_or_else(|e| panic!("bad address `{addr_text}` in `{line}`: {e}"));
        assert!(
            addr.ip().is_loopback(),
            "the server must listen on 127.0.0.1 only: {line}"
        );
        let ws_url = line
            .split("WebSocket at ")
            .nth(1)
            .map(|rest| rest.trim_end_matches(')').to_owned())
            .unwrap_or_else(|| panic!("no WebSocket URL in the listening line: {line}"));
        assert_eq!(ws_url, format!("ws://{addr}/ws"), "listening line: {line}");
        Server {
            addr,
            ws_url,
            child,
            startup_lines: seen,
            stderr,
            config_dir,
        }
    }

    /// Everything the server wrote to stderr so far (its logs).
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// SIGKILL (on unix `Child::kill` sends SIGKILL: no shutdown code runs) and reap the process.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill the server");
        self.child.wait().expect("reap the server");
    }

    /// Sends SIGTERM with the `kill` command and waits up to `timeout` for the process to exit.
    /// Returns the exit status, or `None` if it is still running after `timeout`.
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run `kill -TERM`");
        assert!(status.success(), "`kill -TERM` failed: {status}");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the server") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The directory holding this server's bot file.
    pub fn config_dir(&self) -> &Path {
        self.config_dir.path()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn drain(mut from: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if let Ok(mut s) = into.lock() {
                        s.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            }
        }
    });
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A message id no other message of this test process uses.
pub fn unique_id() -> String {
    format!(
        "e2e-{}-{}",
        std::process::id(),
        NEXT_ID.fetch_add(1, Ordering::Relaxed)
    )
}

/// One WebSocket connection to a server.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    /// Connects to the server's WebSocket endpoint.
    pub async fn connect(server: &Server) -> Client {
        Client::connect_url(&server.ws_url).await
    }

    /// Connects to `url` (must be on 127.0.0.1).
    pub async fn connect_url(url: &str) -> Client {
        assert!(url.starts_with("ws://127.0.0.1:"), "loopback only: {url}");
        let (ws, _) = tokio::time::timeout(FRAME_TIMEOUT, tokio_tungstenite::connect_async(url))
            .await
            .unwrap_or_else(|_| panic!("timed out connecting to {url}"))
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        Client { ws }
    }

    /// `{"type":"hello"}` → a new anonymous user: `(user_id, session_token)`.
    pub async fn hello(&mut self) -> (String, String) {
        let welcome = self.hello_with(json!({"type": "hello"})).await;
        assert_eq!(welcome["type"], "welcome", "hello answered with {welcome}");
        let user = welcome["user_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no user_id in {welcome}"))
            .to_owned();
        let token = welcome["session_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no session_token in {welcome}"))
            .to_owned();
        (user, token)
    }

    /// `{"type":"hello","token":TOKEN}` → the user id of the resumed session (panics on anything but welcome).
    pub async fn resume(&mut self, token: &str) -> String {
        let welcome = self
            .hello_with(json!({"type": "hello", "token": token}))
            .await;
        assert_eq!(welcome["type"], "welcome", "resume answered with {welcome}");
        assert_eq!(
            welcome["session_token"], token,
            "the welcome must hand back the same token"
        );
        welcome["user_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no user_id in {welcome}"))
            .to_owned()
    }

    /// Sends any hello frame; returns the answer frame (welcome or error).
    pub async fn hello_with(&mut self, hello: Value) -> Value {
        self.send_json(&hello).await;
        self.next_frame().await
    }

    /// Sends a message with a fresh id and returns the texts of the reply; panics (showing the frame) on
    /// anything but a non-duplicate reply to that id.
    pub async fn say(&mut self, text: &str) -> Vec<String> {
        let id = unique_id();
        let reply = self.say_with_id(text, &id).await;
        assert_eq!(reply["type"], "reply", "`{text}` answered with {reply}");
        assert_eq!(
            reply["in_reply_to"],
            id.as_str(),
            "`{text}` answered with {reply}"
        );
        assert!(
            reply.get("duplicate").is_none_or(|d| d == false),
            "a fresh message id was treated as a duplicate: {reply}"
        );
        texts(&reply)
    }

    /// Sends `{"type":"message","text":TEXT,"id":ID}` and returns the answer frame, whatever it is.
    pub async fn say_with_id(&mut self, text: &str, id: &str) -> Value {
        self.send_json(&json!({"type": "message", "text": text, "id": id}))
            .await;
        self.next_frame().await
    }

    /// Sends a JSON value as a text frame.
    pub async fn send_json(&mut self, value: &Value) {
        self.send_raw(Message::text(value.to_string())).await;
    }

    /// Sends a text frame as is.
    pub async fn send_text(&mut self, text: &str) {
        self.send_raw(Message::text(text)).await;
    }

    /// Sends any WebSocket message or raw frame.
    pub async fn send_raw(&mut self, message: Message) {
        tokio::time::timeout(FRAME_TIMEOUT, self.ws.send(message))
            .await
            .expect("timed out sending a frame")
            .expect("send a frame");
    }

    /// The next text frame as JSON (pings and pongs are skipped); panics on close, error or a 10 s timeout.
    pub async fn next_frame(&mut self) -> Value {
        let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .expect("no frame from the server within 10 s");
            match msg {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str())
                        .unwrap_or_else(|e| panic!("server sent non-JSON text `{text}`: {e}"));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(other)) => panic!("expected a JSON text frame, got {other:?}"),
                Some(Err(e)) => panic!("WebSocket error while waiting for a frame: {e}"),
                None => panic!("the server closed the connection while a frame was expected"),
            }
        }
    }

    /// The next text frame if one arrives within `wait` (pings skipped), else None.
    pub async fn frame_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()?;
            match msg {
                Some(Ok(Message::Text(text))) => return serde_json::from_str(text.as_str()).ok(),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                _ => return None,
            }
        }
    }

    /// Reads the next frame and checks it is `{"type":"error","code":CODE,...}` with a non-empty message.
    pub async fn expect_error(&mut self, code: &str) -> Value {
        let frame = self.next_frame().await;
        assert_eq!(
            frame["type"], "error",
            "expected error `{code}`, got {frame}"
        );
        assert_eq!(frame["code"], code, "expected error `{code}`, got {frame}");
        assert!(
            frame["message"].as_str().is_some_and(|m| !m.is_empty()),
            "error frames explain themselves: {frame}"
        );
        frame
    }

    /// Waits for the server to close the connection; returns the close code (panics on a text frame, on a
    /// close without a code, or after 10 s).
    pub async fn expect_close(&mut self) -> u16 {
        let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .expect("the server did not close the connection within 10 s");
            match msg {
                Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
                Some(Ok(Message::Close(None))) => panic!("the server closed without a close code"),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(other)) => panic!("expected a close frame, got {other:?}"),
                Some(Err(e)) => panic!("expected a close frame, got a WebSocket error: {e}"),
                None => panic!("the connection ended without a close frame"),
            }
        }
    }

    /// Keeps answering the server (pings, close handshake) until the connection ends or `within` passes;
    /// returns the close code the server sent, if any.
    pub async fn wait_closed(mut self, within: Duration) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + within;
        let mut code = None;
        while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, self.ws.next()).await {
            if let Message::Close(Some(frame)) = msg {
                code = Some(u16::from(frame.code));
            }
        }
        code
    }

    /// Closes the connection politely and waits for the server's answer.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(FRAME_TIMEOUT, self.ws.close(None)).await;
        let _ = tokio::time::timeout(FRAME_TIMEOUT, async {
            while let Some(Ok(_)) = self.ws.next().await {}
        })
        .await;
    }
}

/// The texts of a reply frame's messages.
pub fn texts(reply: &Value) -> Vec<String> {
    reply["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("no messages array in {reply}"))
        .iter()
        .map(|m| {
            m["text"]
                .as_str()
                .unwrap_or_else(|| panic!("message without text in {reply}"))
                .to_owned()
        })
        .collect()
}

/// A plain HTTP/1.1 response.
#[derive(Debug)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header lines, lower-cased names: `(name, value)`.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl HttpResponse {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `GET path` over a plain TCP connection with `Connection: close`.
pub async fn http_get(addr: SocketAddr, path: &str) -> HttpResponse {
    assert!(addr.ip().is_loopback(), "loopback only: {addr}");
    let raw = tokio::time::timeout(FRAME_TIMEOUT, async {
        let mut stream = TcpStream::connect(addr).await.expect("connect for HTTP");
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: */*\r\n\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .await
            .expect("write the HTTP request");
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .await
            .expect("read the HTTP response");
        raw
    })
    .await
    .unwrap_or_else(|_| panic!("GET {path} took more than 10 s"));
    let text = String::from_utf8(raw).expect("the HTTP response is UTF-8");
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in the response to GET {path}: {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line `{status_line}`"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// POSTs `body` to `http://ADDR{path}` with an optional bearer token and returns the status and the JSON
/// body (Null when the body is not JSON). Written by hand over a TCP stream (HTTP/1.1, `Connection:
/// close`): the tests need nothing more than one request, and an HTTP client crate would add a large
/// dependency tree to the test build.
pub async fn http_post(
    addr: SocketAddr,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> (u16, Value) {
    assert!(addr.ip().is_loopback(), "loopback only: {addr}");
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("connect to the server");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send the request head");
    // A server may answer (413) before reading the whole body and close: a failed write is fine then.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(FRAME_TIMEOUT, stream.read_to_end(&mut raw)).await;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {text:?}"));
    let json = text
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

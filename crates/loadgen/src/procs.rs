//! Child processes: start one that prints its address, read its memory, stop it within a bounded time.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// Resident memory (`VmRSS` in `/proc/PID/status`) in bytes.
pub fn vm_rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| anyhow::anyhow!("no VmRSS line in /proc/{pid}/status"))
}

/// Resident memory of this process in bytes.
pub fn self_rss_bytes() -> anyhow::Result<u64> {
    vm_rss_bytes(std::process::id())
}

/// A started server: the child and the `ws://` URL it printed.
#[derive(Debug)]
pub struct Server {
    /// The process (killed if dropped).
    pub child: Child,
    /// The WebSocket URL from its stdout.
    pub ws_url: String,
    /// Its pid.
    pub pid: u32,
}

/// Starts `cmd` (stdout piped, stderr to `stderr_log`), waits up to `wait` for a stdout line containing
/// `ws://`, and keeps draining stdout in the background.
pub async fn spawn_server(
    mut cmd: Command,
    stderr_log: &Path,
    wait: Duration,
) -> anyhow::Result<Server> {
    let log = std::fs::File::create(stderr_log)?;
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let pid = child
        .id()
        .ok_or_else(|| anyhow::anyhow!("the child exited at once"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout pipe"))?;
    let mut lines = BufReader::new(stdout).lines();
    let found = tokio::time::timeout(wait, async {
        while let Some(line) = lines.next_line().await? {
            if let Some(url) = ws_url_in(&line) {
                return anyhow::Ok(url);
            }
        }
        anyhow::bail!("the server exited before printing its address")
    })
    .await;
    let ws_url = match found {
        Ok(Ok(url)) => url,
        Ok(Err(e)) => {
            let _ = child.kill().await;
            return Err(e.context(format!("see {}", stderr_log.display())));
        }
        Err(_) => {
            let _ = child.kill().await;
            anyhow::bail!(
                "the server printed no ws:// address within {wait:?}; see {}",
                stderr_log.display()
            );
        }
    };
    // Keep reading so a chatty child never blocks on a full pipe; ends when the child's stdout closes.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Server { child, ws_url, pid })
}

/// The first `ws://...` token in a line (up to whitespace or `)`).
pub fn ws_url_in(line: &str) -> Option<String> {
    let at = line.find("ws://")?;
    let url: String = line[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ')')
        .collect();
    Some(url)
}

impl Server {
    /// SIGTERM (graceful: colloquy flushes), then SIGKILL if it has not exited within `grace`. Returns the
    /// exit status text.
    pub async fn stop(mut self, grace: Duration) -> String {
        let term = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if term.is_ok()
            && let Ok(Ok(status)) = tokio::time::timeout(grace, self.child.wait()).await
        {
            return status.to_string();
        }
        let _ = self.child.kill().await;
        match tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await {
            Ok(Ok(status)) => format!("{status} (killed after {grace:?})"),
            _ => "did not exit after SIGKILL within 5 s".to_owned(),
        }
    }
}

/// `GET /healthz` on `host:port` (plain HTTP/1.1, 5 s timeout); returns `live_sessions` from the JSON body.
pub async fn live_sessions(authority: &str) -> anyhow::Result<u64> {
    let body = tokio::time::timeout(Duration::from_secs(5), async {
        let mut s = TcpStream::connect(authority).await?;
        let req =
            format!("GET /healthz HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await?;
        let mut buf = Vec::new();
        s.take(1 << 20).read_to_end(&mut buf).await?;
        anyhow::Ok(String::from_utf8_lossy(&buf).into_owned())
    })
    .await??;
    let json = body
        .split("\r\n\r\n")
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("no HTTP body from /healthz"))?;
    // The body may be chunked; the JSON object sits between the first '{' and the last '}'.
    let (a, b) = (json.find('{'), json.rfind('}'));
    let (Some(a), Some(b)) = (a, b) else {
        anyhow::bail!("no JSON in the /healthz answer: {json}");
    };
    let v: serde_json::Value = serde_json::from_str(&json[a..=b])?;
    v["live_sessions"]
        .as_u64()
        .ok_or_else(|| anyhow::anyhow!("no live_sessions in {v}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_ws_url_in_both_banners() {
        assert_eq!(
            ws_url_in(
                "colloquy listening on http://127.0.0.1:4242 (WebSocket at ws://127.0.0.1:4242/ws)"
            )
            .as_deref(),
            Some("ws://127.0.0.1:4242/ws")
        );
        assert_eq!(
            ws_url_in("listening on ws://127.0.0.1:9/").as_deref(),
            Some("ws://127.0.0.1:9/")
        );
        assert!(ws_url_in("starting").is_none());
        assert!(self_rss_bytes().is_ok_and(|b| b > 0));
    }
}

//! Discord REST calls the adapter makes itself: creating messages and acknowledging button clicks.
//!
//! Why not serenity's `Http` for these: with its rate limiter disabled (needed for the proxy setting to
//! apply) serenity drops the `retry_after` of a 429. Here every call goes through
//! [`colloquy_channel::retry`]: 429 waits exactly as long as Discord asks, 5xx and network errors back off
//! exponentially, other 4xx fail at once.

use crate::convert::MessageBody;
use crate::token::Token;
use colloquy_channel::{Attempt, ChannelError, RetryPolicy, retry};
use std::time::Duration;

/// Discord's REST API version.
const API: &str = "/api/v10";
/// Wait used when a 429 does not say how long (it always should).
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// A small Discord REST client.
#[derive(Debug, Clone)]
pub struct Rest {
    /// HTTP client (connection pool); also given to serenity.
    client: reqwest::Client,
    /// `https://discord.com` or the configured proxy, without a trailing slash.
    base: String,
    /// Bot token, sent as `Authorization: Bot …`.
    token: Token,
    /// Retry policy for every call.
    policy: RetryPolicy,
}

impl Rest {
    /// A client for `base` with `token`.
    pub fn new(client: reqwest::Client, base: &str, token: Token, policy: RetryPolicy) -> Self {
        Rest {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token,
            policy,
        }
    }

    /// `POST /channels/{channel}/messages`.
    pub async fn create_message(
        &self,
        channel: u64,
        body: &MessageBody,
    ) -> Result<(), ChannelError> {
        let json = serde_json::to_vec(body).map_err(|e| ChannelError::Rejected(e.to_string()))?;
        self.post(&format!("{API}/channels/{channel}/messages"), json)
            .await
    }

    /// Acknowledges a button click without changing the clicked message (`DEFERRED_UPDATE_MESSAGE`),
    /// so Discord does not show "interaction failed"; the answer follows as ordinary messages.
    pub async fn ack_interaction(&self, id: u64, token: &str) -> Result<(), ChannelError> {
        self.post(
            &format!("{API}/interactions/{id}/{token}/callback"),
            br#"{"type":6}"#.to_vec(),
        )
        .await
    }

    async fn post(&self, path: &str, body: Vec<u8>) -> Result<(), ChannelError> {
        let url = format!("{}{path}", self.base);
        retry(self.policy, |_| {
            let request = self
                .client
                .post(&url)
                .header("Authorization", self.token.header_value())
                .header("Content-Type", "application/json")
                .body(body.clone());
            async move {
                match request.send().await {
                    Ok(response) => classify(response).await,
                    // Connect errors, resets and timeouts may go away.
                    Err(e) => Attempt::Transient(e.without_url().to_string()),
                }
            }
        })
        .await
    }
}

/// Turns an HTTP answer into the retry decision.
async fn classify(response: reqwest::Response) -> Attempt<()> {
    let status = response.status();
    if status.is_success() {
        return Attempt::Done(());
    }
    let header_wait = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok());
    let body = response.bytes().await.unwrap_or_default();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if status.as_u16() == 429 {
        let secs = json
            .get("retry_after")
            .and_then(serde_json::Value::as_f64)
            .or(header_wait);
        let wait = secs
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs_f64);
        return Attempt::RetryAfter(wait);
    }
    let message = json
        .get("message")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_owned();
    if status.is_server_error() {
        Attempt::Transient(format!("HTTP {status} {message}"))
    } else {
        Attempt::Permanent(format!("HTTP {status} {message}"))
    }
}

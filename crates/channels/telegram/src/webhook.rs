//! The webhook endpoint (webhook mode): checks Telegram's secret token in constant time, parses the
//! update and hands it to the running adapter. Answers 200 only after the turn's replies were sent, so
//! Telegram re-sends an update whose turn did not finish (and the runtime drops what it already did).

use crate::adapter::{Job, Shared};
use crate::sender::Handled;
use colloquy_channel::{BoxFuture, WebhookHandler, WebhookRequest, WebhookResponse};
use std::sync::Arc;
use teloxide::types::Update;
use tokio::sync::oneshot;

/// The header Telegram puts the `secret_token` of `setWebhook` in.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// `POST {webhook_path}` for Telegram's update deliveries.
pub struct TelegramWebhook {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for TelegramWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramWebhook")
            .field("path", &self.shared.config.webhook_path)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl TelegramWebhook {
    pub(crate) fn new(shared: Arc<Shared>) -> Arc<Self> {
        Arc::new(TelegramWebhook { shared })
    }
}

impl WebhookHandler for TelegramWebhook {
    fn path(&self) -> &str {
        &self.shared.config.webhook_path
    }

    fn handle(&self, request: WebhookRequest) -> BoxFuture<'static, WebhookResponse> {
        let shared = self.shared.clone();
        Box::pin(async move {
            let authorised = match (&shared.secret, request.header(SECRET_HEADER)) {
                (Some(expected), Some(given)) => {
                    constant_time_eq(expected.as_bytes(), given.as_bytes())
                }
                _ => false,
            };
            if !authorised {
                return WebhookResponse::new(401, "missing or wrong secret token");
            }
            let update: Update = match serde_json::from_slice(&request.body) {
                Ok(u) => u,
                Err(e) => return WebhookResponse::new(400, format!("not a Telegram update: {e}")),
            };
            let (done, handled) = oneshot::channel();
            let job = Job::Webhook {
                update: Box::new(update),
                done,
            };
            if shared.submit(job).await.is_err() {
                return WebhookResponse::new(503, "the bot is not running; retry later");
            }
            match handled.await {
                Ok(Handled::Done) => WebhookResponse::new(200, "{}"),
                Ok(Handled::Retry) | Err(_) => {
                    WebhookResponse::new(503, "the bot is unavailable; retry later")
                }
            }
        })
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| std::hint::black_box(acc | (x ^ y)));
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_whole_strings() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}

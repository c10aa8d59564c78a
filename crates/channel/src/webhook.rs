//! Framework-neutral HTTP endpoints: an adapter describes them, colloquy's HTTP server mounts them.
//! Adapters thus need no web framework for webhooks.

use crate::gateway::BoxFuture;

/// An HTTP POST as the adapter sees it.
#[derive(Debug, Clone, Default)]
pub struct WebhookRequest {
    /// Header names (lower-case) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl WebhookRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookResponse {
    /// HTTP status code.
    pub status: u16,
    /// Body (JSON or plain text).
    pub body: String,
}

impl WebhookResponse {
    /// A response with `status` and `body`.
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        WebhookResponse {
            status,
            body: body.into(),
        }
    }
}

/// One endpoint, `POST {path}`.
pub trait WebhookHandler: Send + Sync + 'static {
    /// URL path (`/telegram/webhook`).
    fn path(&self) -> &str;

    /// Largest body accepted; larger requests get 413 without reaching [`WebhookHandler::handle`].
    fn max_body_bytes(&self) -> usize {
        1 << 20
    }

    /// Handles one request.
    fn handle(&self, request: WebhookRequest) -> BoxFuture<'static, WebhookResponse>;
}

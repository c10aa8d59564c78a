//! `[channels.websocket]` in the bot file.

use serde::Deserialize;

/// How users prove who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum IdentityMode {
    /// Anyone may chat; the server issues a signed session token the client keeps to resume later.
    #[default]
    Anonymous,
    /// Clients must present `user_id` with `signature = hex(HMAC-SHA256(secret, user_id))`, computed by the
    /// operator's backend; no client can claim another user's session.
    Signed,
}

/// WebSocket channel settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSocketConfig {
    /// Serve this channel.
    pub enabled: bool,
    /// URL path of the WebSocket endpoint.
    pub path: String,
    /// Largest accepted frame in bytes; larger frames close the connection with code 1009.
    pub max_frame_bytes: usize,
    /// Identity mode.
    pub identity: IdentityMode,
    /// Environment variable holding the HMAC secret (required for `signed`; for `anonymous` a secret is
    /// generated and kept in the store when unset).
    pub secret_env: Option<String>,
    /// Seconds between server pings; a connection silent for two intervals is closed.
    pub ping_interval_secs: u64,
    /// Serve the demo web-chat page at `/`.
    pub chat_page: bool,
}

impl Default for WebSocketConfig {
    fn default() -> Self {
        WebSocketConfig {
            enabled: true,
            path: "/ws".into(),
            max_frame_bytes: 16 * 1024,
            identity: IdentityMode::Anonymous,
            secret_env: None,
            ping_interval_secs: 30,
            chat_page: true,
        }
    }
}

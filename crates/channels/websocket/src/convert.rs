//! The JSON protocol: frames from the client, frames to the client.

use colloquy_channel::{DispatchError, Outbound, TurnReply};
use serde::{Deserialize, Serialize};

/// A frame from the client.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Start or resume: nothing (new anonymous user), a `token` (resume), or `user_id` + `signature`.
    Hello {
        /// Session token from an earlier `welcome`.
        #[serde(default)]
        token: Option<String>,
        /// Operator-signed user id.
        #[serde(default)]
        user_id: Option<String>,
        /// `hex(HMAC-SHA256(secret, user_id))`.
        #[serde(default)]
        signature: Option<String>,
    },
    /// A chat message.
    Message {
        /// The text.
        text: String,
        /// Client message id: a resend with the same id is not processed twice.
        #[serde(default)]
        id: Option<String>,
    },
}

/// A frame to the client.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Identity accepted.
    Welcome {
        /// Keep this to resume the same session later (anonymous mode).
        session_token: Option<String>,
        /// The user id the session belongs to.
        user_id: String,
        /// The session's id in the event API (`POST /v1/bots/{bot}/sessions/{session_id}/events`).
        session_id: String,
    },
    /// The bot's answer to one message.
    Reply {
        /// The client message id answered, if it gave one.
        in_reply_to: Option<String>,
        /// Messages in order.
        messages: Vec<Outbound>,
        /// The message was a resend of one already processed; `messages` repeats the answer if known.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        duplicate: bool,
    },
    /// Something was wrong with the last frame; the connection stays open.
    Error {
        /// Stable machine-readable code.
        code: ErrorCode,
        /// Human-readable explanation with what to do.
        message: String,
    },
}

/// Error codes in `error` frames.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not JSON.
    BadJson,
    /// JSON, but not a known frame (unknown `type`, missing or extra field).
    BadFrame,
    /// A binary frame; the protocol is text (JSON) only.
    BinaryNotSupported,
    /// `message` before a successful `hello`.
    HelloFirst,
    /// A second `hello` on the same connection.
    AlreadyIdentified,
    /// The token is not one this server issued.
    BadToken,
    /// Signed identity required, or the signature is wrong.
    BadSignature,
    /// An empty message.
    EmptyMessage,
    /// The session is busy with earlier messages.
    Busy,
    /// The bot could not process the message now.
    Unavailable,
}

impl ServerFrame {
    /// An error frame.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerFrame::Error {
            code,
            message: message.into(),
        }
    }

    /// The frame for a turn's result.
    pub fn from_turn(
        in_reply_to: Option<String>,
        result: Result<TurnReply, DispatchError>,
    ) -> Self {
        match result {
            Ok(r) => ServerFrame::Reply {
                in_reply_to,
                messages: r.messages,
                duplicate: r.duplicate,
            },
            Err(e @ DispatchError::Busy) => ServerFrame::error(ErrorCode::Busy, e.to_string()),
            Err(e) => ServerFrame::error(ErrorCode::Unavailable, e.to_string()),
        }
    }

    /// JSON text of the frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Parses a client frame; the error frame says what was wrong.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, ServerFrame> {
    // Two steps so that broken JSON and well-formed JSON of the wrong shape get different codes.
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        ServerFrame::error(
            ErrorCode::BadJson,
            format!("the frame is not valid JSON ({e}); send e.g. {{\"type\":\"message\",\"text\":\"hi\"}}"),
        )
    })?;
    ClientFrame::deserialize(value).map_err(|e| {
        ServerFrame::error(
            ErrorCode::BadFrame,
            format!(
                "{e}; frames are {{\"type\":\"hello\"}} or {{\"type\":\"message\",\"text\":\"…\"}}"
            ),
        )
    })
}

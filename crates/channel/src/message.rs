//! Messages in the common shape.

use serde::{Deserialize, Serialize};

/// A user's message, from any platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbound {
    /// Bot name (from the bot file).
    pub bot: String,
    /// Channel name (`websocket`, `telegram`).
    pub channel: String,
    /// Where to answer: a chat id, a channel id, a user id for 1:1 chats.
    pub conversation: String,
    /// Who wrote it (platform user id, or a server-issued id).
    pub user: String,
    /// The user's display name, when the platform gives one.
    pub display_name: Option<String>,
    /// The text.
    pub text: String,
    /// Platform message id, used to drop redeliveries (at-least-once platforms).
    pub message_id: Option<String>,
    /// When the platform says it was sent, Unix milliseconds (0 if unknown).
    pub at_ms: u64,
    /// Platform id of the message this one replies to, if any.
    #[serde(default)]
    pub reply_to: Option<String>,
}

/// One message the bot sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbound {
    /// The text.
    pub text: String,
    /// Suggested answers, rendered as buttons or a keyboard where the platform has them (a numbered list
    /// elsewhere).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quick_replies: Vec<String>,
}

impl Outbound {
    /// A plain text message.
    pub fn text(text: impl Into<String>) -> Self {
        Outbound {
            text: text.into(),
            quick_replies: Vec::new(),
        }
    }
}

/// What a turn produced for the adapter to send.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnReply {
    /// Messages to send, in order.
    pub messages: Vec<Outbound>,
    /// True when the inbound message was a redelivery of one already processed; `messages` then repeats
    /// what was sent for it (if it was the last one) so a client that lost the reply still gets it.
    pub duplicate: bool,
}

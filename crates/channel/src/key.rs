//! The identity of a session.

use crate::message::Inbound;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One session per (bot, channel, conversation, user).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SessionKey {
    /// Bot name.
    pub bot: String,
    /// Channel name.
    pub channel: String,
    /// Conversation address on the channel.
    pub conversation: String,
    /// User id on the channel.
    pub user: String,
}

impl SessionKey {
    /// The key of the session `inbound` belongs to.
    pub fn of(inbound: &Inbound) -> Self {
        SessionKey {
            bot: inbound.bot.clone(),
            channel: inbound.channel.clone(),
            conversation: inbound.conversation.clone(),
            user: inbound.user.clone(),
        }
    }

    /// A printable, unambiguous storage id: the four parts percent-escaped (`%` and `/`) and joined with
    /// `/`, so keys of one bot share the prefix `bot/` and no two keys collide.
    pub fn storage_id(&self) -> String {
        let mut s = String::with_capacity(
            self.bot.len() + self.channel.len() + self.conversation.len() + self.user.len() + 3,
        );
        for (i, part) in [&self.bot, &self.channel, &self.conversation, &self.user]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                s.push('/');
            }
            for c in part.chars() {
                match c {
                    '%' => s.push_str("%25"),
                    '/' => s.push_str("%2F"),
                    c => s.push(c),
                }
            }
        }
        s
    }
}

impl fmt::Display for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.storage_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(parts: [&str; 4]) -> SessionKey {
        SessionKey {
            bot: parts[0].into(),
            channel: parts[1].into(),
            conversation: parts[2].into(),
            user: parts[3].into(),
        }
    }

    #[test]
    fn storage_ids_are_unambiguous() {
        assert_eq!(key(["b", "ws", "c", "u"]).storage_id(), "b/ws/c/u");
        assert_ne!(
            key(["b", "ws", "c/u", "x"]).storage_id(),
            key(["b", "ws", "c", "u/x"]).storage_id()
        );
        assert_eq!(key(["b", "w", "1%/", "u"]).storage_id(), "b/w/1%25%2F/u");
    }
}

//! Telegram updates → [`Inbound`], and replies → Telegram messages. Pure functions, no IO.

use crate::config::GroupMode;
use colloquy_channel::{Inbound, Measure, Outbound, split_text};
use teloxide::types::{
    KeyboardButton, KeyboardMarkup, Message, MessageEntityKind, MessageEntityRef, ReplyMarkup,
    Update, UpdateKind,
};

/// Telegram's limit for one text message, in UTF-16 code units.
pub const MESSAGE_LIMIT: usize = 4096;

/// Quick-reply buttons per keyboard row.
const BUTTONS_PER_ROW: usize = 3;

/// Who the bot is on Telegram (from `getMe`): needed to see mentions and commands addressed to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotIdentity {
    /// The bot's user id.
    pub id: u64,
    /// The bot's username, without `@`.
    pub username: String,
}

/// A user message the adapter will process, with where to answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// The message in the common shape.
    pub inbound: Inbound,
    /// The chat to answer in.
    pub chat_id: i64,
    /// The Telegram message id (answers in groups reply to it).
    pub message_id: i32,
    /// True for group and supergroup chats.
    pub in_group: bool,
}

/// One Telegram message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingText {
    /// Text, at most [`MESSAGE_LIMIT`] UTF-16 units, sent as plain text (no parse mode, so nothing needs
    /// escaping).
    pub text: String,
    /// Quick replies to show as a reply keyboard (empty: none).
    pub quick_replies: Vec<String>,
}

/// Turns an update into a message for the bot, or `None` when the bot should not answer it (not a text
/// message, sent by a bot, a group message not addressed to the bot, a command for another bot).
pub fn to_incoming(
    bot: &str,
    update: &Update,
    me: &BotIdentity,
    groups: GroupMode,
) -> Option<Incoming> {
    let UpdateKind::Message(msg) = &update.kind else {
        return None;
    };
    let from = msg.from.as_ref()?;
    if from.is_bot {
        return None;
    }
    let raw = msg.text()?;
    let in_group = msg.chat.is_group() || msg.chat.is_supergroup();
    if !in_group && !msg.chat.is_private() {
        return None; // channels: the bot does not converse there
    }
    let text = if in_group {
        match groups {
            GroupMode::Ignore => return None,
            GroupMode::All => command_or_text(raw, me)?,
            GroupMode::MentionsAndCommands => addressed_text(msg, raw, me)?,
        }
    } else {
        command_or_text(raw, me)?
    };
    if text.is_empty() {
        return None;
    }
    let chat_id = msg.chat.id.0;
    let display_name = match &from.last_name {
        Some(last) => format!("{} {last}", from.first_name),
        None => from.first_name.clone(),
    };
    Some(Incoming {
        inbound: Inbound {
            bot: bot.to_owned(),
            channel: crate::CHANNEL_NAME.to_owned(),
            conversation: chat_id.to_string(),
            user: from.id.0.to_string(),
            display_name: Some(display_name),
            text,
            message_id: Some(format!("{chat_id}:{}", msg.id.0)),
            at_ms: u64::try_from(msg.date.timestamp_millis()).unwrap_or(0),
            reply_to: msg
                .reply_to_message()
                .map(|r| format!("{chat_id}:{}", r.id.0)),
        },
        chat_id,
        message_id: msg.id.0,
        in_group,
    })
}

/// A group message's text if it is addressed to the bot: a command, a mention of the bot (removed from
/// the text), or a reply to one of the bot's messages.
fn addressed_text(msg: &Message, raw: &str, me: &BotIdentity) -> Option<String> {
    if raw.starts_with('/') {
        return command_or_text(raw, me);
    }
    let entities = msg.parse_entities().unwrap_or_default();
    let mentions: Vec<&MessageEntityRef<'_>> =
        entities.iter().filter(|e| is_mention_of(e, me)).collect();
    if !mentions.is_empty() {
        let mut text = String::with_capacity(raw.len());
        let mut at = 0;
        for m in mentions {
            text.push_str(&raw[at..m.start()]);
            at = m.end();
        }
        text.push_str(&raw[at..]);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = text.trim_start_matches([',', ':']).trim().to_owned();
        return command_or_text(&text, me);
    }
    let replied_to_bot = msg
        .reply_to_message()
        .and_then(|r| r.from.as_ref())
        .is_some_and(|u| u.id.0 == me.id);
    replied_to_bot.then(|| raw.trim().to_owned())
}

fn is_mention_of(e: &MessageEntityRef<'_>, me: &BotIdentity) -> bool {
    match e.kind() {
        MessageEntityKind::Mention => e
            .text()
            .strip_prefix('@')
            .is_some_and(|name| name.eq_ignore_ascii_case(&me.username)),
        MessageEntityKind::TextMention { user } => user.id.0 == me.id,
        _ => false,
    }
}

/// Normalises a command: `/help@this_bot` → `/help`, `/start <deep-link payload>` → `/start`; a command
/// addressed to another bot (`/help@other_bot`) gives `None`. Other text is returned trimmed.
pub fn command_or_text(raw: &str, me: &BotIdentity) -> Option<String> {
    let raw = raw.trim();
    let Some(rest) = raw.strip_prefix('/') else {
        return Some(raw.to_owned());
    };
    let (word, args) = match rest.split_once(char::is_whitespace) {
        Some((w, a)) => (w, a.trim()),
        None => (rest, ""),
    };
    let command = match word.split_once('@') {
        Some((cmd, target)) if target.eq_ignore_ascii_case(&me.username) => cmd,
        Some(_) => return None,
        None => word,
    };
    if command.eq_ignore_ascii_case("start") || args.is_empty() {
        Some(format!("/{command}"))
    } else {
        Some(format!("/{command} {args}"))
    }
}

/// Renders a turn's replies as Telegram messages: each split at [`MESSAGE_LIMIT`] UTF-16 units on
/// line/word boundaries; quick replies go with the last part of their message.
pub fn render(messages: &[Outbound]) -> Vec<OutgoingText> {
    let mut out = Vec::with_capacity(messages.len());
    for m in messages {
        let mut parts = split_text(&m.text, MESSAGE_LIMIT, Measure::Utf16);
        if parts.is_empty() && !m.quick_replies.is_empty() {
            parts.push("…".to_owned()); // Telegram needs text to carry a keyboard
        }
        let last = parts.len().saturating_sub(1);
        for (i, text) in parts.into_iter().enumerate() {
            out.push(OutgoingText {
                text,
                quick_replies: if i == last {
                    m.quick_replies.clone()
                } else {
                    Vec::new()
                },
            });
        }
    }
    out
}

/// A one-time reply keyboard with the quick replies, [`BUTTONS_PER_ROW`] to a row. `selective` limits it
/// to the user the message replies to (in groups).
pub fn keyboard(quick_replies: &[String], selective: bool) -> ReplyMarkup {
    let rows = quick_replies
        .chunks(BUTTONS_PER_ROW)
        .map(|row| row.iter().map(KeyboardButton::new).collect::<Vec<_>>());
    let mut markup = KeyboardMarkup::new(rows)
        .resize_keyboard()
        .one_time_keyboard();
    if selective {
        markup = markup.selective();
    }
    ReplyMarkup::Keyboard(markup)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn me() -> BotIdentity {
        BotIdentity {
            id: 999,
            username: "FlightBot".into(),
        }
    }

    fn update(chat: serde_json::Value, text: &str, entities: serde_json::Value) -> Update {
        let v = json!({
            "update_id": 7,
            "message": {
                "message_id": 42, "date": 1_700_000_000, "chat": chat,
                "from": {"id": 5, "is_bot": false, "first_name": "Ada", "last_name": "L"},
                "text": text, "entities": entities
            }
        });
        serde_json::from_str(&v.to_string()).expect("valid update")
    }

    fn private(text: &str) -> Update {
        update(
            json!({"id": 5, "type": "private", "first_name": "Ada"}),
            text,
            json!([]),
        )
    }

    fn group(text: &str, entities: serde_json::Value) -> Update {
        update(
            json!({"id": -100, "type": "supergroup", "title": "g"}),
            text,
            entities,
        )
    }

    #[test]
    fn private_messages_become_inbound_with_platform_ids() {
        let u = private("hello");
        let inc = to_incoming("fb", &u, &me(), GroupMode::default()).expect("kept");
        assert_eq!(inc.inbound.conversation, "5");
        assert_eq!(inc.inbound.user, "5");
        assert_eq!(inc.inbound.channel, "telegram");
        assert_eq!(inc.inbound.message_id.as_deref(), Some("5:42"));
        assert_eq!(inc.inbound.display_name.as_deref(), Some("Ada L"));
        assert_eq!(inc.inbound.at_ms, 1_700_000_000_000);
        assert!(!inc.in_group);
    }

    #[test]
    fn commands_lose_the_bot_suffix_and_start_payloads() {
        let m = me();
        assert_eq!(
            command_or_text("/help@flightbot", &m).as_deref(),
            Some("/help")
        );
        assert_eq!(
            command_or_text("/start abc123", &m).as_deref(),
            Some("/start")
        );
        assert_eq!(command_or_text("/cancel", &m).as_deref(), Some("/cancel"));
        assert_eq!(command_or_text("/help@OtherBot", &m), None);
        assert_eq!(command_or_text("  hi ", &m).as_deref(), Some("hi"));
    }

    #[test]
    fn groups_answer_only_mentions_commands_and_replies_to_the_bot() {
        let m = me();
        let g = GroupMode::MentionsAndCommands;
        assert_eq!(
            to_incoming("fb", &group("just chatting", json!([])), &m, g),
            None
        );
        let mention = group(
            "@FlightBot I want to book a flight",
            json!([{"type": "mention", "offset": 0, "length": 10}]),
        );
        let inc = to_incoming("fb", &mention, &m, g).expect("mention kept");
        assert_eq!(inc.inbound.text, "I want to book a flight");
        assert_eq!(inc.inbound.conversation, "-100");
        assert_eq!(inc.inbound.user, "5");
        assert!(inc.in_group);
        let other = group(
            "@SomeoneElse hi",
            json!([{"type": "mention", "offset": 0, "length": 12}]),
        );
        assert_eq!(to_incoming("fb", &other, &m, g), None);
        let cmd = group(
            "/help@FlightBot",
            json!([{"type": "bot_command", "offset": 0, "length": 15}]),
        );
        assert_eq!(
            to_incoming("fb", &cmd, &m, g)
                .map(|i| i.inbound.text)
                .as_deref(),
            Some("/help")
        );
        assert_eq!(to_incoming("fb", &cmd, &m, GroupMode::Ignore), None);
        assert!(to_incoming("fb", &group("hi all", json!([])), &m, GroupMode::All).is_some());
    }

    #[test]
    fn long_replies_are_split_and_keyboards_go_last() {
        let long = "word ".repeat(2000); // 10,000 characters
        let parts = render(&[Outbound {
            text: long,
            quick_replies: vec!["yes".into(), "no".into()],
        }]);
        assert_eq!(parts.len(), 3);
        assert!(
            parts
                .iter()
                .all(|p| p.text.encode_utf16().count() <= MESSAGE_LIMIT)
        );
        assert!(parts[0].quick_replies.is_empty() && parts[1].quick_replies.is_empty());
        assert_eq!(parts[2].quick_replies, ["yes", "no"]);
        let kb = serde_json::to_value(keyboard(
            &["a".into(), "b".into(), "c".into(), "d".into()],
            false,
        ))
        .expect("serializes");
        assert_eq!(kb["keyboard"][0].as_array().map(Vec::len), Some(3));
        assert_eq!(kb["keyboard"][1][0]["text"], "d");
        assert_eq!(kb["one_time_keyboard"], true);
    }
}

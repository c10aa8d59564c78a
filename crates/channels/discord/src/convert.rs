//! Discord messages ↔ the common shapes: which `MESSAGE_CREATE`s become an [`Inbound`], and the REST bodies
//! a reply is sent as (escaped, split at 2,000 characters, quick replies as buttons or a numbered list).
//!
//! Pure: no IO, no serenity client — unit-tested here, end-to-end in `tests/`.

use crate::config::QuickReplyStyle;
use colloquy_channel::escape::discord_markdown;
use colloquy_channel::{Inbound, Measure, Outbound, split_text};
use serde::Serialize;
use serenity::model::application::ComponentInteraction;
use serenity::model::channel::{Message, MessageType};
use std::collections::HashSet;

/// Channel name in session keys and config.
pub const CHANNEL: &str = "discord";
/// Discord's message length limit, in characters.
pub const MESSAGE_LIMIT: usize = 2000;
/// Prefix of the `custom_id` of quick-reply buttons (so other components are not mistaken for them).
pub const BUTTON_PREFIX: &str = "qr:";
/// Discord allows 5 rows of 5 buttons under a message.
const MAX_BUTTONS: usize = 25;
/// Longest button label Discord accepts.
const MAX_LABEL: usize = 80;
/// Longest `custom_id` Discord accepts.
const MAX_CUSTOM_ID: usize = 100;

/// The parts of a `MESSAGE_CREATE` the adapter looks at (extracted so the rules are testable without
/// building serenity's full model).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Message id (a snowflake): the platform message id for redelivery dedupe.
    pub id: u64,
    /// Channel it was posted in (a DM channel or a guild text channel).
    pub channel_id: u64,
    /// Guild, if not a DM.
    pub guild_id: Option<u64>,
    /// Author id.
    pub author_id: u64,
    /// Author's display name (global name, else username).
    pub author_name: String,
    /// The author is a bot or webhook (including this bot itself).
    pub author_is_bot: bool,
    /// A message a person typed (Discord type 0, or 19 for a reply), not a system notice such as a pin,
    /// a join or a thread creation (whose `content` is the thread's name).
    pub typed_by_user: bool,
    /// Raw text, mentions still in it.
    pub content: String,
    /// Users mentioned.
    pub mentions: Vec<u64>,
    /// Unix milliseconds of the message.
    pub at_ms: u64,
    /// Id of the message this one replies to.
    pub reply_to: Option<u64>,
}

impl From<&Message> for Seen {
    fn from(m: &Message) -> Self {
        Seen {
            id: m.id.get(),
            channel_id: m.channel_id.get(),
            guild_id: m.guild_id.map(|g| g.get()),
            author_id: m.author.id.get(),
            author_name: m
                .author
                .global_name
                .clone()
                .unwrap_or_else(|| m.author.name.clone()),
            author_is_bot: m.author.bot || m.author.system || m.webhook_id.is_some(),
            typed_by_user: matches!(m.kind, MessageType::Regular | MessageType::InlineReply),
            content: m.content.clone(),
            mentions: m.mentions.iter().map(|u| u.id.get()).collect(),
            at_ms: snowflake_ms(m.id.get()),
            reply_to: m
                .message_reference
                .as_ref()
                .and_then(|r| r.message_id)
                .map(|id| id.get()),
        }
    }
}

/// Why a message is not answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    /// Written by a bot (this one included): bots answering bots loop forever.
    FromBot,
    /// A guild message that neither mentions the bot nor is in a configured channel.
    NotAddressed,
    /// No text left (an attachment only, or a bare mention).
    Empty,
    /// A system notice (pin, join, thread created…), not something a person wrote.
    SystemNotice,
}

/// What to do with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Hand it to the runtime.
    Answer(Inbound),
    /// Leave it alone.
    Ignore(Ignored),
}

/// Decides whether `seen` is for the bot whose user id is `me`, and builds its [`Inbound`].
///
/// Sessions: a DM's conversation is its DM channel (one per user), so a DM session is per user; in a
/// guild the conversation is the channel and the user the author, so a session is per (channel, user).
pub fn route(bot: &str, seen: &Seen, me: u64, answer_in: &HashSet<u64>) -> Route {
    if seen.author_is_bot || seen.author_id == me {
        return Route::Ignore(Ignored::FromBot);
    }
    if !seen.typed_by_user {
        return Route::Ignore(Ignored::SystemNotice);
    }
    if seen.guild_id.is_some() {
        let mentioned = seen.mentions.contains(&me) || has_mention(&seen.content, me);
        if !mentioned && !answer_in.contains(&seen.channel_id) {
            return Route::Ignore(Ignored::NotAddressed);
        }
    }
    let text = strip_mentions(&seen.content, me);
    if text.is_empty() {
        return Route::Ignore(Ignored::Empty);
    }
    Route::Answer(Inbound {
        bot: bot.to_owned(),
        channel: CHANNEL.to_owned(),
        conversation: seen.channel_id.to_string(),
        user: seen.author_id.to_string(),
        display_name: Some(seen.author_name.clone()),
        text,
        message_id: Some(seen.id.to_string()),
        at_ms: seen.at_ms,
        reply_to: seen.reply_to.map(|id| id.to_string()),
    })
}

/// A click on one of our quick-reply buttons, as if the user had typed the label. The interaction id is
/// the platform message id (a redelivered interaction is dropped like a redelivered message).
pub fn button_click(bot: &str, click: &ComponentInteraction) -> Option<Inbound> {
    let text = click.data.custom_id.strip_prefix(BUTTON_PREFIX)?;
    if click.user.bot || text.is_empty() {
        return None;
    }
    Some(Inbound {
        bot: bot.to_owned(),
        channel: CHANNEL.to_owned(),
        conversation: click.channel_id.get().to_string(),
        user: click.user.id.get().to_string(),
        display_name: Some(
            click
                .user
                .global_name
                .clone()
                .unwrap_or_else(|| click.user.name.clone()),
        ),
        text: text.to_owned(),
        message_id: Some(format!("interaction:{}", click.id.get())),
        at_ms: snowflake_ms(click.id.get()),
        reply_to: Some(click.message.id.get().to_string()),
    })
}

/// Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// When a Discord id was created, in Unix milliseconds (ids carry their creation time in the top 42 bits):
/// millisecond precision, for messages and button clicks alike.
pub fn snowflake_ms(id: u64) -> u64 {
    (id >> 22) + DISCORD_EPOCH_MS
}

fn has_mention(content: &str, me: u64) -> bool {
    content.contains(&format!("<@{me}>")) || content.contains(&format!("<@!{me}>"))
}

/// The text without the bot's own mention (`<@id>` or `<@!id>`), trimmed.
pub fn strip_mentions(content: &str, me: u64) -> String {
    content
        .replace(&format!("<@{me}>"), " ")
        .replace(&format!("<@!{me}>"), " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The JSON body of `POST /channels/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageBody {
    /// Escaped text, at most 2,000 characters.
    pub content: String,
    /// Always "mention nobody": bot text can never ping `@everyone`, a role or a user.
    pub allowed_mentions: AllowedMentions,
    /// Quick-reply buttons (on the last part of the last message only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ActionRow>,
    /// Reply to the user's message (first part only), so guild users see who is answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_reference: Option<MessageReference>,
}

/// `allowed_mentions` with nothing allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct AllowedMentions {
    /// Mention kinds parsed from the text: none.
    pub parse: Vec<String>,
    /// Do not ping the author of the message replied to.
    pub replied_user: bool,
}

/// A row of buttons (component type 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRow {
    /// Always 1.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Up to five buttons.
    pub components: Vec<Button>,
}

/// A button (component type 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Button {
    /// Always 2.
    #[serde(rename = "type")]
    pub kind: u8,
    /// 1 = primary (blurple).
    pub style: u8,
    /// The quick reply as shown.
    pub label: String,
    /// `qr:` + the quick reply; comes back in the interaction.
    pub custom_id: String,
}

/// Which message a reply answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageReference {
    /// The user's message id.
    pub message_id: String,
    /// Send anyway if that message was deleted.
    pub fail_if_not_exists: bool,
}

/// Renders a turn's messages as REST bodies, in order.
pub fn render(
    messages: &[Outbound],
    style: QuickReplyStyle,
    reply_to: Option<&str>,
) -> Vec<MessageBody> {
    let mut bodies = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let last = i + 1 == messages.len();
        let quick = if last {
            &message.quick_replies[..]
        } else {
            &[]
        };
        let buttons = style == QuickReplyStyle::Buttons && fits_buttons(quick);
        let mut text = discord_markdown(&message.text);
        if !quick.is_empty() && !buttons {
            for (n, q) in quick.iter().enumerate() {
                text.push_str(&format!("\n{}. {}", n + 1, discord_markdown(q)));
            }
        }
        let parts = split_text(&text, MESSAGE_LIMIT, Measure::Chars);
        let count = parts.len();
        for (j, content) in parts.into_iter().enumerate() {
            let components = if buttons && j + 1 == count {
                button_rows(quick)
            } else {
                Vec::new()
            };
            bodies.push(MessageBody {
                content,
                allowed_mentions: AllowedMentions::default(),
                components,
                message_reference: None,
            });
        }
    }
    if let (Some(first), Some(id)) = (bodies.first_mut(), reply_to) {
        first.message_reference = Some(MessageReference {
            message_id: id.to_owned(),
            fail_if_not_exists: false,
        });
    }
    bodies
}

fn fits_buttons(quick: &[String]) -> bool {
    !quick.is_empty()
        && quick.len() <= MAX_BUTTONS
        && quick.iter().all(|q| {
            let n = q.chars().count();
            n > 0 && n <= MAX_LABEL && q.len() + BUTTON_PREFIX.len() <= MAX_CUSTOM_ID
        })
}

fn button_rows(quick: &[String]) -> Vec<ActionRow> {
    quick
        .chunks(5)
        .map(|row| ActionRow {
            kind: 1,
            components: row
                .iter()
                .map(|q| Button {
                    kind: 2,
                    style: 1,
                    label: q.clone(),
                    custom_id: format!("{BUTTON_PREFIX}{q}"),
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const ME: u64 = 999;

    fn seen(guild: Option<u64>, content: &str) -> Seen {
        Seen {
            id: 1,
            channel_id: 10,
            guild_id: guild,
            author_id: 5,
            author_name: "ana".into(),
            author_is_bot: false,
            typed_by_user: true,
            content: content.into(),
            mentions: Vec::new(),
            at_ms: 7000,
            reply_to: None,
        }
    }

    #[test]
    fn dms_are_answered_and_keyed_by_dm_channel_and_user() {
        let Route::Answer(i) = route("b", &seen(None, "hi"), ME, &HashSet::new()) else {
            panic!("DM not answered");
        };
        assert_eq!(
            (i.channel.as_str(), i.conversation.as_str(), i.user.as_str()),
            ("discord", "10", "5")
        );
        assert_eq!(i.message_id.as_deref(), Some("1"));
        assert_eq!(i.at_ms, 7000);
    }

    #[test]
    fn guild_messages_need_a_mention_or_a_configured_channel() {
        let none = HashSet::new();
        assert_eq!(
            route("b", &seen(Some(3), "hi"), ME, &none),
            Route::Ignore(Ignored::NotAddressed)
        );
        let mut m = seen(Some(3), "<@999> book a flight");
        m.mentions = vec![ME];
        let Route::Answer(i) = route("b", &m, ME, &none) else {
            panic!("mention not answered")
        };
        assert_eq!(i.text, "book a flight");
        let Route::Answer(i) = route("b", &seen(Some(3), "hi <@!999>"), ME, &none) else {
            panic!("nick mention not answered")
        };
        assert_eq!(i.text, "hi");
        let configured = HashSet::from([10]);
        assert!(matches!(
            route("b", &seen(Some(3), "hi"), ME, &configured),
            Route::Answer(_)
        ));
        assert_eq!(
            route("b", &seen(Some(3), "<@999>"), ME, &configured),
            Route::Ignore(Ignored::Empty)
        );
    }

    #[test]
    fn ids_carry_their_time() {
        // The example from Discord's docs: 175928847299117063 was created 2016-04-30T11:18:25.796Z.
        assert_eq!(snowflake_ms(175_928_847_299_117_063), 1_462_015_105_796);
    }

    #[test]
    fn bots_and_the_bot_itself_are_ignored() {
        let mut m = seen(None, "hi");
        m.author_is_bot = true;
        assert_eq!(
            route("b", &m, ME, &HashSet::new()),
            Route::Ignore(Ignored::FromBot)
        );
        let mut m = seen(None, "hi");
        m.author_id = ME;
        assert_eq!(
            route("b", &m, ME, &HashSet::new()),
            Route::Ignore(Ignored::FromBot)
        );
    }

    #[test]
    fn replies_are_escaped_split_and_mention_nobody() {
        let long = "word ".repeat(900);
        let out = [
            Outbound::text("*hi* @everyone"),
            Outbound::text(long.clone()),
        ];
        let bodies = render(&out, QuickReplyStyle::Buttons, Some("77"));
        assert_eq!(bodies.len(), 4);
        assert_eq!(bodies[0].content, "\\*hi\\* @\u{200b}everyone");
        assert_eq!(
            bodies[0].message_reference.as_ref().unwrap().message_id,
            "77"
        );
        assert!(bodies[1].message_reference.is_none());
        assert!(
            bodies
                .iter()
                .all(|b| b.content.chars().count() <= MESSAGE_LIMIT)
        );
        let rejoined = bodies[1..]
            .iter()
            .map(|b| b.content.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(rejoined, long.trim());
        let json = serde_json::to_value(&bodies[0]).unwrap();
        assert_eq!(json["allowed_mentions"]["parse"], serde_json::json!([]));
        assert!(json.get("components").is_none());
    }

    #[test]
    fn quick_replies_become_buttons_on_the_last_part_or_a_numbered_list() {
        let mut m = Outbound::text("Confirm? (yes/no)");
        m.quick_replies = vec!["yes".into(), "no".into()];
        let bodies = render(
            &[Outbound::text("first"), m.clone()],
            QuickReplyStyle::Buttons,
            None,
        );
        assert!(bodies[0].components.is_empty());
        let json = serde_json::to_value(&bodies[1].components).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"type": 1, "components": [
                {"type": 2, "style": 1, "label": "yes", "custom_id": "qr:yes"},
                {"type": 2, "style": 1, "label": "no", "custom_id": "qr:no"}]}])
        );
        let bodies = render(&[m], QuickReplyStyle::Numbered, None);
        assert_eq!(bodies[0].content, "Confirm? (yes/no)\n1. yes\n2. no");
        assert!(bodies[0].components.is_empty());
    }

    #[test]
    fn too_many_or_too_long_quick_replies_fall_back_to_a_list() {
        let mut m = Outbound::text("pick");
        m.quick_replies = (0..26).map(|n| n.to_string()).collect();
        let b = render(std::slice::from_ref(&m), QuickReplyStyle::Buttons, None);
        assert!(b[0].components.is_empty() && b[0].content.ends_with("26. 25"));
        m.quick_replies = vec!["x".repeat(81)];
        let b = render(&[m], QuickReplyStyle::Buttons, None);
        assert!(b[0].components.is_empty());
    }
}

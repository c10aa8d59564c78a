//! One turn end to end (hand the message to the runtime, show "typing…" if it is slow, send the replies),
//! and sending messages with retries that honour Telegram's `retry_after`.

use crate::adapter::Shared;
use crate::convert::{self, Incoming, OutgoingText};
use colloquy_channel::{Attempt, ChannelError, DispatchError, Gateway, Outbound, retry};
use std::time::Duration;
use teloxide::RequestError;
use teloxide::payloads::setters::*;
use teloxide::requests::Requester;
use teloxide::types::{ChatAction, ChatId, MessageId, ReplyParameters};

/// What became of one update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Processed (or deliberately skipped): its update may be confirmed.
    Done,
    /// The runtime could not take it (stopping, or the session could not start): do not confirm it, so
    /// Telegram delivers it again.
    Retry,
}

/// Runs one user message through the runtime and sends the replies in order.
pub(crate) async fn handle(shared: &Shared, gateway: &dyn Gateway, incoming: Incoming) -> Handled {
    let _guard = shared.inflight.track();
    let chat_id = incoming.chat_id;
    let reply_to = incoming.in_group.then_some(incoming.message_id);
    let mut turn = gateway.dispatch(incoming.inbound);
    let result = if shared.config.typing_after_ms == 0 {
        turn.await
    } else {
        let slow = tokio::time::sleep(Duration::from_millis(shared.config.typing_after_ms));
        tokio::select! {
            r = &mut turn => r,
            () = slow => {
                send_typing(shared, chat_id).await;
                turn.await
            }
        }
    };
    let messages = match result {
        Ok(reply) => reply.messages,
        Err(busy @ DispatchError::Busy) => vec![Outbound::text(busy.to_string())],
        Err(DispatchError::Unavailable(why)) => {
            tracing::warn!(chat = chat_id, %why, "telegram: runtime unavailable; the update will be retried");
            return Handled::Retry;
        }
    };
    let parts = convert::render(&messages);
    if let Err(e) = send_parts(shared, chat_id, reply_to, &parts).await {
        // The turn is committed; the reply is lost for this chat (blocked bot, deleted chat, long outage).
        tracing::warn!(chat = chat_id, error = %e, "telegram: reply not delivered");
    }
    Handled::Done
}

/// Shows "typing…" in the chat; failures only get logged.
async fn send_typing(shared: &Shared, chat_id: i64) {
    if let Err(e) = shared
        .api
        .send_chat_action(ChatId(chat_id), ChatAction::Typing)
        .await
    {
        tracing::debug!(chat = chat_id, error = %shared.redact(e), "telegram: sendChatAction failed");
    }
}

/// Sends `parts` in order, each with retries; the first part replies to `reply_to` (groups).
pub(crate) async fn send_parts(
    shared: &Shared,
    chat_id: i64,
    reply_to: Option<i32>,
    parts: &[OutgoingText],
) -> Result<(), ChannelError> {
    let _guard = shared.inflight.track();
    for (i, part) in parts.iter().enumerate() {
        let reply_to = reply_to.filter(|_| i == 0);
        retry(shared.retry, |_| async move {
            let mut req = shared.api.send_message(ChatId(chat_id), part.text.clone());
            if let Some(id) = reply_to {
                req = req.reply_parameters(
                    ReplyParameters::new(MessageId(id)).allow_sending_without_reply(),
                );
            }
            if !part.quick_replies.is_empty() {
                req = req.reply_markup(convert::keyboard(&part.quick_replies, reply_to.is_some()));
            }
            match req.await {
                Ok(_) => Attempt::Done(()),
                Err(e) => classify(shared, e),
            }
        })
        .await?;
    }
    Ok(())
}

/// Whether a failed request is worth retrying.
fn classify(shared: &Shared, e: RequestError) -> Attempt<()> {
    match e {
        RequestError::RetryAfter(after) => Attempt::RetryAfter(after.duration()),
        // Network trouble, or a non-JSON answer (a proxy's 502 page): may pass.
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            Attempt::Transient(shared.redact(e))
        }
        RequestError::Api(_) | RequestError::MigrateToChatId(_) => {
            Attempt::Permanent(shared.redact(e))
        }
    }
}

//! One connection's protocol, independent of sockets: text in, one frame out.

use crate::config::IdentityMode;
use crate::convert::{ClientFrame, ErrorCode, ServerFrame, parse_client_frame};
use crate::identity::Secret;
use colloquy_channel::{Gateway, Inbound, SessionKey};
use std::time::{SystemTime, UNIX_EPOCH};

/// Channel name in session keys.
pub const CHANNEL: &str = "websocket";

/// The session of WebSocket user `user` of `bot`.
pub fn session_key(bot: &str, user: &str) -> SessionKey {
    SessionKey {
        bot: bot.to_owned(),
        channel: CHANNEL.to_owned(),
        conversation: user.to_owned(),
        user: user.to_owned(),
    }
}

/// The session id the event API takes for `user` (the storage id without the bot's name).
pub fn api_session_id(bot: &str, user: &str) -> String {
    let id = session_key(bot, user).storage_id();
    // The escaped bot name holds no `/`, so the first one ends it.
    id.split_once('/')
        .map_or(id.clone(), |(_, rest)| rest.to_owned())
}

/// What every connection of the channel shares.
#[derive(Debug)]
pub struct Settings {
    /// Bot name for session keys.
    pub bot: String,
    /// Identity mode.
    pub identity: IdentityMode,
    /// HMAC secret for tokens and signatures.
    pub secret: Secret,
}

/// State of one connection: who it is, once `hello` succeeded.
#[derive(Debug)]
pub struct Connection<'a> {
    settings: &'a Settings,
    user: Option<String>,
}

impl<'a> Connection<'a> {
    /// A connection that has not said hello yet.
    pub fn new(settings: &'a Settings) -> Self {
        Connection {
            settings,
            user: None,
        }
    }

    /// The identified user, if any.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The answer to a binary frame.
    pub fn on_binary(&self) -> ServerFrame {
        ServerFrame::error(
            ErrorCode::BinaryNotSupported,
            "binary frames are not supported; send JSON text frames",
        )
    }

    /// Handles one text frame and returns the frame to send back.
    pub async fn on_text(&mut self, gateway: &dyn Gateway, text: &str) -> ServerFrame {
        match parse_client_frame(text) {
            Err(error) => error,
            Ok(ClientFrame::Hello {
                token,
                user_id,
                signature,
            }) => self.hello(token, user_id, signature),
            Ok(ClientFrame::Message { text, id }) => {
                let Some(user) = &self.user else {
                    return ServerFrame::error(
                        ErrorCode::HelloFirst,
                        "send {\"type\":\"hello\"} before messages",
                    );
                };
                if text.trim().is_empty() {
                    return ServerFrame::error(
                        ErrorCode::EmptyMessage,
                        "the message text is empty",
                    );
                }
                let inbound = Inbound {
                    bot: self.settings.bot.clone(),
                    channel: CHANNEL.into(),
                    conversation: user.clone(),
                    user: user.clone(),
                    display_name: None,
                    text,
                    message_id: id.clone(),
                    at_ms: SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_millis() as u64),
                    reply_to: None,
                };
                ServerFrame::from_turn(id, gateway.dispatch(inbound).await)
            }
        }
    }

    fn hello(
        &mut self,
        token: Option<String>,
        user_id: Option<String>,
        signature: Option<String>,
    ) -> ServerFrame {
        if self.user.is_some() {
            return ServerFrame::error(
                ErrorCode::AlreadyIdentified,
                "this connection already said hello; open a new connection to change user",
            );
        }
        let secret = &self.settings.secret;
        if let Some(user) = user_id {
            let ok = signature
                .as_deref()
                .is_some_and(|sig| secret.verify_user(&user, sig));
            if !ok {
                return ServerFrame::error(
                    ErrorCode::BadSignature,
                    "user_id must come with signature = hex(HMAC-SHA256(secret, user_id)) from the operator's backend",
                );
            }
            self.user = Some(user.clone());
            return ServerFrame::Welcome {
                session_token: None,
                session_id: api_session_id(&self.settings.bot, &user),
                user_id: user,
            };
        }
        if self.settings.identity == IdentityMode::Signed {
            return ServerFrame::error(
                ErrorCode::BadSignature,
                "this bot requires a signed identity: send user_id and signature",
            );
        }
        match token {
            Some(t) => match secret.verify_token(&t) {
                Some(user) => {
                    self.user = Some(user.clone());
                    ServerFrame::Welcome {
                        session_token: Some(t),
                        session_id: api_session_id(&self.settings.bot, &user),
                        user_id: user,
                    }
                }
                None => ServerFrame::error(
                    ErrorCode::BadToken,
                    "unknown session token; send hello without a token to start a new session",
                ),
            },
            None => {
                let (user, token) = secret.issue_anonymous();
                self.user = Some(user.clone());
                ServerFrame::Welcome {
                    session_token: Some(token),
                    session_id: api_session_id(&self.settings.bot, &user),
                    user_id: user,
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use colloquy_channel::{BoxFuture, DispatchError, Outbound, TurnReply};
    use std::sync::Mutex;

    /// Echoes the text back and records what it was given.
    #[derive(Default)]
    struct Echo(Mutex<Vec<Inbound>>);

    impl Gateway for Echo {
        fn dispatch(
            &self,
            inbound: Inbound,
        ) -> BoxFuture<'static, Result<TurnReply, DispatchError>> {
            let text = inbound.text.clone();
            self.0.lock().unwrap().push(inbound);
            Box::pin(async move {
                Ok(TurnReply {
                    messages: vec![Outbound::text(text)],
                    duplicate: false,
                })
            })
        }
    }

    fn settings(identity: IdentityMode) -> Settings {
        Settings {
            bot: "b".into(),
            identity,
            secret: Secret::new(b"s".to_vec()),
        }
    }

    fn json(f: &ServerFrame) -> serde_json::Value {
        serde_json::from_str(&f.to_json()).unwrap()
    }

    #[tokio::test]
    async fn anonymous_hello_then_message_then_resume_with_token() {
        let s = settings(IdentityMode::Anonymous);
        let gw = Echo::default();
        let mut c = Connection::new(&s);
        assert_eq!(
            json(&c.on_text(&gw, r#"{"type":"message","text":"hi"}"#).await)["code"],
            "hello_first"
        );
        let welcome = json(&c.on_text(&gw, r#"{"type":"hello"}"#).await);
        let token = welcome["session_token"].as_str().unwrap().to_owned();
        let reply = json(
            &c.on_text(&gw, r#"{"type":"message","text":"hi","id":"m1"}"#)
                .await,
        );
        assert_eq!(
            reply,
            serde_json::json!({"type":"reply","in_reply_to":"m1","messages":[{"text":"hi"}]})
        );
        let mut again = Connection::new(&s);
        let w2 = json(
            &again
                .on_text(&gw, &format!(r#"{{"type":"hello","token":"{token}"}}"#))
                .await,
        );
        assert_eq!(w2["user_id"], welcome["user_id"]);
        let seen = gw.0.lock().unwrap();
        assert_eq!(
            (seen[0].user.as_str(), seen[0].channel.as_str()),
            (welcome["user_id"].as_str().unwrap(), "websocket")
        );
    }

    #[tokio::test]
    async fn bad_frames_get_error_codes_and_nothing_is_dispatched() {
        let s = settings(IdentityMode::Anonymous);
        let gw = Echo::default();
        let mut c = Connection::new(&s);
        c.on_text(&gw, r#"{"type":"hello"}"#).await;
        for (frame, code) in [
            ("not json", "bad_json"),
            (r#"{"type":"shout","text":"x"}"#, "bad_frame"),
            (r#"{"type":"message"}"#, "bad_frame"),
            (r#"{"type":"message","text":"x","extra":1}"#, "bad_frame"),
            (r#"{"type":"message","text":"  "}"#, "empty_message"),
            (r#"{"type":"hello"}"#, "already_identified"),
            (r#"[1,2"#, "bad_json"),
        ] {
            assert_eq!(json(&c.on_text(&gw, frame).await)["code"], code, "{frame}");
        }
        assert_eq!(json(&c.on_binary())["code"], "binary_not_supported");
        assert!(gw.0.lock().unwrap().is_empty());
        let mut other = Connection::new(&s);
        assert_eq!(
            json(
                &other
                    .on_text(&gw, r#"{"type":"hello","token":"v1.anon-x.00"}"#)
                    .await
            )["code"],
            "bad_token"
        );
    }

    #[tokio::test]
    async fn signed_mode_requires_a_valid_signature() {
        let s = settings(IdentityMode::Signed);
        let gw = Echo::default();
        let mut c = Connection::new(&s);
        assert_eq!(
            json(&c.on_text(&gw, r#"{"type":"hello"}"#).await)["code"],
            "bad_signature"
        );
        let forged = format!(
            r#"{{"type":"hello","user_id":"alice","signature":"{}"}}"#,
            s.secret.sign_user("bob")
        );
        assert_eq!(
            json(&c.on_text(&gw, &forged).await)["code"],
            "bad_signature"
        );
        let good = format!(
            r#"{{"type":"hello","user_id":"alice","signature":"{}"}}"#,
            s.secret.sign_user("alice")
        );
        assert_eq!(json(&c.on_text(&gw, &good).await)["user_id"], "alice");
        assert_eq!(c.user(), Some("alice"));
    }
}

//! The actix-web route: upgrades to a WebSocket and runs a [`Connection`] over it.

use crate::config::WebSocketConfig;
use crate::connection::{Connection, Settings};
use crate::convert::ServerFrame;
use crate::identity::Secret;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, ProtocolError};
use colloquy_channel::{
    BoxFuture, Channel, ChannelError, ChannelIo, Gateway, Outbound, SessionKey,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The WebSocket channel, ready to be mounted on an actix-web `App`.
#[derive(Clone)]
pub struct WebSocketChannel {
    settings: Arc<Settings>,
    config: Arc<WebSocketConfig>,
    gateway: Arc<dyn Gateway>,
    /// Set to `true` to close every connection (with 1001) — the server is stopping.
    closing: Arc<tokio::sync::watch::Sender<bool>>,
    /// Open connections by user, for proactive messages.
    connections: Arc<Mutex<HashMap<String, Vec<mpsc::UnboundedSender<ServerFrame>>>>>,
}

impl std::fmt::Debug for WebSocketChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketChannel")
            .field("config", &self.config)
            .finish()
    }
}

impl WebSocketChannel {
    /// A channel for `bot` that hands messages to `gateway`.
    pub fn new(
        bot: &str,
        config: WebSocketConfig,
        secret: Secret,
        gateway: Arc<dyn Gateway>,
    ) -> Self {
        WebSocketChannel {
            settings: Arc::new(Settings {
                bot: bot.to_owned(),
                identity: config.identity,
                secret,
            }),
            config: Arc::new(config),
            gateway,
            closing: Arc::new(tokio::sync::watch::Sender::new(false)),
            connections: Arc::default(),
        }
    }

    fn register(&self, user: &str, tx: &mpsc::UnboundedSender<ServerFrame>) {
        let mut map = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.entry(user.to_owned()).or_default().push(tx.clone());
    }

    fn unregister(&self, user: &str, tx: &mpsc::UnboundedSender<ServerFrame>) {
        let mut map = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(list) = map.get_mut(user) {
            list.retain(|s| !s.same_channel(tx));
            if list.is_empty() {
                map.remove(user);
            }
        }
    }

    /// Closes every open connection with code 1001 ("going away") so a graceful stop does not wait for
    /// clients to leave. Clients reconnect and resume their sessions.
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }

    /// Adds the WebSocket route (and the demo chat page at `/` if enabled) to an actix-web app.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        let me = self.clone();
        cfg.app_data(web::Data::new(me))
            .route(&self.config.path, web::get().to(upgrade));
        if self.config.chat_page {
            let page = CHAT_PAGE.replace("__WS_PATH__", &self.config.path);
            cfg.route(
                "/",
                web::get().to(move || {
                    let page = page.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type("text/html; charset=utf-8")
                            .body(page)
                    }
                }),
            );
        }
    }
}

const CHAT_PAGE: &str = include_str!("chat.html");

async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    channel: web::Data<WebSocketChannel>,
) -> Result<HttpResponse, actix_web::Error> {
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let max = channel.config.max_frame_bytes;
    let stream = stream
        .max_frame_size(max)
        .aggregate_continuations()
        .max_continuation_size(max);
    let channel = channel.into_inner();
    actix_web::rt::spawn(async move { serve(channel, session, stream).await });
    Ok(response)
}

fn going_away() -> CloseReason {
    CloseReason {
        code: CloseCode::Away,
        description: Some("server shutting down; reconnect to continue".into()),
    }
}

fn close_reason(e: &ProtocolError) -> CloseReason {
    let (code, description) = match e {
        ProtocolError::Overflow => (CloseCode::Size, "frame larger than the configured limit"),
        ProtocolError::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            (CloseCode::Invalid, "text frame is not valid UTF-8")
        }
        _ => (CloseCode::Protocol, "WebSocket protocol error"),
    };
    CloseReason {
        code,
        description: Some(description.into()),
    }
}

async fn serve(
    channel: Arc<WebSocketChannel>,
    mut session: actix_ws::Session,
    mut stream: actix_ws::AggregatedMessageStream,
) {
    let mut conn = Connection::new(&channel.settings);
    let every = Duration::from_secs(channel.config.ping_interval_secs.max(1));
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let mut last_heard = Instant::now();
    let mut closing = channel.closing.subscribe();
    let (proactive_tx, mut proactive) = mpsc::unbounded_channel::<ServerFrame>();
    let mut registered: Option<String> = None;
    if *closing.borrow() {
        let _ = session.close(Some(going_away())).await;
        return;
    }
    let reason = loop {
        tokio::select! {
            _ = closing.changed() => break Some(going_away()),
            Some(frame) = proactive.recv() => {
                if session.text(frame.to_json()).await.is_err() {
                    break None;
                }
            }
            msg = stream.recv() => {
                last_heard = Instant::now();
                let frame = match msg {
                    None => break None,
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        let frame = conn.on_text(channel.gateway.as_ref(), &text).await;
                        if registered.is_none() && let Some(user) = conn.user() {
                            channel.register(user, &proactive_tx);
                            registered = Some(user.to_owned());
                            // After the welcome: what the bot said while the user was away.
                            if session.text(frame.to_json()).await.is_err() {
                                break None;
                            }
                            let key = crate::connection::session_key(&channel.settings.bot, user);
                            let held = channel.gateway.take_held(key).await;
                            if held.is_empty() {
                                continue;
                            }
                            ServerFrame::Reply { in_reply_to: None, messages: held, duplicate: false }
                        } else {
                            frame
                        }
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => conn.on_binary(),
                    Some(Ok(AggregatedMessage::Ping(b))) => {
                        if session.pong(&b).await.is_err() { break None }
                        continue;
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => continue,
                    Some(Ok(AggregatedMessage::Close(reason))) => break reason,
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "closing WebSocket after a protocol error");
                        break Some(close_reason(&e));
                    }
                };
                if session.text(frame.to_json()).await.is_err() {
                    break None;
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > every * 2 {
                    break Some(CloseReason { code: CloseCode::Away, description: Some("no traffic; closing idle connection".into()) });
                }
                if session.ping(b"").await.is_err() {
                    break None;
                }
            }
        }
    };
    if let Some(user) = &registered {
        channel.unregister(user, &proactive_tx);
    }
    let _ = session.close(reason).await;
}

impl Channel for WebSocketChannel {
    fn name(&self) -> &str {
        crate::connection::CHANNEL
    }

    /// The connections are served by the HTTP server; `run` only waits for shutdown and then closes them.
    fn run(self: Arc<Self>, io: ChannelIo) -> BoxFuture<'static, Result<(), ChannelError>> {
        let mut shutdown = io.shutdown;
        Box::pin(async move {
            shutdown.wait().await;
            self.close_all();
            Ok(())
        })
    }

    fn deliver(
        &self,
        to: &SessionKey,
        messages: Vec<Outbound>,
    ) -> BoxFuture<'static, Result<(), ChannelError>> {
        let senders = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&to.user)
            .cloned()
            .unwrap_or_default();
        Box::pin(async move {
            let frame = || ServerFrame::Reply {
                in_reply_to: None,
                messages: messages.clone(),
                duplicate: false,
            };
            let delivered = senders.iter().filter(|s| s.send(frame()).is_ok()).count();
            if delivered == 0 {
                return Err(ChannelError::Unreachable(
                    "the user has no open connection".into(),
                ));
            }
            Ok(())
        })
    }
}

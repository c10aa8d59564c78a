//! The HTTP event API (`docs/events.md`): producers post events to one session or to a topic.
//!
//! `POST /v1/bots/{bot}/sessions/{session_id}/events` and `POST /v1/bots/{bot}/topics/{topic}/events`,
//! with `Authorization: Bearer <token>` (the token comes from the environment variable named by
//! `[server] events_token_env`) and a JSON body `{"type": "...", "data": {...}, "id": "..."}`.
//! Checks run in this order, each with its own status: token (401, or 503 when no token is configured),
//! bot (404), body size (413), body shape (400, naming the field), session (404); then the event is
//! delivered and the answer says what happened. A rejected request delivers nothing.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use colloquy_channel::SessionKey;
use colloquy_core::{Event, SlotValue};
use colloquy_runtime::{Delivery, EventBus, PublishError, Target};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// What the handlers share.
pub struct EventApi {
    bus: EventBus,
    token: Option<String>,
    token_env: String,
    max_body: usize,
}

impl std::fmt::Debug for EventApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("EventApi")
            .field("bus", &self.bus)
            .field("token_env", &self.token_env)
            .field("token_set", &self.token.is_some())
            .field("max_body", &self.max_body)
            .finish()
    }
}

impl EventApi {
    /// The API over `bus`; the token is read from `token_env` (unset or empty: the API answers 503).
    pub fn new(bus: EventBus, token_env: &str, max_body: usize) -> Self {
        let token = std::env::var(token_env).ok().filter(|t| !t.is_empty());
        if token.is_none() {
            tracing::warn!(
                variable = token_env,
                "the event API is disabled: its token variable is not set"
            );
        }
        EventApi {
            bus,
            token,
            token_env: token_env.to_owned(),
            max_body,
        }
    }

    /// Mounts the two routes.
    pub fn configure(self: &Arc<Self>, cfg: &mut web::ServiceConfig) {
        let api = self.clone();
        cfg.route(
            "/v1/bots/{bot}/sessions/{session:.+}/events",
            web::post().to(move |req: HttpRequest, body: web::Payload| {
                let api = api.clone();
                async move { api.handle(req, body, Kind::Session).await }
            }),
        );
        let api = self.clone();
        cfg.route(
            "/v1/bots/{bot}/topics/{topic}/events",
            web::post().to(move |req: HttpRequest, body: web::Payload| {
                let api = api.clone();
                async move { api.handle(req, body, Kind::Topic).await }
            }),
        );
    }

    async fn handle(&self, req: HttpRequest, body: web::Payload, kind: Kind) -> HttpResponse {
        match self.try_handle(&req, body, kind).await {
            Ok(response) => response,
            Err(e) => e.response(),
        }
    }

    async fn try_handle(
        &self,
        req: &HttpRequest,
        body: web::Payload,
        kind: Kind,
    ) -> Result<HttpResponse, ApiError> {
        self.authorize(req)?;
        let bot = req.match_info().get("bot").unwrap_or_default();
        if bot != self.bus.bot() {
            return Err(error(
                StatusCode::NOT_FOUND,
                "unknown_bot",
                &format!("no bot `{bot}` here; this server runs `{}`", self.bus.bot()),
                None,
            ));
        }
        let body = self.read_body(req, body).await?;
        let event = parse_event(&body)?;
        let target = match kind {
            Kind::Session => {
                let id = req.match_info().get("session").unwrap_or_default();
                Target::Session(session_key(bot, id).ok_or_else(|| {
                    error(
                        StatusCode::NOT_FOUND,
                        "unknown_session",
                        &format!(
                            "`{id}` is not a session id; ids look like `channel/conversation/user` (the WebSocket welcome frame carries `session_id`)"
                        ),
                        None,
                    )
                })?)
            }
            Kind::Topic => {
                Target::Topic(req.match_info().get("topic").unwrap_or_default().to_owned())
            }
        };
        let topic = match &target {
            Target::Topic(t) => Some(t.clone()),
            Target::Session(_) => None,
        };
        match self.bus.publish(target, event).await {
            Ok(d) => Ok(delivered(&d, topic.as_deref())),
            Err(e) => Err(publish_error(&e)),
        }
    }

    fn authorize(&self, req: &HttpRequest) -> Result<(), ApiError> {
        let Some(expected) = &self.token else {
            return Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "events_disabled",
                &format!(
                    "the event API is disabled: set the environment variable {} to a token and restart",
                    self.token_env
                ),
                None,
            ));
        };
        let given = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return Ok(());
        }
        Err(error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            &format!(
                "send `Authorization: Bearer <token>` with the token from ${}",
                self.token_env
            ),
            None,
        ))
    }

    /// The body, at most `max_body` bytes (announced or actual: 413 either way, nothing read beyond).
    async fn read_body(
        &self,
        req: &HttpRequest,
        mut body: web::Payload,
    ) -> Result<Vec<u8>, ApiError> {
        let too_large = || {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                &format!(
                    "the body is over {} bytes ([server] events_max_body_bytes)",
                    self.max_body
                ),
                None,
            )
        };
        let announced = req
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if announced.is_some_and(|n| n > self.max_body) {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                error(
                    StatusCode::BAD_REQUEST,
                    "unreadable_body",
                    &format!("the body could not be read: {e}"),
                    None,
                )
            })?;
            if bytes.len() + chunk.len() > self.max_body {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Session,
    Topic,
}

/// The session key of API session id `channel/conversation/user` (parts percent-escaped like storage ids).
fn session_key(bot: &str, id: &str) -> Option<SessionKey> {
    let parts: Vec<&str> = id.split('/').collect();
    let [channel, conversation, user] = parts.as_slice() else {
        return None;
    };
    if [channel, conversation, user].iter().any(|p| p.is_empty()) {
        return None;
    }
    // One pass, case-insensitive: `%2F`/`%2f` → `/`, `%25` → `%`; anything else stays as written.
    let unescape = |s: &str| {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            let code = rest.get(i + 1..i + 3).map(str::to_ascii_uppercase);
            match code.as_deref() {
                Some("2F") => out.push('/'),
                Some("25") => out.push('%'),
                _ => {
                    out.push('%');
                    rest = &rest[i + 1..];
                    continue;
                }
            }
            rest = &rest[i + 3..];
        }
        out.push_str(rest);
        out
    };
    Some(SessionKey {
        bot: bot.to_owned(),
        channel: unescape(channel),
        conversation: unescape(conversation),
        user: unescape(user),
    })
}

/// Parses `{"type": "...", "data": {...}, "id": "..."}`, naming the field at fault.
fn parse_event(body: &[u8]) -> Result<Event, ApiError> {
    let bad = |field: &str, message: &str| {
        error(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            message,
            Some(field),
        )
    };
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            &format!("the body is not valid JSON: {e}"),
            None,
        )
    })?;
    let Value::Object(object) = value else {
        return Err(bad("(body)", "the body must be a JSON object"));
    };
    let mut event = Event::new(String::new());
    let mut has_type = false;
    for (key, value) in object {
        match (key.as_str(), value) {
            ("type", Value::String(t)) if !t.trim().is_empty() => {
                event.kind = t;
                has_type = true;
            }
            ("type", _) => return Err(bad("type", "`type` must be a non-empty string")),
            ("id", Value::String(id)) if !id.is_empty() && !id.contains('\0') => {
                event.id = Some(id);
            }
            ("id", Value::Null) => {}
            ("id", _) => {
                return Err(bad(
                    "id",
                    "`id` must be a non-empty string without NUL (the idempotency key)",
                ));
            }
            ("data", Value::Object(data)) => {
                for (k, v) in data {
                    let slot = match v {
                        Value::String(s) => SlotValue::Text(s),
                        Value::Bool(b) => SlotValue::Bool(b),
                        Value::Number(n) => SlotValue::Number(n.as_f64().unwrap_or(f64::NAN)),
                        _ => {
                            return Err(bad(
                                &format!("data.{k}"),
                                &format!(
                                    "`data.{k}` must be a string, a number or a boolean (templates read it as {{{k}}})"
                                ),
                            ));
                        }
                    };
                    event.data.insert(k, slot);
                }
            }
            ("data", Value::Null) => {}
            ("data", _) => return Err(bad("data", "`data` must be a JSON object")),
            (other, _) => {
                return Err(bad(
                    other,
                    &format!("unknown field `{other}`; the fields are `type`, `data` and `id`"),
                ));
            }
        }
    }
    if !has_type {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "missing_field",
            "the field `type` is required (the event type, e.g. \"price_change\")",
            Some("type"),
        ));
    }
    Ok(event)
}

fn delivered(d: &Delivery, topic: Option<&str>) -> HttpResponse {
    if d.duplicate {
        return HttpResponse::Ok().json(json!({
            "status": "duplicate",
            "message": "an event with this id was delivered before; nothing was done",
        }));
    }
    match topic {
        Some(topic) => HttpResponse::Ok().json(json!({
            "status": "delivered",
            "topic": topic,
            "sessions": d.sessions,
            "delivered": d.delivered,
            "already_delivered": d.already,
            "held": d.held,
            "failed": d.failed,
        })),
        None => HttpResponse::Ok().json(json!({
            "status": if d.already > 0 { "duplicate" } else { "delivered" },
            "replies": d.replies,
            "held": d.held > 0,
        })),
    }
}

fn publish_error(e: &PublishError) -> ApiError {
    match e {
        PublishError::Invalid { field, problem } => error(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            &format!("`{field}` {problem}"),
            Some(field),
        ),
        PublishError::NoSuchSession(id) => error(
            StatusCode::NOT_FOUND,
            "unknown_session",
            &format!("no session `{id}`: sessions exist once the user has written to the bot"),
            None,
        ),
        PublishError::InFlight(_) => error(StatusCode::CONFLICT, "in_flight", &e.to_string(), None),
        PublishError::Dispatch(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            &e.to_string(),
            None,
        ),
        PublishError::Store(_) => {
            tracing::error!(error = %e, "event API: store error");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "store_error",
                "the event could not be stored; retry later",
                None,
            )
        }
    }
}

/// A refused request: rendered as `{"error": code, "message": ..., "field": ...}` with `status`.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
}

impl ApiError {
    fn response(&self) -> HttpResponse {
        let mut body = json!({ "error": self.code, "message": self.message });
        if let Some(field) = &self.field {
            body["field"] = json!(field);
        }
        let mut r = HttpResponse::build(self.status);
        match self.code {
            "unauthorized" => {
                r.insert_header(("WWW-Authenticate", "Bearer"));
            }
            "busy" => {
                r.insert_header(("Retry-After", "1"));
            }
            _ => {}
        }
        r.json(body)
    }
}

fn error(status: StatusCode, code: &'static str, message: &str, field: Option<&str>) -> ApiError {
    ApiError {
        status,
        code,
        message: message.to_owned(),
        field: field.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_session_ids_map_to_keys() {
        let k = session_key("b", "websocket/u%2Fx/u%25").unwrap_or_else(|| panic!("parses"));
        let lower = session_key("b", "websocket/u%2fx/u%25").unwrap_or_else(|| panic!("parses"));
        assert_eq!(lower, k);
        let literal = session_key("b", "w/a%252F/50%").unwrap_or_else(|| panic!("parses"));
        assert_eq!(
            (literal.conversation.as_str(), literal.user.as_str()),
            ("a%2F", "50%")
        );
        assert_eq!(
            (k.channel.as_str(), k.conversation.as_str(), k.user.as_str()),
            ("websocket", "u/x", "u%")
        );
        assert_eq!(format!("b/{}", "websocket/u%2Fx/u%25"), k.storage_id());
        assert!(session_key("b", "websocket/u").is_none());
        assert!(session_key("b", "a/b/c/d").is_none());
        assert!(session_key("b", "a//c").is_none());
    }
}

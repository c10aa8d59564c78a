//! `colloquy run`: storage, runtime, channels, and one owner for signals.

use crate::args::RunArgs;
use crate::channels::{self, ChannelHost};
use crate::settings::{self, Backend, DurabilityMode, Settings, StorageSection};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::{Context as _, bail};
use colloquy_channel::Gateway;
use colloquy_channel::{Channel, WebhookHandler, WebhookRequest};
use colloquy_flow::SourceFile;
use colloquy_runtime::{Durability, EventBus, RuntimeConfig, Supervisor, SystemClock};
use colloquy_store::{MemoryStore, SessionStore, SledStore, WriteBehind};
use colloquy_websocket::identity::Secret;
use colloquy_websocket::{IdentityMode, WebSocketChannel, WebSocketConfig};
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Seconds a graceful stop waits for in-flight requests after connections were asked to close.
const SHUTDOWN_GRACE_SECS: u64 = 5;

/// Store meta key of the generated WebSocket token secret.
const SECRET_META_KEY: &str = "websocket.secret";

/// Runs the server until SIGINT or SIGTERM.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let settings = match settings::load(&args.config) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            return Ok(ExitCode::from(2));
        }
    };
    let listen = args
        .listen
        .clone()
        .unwrap_or_else(|| settings.server.listen.clone());
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| settings.storage.path.clone());
    let store = open_store(&settings.storage, &data_dir)?;
    actix_rt::System::new().block_on(serve(settings, store, listen))?;
    Ok(ExitCode::SUCCESS)
}

/// Opens the configured store.
pub fn open_store(storage: &StorageSection, dir: &Path) -> anyhow::Result<Arc<dyn SessionStore>> {
    Ok(match storage.backend {
        Backend::Memory => Arc::new(MemoryStore::default()),
        Backend::Sled => {
            // Turns are buffered and written in batches (`WriteBehind`); the buffer's flush also flushes
            // sled. `interval`: a background flush every `flush_interval_ms`. `per_turn`: the runtime's
            // group commit flushes before each reply.
            let cache = storage.cache_mb.max(8) * 1024 * 1024;
            let sled: Arc<dyn SessionStore> =
                Arc::new(SledStore::open_with_cache(dir, None, cache)?);
            let every = match storage.durability {
                DurabilityMode::Interval => {
                    Some(Duration::from_millis(storage.flush_interval_ms.max(1)))
                }
                DurabilityMode::PerTurn => None,
            };
            WriteBehind::start(
                sled,
                every,
                colloquy_store::write_behind::DEFAULT_MAX_PENDING_BYTES,
            )?
        }
    })
}

/// The runtime configuration from the file's sections.
pub fn runtime_config(settings: &Settings) -> RuntimeConfig {
    let durability = match settings.storage.durability {
        DurabilityMode::PerTurn => Durability::PerTurn,
        DurabilityMode::Interval => Durability::Interval {
            every: Duration::from_millis(settings.storage.flush_interval_ms),
        },
    };
    RuntimeConfig {
        durability,
        ..RuntimeConfig::default()
    }
    .with_section(&settings.runtime)
}

async fn serve(
    settings: Settings,
    store: Arc<dyn SessionStore>,
    listen: String,
) -> anyhow::Result<()> {
    let config = runtime_config(&settings);
    let bot_name = settings.bot.name().to_owned();
    tracing::info!(bot = %bot_name, durability = ?config.durability, "starting");
    let supervisor = Supervisor::start(
        settings.bot.clone(),
        store.clone(),
        config,
        Arc::new(SystemClock),
    )?;
    let gateway: Arc<dyn Gateway> = Arc::new(supervisor.clone());
    let ws_config = settings.websocket.clone();
    let secret = websocket_secret(&ws_config, store.as_ref())?;
    let channels = websocket_channels(&bot_name, &ws_config, secret, gateway.clone());
    let adapters = build_adapters(&settings, &bot_name)?;
    let webhooks: Vec<Arc<dyn WebhookHandler>> =
        adapters.iter().flat_map(|a| a.webhooks()).collect();
    for a in &adapters {
        println!(
            "colloquy channel {} ready{}",
            a.name(),
            a.endpoint().map(|e| format!(" at {e}")).unwrap_or_default()
        );
    }
    for a in &adapters {
        supervisor.attach_channel(a.clone());
    }
    for c in &channels {
        supervisor.attach_channel(Arc::new(c.clone()));
    }
    supervisor.start_timers();
    let host = ChannelHost::start(&adapters, gateway)?;
    let events = Arc::new(crate::events_api::EventApi::new(
        EventBus::new(supervisor.clone()),
        &settings.server.events_token_env,
        settings.server.events_max_body_bytes,
    ));
    let health = supervisor.clone();
    let stopping = channels.clone();
    let server = HttpServer::new(move || {
        let health = health.clone();
        let mut app = App::new().route(
            "/healthz",
            web::get().to(move || {
                let live = health.live_sessions();
                async move {
                    HttpResponse::Ok()
                        .json(serde_json::json!({ "status": "ok", "live_sessions": live }))
                }
            }),
        );
        for channel in &channels {
            let channel = channel.clone();
            app = app.configure(move |cfg| channel.configure(cfg));
        }
        for hook in &webhooks {
            app = app.configure(|cfg| mount_webhook(cfg, hook.clone()));
        }
        app.configure(|cfg| events.configure(cfg))
    })
    .disable_signals()
    .shutdown_timeout(SHUTDOWN_GRACE_SECS)
    .bind(&listen)
    .with_context(|| format!("cannot listen on {listen}; is another process using it?"))?;
    for addr in server.addrs() {
        // A stable line on stdout: tests and scripts read the bound address (port 0 picks a free port).
        println!(
            "colloquy listening on http://{addr} (WebSocket at ws://{addr}{})",
            ws_config.path
        );
    }
    let _ = std::io::stdout().flush();
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        for channel in &stopping {
            channel.close_all();
        }
        handle.stop(true).await;
    });
    server.await?;
    host.stop().await;
    supervisor.flush()?;
    supervisor.stop_arbiters();
    tracing::info!("stopped; every committed turn is flushed");
    Ok(())
}

/// Builds every configured adapter of the registry (`channels::registry`).
fn build_adapters(settings: &Settings, bot: &str) -> anyhow::Result<Vec<Arc<dyn Channel>>> {
    let (name, text) = &settings.source;
    let source = SourceFile::new(name, text);
    let registry = channels::registry();
    let mut built = Vec::new();
    for (channel, table) in &settings.file.channels {
        if let Some(r) = registry.iter().find(|r| r.name() == channel.as_str()) {
            built.push(r.build(&source, bot, table.clone())?);
        }
    }
    Ok(built)
}

/// Mounts a framework-neutral webhook on the HTTP server: body limit → 413, then the adapter's handler.
fn mount_webhook(cfg: &mut web::ServiceConfig, hook: Arc<dyn WebhookHandler>) {
    let limit = hook.max_body_bytes();
    let path = hook.path().to_owned();
    cfg.service(
        web::resource(path)
            .app_data(web::PayloadConfig::new(limit))
            .route(web::post().to(move |req: HttpRequest, body: web::Bytes| {
                let hook = hook.clone();
                async move {
                    let headers = req
                        .headers()
                        .iter()
                        .filter_map(|(k, v)| {
                            v.to_str()
                                .ok()
                                .map(|v| (k.as_str().to_owned(), v.to_owned()))
                        })
                        .collect();
                    let res = hook
                        .handle(WebhookRequest {
                            headers,
                            body: body.to_vec(),
                        })
                        .await;
                    let status = actix_web::http::StatusCode::from_u16(res.status)
                        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
                    HttpResponse::build(status)
                        .content_type("application/json")
                        .body(res.body)
                }
            })),
    );
}

/// The WebSocket channel (served by the HTTP server itself), if enabled.
fn websocket_channels(
    bot: &str,
    ws: &WebSocketConfig,
    secret: Secret,
    gateway: Arc<dyn Gateway>,
) -> Vec<WebSocketChannel> {
    let mut list = Vec::new();
    if ws.enabled {
        list.push(WebSocketChannel::new(bot, ws.clone(), secret, gateway));
    }
    list
}

/// The HMAC secret: from the environment variable named in config, or generated once and kept in the store.
fn websocket_secret(cfg: &WebSocketConfig, store: &dyn SessionStore) -> anyhow::Result<Secret> {
    if let Some(var) = &cfg.secret_env {
        return match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Secret::new(v.into_bytes())),
            _ => bail!(
                "environment variable {var} (channels.websocket.secret_env) is not set; set it to the HMAC secret"
            ),
        };
    }
    if cfg.identity == IdentityMode::Signed {
        bail!("identity = \"signed\" needs secret_env naming the variable with the HMAC secret");
    }
    if let Some(bytes) = store.get_meta(SECRET_META_KEY)? {
        return Ok(Secret::new(bytes));
    }
    let secret = Secret::generate();
    store.put_meta(SECRET_META_KEY, secret.as_bytes())?;
    store.flush()?;
    Ok(secret)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

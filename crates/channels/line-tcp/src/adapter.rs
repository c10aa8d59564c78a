//! [`LineTcpChannel`]: accepts TCP connections, one user per connection, and runs the line protocol.

use crate::config::LineTcpConfig;
use crate::convert::{ClientLine, inbound, parse_line, render};
use colloquy_channel::{
    BoxFuture, Channel, ChannelError, ChannelIo, InFlight, Outbound, SessionKey,
};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// How long shutdown waits for turns in progress to be answered.
const DRAIN: Duration = Duration::from_secs(5);

/// The line TCP channel.
#[derive(Debug)]
pub struct LineTcpChannel {
    bot: String,
    config: LineTcpConfig,
    listener: Mutex<Option<std::net::TcpListener>>,
    local_addr: SocketAddr,
    /// Connected users → their connection's queue of lines to write (for proactive messages).
    connections: Mutex<HashMap<String, mpsc::UnboundedSender<String>>>,
    inflight: InFlight,
}

impl LineTcpChannel {
    /// Binds the listener now (so errors surface at start-up and tests learn the port), serves on `run`.
    pub fn bind(bot: &str, config: LineTcpConfig) -> Result<Arc<Self>, ChannelError> {
        let listener = std::net::TcpListener::bind(&config.listen).map_err(|e| {
            ChannelError::Config(format!("cannot listen on {}: {e}", config.listen))
        })?;
        listener
            .set_nonblocking(true)
            .map_err(|e| ChannelError::Config(e.to_string()))?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| ChannelError::Config(e.to_string()))?;
        Ok(Arc::new(LineTcpChannel {
            bot: bot.to_owned(),
            config,
            listener: Mutex::new(Some(listener)),
            local_addr,
            connections: Mutex::new(HashMap::new()),
            inflight: InFlight::default(),
        }))
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    fn connections(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::UnboundedSender<String>>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    async fn serve(self: Arc<Self>, stream: TcpStream, io: ChannelIo) {
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::new(read);
        let (tx, mut proactive) = mpsc::unbounded_channel::<String>();
        let mut shutdown = io.shutdown.clone();
        let mut user: Option<String> = None;
        let mut line = String::new();
        loop {
            line.clear();
            let out: Vec<String> = tokio::select! {
                _ = shutdown.wait() => break,
                Some(l) = proactive.recv() => vec![l],
                read = read_bounded_line(&mut reader, &mut line, self.config.max_input_bytes) => match read {
                    Ok(0) => break,
                    Ok(_) if line.len() > self.config.max_input_bytes => vec![format!("ERR line longer than {} bytes\n", self.config.max_input_bytes)],
                    Ok(_) => self.handle_line(&line, &mut user, &tx, &io).await,
                    Err(e) => {
                        tracing::debug!(error = %e, "line_tcp connection ended");
                        break;
                    }
                },
            };
            for l in out {
                if write.write_all(l.as_bytes()).await.is_err() {
                    break;
                }
            }
        }
        if let Some(u) = user {
            let mut conns = self.connections();
            if conns.get(&u).is_some_and(|s| s.same_channel(&tx)) {
                conns.remove(&u);
            }
        }
    }

    async fn handle_line(
        &self,
        line: &str,
        user: &mut Option<String>,
        tx: &mpsc::UnboundedSender<String>,
        io: &ChannelIo,
    ) -> Vec<String> {
        match (parse_line(line), user.as_deref()) {
            (Err(reason), _) => vec![format!("ERR {reason}\n")],
            (Ok(ClientLine::Hello(_)), Some(_)) => {
                vec!["ERR already said HELLO on this connection\n".into()]
            }
            (Ok(ClientLine::Hello(name)), None) => {
                self.connections().insert(name.to_owned(), tx.clone());
                *user = Some(name.to_owned());
                Vec::new()
            }
            (Ok(ClientLine::Message { .. }), None) => vec!["ERR say HELLO <user> first\n".into()],
            (Ok(ClientLine::Message { id, text }), Some(u)) => {
                let _guard = self.inflight.track();
                match io.gateway.dispatch(inbound(&self.bot, u, id, text)).await {
                    Ok(reply) => render(&reply.messages, self.config.max_line_chars),
                    Err(e) => vec![format!("ERR {e}\n")],
                }
            }
        }
    }
}

/// Reads one line but never buffers more than `max + 1` bytes of it; the rest of an over-long line is
/// consumed and dropped.
async fn read_bounded_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut String,
    max: usize,
) -> std::io::Result<usize> {
    let mut limited = (&mut *reader).take(max as u64 + 1);
    let n = limited.read_line(line).await?;
    if line.len() > max && !line.ends_with('\n') {
        loop {
            let buf = reader.fill_buf().await?;
            if buf.is_empty() {
                break;
            }
            match buf.iter().position(|b| *b == b'\n') {
                Some(i) => {
                    reader.consume(i + 1);
                    break;
                }
                None => {
                    let len = buf.len();
                    reader.consume(len);
                }
            }
        }
    }
    Ok(n)
}

impl Channel for LineTcpChannel {
    fn name(&self) -> &str {
        crate::convert::CHANNEL
    }

    fn endpoint(&self) -> Option<String> {
        Some(format!("tcp://{}", self.local_addr))
    }

    fn run(self: Arc<Self>, io: ChannelIo) -> BoxFuture<'static, Result<(), ChannelError>> {
        Box::pin(async move {
            let std_listener = self
                .listener
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
                .ok_or_else(|| ChannelError::Config("run() was called twice".into()))?;
            let listener = tokio::net::TcpListener::from_std(std_listener)
                .map_err(|e| ChannelError::Config(e.to_string()))?;
            let mut shutdown = io.shutdown.clone();
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    _ = shutdown.wait() => break,
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => {
                            connections.spawn(self.clone().serve(stream, io.clone()));
                        }
                        Err(e) => tracing::warn!(error = %e, "line_tcp accept failed"),
                    },
                }
            }
            drop(listener);
            // Turns in progress finish and are answered; then every connection closes.
            self.inflight.drained(DRAIN).await;
            let _ = tokio::time::timeout(DRAIN, async {
                while connections.join_next().await.is_some() {}
            })
            .await;
            connections.abort_all();
            Ok(())
        })
    }

    fn deliver(
        &self,
        to: &SessionKey,
        messages: Vec<Outbound>,
    ) -> BoxFuture<'static, Result<(), ChannelError>> {
        let sender = self.connections().get(&to.user).cloned();
        let lines = render(&messages, self.config.max_line_chars);
        Box::pin(async move {
            let sender =
                sender.ok_or_else(|| ChannelError::Rejected("the user is not connected".into()))?;
            for l in lines {
                sender
                    .send(l)
                    .map_err(|_| ChannelError::Rejected("the user disconnected".into()))?;
            }
            Ok(())
        })
    }
}

//! The baseline: a raw tokio-tungstenite server that sends every text or binary frame straight back.

/// tungstenite's default read buffer per connection (128 KiB).
pub const DEFAULT_READ_BUFFER: usize = 128 * 1024;

use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Accepts connections on `listener` and echoes frames until `max_runtime` has passed (then returns, so a
/// forgotten server stops by itself). Each connection is its own task. `read_buffer_bytes`: tungstenite's
/// read buffer per connection (its default, 128 KiB, is what `compare` uses: the baseline is stock
/// tokio-tungstenite).
pub async fn serve(
    listener: TcpListener,
    max_runtime: Duration,
    read_buffer_bytes: usize,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + max_runtime;
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = tokio::time::sleep_until(deadline) => return Ok(()),
        };
        match accepted {
            Ok((stream, _)) => {
                let config = WebSocketConfig::default().read_buffer_size(read_buffer_bytes);
                tokio::spawn(echo_connection(
                    stream,
                    config,
                    Instant::now() + max_runtime,
                ));
            }
            // E.g. out of file descriptors: back off briefly instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Echoes one connection until the peer closes, an error, or `until`.
async fn echo_connection(stream: TcpStream, config: WebSocketConfig, until: Instant) {
    let _ = stream.set_nodelay(true);
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
        return;
    };
    let deadline = tokio::time::Instant::from_std(until);
    loop {
        let next = tokio::select! {
            n = ws.next() => n,
            () = tokio::time::sleep_until(deadline) => break,
        };
        match next {
            Some(Ok(msg @ (Message::Text(_) | Message::Binary(_)))) => {
                if ws.send(msg).await.is_err() {
                    break;
                }
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            // Pings are answered by tungstenite itself; pongs and raw frames need nothing.
            Some(Ok(_)) => {}
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
}

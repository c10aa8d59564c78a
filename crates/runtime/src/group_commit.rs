//! Group commit: one thread calls `flush()` and releases every turn committed before that flush started.
//!
//! Why a thread and not `flush_async`: sled 0.34.7's `flush_async` deadlocks under concurrent callers
//! (sled #1308, #1241); a blocking flush per turn caps throughput at one fsync per turn. Batching the
//! waiters of one flush keeps per-turn durability at a fraction of the cost.

use colloquy_store::SessionStore;
use std::sync::Arc;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Handle to the flusher thread. Dropping every handle stops the thread.
#[derive(Debug, Clone)]
pub struct GroupCommit {
    requests: mpsc::Sender<oneshot::Sender<Result<(), String>>>,
}

impl GroupCommit {
    /// Starts the flusher thread for `store`.
    pub fn start(store: Arc<dyn SessionStore>) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<oneshot::Sender<Result<(), String>>>();
        std::thread::Builder::new()
            .name("colloquy-flush".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut waiters = vec![first];
                    waiters.extend(rx.try_iter());
                    let result = store.flush().map_err(|e| e.to_string());
                    if let Err(e) = &result {
                        tracing::error!(error = %e, "flushing the session store failed");
                    }
                    for w in waiters {
                        let _ = w.send(result.clone());
                    }
                }
            })?;
        Ok(GroupCommit { requests: tx })
    }

    /// Resolves once every write made before this call is durable.
    pub fn durable(&self) -> oneshot::Receiver<Result<(), String>> {
        let (tx, rx) = oneshot::channel();
        if let Err(mpsc::SendError(tx)) = self.requests.send(tx) {
            let _ = tx.send(Err("the flusher thread has stopped".into()));
        }
        rx
    }
}

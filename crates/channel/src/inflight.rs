//! Counting sends in progress, so that shutdown can wait for them to finish.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// A counter of operations in flight. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct InFlight(Arc<(AtomicUsize, Notify)>);

/// Marks one operation in flight until dropped.
#[derive(Debug)]
pub struct InFlightGuard(InFlight);

impl InFlight {
    /// Starts tracking one operation.
    pub fn track(&self) -> InFlightGuard {
        self.0.0.fetch_add(1, Ordering::AcqRel);
        InFlightGuard(self.clone())
    }

    /// Operations in flight now.
    pub fn count(&self) -> usize {
        self.0.0.load(Ordering::Acquire)
    }

    /// Waits until nothing is in flight, or `timeout`; true if drained.
    pub async fn drained(&self, timeout: Duration) -> bool {
        let wait = async {
            loop {
                let notified = self.0.1.notified();
                if self.count() == 0 {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok()
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if self.0.0.0.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.0.1.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drains_when_the_last_guard_drops() {
        let f = InFlight::default();
        let g = f.track();
        let h = f.track();
        assert!(!f.drained(Duration::from_millis(20)).await);
        let f2 = f.clone();
        let waiter = tokio::spawn(async move { f2.drained(Duration::from_secs(5)).await });
        drop(g);
        drop(h);
        assert!(waiter.await.unwrap_or(false));
        assert_eq!(f.count(), 0);
    }
}

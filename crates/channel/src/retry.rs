//! Retries with exponential backoff that honour the platform's rate-limit answers.

use crate::error::ChannelError;
use std::future::Future;
use std::time::Duration;

/// How often and how long to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in total (the first try included).
    pub max_attempts: u32,
    /// Delay after the first transient failure; doubled each time.
    pub base_delay: Duration,
    /// Cap on the backoff delay (a platform's `retry_after` is honoured even when longer, up to
    /// `max_retry_after`).
    pub max_delay: Duration,
    /// Longest `retry_after` we are willing to wait; longer answers fail the send.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// The result of one attempt.
#[derive(Debug)]
pub enum Attempt<T> {
    /// Success.
    Done(T),
    /// Might work if tried again (network error, HTTP 5xx).
    Transient(String),
    /// The platform said to wait this long (HTTP 429 `retry_after`).
    RetryAfter(Duration),
    /// Will not work (HTTP 4xx other than 429).
    Permanent(String),
}

/// Runs `op` (given the attempt number, from 1) until it succeeds, fails permanently, or attempts run out.
pub async fn retry<T, F, Fut>(policy: RetryPolicy, mut op: F) -> Result<T, ChannelError>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Attempt<T>>,
{
    let mut delay = policy.base_delay;
    let mut last = ChannelError::Transient("no attempt made".into());
    for attempt in 1..=policy.max_attempts.max(1) {
        let wait = match op(attempt).await {
            Attempt::Done(v) => return Ok(v),
            Attempt::Permanent(e) => return Err(ChannelError::Rejected(e)),
            Attempt::Transient(e) => {
                last = ChannelError::Transient(e);
                let d = delay;
                delay = (delay * 2).min(policy.max_delay);
                d
            }
            Attempt::RetryAfter(d) => {
                last = ChannelError::RateLimited { retry_after: d };
                if d > policy.max_retry_after {
                    return Err(last);
                }
                d
            }
        };
        if attempt < policy.max_attempts {
            tokio::time::sleep(wait).await;
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn honours_retry_after_and_backs_off() {
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let out = retry(RetryPolicy::default(), |n| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move {
                match n {
                    1 => Attempt::RetryAfter(Duration::from_secs(3)),
                    2 => Attempt::Transient("reset".into()),
                    _ => Attempt::Done(n),
                }
            }
        })
        .await;
        assert_eq!(out, Ok(3));
        // 3 s as asked, then the 200 ms first backoff.
        assert_eq!(started.elapsed(), Duration::from_millis(3200));
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_errors_and_exhaustion_fail() {
        let r: Result<(), _> = retry(RetryPolicy::default(), |_| async {
            Attempt::Permanent("chat not found".into())
        })
        .await;
        assert_eq!(r, Err(ChannelError::Rejected("chat not found".into())));
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let r: Result<(), _> = retry(policy, |_| async { Attempt::Transient("down".into()) }).await;
        assert_eq!(r, Err(ChannelError::Transient("down".into())));
        let r: Result<(), _> = retry(policy, |_| async {
            Attempt::RetryAfter(Duration::from_secs(3600))
        })
        .await;
        assert!(matches!(r, Err(ChannelError::RateLimited { .. })));
    }
}

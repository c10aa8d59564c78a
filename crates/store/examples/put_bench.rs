//! Raw store throughput: `threads` writers, each committing turns (a snapshot of `snapshot_bytes` plus
//! three transcript entries) round-robin over its own sessions.
//!
//! `cargo run --release -p colloquy-store --example put_bench -- [snapshot_bytes] [turns] [threads]`

use colloquy_store::{Commit, SessionStore, SledStore};
use std::sync::Arc;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let size: usize = args.next().map_or(Ok(1500), |a| a.parse())?;
    let turns: usize = args.next().map_or(Ok(200_000), |a| a.parse())?;
    let threads: usize = args.next().map_or(Ok(2), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let store = Arc::new(SledStore::open(dir.path(), Some(100))?);
    let sessions = 1000 / threads;
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut versions = vec![0u64; sessions];
                for i in 0..turns / threads {
                    let s = i % sessions;
                    let id = format!("bot/ws/t{t}-{s}/t{t}-{s}");
                    let commit = Commit {
                        snapshot: vec![b'x'; size],
                        transcript: vec![vec![b'y'; 100]; 3],
                        index: Vec::new(),
                    };
                    versions[s] = store.put(&id, versions[s], commit).expect("put");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().map_err(|_| "writer panicked")?;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "sled: {turns} puts of {size} B + 3x100 B in {secs:.2} s = {:.0}/s ({threads} threads)",
        turns as f64 / secs
    );
    Ok(())
}

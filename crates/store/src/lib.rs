//! Where colloquy keeps sessions: one trait, two backends, and the checks every backend must pass.
//!
//! Modules, one job each:
//! - [`error`]: [`StoreError`], the one error type of every store operation.
//! - [`model`]: [`Stored`] (what `get` returns) and [`Commit`] (what one turn writes).
//! - [`session_store`]: the [`SessionStore`] trait the runtime talks to (compare-and-swap per session).
//! - [`memory`]: [`MemoryStore`], a mutex-guarded in-memory backend for tests and ephemeral servers.
//! - [`sled_store`]: [`SledStore`], the embedded on-disk default (sled 0.34.7).
//! - [`write_behind`]: [`WriteBehind`], a buffer in front of a store that merges each session's commits and
//!   writes them in batches (one `put_many` per flush).
//! - [`conformance`]: the behaviour every backend must show, as functions a backend's tests call.
//!
//! Durability note: sled 0.34.7 persists with `pwrite` + `sync_file_range`, not `fsync`. After
//! [`SessionStore::flush`] returns, earlier writes survive a process kill, but the device cache and file
//! metadata are not forced, so a power loss can still lose them.

pub mod conformance;
pub mod error;
pub mod memory;
pub mod model;
pub mod session_store;
pub mod sled_store;
pub mod write_behind;

pub use error::StoreError;
pub use memory::MemoryStore;
pub use model::{Commit, IndexEntry, IndexOp, Stored, Write};
pub use session_store::SessionStore;
pub use sled_store::SledStore;
pub use write_behind::WriteBehind;

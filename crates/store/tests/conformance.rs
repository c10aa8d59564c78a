//! Both backends pass the whole conformance suite.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use colloquy_store::{MemoryStore, SessionStore, SledStore, conformance};

#[test]
fn memory_store_conforms() {
    conformance::run_all(MemoryStore::new);
}

#[test]
fn sled_store_conforms() {
    // Each store keeps its directory alive until the end of the test.
    let dirs = Mutex::new(Vec::new());
    conformance::run_all(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), None).unwrap();
        dirs.lock().unwrap().push(dir);
        store
    });
}

#[test]
fn sled_store_with_background_flush_conforms() {
    let dirs = Mutex::new(Vec::new());
    conformance::run_all(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), Some(50)).unwrap();
        store.flush().unwrap();
        dirs.lock().unwrap().push(dir);
        store
    });
}

#[test]
fn arc_dyn_store_conforms() {
    conformance::run_all(|| -> Arc<dyn SessionStore> { Arc::new(MemoryStore::new()) });
}

//! The Discord adapter through the shared adapter conformance kit (`colloquy_testkit::conformance`).

#![allow(clippy::unwrap_used)]

mod support;

use colloquy_testkit::conformance;
use support::Harness;

#[actix_rt::test]
async fn discord_passes_the_adapter_conformance_kit() {
    let h = Harness::start(conformance::bot(), |_| {}).await;
    conformance::run_all(&h).await;
    let log = h.fake.log();
    assert!(
        log.unexpected.is_empty(),
        "unexpected requests: {:?}",
        log.unexpected
    );
    assert_eq!(log.rate_limited.len(), 1, "the kit's 429 was given once");
    drop(log);
    h.sup.stop_arbiters();
}

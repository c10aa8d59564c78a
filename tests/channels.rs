//! Channel adapters hosted by the real binary (beside the WebSocket channel).

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;
use support::Server;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[tokio::test]
async fn the_line_tcp_channel_runs_beside_websocket_in_colloquy_run() {
    let config = format!(
        "{}\n[channels.line_tcp]\nlisten = \"127.0.0.1:0\"\n",
        include_str!("../config/flight-bot.toml")
    );
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start(&config, data.path());
    let line = server
        .startup_lines
        .iter()
        .find(|l| l.starts_with("colloquy channel line_tcp ready at tcp://"))
        .unwrap_or_else(|| panic!("no line_tcp start-up line in {:?}", server.startup_lines))
        .clone();
    let addr = line.rsplit("tcp://").next().unwrap();
    assert!(addr.starts_with("127.0.0.1:"), "{line}");
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap()
    };
    write
        .write_all(b"HELLO ana\nMSG 1 I want to fly from Lahore to Dubai\n")
        .await
        .unwrap();
    assert_eq!(
        next().await,
        "BOT Starting new booking. Confirm booking from Lahore to Dubai? (yes/no)"
    );
    assert_eq!(next().await, "OPTIONS 1) yes 2) no");
    write.write_all(b"MSG 2 yes\n").await.unwrap();
    assert_eq!(next().await, "BOT Booking confirmed!");
    // The same user id on the WebSocket channel is a different session: channels never mix.
    let mut ws = support::Client::connect(&server).await;
    ws.hello().await;
    assert_eq!(ws.say("yes").await.len(), 1);
    let status = server
        .terminate(Duration::from_secs(10))
        .expect("graceful stop within 10 s");
    assert!(status.success(), "{status}\n{}", server.stderr());
}

#[test]
fn a_bad_line_tcp_table_is_reported_by_check_with_its_location() {
    let config = format!(
        "{}\n[channels.line_tcp]\nlisten = \"127.0.0.1:0\"\nmax_line = 3\n",
        include_str!("../config/flight-bot.toml")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bot.toml");
    std::fs::write(&path, &config).unwrap();
    let out = support::colloquy()
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = config
        .lines()
        .position(|l| l.starts_with("max_line"))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!(
            "bot.toml:{line}:1: channels.line_tcp.max_line: unknown field `max_line`"
        )),
        "{err}"
    );
}

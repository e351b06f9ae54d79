//! Exports after the fact: the session so far as a `.pcap` that tshark reads byte for byte,
//! and the raw bytes one connection received, equal to what its peer sent.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use tcptalk_session::{Export, Message, SessionEvent, Target, View};

#[test]
fn the_session_so_far_exports_as_pcap_and_raw_bytes() {
    let dir = std::env::temp_dir().join(format!("tcptalk-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let mut session = common::window_session(View::default());
        let port = common::listening(&mut session).await;
        let mut client = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let peer = loop {
            if let SessionEvent::Connected { peer, .. } = session.recv().await.expect("session") {
                break peer;
            }
        };
        let sent: Vec<u8> = (0..200_000u32)
            .map(|i| (i % 253) as u8)
            .chain(*b"\xff\xfe\n")
            .collect();
        for piece in sent.chunks(7919) {
            client.write_all(piece).expect("write");
        }
        let report = session
            .send(Target::All, &Message::text("收到"))
            .expect("composes");
        assert_eq!(report.sent, 1);
        let mut got = [0u8; 6];
        client.read_exact(&mut got).expect("reply");
        // Everything received has been taken in by the session (its last line is in the
        // history) before exporting: the engine counts bytes before the session sees them.
        let wait = async {
            loop {
                let done = session
                    .shared()
                    .lock()
                    .transcript()
                    .iter()
                    .any(|(entry, _)| entry.text.ends_with("\\xFF\\xFE"));
                if done {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(20), wait)
            .await
            .expect("received");

        let raw = dir.join("raw.bin");
        session.export(raw.clone(), Export::Received(peer));
        let pcap = dir.join("session.pcap");
        session.export(pcap.clone(), Export::Pcap);
        let mut done = 0;
        while done < 2 {
            match session.recv().await.expect("session") {
                SessionEvent::Exported { .. } => done += 1,
                SessionEvent::ExportFailed { error, .. } => panic!("{error}"),
                _ => {}
            }
        }
        let exported = std::fs::read(&raw).expect("raw");
        assert_eq!(exported.len(), sent.len());
        assert!(exported == sent, "exactly the bytes received");

        let output = Command::new("tshark")
            .arg("-r")
            .arg(&pcap)
            .args(["-T", "fields", "-e", "tcp.srcport", "-e", "tcp.payload"])
            .stderr(Stdio::null())
            .output()
            .expect("tshark (scripts/test.sh installs it)");
        let text = String::from_utf8(output.stdout).expect("utf-8");
        let (mut inbound, mut outbound) = (String::new(), String::new());
        for line in text.lines() {
            let (sport, payload) = line.split_once('\t').expect("two fields");
            let payload = payload.replace(':', "");
            if sport == port.to_string() {
                outbound.push_str(&payload);
            } else {
                inbound.push_str(&payload);
            }
        }
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert!(
            inbound == hex(&sent),
            "every byte in, in order ({} hex digits)",
            inbound.len()
        );
        assert_eq!(outbound, hex("收到".as_bytes()));
    });
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

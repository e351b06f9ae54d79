//! A file sent to a UDP peer goes in datagrams that fit an Ethernet frame, in order on
//! loopback, and the receiver's SHA-256 (python's hashlib) equals the session's.

use std::time::Duration;

use tcptalk_core::history::HistoryLimits;
use tcptalk_net::{ClientConfig, ClientTransport, UdpOptions};
use tcptalk_session::{Session, SessionConfig, SessionEvent, Target, View};
use tcptalk_testkit::Peer;

const RECEIVER: &str = r#"
import hashlib, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
want = int(sys.stdin.readline())
h, got, largest = hashlib.sha256(), 0, 0
s.settimeout(20)
while got < want:
    data = s.recv(70000)
    h.update(data)
    got += len(data)
    largest = max(largest, len(data))
print(got, largest, h.hexdigest(), flush=True)
"#;

#[test]
fn a_file_to_a_udp_peer_goes_in_datagrams_and_arrives_whole() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = std::env::temp_dir().join(format!("tcptalk-udp-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("data.bin");
    // 300 kB: more than one 256 KiB read, and small enough for the socket buffers.
    let content: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &content).expect("write");

    let mut receiver = Peer::python_code(RECEIVER);
    let port: u16 = receiver.line().trim().parse().expect("port");
    receiver.say(&content.len().to_string());
    runtime.block_on(async {
        let config = SessionConfig::window(View::default(), HistoryLimits::default(), None);
        let mut session = Session::spawn(&tokio::runtime::Handle::current(), config);
        let mut client = ClientConfig::new("127.0.0.1", port);
        client.transport = ClientTransport::Udp(UdpOptions::default());
        session.connect(client, format!("127.0.0.1:{port}"));
        let sha = loop {
            match tokio::time::timeout(Duration::from_secs(20), session.recv())
                .await
                .expect("an event in time")
                .expect("session")
            {
                SessionEvent::Connected { .. } => {
                    session.send_file(Target::All, path.clone());
                }
                SessionEvent::FileSent { sha256, .. } => break sha256,
                SessionEvent::FileFailed { error, .. } => panic!("{error}"),
                _ => {}
            }
        };
        let report = receiver.line();
        let words: Vec<&str> = report.split_whitespace().collect();
        assert_eq!(words[0], content.len().to_string());
        assert_eq!(words[1], "1400", "the largest datagram");
        assert_eq!(words[2], sha);
    });
    std::fs::remove_dir_all(&dir).expect("clean up");
}

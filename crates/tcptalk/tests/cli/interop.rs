//! nc and socat, as clients of our server and as servers for our client.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{BIN, Lines, Proc, WAIT, json_server, read_all, require};

#[test]
fn nc_and_socat_as_clients_of_our_server() {
    require("nc");
    require("socat");
    for (tool, args) in [
        ("nc", vec!["-N", "127.0.0.1"]),
        ("socat", vec!["-", "TCP:127.0.0.1:{port}"]),
    ] {
        let (mut server, _lines, port) = json_server(&["--once"]);
        let stdout = server.child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || read_all(stdout));
        let mut args: Vec<String> = args
            .iter()
            .map(|a| a.replace("{port}", &port.to_string()))
            .collect();
        if tool == "nc" {
            args.push(port.to_string());
        }
        let mut peer = Proc::spawn(
            Command::new(tool)
                .args(&args)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit()),
        );
        let text = format!("来自 {tool} 的问候\n");
        let mut stdin = peer.child.stdin.take().expect("stdin");
        stdin.write_all(text.as_bytes()).expect("write");
        drop(stdin);
        assert_eq!(server.wait(), 0, "{tool}");
        assert_eq!(reader.join().expect("reader"), text.as_bytes(), "{tool}");
    }
}

#[test]
fn nc_and_socat_as_servers_for_our_client() {
    require("nc");
    require("socat");
    for tool in ["nc", "socat"] {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let args: Vec<String> = match tool {
            "nc" => vec!["-l".into(), "127.0.0.1".into(), port.to_string()],
            _ => vec![
                format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr"),
                "-".into(),
            ],
        };
        let mut peer = Proc::spawn(
            Command::new(tool)
                .args(&args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit()),
        );
        let peer_out = peer.child.stdout.take().expect("stdout");
        let peer_reader = std::thread::spawn(move || read_all(peer_out));
        let mut peer_in = peer.child.stdin.take().expect("stdin");
        // Retry until the tool listens (bounded).
        let deadline = Instant::now() + WAIT;
        let (mut client, reader) = loop {
            let mut client = Proc::spawn(
                Command::new(BIN)
                    .args([
                        "client",
                        "--no-gui",
                        "127.0.0.1",
                        "--port",
                        &port.to_string(),
                    ])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped()),
            );
            let mut err = Lines::new(client.child.stderr.take().expect("stderr"));
            let line = err.expect("tcptalk:");
            if line.contains("connecting") {
                let next = err.expect("tcptalk:");
                if next.contains("connected") {
                    let stdout = client.child.stdout.take().expect("stdout");
                    break (client, std::thread::spawn(move || read_all(stdout)));
                }
            }
            assert!(Instant::now() < deadline, "{tool} never listened");
            std::thread::sleep(Duration::from_millis(50));
        };
        let from_tool = format!("{tool} 说：你好\n");
        peer_in.write_all(from_tool.as_bytes()).expect("write");
        let mut our_in = client.child.stdin.take().expect("stdin");
        our_in
            .write_all("tcptalk 说：你好\n".as_bytes())
            .expect("write");
        drop(our_in); // FIN to the tool
        // Read what the tool sent before closing it, so nothing is cut.
        std::thread::sleep(Duration::from_millis(200));
        drop(peer_in);
        let _ = peer.child.kill();
        assert_eq!(client.wait(), 0, "{tool}");
        assert_eq!(
            reader.join().expect("reader"),
            from_tool.as_bytes(),
            "{tool}"
        );
        assert_eq!(
            peer_reader.join().expect("reader"),
            "tcptalk 说：你好\n".as_bytes(),
            "{tool}"
        );
    }
}

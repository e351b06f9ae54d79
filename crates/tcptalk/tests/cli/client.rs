//! The terminal client: against a python3 server, a refused port, a name that does not
//! resolve, and a host that never answers.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{BIN, Lines, Proc, json, read_all};

/// A python3 server that sends `greeting`, then echoes everything back until EOF, then closes.
fn python_echo_server(greeting: &str) -> (Proc, u16) {
    let script = format!(
        "import socket,sys\nl=socket.socket(socket.AF_INET)\nl.bind(('127.0.0.1',0))\nl.listen(1)\n\
         print(l.getsockname()[1],flush=True)\nc,_=l.accept()\nc.sendall({greeting:?}.encode())\n\
         while True:\n    d=c.recv(65536)\n    if not d: break\n    c.sendall(d)\nc.close()\n"
    );
    let mut proc = Proc::spawn(
        Command::new("python3")
            .args(["-c", &script])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit()),
    );
    let mut line = String::new();
    BufReader::new(proc.child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("port line");
    (proc, line.trim().parse().expect("port"))
}

#[test]
fn client_talks_to_a_python_server_and_exits_0_after_it_closes() {
    let (mut py, port) = python_echo_server("欢迎\n");
    let mut client = Proc::spawn(
        Command::new(BIN)
            .args([
                "client",
                "--no-gui",
                "--json",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut lines = Lines::new(client.child.stderr.take().expect("stderr"));
    let stdout = client.child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || read_all(stdout));
    let mut stdin = client.child.stdin.take().expect("stdin");
    lines.expect("\"connected\"");
    stdin.write_all("你好 echo\n".as_bytes()).expect("write");
    drop(stdin); // EOF → FIN; python's echo loop ends and it closes → we exit 0
    assert_eq!(client.wait(), 0);
    assert_eq!(py.wait(), 0);
    assert_eq!(
        reader.join().expect("reader"),
        "欢迎\n你好 echo\n".as_bytes()
    );
    let gone = json(&lines.expect("\"disconnected\""));
    assert_eq!(gone["reason"], "closed_by_peer");
}

#[test]
fn refused_connection_is_one_line_and_exit_1() {
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
        .to_string();
    let out = Command::new(BIN)
        .args(["client", "--no-gui", "127.0.0.1", "--port", &port])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("refused") && errors[0].contains(&port),
        "{stderr}"
    );
}

#[test]
fn unresolvable_host_is_reported() {
    let out = Command::new(BIN)
        .args([
            "client",
            "--no-gui",
            "no-such-host.invalid",
            "--port",
            "8899",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("resolve"));
}

/// A network namespace of the test's own, deleted on drop. Nothing in it reaches any other
/// network: its only link is a veth pair whose far end, v1, has no address and answers
/// nothing, so whatever is sent to 10.77.0.2 (a fixed neighbour entry, no ARP) is dropped there.
struct Netns {
    name: String,
}

impl Netns {
    /// `tcptalk client --no-gui --json` in the namespace, to the host that never answers.
    fn silent_host_client(&self) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name, BIN]);
        cmd.args([
            "client",
            "--no-gui",
            "--json",
            "10.77.0.2",
            "--port",
            "8899",
        ]);
        cmd
    }

    fn new() -> Netns {
        // Tests run in parallel in one process: each namespace gets a number of its own.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let seq = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("tcptalk-test-{}-{seq}", std::process::id());
        let netns = Netns { name };
        netns.ip(&["netns", "add", &netns.name]);
        for args in [
            &["link", "add", "v0", "type", "veth", "peer", "name", "v1"][..],
            &["addr", "add", "10.77.0.1/24", "dev", "v0"],
            &["link", "set", "v0", "up"],
            &["link", "set", "v1", "up"],
            &["link", "set", "lo", "up"],
            &[
                "neigh",
                "add",
                "10.77.0.2",
                "lladdr",
                "02:00:00:00:00:02",
                "dev",
                "v0",
                "nud",
                "permanent",
            ],
        ] {
            let mut full = vec!["-n", netns.name.as_str()];
            full.extend_from_slice(args);
            netns.ip(&full);
        }
        netns
    }

    fn ip(&self, args: &[&str]) {
        let out = Command::new("ip")
            .args(args)
            .output()
            .expect("ip (iproute2; scripts/test.sh installs it)");
        assert!(
            out.status.success(),
            "ip {args:?} failed (this test creates a network namespace and needs root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.name])
            .output();
    }
}

/// A host that never answers (its packets vanish, as behind a firewall that drops them): the
/// connect hangs until `--timeout`, then one clear line and exit 1. The SYNs go into a veth
/// pair inside a namespace the test made, so nothing leaves this machine.
#[test]
fn a_connect_to_a_silent_host_times_out_at_the_given_timeout() {
    let netns = Netns::new();
    let started = Instant::now();
    let out = netns
        .silent_host_client()
        .args(["--timeout", "1.5"])
        .stdin(Stdio::null())
        .output()
        .expect("run tcptalk in the namespace");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("\"connecting\""), "{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");
    assert!(
        elapsed >= Duration::from_millis(1400) && elapsed < Duration::from_secs(10),
        "gave up after {elapsed:?}"
    );
}

/// Ctrl-C while connecting to a host that never answers ends the client at once, exit 0.
#[test]
fn ctrl_c_while_connecting_ends_the_client_at_once() {
    let netns = Netns::new();
    let mut cmd = netns.silent_host_client();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut client = Proc::spawn(&mut cmd);
    let mut lines = Lines::new(client.child.stderr.take().expect("stderr"));
    lines.expect("\"connecting\"");
    let started = Instant::now();
    let status = Command::new("kill")
        .args(["-INT", &client.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    assert_eq!(client.wait(), 0, "{:?}", lines.rest());
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(3),
        "took {elapsed:?} (the connect timeout is 10 s)"
    );
}

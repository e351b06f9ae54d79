//! The real `tcptalk` executable in terminal mode, against peers no one here wrote:
//! python3's socket module, nc and socat. Loopback only; every process is killed on drop.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tcptalk");
const WAIT: Duration = Duration::from_secs(20);

/// A child process that is killed and reaped when the test ends, whatever happens.
struct Proc {
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    fn spawn(cmd: &mut Command) -> Proc {
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        Proc { child }
    }

    /// Waits (bounded) for the exit code.
    fn wait(&mut self) -> i32 {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code().unwrap_or(-1);
            }
            assert!(
                Instant::now() < deadline,
                "process did not exit within {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Lines of a child's stderr, read on a thread so a full pipe never blocks the child.
struct Lines {
    rx: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Lines {
    fn new(stderr: ChildStderr) -> Lines {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            rx,
            seen: Vec::new(),
        }
    }

    /// The next line containing `needle`, waiting at most `WAIT`.
    fn expect(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no stderr line with {needle:?}; saw {:?}", self.seen),
            }
        }
    }

    /// Everything printed until the process closed stderr.
    fn rest(&mut self) -> Vec<String> {
        let deadline = Instant::now() + WAIT;
        while let Ok(line) = self
            .rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line);
        }
        self.seen.clone()
    }
}

fn json(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"))
}

/// Starts `tcptalk server --no-gui --json` on a free loopback port; returns it and its port.
fn json_server(extra: &[&str]) -> (Proc, Lines, u16) {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "server",
        "--no-gui",
        "--json",
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
    ])
    .args(extra)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut proc = Proc::spawn(&mut cmd);
    let mut lines = Lines::new(proc.child.stderr.take().expect("stderr"));
    let listening = json(&lines.expect("\"listening\""));
    let port = listening["port"].as_u64().expect("port") as u16;
    assert_ne!(port, 0);
    (proc, lines, port)
}

/// `tcptalk server --no-gui --json --once` on 127.0.0.1 with nothing on stdin and its stdout
/// going to `stdout`; returns it once listening, with its stderr lines and its port.
fn once_server(stdout: Stdio) -> (Proc, Lines, String) {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "server",
        "--no-gui",
        "--json",
        "--once",
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
    ])
    .stdin(Stdio::null())
    .stdout(stdout)
    .stderr(Stdio::piped());
    let mut server = Proc::spawn(&mut cmd);
    let mut lines = Lines::new(server.child.stderr.take().expect("stderr"));
    let port = json(&lines.expect("\"listening\""))["port"]
        .as_u64()
        .expect("port")
        .to_string();
    (server, lines, port)
}

fn read_all(mut r: impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    r.read_to_end(&mut out).expect("read");
    out
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Peers this suite uses; `scripts/test.sh` installs them, so a missing one is a failure.
fn require(tool: &str) {
    assert!(
        have(tool),
        "{tool} is not installed: run scripts/test.sh, which installs the test peers"
    );
}

// ---------------------------------------------------------------- bad arguments

fn run_args(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run tcptalk");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_ports_exit_2_with_a_clear_message() {
    for (port, words) in [
        ("abc", "not a port number"),
        ("70000", "65535"),
        ("65536", "65535"),
        ("99999999999", "65535"),
        ("-1", "-1"),
        ("", "no port"),
    ] {
        for role in ["server", "client"] {
            let (code, err) = run_args(&[role, "--no-gui", "--port", port]);
            assert_eq!(code, 2, "{role} --port {port:?}: {err}");
            assert!(
                err.to_lowercase().contains(words),
                "{role} --port {port:?}: message lacks {words:?}: {err}"
            );
        }
    }
    let (code, err) = run_args(&["client", "--no-gui", "--port", "0"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn bad_addresses_exit_2_and_start_nothing() {
    for host in ["999.1.1.1", "host name", "", "1.2.3", ":::1::"] {
        let (code, err) = run_args(&["client", "--no-gui", host]);
        assert_eq!(code, 2, "client {host:?}: {err}");
        assert!(!err.contains("connecting"), "{err}");
        let (code, err) = run_args(&["server", "--no-gui", "--bind", host]);
        assert_eq!(code, 2, "server --bind {host:?}: {err}");
        assert!(!err.contains("listening"), "{err}");
    }
}

/// The other flags: a bad timeout or language is refused before anything starts (exit 2), a
/// log file that cannot be opened is named (exit 1), each with one clear line.
#[test]
fn bad_flags_exit_with_a_clear_message() {
    for timeout in ["abc", "0", "--timeout=-1", "1e300", "nan", ""] {
        let flag = if timeout.starts_with("--") {
            timeout.to_string()
        } else {
            format!("--timeout={timeout}")
        };
        let (code, err) = run_args(&["client", "--no-gui", "127.0.0.1", "--port", "1", &flag]);
        assert_eq!(code, 2, "{flag}: {err}");
        assert!(err.contains("is not a timeout"), "{flag}: {err}");
        assert!(!err.contains("connecting"), "{flag}: {err}");
    }
    let (code, err) = run_args(&["--lang", "xx", "client", "--no-gui"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("zh, en"), "{err}");
    let (code, err) = run_args(&[
        "server",
        "--no-gui",
        "--port",
        "0",
        "--log",
        "/nonexistent-dir/x.log",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("cannot open the log file /nonexistent-dir/x.log"),
        "{err}"
    );
    assert!(!err.contains("listening"), "{err}");
}

/// Inputs a person may well type that are fine: each must get past argument checking and
/// reach the network (a listen, or a connect attempt to a port where nothing listens).
#[test]
fn friendly_inputs_are_accepted() {
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
        .to_string();
    for host in ["127.0.0.1", "localhost", "::1", "[::1]", " 127.0.0.1 "] {
        let out = Command::new(BIN)
            .args(["client", "--no-gui", "--json", host, "--port", &closed_port])
            .stdin(Stdio::null())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{host:?}: {stderr}");
        assert!(
            stderr.contains("\"connecting\""),
            "{host:?} never tried: {stderr}"
        );
        assert!(stderr.contains("refused"), "{host:?}: {stderr}");
    }
    for port in [" 8899 ", "８８９９", "0"] {
        let (code, err) = run_args(&["server", "--no-gui", "--port", port, "--bind", "300.0.0.1"]);
        // The bad bind address is reported, which shows the port itself was accepted.
        assert_eq!(code, 2, "{port:?}: {err}");
        assert!(err.contains("--bind"), "{port:?} was rejected: {err}");
    }
}

#[test]
fn full_width_port_from_a_chinese_ime_is_accepted() {
    let (mut proc, mut lines, _) = {
        let mut cmd = Command::new(BIN);
        cmd.args([
            "server",
            "--no-gui",
            "--json",
            "--bind",
            "127.0.0.1",
            "--port",
            " ０ ",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        let mut proc = Proc::spawn(&mut cmd);
        let lines = Lines::new(proc.child.stderr.take().expect("stderr"));
        (proc, lines, 0)
    };
    lines.expect("\"listening\"");
    let _ = proc.child.kill();
}

// ---------------------------------------------------------------- server + python client

#[test]
fn server_once_writes_exact_bytes_and_reports_events_as_json() {
    let (mut proc, mut lines, port) = json_server(&["--once"]);
    let stdout = proc.child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || read_all(stdout));
    let payload = "你好，服务器！\u{0}\u{1b}[31m binary \u{ff}"
        .as_bytes()
        .to_vec();
    let script = format!(
        "import socket,sys\ns=socket.create_connection(('127.0.0.1',{port}))\n\
         s.sendall(bytes.fromhex('{}'))\ns.close()\n",
        hex(&payload)
    );
    let status = Command::new("python3")
        .args(["-c", &script])
        .status()
        .expect("python3");
    assert!(status.success());
    let connected = json(&lines.expect("\"connected\""));
    assert!(connected["peer"].is_u64());
    assert!(
        connected["addr"]
            .as_str()
            .expect("addr")
            .starts_with("127.0.0.1:")
    );
    let gone = json(&lines.expect("\"disconnected\""));
    assert_eq!(gone["reason"], "closed_by_peer");
    assert_eq!(gone["peer"], connected["peer"]);
    assert_eq!(proc.wait(), 0, "--once exits 0");
    // A pipe gets the exact bytes, escape sequences and all.
    assert_eq!(reader.join().expect("reader"), payload);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn server_sends_stdin_to_every_client() {
    let (mut proc, mut lines, port) = json_server(&[]);
    let mut clients: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect();
    for _ in 0..3 {
        lines.expect("\"connected\"");
    }
    let mut stdin = proc.child.stdin.take().expect("stdin");
    stdin.write_all("大家好\n".as_bytes()).expect("stdin");
    drop(stdin); // EOF: each client gets a FIN after the bytes
    for client in &mut clients {
        client.set_read_timeout(Some(WAIT)).expect("timeout");
        assert_eq!(read_all(&mut *client), "大家好\n".as_bytes());
    }
}

#[test]
fn port_in_use_is_an_error_naming_the_port() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let out = Command::new(BIN)
        .args([
            "server",
            "--no-gui",
            "--json",
            "--bind",
            "127.0.0.1",
            "--port",
            &port,
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error = json(
        stderr
            .lines()
            .find(|l| l.contains("\"error\""))
            .expect("error line"),
    );
    let message = error["message"].as_str().expect("message");
    assert!(
        message.contains(&port) && message.contains("in use"),
        "{message}"
    );
}

#[test]
fn ipv6_loopback_server_and_client() {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "server", "--no-gui", "--json", "--once", "--bind", "::1", "--port", "0",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut server = Proc::spawn(&mut cmd);
    let mut lines = Lines::new(server.child.stderr.take().expect("stderr"));
    let listening = json(&lines.expect("\"listening\""));
    assert!(
        listening["addr"]
            .as_str()
            .expect("addr")
            .starts_with("[::1]")
    );
    let port = listening["port"].as_u64().expect("port").to_string();
    let stdout = server.child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || read_all(stdout));
    let mut client = Proc::spawn(
        Command::new(BIN)
            .args(["client", "--no-gui", "[::1]", "--port", &port])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let mut stdin = client.child.stdin.take().expect("stdin");
    stdin.write_all(b"over v6").expect("write");
    drop(stdin);
    assert_eq!(server.wait(), 0);
    assert_eq!(client.wait(), 0);
    assert_eq!(reader.join().expect("reader"), b"over v6");
}

// ---------------------------------------------------------------- client

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

// ---------------------------------------------------------------- nc and socat

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

// ---------------------------------------------------------------- bulk and signals

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tcptalk-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Fills `block` (a multiple of 8 bytes long) with deterministic, incompressible-looking bytes,
/// binary and all (xorshift64), going on from `state`.
fn fill_pseudo_random(state: &mut u64, block: &mut [u8]) {
    for b in block.chunks_mut(8) {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        b.copy_from_slice(&state.to_le_bytes());
    }
}

fn sha256_file(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(path).expect("open");
    std::io::copy(&mut file, &mut hasher).expect("hash");
    hex(&hasher.finalize())
}

#[test]
fn a_hundred_megabytes_through_the_cli_pair_arrive_intact() {
    const SIZE: usize = 100 * 1024 * 1024;
    let dir = temp_dir("bulk");
    let input = dir.join("in.bin");
    let output = dir.join("out.bin");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&input).expect("create"));
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..SIZE / block.len() {
            fill_pseudo_random(&mut x, &mut block);
            file.write_all(&block).expect("write");
        }
    }
    let (mut server, _lines, port) =
        once_server(std::fs::File::create(&output).expect("out").into());
    let started = Instant::now();
    let mut client = Proc::spawn(
        Command::new(BIN)
            .args(["client", "--no-gui", "127.0.0.1", "--port", &port])
            .stdin(std::fs::File::open(&input).expect("in"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit()),
    );
    assert_eq!(server.wait(), 0);
    let elapsed = started.elapsed();
    assert_eq!(client.wait(), 0);
    assert_eq!(std::fs::metadata(&output).expect("out").len(), SIZE as u64);
    assert_eq!(sha256_file(&input), sha256_file(&output));
    println!(
        "100 MiB through the CLI pair: {:.2} s, {:.0} MB/s",
        elapsed.as_secs_f64(),
        SIZE as f64 / 1e6 / elapsed.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ctrl_c_ends_the_server_cleanly_and_clients_see_eof() {
    let (mut server, mut lines, port) = json_server(&[]);
    let mut client = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    lines.expect("\"connected\"");
    let pid = server.child.id().to_string();
    let status = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    assert_eq!(server.wait(), 0);
    client.set_read_timeout(Some(WAIT)).expect("timeout");
    assert_eq!(read_all(&mut client), b"");
    let rest = lines.rest();
    assert!(rest.iter().any(|l| l.contains("closed_by_us")), "{rest:?}");
}

// ---------------------------------------------------------------- terminal safety

#[test]
fn a_terminal_sees_control_bytes_escaped_while_a_pipe_gets_them_exact() {
    require("script");
    let hostile: &[u8] = b"\x1b[2J\x1b]0;pwned\x07hi\r\n\xe4\xb8\xad\n";
    let serve = |payload: &[u8]| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let payload = payload.to_vec();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().expect("accept");
            s.write_all(&payload).expect("write");
        });
        (port, server)
    };

    // util-linux `script` gives tcptalk a pseudo-terminal as stdin and stdout.
    let (port, server) = serve(hostile);
    let out = Command::new("script")
        .args([
            "-qfec",
            &format!("{BIN} client --no-gui 127.0.0.1 --port {port}"),
            "/dev/null",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("script");
    server.join().expect("server");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("\\x1B[2J\\x1B]0;pwned\\x07hi\\r"),
        "{shown:?}"
    );
    assert!(shown.contains('中'), "Chinese passes through: {shown:?}");
    assert!(
        !out.stdout.contains(&0x1b),
        "a raw ESC reached the terminal: {shown:?}"
    );

    // Through a pipe the same bytes arrive untouched.
    let (port, server) = serve(hostile);
    let out = Command::new(BIN)
        .args([
            "client",
            "--no-gui",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    server.join().expect("server");
    assert_eq!(out.stdout, hostile);
}

#[test]
fn log_file_records_every_line_with_direction_and_client() {
    let dir = temp_dir("log");
    let log = dir.join("session.log");
    let mut cmd = Command::new(BIN);
    cmd.args([
        "server",
        "--no-gui",
        "--json",
        "--once",
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--log",
    ])
    .arg(&log)
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    let mut server = Proc::spawn(&mut cmd);
    let mut lines = Lines::new(server.child.stderr.take().expect("stderr"));
    let port = json(&lines.expect("\"listening\""))["port"]
        .as_u64()
        .expect("port");
    let mut client = TcpStream::connect(("127.0.0.1", port as u16)).expect("connect");
    lines.expect("\"connected\"");
    let mut stdin = server.child.stdin.take().expect("stdin");
    stdin.write_all("回复\n".as_bytes()).expect("stdin");
    stdin.flush().expect("flush");
    client.set_read_timeout(Some(WAIT)).expect("timeout");
    let mut reply = vec![0u8; "回复\n".len()];
    client.read_exact(&mut reply).expect("reply");
    // A line split across writes, then a tail with no newline, logged when the peer closes.
    client.write_all("第一".as_bytes()).expect("write");
    std::thread::sleep(Duration::from_millis(20));
    client
        .write_all("行\nno newline".as_bytes())
        .expect("write");
    drop(client);
    assert_eq!(server.wait(), 0);
    let text = std::fs::read_to_string(&log).expect("log");
    let entries: Vec<&str> = text.lines().collect();
    let find = |needle: &str| {
        entries
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in log:\n{text}"))
    };
    let listening = find("-- listening on 127.0.0.1:");
    let connected = find(" connected");
    let sent = find("-> all 回复");
    let first = find("<- #");
    assert!(entries[first].ends_with(" 第一行"), "{text}");
    let tail = find(" no newline");
    assert!(entries[tail].contains(" <- #"), "{text}");
    // The close names the exact bytes each way: "第一行\nno newline" in, "回复\n" out.
    let gone = find("disconnected (closed by peer, received 20 bytes, sent 7 bytes)");
    assert!(
        listening < connected && connected < sent && sent < first && first < tail && tail < gone
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_client_that_never_reads_is_dropped_instead_of_stalling_the_others() {
    let (mut server, mut lines, port) = json_server(&[]);
    let lazy = TcpStream::connect(("127.0.0.1", port)).expect("lazy");
    let mut reader = TcpStream::connect(("127.0.0.1", port)).expect("reader");
    lines.expect("\"connected\"");
    lines.expect("\"connected\"");
    const TOTAL: usize = 64 << 20;
    let mut stdin = server.child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let block = vec![b'a'; 1 << 20];
        for _ in 0..TOTAL / block.len() {
            if stdin.write_all(&block).is_err() {
                break;
            }
        }
        stdin
    });
    reader.set_read_timeout(Some(WAIT)).expect("timeout");
    let mut got = 0;
    let mut buf = vec![0u8; 1 << 16];
    while got < TOTAL {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => panic!("reader stalled after {got} bytes: {e}"),
        }
    }
    assert_eq!(got, TOTAL, "the reading client got everything");
    let warning = json(&lines.expect("has not read"));
    assert_eq!(warning["event"], "warning");
    lines.expect("closed_by_us");
    drop(feeder.join().expect("feeder"));
    drop(lazy);
}

// ---------------------------------------------------------------- load

#[path = "../../../tests/peers/python_peer.rs"]
mod python_peer;

/// The highest resident set size the process has had so far, from /proc, in bytes.
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Keeps the highest [`peak_rss`] seen until the process is gone.
fn watch_peak_rss(pid: u32) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut peak = 0;
        // Bounded: at most 10 minutes of samples.
        for _ in 0..60_000 {
            match peak_rss(pid) {
                Some(rss) => peak = peak.max(rss),
                None => break,
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        peak
    })
}

/// One GiB from a client's stdin to a server's stdout (issue 5, load): every byte arrives, in
/// order (sha256), both ends count exactly that many, and the server's memory stays small
/// whatever the size.
#[test]
fn a_gibibyte_flood_arrives_whole_and_counted_in_bounded_memory() {
    use sha2::{Digest, Sha256};
    const SIZE: u64 = 1 << 30;
    let (mut server, mut server_lines, port) = once_server(Stdio::piped());
    let peak = watch_peak_rss(server.child.id());
    let stdout = server.child.stdout.take().expect("stdout");
    let sink = std::thread::spawn(move || {
        let mut hasher = Sha256::new();
        let copied = std::io::copy(&mut BufReader::with_capacity(1 << 20, stdout), &mut hasher)
            .expect("read the server's stdout");
        (copied, hex(&hasher.finalize()))
    });

    let started = Instant::now();
    let mut client = Proc::spawn(
        Command::new(BIN)
            .args(["client", "--no-gui", "--json", "127.0.0.1", "--port", &port])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let mut client_lines = Lines::new(client.child.stderr.take().expect("stderr"));
    let mut stdin = client.child.stdin.take().expect("stdin");
    let source = std::thread::spawn(move || {
        let mut hasher = Sha256::new();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..SIZE / block.len() as u64 {
            fill_pseudo_random(&mut x, &mut block);
            hasher.update(&block);
            stdin.write_all(&block).expect("feed the client");
        }
        hex(&hasher.finalize())
    });
    let sent_hash = source.join().expect("source");
    let (copied, received_hash) = sink.join().expect("sink");
    let elapsed = started.elapsed();
    assert_eq!(copied, SIZE, "bytes out of the server's stdout");
    assert_eq!(
        received_hash, sent_hash,
        "sha256 of what was sent and received"
    );
    let server_end = json(&server_lines.expect("\"disconnected\""));
    assert_eq!(server_end["received"], SIZE, "{server_end}");
    let client_end = json(&client_lines.expect("\"disconnected\""));
    assert_eq!(client_end["sent"], SIZE, "{client_end}");
    assert_eq!(server.wait(), 0);
    assert_eq!(client.wait(), 0);
    let peak = peak.join().expect("rss watcher");
    println!(
        "1 GiB through the CLI pair: {:.2} s, {:.0} MB/s, server peak RSS {:.1} MB",
        elapsed.as_secs_f64(),
        SIZE as f64 / 1e6 / elapsed.as_secs_f64(),
        peak as f64 / 1e6
    );
    assert!(peak < 64 << 20, "server peak RSS {peak} bytes");
}

/// 10,000 clients (python3 sockets in their own process) on the terminal server: all get in,
/// one line typed on stdin reaches every one, and each leaves with its exact byte counts.
#[test]
fn ten_thousand_clients_all_get_the_line_typed_on_stdin() {
    const CLIENTS: usize = 10_000;
    let message = "大家好 10k\n";
    let (mut server, mut lines, port) = json_server(&[]);
    let peak = watch_peak_rss(server.child.id());
    let mut crowd = python_peer::Peer::python(
        "many_clients.py",
        &[&port.to_string(), &CLIENTS.to_string(), message],
    );
    let started = Instant::now();
    for _ in 0..CLIENTS {
        lines.expect("\"connected\"");
    }
    assert_eq!(crowd.line(), "connected");
    let connect_time = started.elapsed();
    let mut stdin = server.child.stdin.take().expect("stdin");
    let started = Instant::now();
    stdin.write_all(message.as_bytes()).expect("stdin");
    stdin.flush().expect("flush");
    crowd.say("read");
    assert_eq!(crowd.line(), format!("received {CLIENTS}"));
    let fanout = started.elapsed();
    crowd.say("close");
    for _ in 0..CLIENTS {
        let gone = json(&lines.expect("\"disconnected\""));
        assert_eq!(gone["sent"], message.len(), "{gone}");
        assert_eq!(gone["received"], 0, "{gone}");
    }
    assert_eq!(crowd.line(), "closed");
    let peak_now = peak_rss(server.child.id()).expect("server still running");
    drop(stdin);
    drop(server);
    let _ = peak.join();
    println!(
        "10,000 clients: connected in {:.2} s, line to all in {:.2} s (debug build), \
         server peak RSS {:.1} MB",
        connect_time.as_secs_f64(),
        fanout.as_secs_f64(),
        peak_now as f64 / 1e6
    );
    assert!(peak_now < 200_000_000, "server peak RSS {peak_now} bytes");
}

/// A network namespace of the test's own, deleted on drop. Nothing in it reaches any other
/// network: its only link is a veth pair whose far end, v1, has no address and answers
/// nothing, so whatever is sent to 10.77.0.2 (a fixed neighbour entry, no ARP) is dropped there.
struct Netns {
    name: String,
}

impl Netns {
    fn new() -> Netns {
        let name = format!("tcptalk-test-{}", std::process::id());
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
    let out = Command::new("ip")
        .args(["netns", "exec", &netns.name, BIN])
        .args([
            "client",
            "--no-gui",
            "--json",
            "10.77.0.2",
            "--port",
            "8899",
        ])
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

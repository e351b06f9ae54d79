//! The real `tcptalk` executable in terminal mode, against peers no one here wrote:
//! python3's socket module, nc and socat. Loopback only; every process is killed on drop.
//!
//! One test binary; the tests are in the modules by topic, the helpers they share are here.

mod args;
mod capture;
mod client;
mod fd_limit;
mod interop;
mod log;
mod packaging;
mod prompt;
mod rules;
mod same_log;
mod sending;
mod server;
mod stress;
mod tcp_options;
mod terminal;
mod tls;
mod tls_peers;
mod transfer;
mod udp;
mod udp_multicast;
mod zero_copy;

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
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

/// Starts `cmd` with stdin, stdout and stderr piped: the process, its stderr lines and its
/// stdout, each read on a thread of its own.
fn spawn_piped(cmd: &mut Command) -> (Proc, Lines, tls_peers::Output) {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut proc = Proc::spawn(cmd);
    let lines = Lines::new(proc.child.stderr.take().expect("stderr"));
    let output = tls_peers::Output::new(proc.child.stdout.take().expect("stdout"));
    (proc, lines, output)
}

/// Writes `text` to a child's stdin, now.
fn say(proc: &mut Proc, text: &str) {
    use std::io::Write;
    let stdin = proc.child.stdin.as_mut().expect("stdin");
    stdin.write_all(text.as_bytes()).expect("write stdin");
    stdin.flush().expect("flush");
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

/// The sha256 of a file, in hex, read in one pass.
fn sha256_file(path: &std::path::Path) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(path).expect("open");
    std::io::copy(&mut file, &mut hasher).expect("hash");
    hex(&hasher.finalize())
}

fn read_all(mut r: impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    r.read_to_end(&mut out).expect("read");
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tcptalk-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

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

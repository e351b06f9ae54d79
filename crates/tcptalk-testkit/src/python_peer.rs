//! Driving the python3 peer scripts of the workspace's `tests/peers/` from Rust tests.

use std::time::Duration;

/// A python3 peer script from the workspace's `tests/peers/`, talking line by line over its
/// stdin and stdout.
/// Killed when dropped, so a failing test leaves no process behind.
#[derive(Debug)]
pub struct Peer {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Peer {
    pub fn python(script: &str, args: &[&str]) -> Peer {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/peers")
            .join(script);
        let mut all = vec![path.into_os_string()];
        all.extend(args.iter().map(std::ffi::OsString::from));
        Peer::spawn(&all)
    }

    /// A peer whose few lines of python are given here rather than in a file.
    pub fn python_code(code: &str) -> Peer {
        Peer::spawn(&["-c".into(), code.into()])
    }

    /// Like [`Peer::python_code`], with command-line arguments for it (`sys.argv[1:]`).
    pub fn python_code_with_args(code: &str, args: &[&str]) -> Peer {
        let mut all: Vec<std::ffi::OsString> = vec!["-c".into(), code.into()];
        all.extend(args.iter().map(std::ffi::OsString::from));
        Peer::spawn(&all)
    }

    fn spawn(args: &[std::ffi::OsString]) -> Peer {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let mut child = Command::new("python3")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 (scripts/test.sh installs it)");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        Peer {
            child,
            stdin,
            lines,
        }
    }

    /// The next line the peer printed, waiting at most 30 s.
    #[track_caller]
    pub fn line(&mut self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the peer printed nothing")
    }

    /// The next line if the peer has printed one.
    pub fn try_line(&mut self) -> Option<String> {
        self.lines.try_recv().ok()
    }

    /// Sends one line to the peer's stdin.
    pub fn say(&mut self, line: &str) {
        use std::io::Write;
        writeln!(self.stdin, "{line}").expect("write to the peer");
        self.stdin.flush().expect("flush");
    }
}

impl Peer {
    /// Kills the peer with SIGKILL, as a crash or `kill -9` would, and reaps it.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

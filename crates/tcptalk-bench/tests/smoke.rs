//! The benchmarks at smoke size, so they do not rot: the fan-out bench against the real tcptalk
//! executable and against ncat, and both bench scripts. Only completion is asserted, never a
//! figure. Loopback only; every process is bounded in time and killed on drop.
//!
//! The tcptalk executable is `$TCPTALK_BIN` when set, else the `tcptalk` that cargo built next
//! to `tcptalk-bench` (`cargo test --workspace` builds it; so does `cargo build -p tcptalk`),
//! else one built here into its own target directory (a nested cargo on the same directory
//! would wait for the lock the running `cargo test` holds).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const BENCH: &str = env!("CARGO_BIN_EXE_tcptalk-bench");
const WAIT: Duration = Duration::from_secs(120);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tcptalk() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| built_tcptalk("bench-tcptalk", &["--no-default-features"]))
}

/// `$TCPTALK_BIN`, else the `tcptalk` next to `tcptalk-bench`, else one built into
/// `target/<target_name>` with `features` (windows or not).
fn built_tcptalk(target_name: &str, features: &[&str]) -> PathBuf {
    if let Some(bin) = std::env::var_os("TCPTALK_BIN").filter(|bin| !bin.is_empty()) {
        return PathBuf::from(bin);
    }
    let sibling = Path::new(BENCH).with_file_name("tcptalk");
    if sibling.is_file() {
        return sibling;
    }
    let target = Path::new(BENCH)
        .parent()
        .and_then(Path::parent)
        .expect("tcptalk-bench lives in target/<profile>/")
        .join(target_name);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["build", "--quiet", "-p", "tcptalk"])
        .args(features)
        .arg("--target-dir")
        .arg(&target)
        .status()
        .expect("cannot run cargo to build tcptalk");
    assert!(status.success(), "building tcptalk failed");
    target.join("debug/tcptalk")
}

/// A finished run: exit status and what it printed.
struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` to its end, at most `WAIT`; the process is killed if the test gives up.
fn run(cmd: &mut Command) -> Run {
    struct Killed(Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let dir = std::env::temp_dir().join(format!(
        "tcptalk-bench-smoke-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = Killed(
        cmd.stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).expect("stdout file"))
            .stderr(std::fs::File::create(&err).expect("stderr file"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}")),
    );
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "{cmd:?} did not finish within {WAIT:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        success: status.success(),
        stdout: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    run
}

fn assert_success(what: &str, run: &Run) {
    assert!(
        run.success,
        "{what} failed\n--- stdout\n{}\n--- stderr\n{}",
        run.stdout, run.stderr
    );
}

#[test]
fn fanout_bench_reaches_every_tcptalk_client() {
    let run = run(Command::new(BENCH)
        .args([
            "fanout",
            "--server",
            "tcptalk",
            "--clients",
            "50",
            "--timeout",
            "30",
        ])
        .arg("--bin")
        .arg(tcptalk()));
    assert_success("fanout against tcptalk", &run);
    assert!(run.stdout.contains("| tcptalk | 50 |"), "{}", run.stdout);
    assert!(run.stdout.contains("| 50/50 |"), "{}", run.stdout);
}

#[test]
fn fanout_bench_reaches_every_ncat_client() {
    let run = run(Command::new(BENCH).args([
        "fanout",
        "--server",
        "ncat",
        "--clients",
        "20",
        "--timeout",
        "30",
    ]));
    assert_success("fanout against ncat", &run);
    assert!(run.stdout.contains("| 20/20 |"), "{}", run.stdout);
}

#[test]
fn bulk_script_runs_at_smoke_size() {
    let run = run(Command::new("bash")
        .current_dir(workspace_root())
        .args(["scripts/bench-bulk.sh", "8"])
        .env("RUNS", "1")
        .env("TCPTALK", tcptalk())
        .env("TCPTALK_BENCH", BENCH));
    assert_success("scripts/bench-bulk.sh 8", &run);
    // Each row names the path each end took: tcptalk's own choice on Linux is zero-copy both
    // ways for a file in and a file out; --no-zero-copy is the plain path.
    for row in [
        "| tcptalk | sendfile → splice |",
        "| tcptalk-copy | copy → copy |",
        "| socat | read/write → read/write |",
        "| ncat | read/write → read/write |",
    ] {
        assert!(run.stdout.contains(row), "{row} in:\n{}", run.stdout);
    }
    assert!(run.stdout.contains("CPU s per GiB"), "{}", run.stdout);
}

#[test]
fn bulk_script_runs_over_tls_at_smoke_size() {
    let run = run(Command::new("bash")
        .current_dir(workspace_root())
        .args(["scripts/bench-bulk.sh", "8"])
        .env("RUNS", "1")
        .env("TLS", "1")
        .env("TCPTALK", tcptalk())
        .env("TCPTALK_BENCH", BENCH));
    assert_success("TLS=1 scripts/bench-bulk.sh 8", &run);
    assert!(run.stdout.contains("over TLS"), "{}", run.stdout);
    for tool in ["tcptalk", "socat"] {
        assert!(
            run.stdout.contains(&format!("| {tool} |")),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn udp_script_runs_at_smoke_size() {
    let run = run(Command::new("python3")
        .current_dir(workspace_root())
        .args(["scripts/bench-udp.py", "2000"])
        .env("RUNS", "1")
        .env("TCPTALK", tcptalk()));
    assert_success("scripts/bench-udp.py 2000", &run);
    for row in [
        "| receive | 64 | tcptalk |",
        "| send | 1400 | socat |",
        "| receive | 1400 | ncat |",
    ] {
        assert!(run.stdout.contains(row), "{row} not in {}", run.stdout);
    }
}

#[test]
fn clients_script_runs_at_smoke_size() {
    let run = run(Command::new("bash")
        .current_dir(workspace_root())
        .args(["scripts/bench-clients.sh", "20", "50"])
        // The "most" run, small here, from four loopback source addresses.
        .env("MOST", "80")
        .env("SOURCES", "4")
        .env("PROCS", "2")
        .env("TCPTALK", tcptalk())
        .env("TCPTALK_BENCH", BENCH));
    assert_success("scripts/bench-clients.sh 20 50", &run);
    for got in ["| 20/20 |", "| 50/50 |", "| 80/80 |"] {
        assert!(run.stdout.contains(got), "{got} in:\n{}", run.stdout);
    }
    // The "most" run twice: from this process, and from two worker processes.
    assert_eq!(run.stdout.matches("| 80/80 |").count(), 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("held by 2 worker processes"),
        "{}",
        run.stderr
    );
}

/// The tcptalk executable with its windows (a workspace build has them).
fn tcptalk_with_windows() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| built_tcptalk("bench-tcptalk-gui", &[]))
}

/// The real window under Xvfb (which `scripts/test.sh` installs), then the headless flood, as
/// the script runs them for BENCHMARKS.md, at smoke size.
#[test]
fn real_window_script_runs_at_smoke_size() {
    let run = run(Command::new("bash")
        .current_dir(workspace_root())
        .args(["scripts/bench-gui-window.sh", "20000", "1", "1"])
        .env("TCPTALK_BIN", tcptalk_with_windows())
        .env("TCPTALK_BENCH", BENCH)
        .env("GUI_FLOOD", env!("CARGO_BIN_EXE_gui-flood")));
    assert_success("scripts/bench-gui-window.sh 20000 1 1", &run);
    for figure in [
        "== real window, --renderer software, default size",
        "== real window, --renderer gl, default size",
        "== real window, --renderer software, 1920x1080 size",
        "== real window, --renderer gl, 1920x1080 size",
        "window 1920x1080 pixels",
        "== headless",
    ] {
        assert!(
            run.stdout.contains(figure),
            "no {figure:?} in\n{}",
            run.stdout
        );
    }
    // Each renderer's window, at each size, runs the whole flood, save, check and stream
    // (lines the headless run does not print).
    for figure in [
        "every line in the history",
        "frames drawn",
        "check: every flood line in order in the saved history and in --log",
        "stream: ",
    ] {
        assert!(
            run.stdout.matches(figure).count() >= 4,
            "{figure:?} not once per renderer and size in\n{}",
            run.stdout
        );
    }
}

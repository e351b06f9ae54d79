//! The real windows as a screen reader reads them: `tests/atspi/windows.py` finds every control
//! over AT-SPI (the accessibility bus Orca uses), checks each has a name, and drives a listen /
//! connect / disconnect / stop cycle through AT-SPI actions, checking which buttons are enabled
//! and disabled at each step; in `server` and `client` it then opens a second session as a tab
//! through the ＋ menu (selected, every control named), runs the cycle in it and closes it, and
//! finds the history / message split by name. It also checks the renderer: the default
//! software one maps no OpenGL library, `--renderer gl` does, and either paints the window
//! (read back with xwd).
//! `tests/atspi/remembered.py` runs `tcptalk` twice, ended by SIGTERM and SIGINT, and checks the
//! windows' places and an added tab come back.
//! It runs in a D-Bus session of its own with its own Xvfb; `scripts/test.sh` installs what it
//! needs (python3-pyatspi, at-spi2-core, xvfb, dbus, x11-apps).

#![cfg(feature = "gui")]

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

/// One window process at a time: three software-rendered windows at once on a 2-core CI
/// machine would only test the machine.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn check_windows(mode: &str) {
    check_windows_drawn_with(mode, "software");
}

fn check_windows_drawn_with(mode: &str, renderer: &str) {
    run_script(
        "windows.py",
        &[mode, renderer],
        &format!("`tcptalk {mode}` ({renderer})"),
    );
}

/// Runs `tests/atspi/SCRIPT TCPTALK ARGS…` in a D-Bus session of its own; it prints "ok" last
/// when every check held.
fn run_script(script: &str, args: &[&str], what: &str) {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/atspi")
        .join(script);
    let output = Command::new("dbus-run-session")
        .args(["--", "/usr/bin/python3"])
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_tcptalk"))
        .args(args)
        .output()
        .expect("cannot run dbus-run-session (Debian's dbus package; scripts/test.sh installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // libatspi warns about AccessKit's event signatures; those lines say nothing about us.
    let stderr: String = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| !line.contains("dbind-WARNING") && !line.trim().is_empty())
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(
        output.status.success() && stdout.trim_end().ends_with("ok"),
        "AT-SPI check of {what} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    println!("{stdout}");
}

/// `tcptalk`: both windows on the bus; the client's port follows the server's.
#[test]
fn both_windows_read_right_over_atspi() {
    check_windows("both");
}

#[test]
fn server_window_reads_right_over_atspi() {
    check_windows("server");
}

#[test]
fn client_window_reads_right_over_atspi() {
    check_windows("client");
}

/// OpenGL stays available (`--renderer gl`), with every window on the bus as well.
#[test]
fn both_windows_drawn_with_opengl_read_right_over_atspi() {
    check_windows_drawn_with("both", "gl");
}

/// Two real runs: SIGTERM closes the windows as their close button does (exit 0, saved), and
/// the next run opens both where and as large as they were left, with an added tab and its
/// port back (`tests/atspi/remembered.py`, which moves the windows with xdotool).
#[test]
fn windows_tabs_and_places_are_back_after_a_sigterm() {
    run_script(
        "remembered.py",
        &[],
        "what `tcptalk` remembers across two runs",
    );
}

//! Arguments: bad ones are refused with one clear line before anything starts, friendly ones
//! (spaces, an IME's full-width digits, `[::1]`, `HOST PORT`, `HOST:PORT`) are accepted.

use std::net::TcpListener;
use std::process::{Command, Stdio};

use crate::{BIN, Lines, Proc};

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

/// A python3 server on `addr` (127.0.0.1 or ::1) that greets each of `clients` connections
/// with one line naming its own port, then closes it. Returns it once listening, and its port.
fn python_greeter(addr: &str, clients: usize) -> (tcptalk_testkit::Peer, u16) {
    const GREETER: &str = "import socket,sys\n\
        addr,n=sys.argv[1],int(sys.argv[2])\n\
        l=socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET)\n\
        l.bind((addr,0))\nl.listen(8)\nport=l.getsockname()[1]\nprint(port,flush=True)\n\
        for _ in range(n):\n    c,_=l.accept()\n    c.sendall(b'hello from %d\\n'%port)\n    c.close()\n";
    let mut peer =
        tcptalk_testkit::Peer::python_code_with_args(GREETER, &[addr, &clients.to_string()]);
    let port = peer.line().trim().parse().expect("port");
    (peer, port)
}

/// Runs `tcptalk client --no-gui ARGS` with nothing on stdin: exit code, stdout, stderr.
fn client_run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(["client", "--no-gui"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run tcptalk");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The forms nc, ncat and URLs taught people, each to a real server: `HOST PORT`, `HOST:PORT`,
/// `[v6]:PORT`, a bare `::1` as the host, and `--port`.
#[test]
fn host_and_port_in_the_forms_of_nc_and_ncat_connect() {
    let (_v4, port4) = python_greeter("127.0.0.1", 3);
    let (_v6, port6) = python_greeter("::1", 3);
    let (p4, p6) = (port4.to_string(), port6.to_string());
    let forms: [(Vec<String>, u16); 6] = [
        (vec!["127.0.0.1".into(), p4.clone()], port4),
        (vec![format!("127.0.0.1:{p4}")], port4),
        (vec!["127.0.0.1".into(), "-p".into(), p4.clone()], port4),
        (vec![format!("[::1]:{p6}")], port6),
        (vec!["::1".into(), p6.clone()], port6),
        (vec!["::1".into(), "--port".into(), p6.clone()], port6),
    ];
    for (args, port) in &forms {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = client_run(&args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_eq!(stdout, format!("hello from {port}\n"), "{args:?}: {stderr}");
        assert!(!stderr.contains("--port wins"), "{args:?}: {stderr}");
    }
}

/// `--port` is the explicit one: it wins over a port given with the host, and says so.
#[test]
fn port_flag_wins_over_a_positional_port_with_a_note() {
    let (_server, port) = python_greeter("127.0.0.1", 2);
    let port = port.to_string();
    let wrong = "1";
    for host_and_port in [vec!["127.0.0.1", wrong], vec!["127.0.0.1:1"]] {
        let mut args = host_and_port.clone();
        args.extend(["--port", &port]);
        let (code, stdout, stderr) = client_run(&args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_eq!(stdout, format!("hello from {port}\n"), "{args:?}");
        let note = stderr
            .lines()
            .find(|line| line.contains("--port wins"))
            .unwrap_or_else(|| panic!("{args:?}: no note: {stderr}"));
        assert!(
            note.contains(&format!("using port {port} from --port, not {wrong}")),
            "{note}"
        );
    }
}

/// A form that cannot be read exits 2 before anything starts, saying what to type in a
/// terminal rather than pointing at a window's fields.
#[test]
fn bad_host_and_port_forms_exit_2_with_terminal_words() {
    for (args, words) in [
        (
            vec!["127.0.0.1:"],
            "`tcptalk client HOST PORT`, `HOST:PORT` or `--port PORT`",
        ),
        (vec!["[::1]:"], "`HOST:PORT` or `--port PORT`"),
        (vec!["127.0.0.1:abc"], "\"abc\" is not a port number"),
        (vec!["127.0.0.1:0"], "port 0"),
        (vec!["127.0.0.1:70000"], "65535"),
        (vec!["[::1]8899"], "[::1]:8899"),
        (vec!["1.2.3.4:5:6"], "[::1]:8899"),
        (vec!["127.0.0.1:80", "90"], "two ports given"),
        (vec![":8899"], "no host given"),
        (vec!["127.0.0.1", "x"], "not a port number"),
    ] {
        let (code, _, stderr) = client_run(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains(words),
            "{args:?}: lacks {words:?}: {stderr}"
        );
        assert!(
            !stderr.contains("field"),
            "{args:?}: window words: {stderr}"
        );
        assert!(!stderr.contains("connecting"), "{args:?}: {stderr}");
    }
    let (code, err) = run_args(&["server", "--no-gui", "--bind", "0.0.0.0:8899"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--port PORT"), "{err}");
    assert!(!err.contains("field"), "{err}");
}

//! `--rules FILE`: auto-reply rules answering a python3 client (its own socket module), each
//! kind, captures, delay, hex, and input no rule matches; bad files refused with their line.

use std::process::{Command, Stdio};

use tcptalk_testkit::Peer;

use super::{BIN, json_server, temp_dir};

const RULES: &str = r#"
[[rule]]
match = "exact"
pattern = "PING"
reply = "PONG\n"

[[rule]]
match = "contains"
pattern = "温度"
reply = "25℃\n"

[[rule]]
match = "starts"
pattern = "AT+"
reply = "OK\r\n"

[[rule]]
match = "ends"
pattern = "?"
reply = "yes\n"

[[rule]]
match = "regex"
pattern = '^GET (\w+) (?P<unit>\w+)'
reply = "VALUE $1=42${unit}\n"

[[rule]]
match = "exact"
pattern = "01 03"
hex = true
reply = "01 83 02"

[[rule]]
match = "exact"
pattern = "SLOW"
reply = "late\n"
delay_ms = 300

[[rule]]
match = "exact"
pattern = "OFF"
reply = "never\n"
enabled = false
"#;

/// A python3 client: for each question (hex) on its command line, sends it, then prints
/// `reply HEX MS` with what came back within the wait and how long it took, or `none`.
const ASK: &str = r#"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for question in sys.argv[2:]:
    wait = 1.5 if question != "" else 0.5
    start = time.monotonic()
    s.sendall(bytes.fromhex(question))
    s.settimeout(wait)
    got = b""
    try:
        got = s.recv(4096)
        s.settimeout(0.05)
        while True:
            more = s.recv(4096)
            if not more:
                break
            got += more
    except socket.timeout:
        pass
    ms = (time.monotonic() - start) * 1000
    print(f"reply {got.hex()} {ms:.0f}" if got else "none", flush=True)
"#;

fn hex(text: &[u8]) -> String {
    text.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn each_rule_kind_answers_a_python_client_and_unmatched_input_gets_nothing() {
    let dir = temp_dir("rules");
    let path = dir.join("rules.toml");
    std::fs::write(&path, RULES).expect("write");
    let (_server, _lines, port) = json_server(&["--rules", path.to_str().expect("utf-8")]);
    let questions: [&[u8]; 10] = [
        b"PING\r\n",
        "今天温度多少\n".as_bytes(),
        b"AT+GMR\n",
        b"ready?\n",
        b"GET temp C\n",
        b"\x01\x03\n",
        b"SLOW\n",
        b"OFF\n",
        b"PING PING\n",
        b"\xFF\xFE not text\n",
    ];
    let mut args = vec![port.to_string()];
    args.extend(questions.iter().map(|q| hex(q)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut client = Peer::python_code_with_args(ASK, &args);
    let expected: [Option<&[u8]>; 10] = [
        Some(b"PONG\n"),
        Some("25℃\n".as_bytes()),
        Some(b"OK\r\n"),
        Some(b"yes\n"),
        Some(b"VALUE temp=42C\n"),
        Some(&[0x01, 0x83, 0x02]),
        Some(b"late\n"),
        None,
        None,
        None,
    ];
    for (question, expect) in questions.iter().zip(expected) {
        let line = client.line();
        match expect {
            Some(reply) => {
                let mut words = line.split(' ');
                assert_eq!(words.next(), Some("reply"), "{question:?}: {line}");
                assert_eq!(words.next(), Some(hex(reply).as_str()), "{question:?}");
                let ms: u64 = words.next().and_then(|ms| ms.parse().ok()).expect("ms");
                if *question == b"SLOW\n" {
                    assert!(ms >= 290, "the delay was honoured: {ms} ms");
                    println!("delay_ms = 300 answered after {ms} ms");
                }
            }
            None => assert_eq!(line, "none", "{question:?}"),
        }
    }
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[test]
fn a_bad_rules_file_is_refused_with_its_rule_and_line() {
    let dir = temp_dir("bad-rules");
    let cases = [
        (
            "[[rule]]\nmatch = \"exact\"\npattern = \"a\"\n\n[[rule]]\nmatch = \"regex\"\npattern = \"(unclosed\"\n",
            "rule 2 (line 5)",
        ),
        (
            "[[rule]]\nmatch = \"exact\"\npattern = \"a\"\nreply = oops\n",
            "line 4",
        ),
        ("[[rule]]\nmatch = \"fuzzy\"\npattern = \"a\"\n", "line 2"),
    ];
    for (index, (text, says)) in cases.iter().enumerate() {
        let path = dir.join(format!("bad{index}.toml"));
        std::fs::write(&path, text).expect("write");
        let output = Command::new(BIN)
            .args(["server", "--no-gui", "--port", "0", "--rules"])
            .arg(&path)
            .stdin(Stdio::null())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "{says}: {stderr}");
    }
    let output = Command::new(BIN)
        .args([
            "server",
            "--no-gui",
            "--port",
            "0",
            "--rules",
            "/nonexistent/rules.toml",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/rules.toml"));
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

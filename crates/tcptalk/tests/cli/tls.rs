//! TLS against peers no one here wrote: openssl s_client and s_server, ncat --ssl, python's
//! ssl module. The fingerprints tcptalk prints are compared with `openssl x509`'s, and every
//! refusal must say why in words.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tcptalk_testkit::{Peer, free_port};

use super::tls_peers::{Output, expired_cert, openssl_cert, openssl_fingerprint, wait_for_port};
use super::{BIN, Lines, Proc, json, json_server, require, say, spawn_piped, temp_dir};

/// `tcptalk client --no-gui --json --tls` with `extra`, its stdin piped.
fn tls_client(host: &str, port: u16, extra: &[&str]) -> (Proc, Lines, Output) {
    spawn_piped(
        Command::new(BIN)
            .args(["client", "--no-gui", "--json", "--tls", host, "--port"])
            .arg(port.to_string())
            .args(extra),
    )
}

/// A client that must fail: its one error line, and the time it took.
fn failed_client(host: &str, port: u16, extra: &[&str]) -> (String, Duration) {
    let started = Instant::now();
    let out = Command::new(BIN)
        .args(["client", "--no-gui", "--tls", host, "--port"])
        .arg(port.to_string())
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .expect("run tcptalk");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    (stderr, started.elapsed())
}

fn openssl_s_server(port: u16, cert: &std::path::Path, key: &std::path::Path) -> Proc {
    require("openssl");
    let mut cmd = Command::new("openssl");
    cmd.args(["s_server", "-rev", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(cert)
        .arg("-key")
        .arg(key)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let server = Proc::spawn(&mut cmd);
    wait_for_port(port);
    server
}

#[test]
fn a_tls_server_talks_to_openssl_s_client_and_prints_the_fingerprint_openssl_does() {
    require("openssl");
    let dir = temp_dir("tls-s-client");
    let (cert, key) = openssl_cert(&dir, "server", "localhost", "DNS:localhost,IP:127.0.0.1");
    let cert_arg = cert.to_str().expect("path");
    let key_arg = key.to_str().expect("path");
    let (mut server, mut lines, port) =
        json_server(&["--tls", "--cert", cert_arg, "--key", key_arg]);
    let announced = lines
        .seen
        .iter()
        .find(|l| l.contains("\"certificate\""))
        .map(|l| json(l))
        .expect("a certificate event before listening");
    assert_eq!(
        announced["certificate"]["sha256"],
        openssl_fingerprint(&cert)
    );
    assert_eq!(announced["certificate"]["subject"], "CN=localhost");
    let mut output = Output::new(server.child.stdout.take().expect("stdout"));

    let mut s_client = Proc::spawn(
        Command::new("openssl")
            .args(["s_client", "-quiet", "-verify_return_error", "-CAfile"])
            .arg(&cert)
            .arg("-connect")
            .arg(format!("127.0.0.1:{port}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let mut s_client_out = Output::new(s_client.child.stdout.take().expect("stdout"));
    let tls = json(&lines.expect("\"tls\""));
    assert_eq!(tls["version"], "TLS 1.3");
    assert!(
        tls["cipher"]
            .as_str()
            .is_some_and(|c| c.starts_with("TLS13_"))
    );
    say(&mut s_client, "hello over tls\n");
    output.expect("hello over tls\n");
    say(&mut server, "and back\n");
    s_client_out.expect("and back");
}

#[test]
fn a_tls_client_verifies_openssl_s_server_with_a_ca_file_and_shows_its_certificate() {
    let dir = temp_dir("tls-s-server");
    let (cert, key) = openssl_cert(&dir, "server", "localhost", "DNS:localhost,IP:127.0.0.1");
    let port = free_port();
    let _s_server = openssl_s_server(port, &cert, &key);
    let ca = cert.to_str().expect("path");
    let (mut client, mut lines, mut output) = tls_client("localhost", port, &["--ca", ca]);
    let tls = json(&lines.expect("\"tls\""));
    assert_eq!(tls["verified"], true);
    assert_eq!(tls["certificate"]["sha256"], openssl_fingerprint(&cert));
    assert_eq!(tls["certificate"]["subject"], "CN=localhost");
    say(&mut client, "hello\n");
    // s_server -rev answers each line reversed.
    output.expect("olleh");
}

#[test]
fn ncat_ssl_is_a_peer_both_ways() {
    require("ncat");
    // ncat's listener makes a throwaway certificate: trusted explicitly, and said to be so.
    // -k: the readiness probe is one connection, ours the next.
    let port = free_port();
    let mut ncat_server = Proc::spawn(
        Command::new("ncat")
            .args(["--ssl", "-k", "-l", "127.0.0.1"])
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    wait_for_port(port);
    let mut ncat_out = Output::new(ncat_server.child.stdout.take().expect("stdout"));
    let (mut client, mut lines, mut output) =
        tls_client("127.0.0.1", port, &["--insecure", "--timeout", "10"]);
    let tls = json(&lines.expect("\"tls\""));
    assert_eq!(tls["verified"], false);
    say(&mut client, "from tcptalk\n");
    ncat_out.expect("from tcptalk");
    say(&mut ncat_server, "from ncat\n");
    output.expect("from ncat");

    // And ncat as the client of tcptalk's own self-signed certificate, which it verifies.
    let config = temp_dir("tls-ncat-config");
    let mut cmd = Command::new(BIN);
    cmd.env("TCPTALK_CONFIG_DIR", &config)
        .args([
            "server",
            "--no-gui",
            "--json",
            "--tls",
            "--bind",
            "127.0.0.1",
        ])
        .args(["--port", "0", "--once"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut server = Proc::spawn(&mut cmd);
    let mut server_lines = Lines::new(server.child.stderr.take().expect("stderr"));
    let port = json(&server_lines.expect("\"listening\""))["port"]
        .as_u64()
        .expect("port");
    let self_signed = config.join("tls/server-cert.pem");
    let mut server_out = Output::new(server.child.stdout.take().expect("stdout"));
    let ncat = Command::new("ncat")
        .args(["--ssl", "--ssl-verify", "--ssl-trustfile"])
        .arg(&self_signed)
        // ncat matches DNS names only, not IP addresses, against the certificate.
        .args(["localhost", &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ncat");
    let mut ncat = Proc { child: ncat };
    say(&mut ncat, "verified by ncat\n");
    server_out.expect("verified by ncat");
}

const PYTHON_TLS_SERVER: &str = r#"
import socket, ssl, sys
cert, key, client_ca = sys.argv[1:4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(client_ca)
listener = socket.create_server(("127.0.0.1", 0))
print(listener.getsockname()[1], flush=True)
conn, _ = listener.accept()
tls = ctx.wrap_socket(conn, server_side=True)
subject = dict(x[0] for x in tls.getpeercert()["subject"])
print("client", subject["commonName"], tls.version(), flush=True)
data = tls.recv(100)
print("got", data.decode().strip(), flush=True)
tls.sendall(b"python says hi\n")
tls.recv(100)
"#;

const PYTHON_TLS_CLIENT: &str = r#"
import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
if len(sys.argv) > 3:
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
try:
    with socket.create_connection(("127.0.0.1", port)) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"python client\n")
            print("answer", tls.recv(100).decode().strip(), flush=True)
except (ssl.SSLError, OSError) as err:
    print("refused", type(err).__name__, flush=True)
"#;

#[test]
fn client_certificates_work_with_python_ssl_both_ways() {
    let dir = temp_dir("tls-python");
    let (server_cert, server_key) =
        openssl_cert(&dir, "server", "localhost", "DNS:localhost,IP:127.0.0.1");
    let (client_cert, client_key) = openssl_cert(&dir, "client", "device-7", "DNS:device-7");
    let path = |p: &std::path::Path| p.to_str().expect("path").to_string();

    // python's server requires a client certificate: tcptalk shows one.
    let mut python = Peer::python_code_with_args(
        PYTHON_TLS_SERVER,
        &[&path(&server_cert), &path(&server_key), &path(&client_cert)],
    );
    let port: u16 = python.line().trim().parse().expect("port");
    let (mut client, mut lines, mut output) = tls_client(
        "localhost",
        port,
        &[
            "--ca",
            &path(&server_cert),
            "--cert",
            &path(&client_cert),
            "--key",
            &path(&client_key),
        ],
    );
    lines.expect("\"tls\"");
    assert!(python.line().starts_with("client device-7 TLSv1.3"));
    say(&mut client, "tcptalk here\n");
    assert_eq!(python.line(), "got tcptalk here");
    output.expect("python says hi");

    // tcptalk's server requires one: python without it is refused with a reason, with it
    // comes in, and its certificate's fingerprint is the one openssl prints.
    let (mut server, mut lines, port) = json_server(&[
        "--tls",
        "--cert",
        &path(&server_cert),
        "--key",
        &path(&server_key),
        "--ca",
        &path(&client_cert),
    ]);
    let port = port.to_string();
    let mut refused = Peer::python_code_with_args(PYTHON_TLS_CLIENT, &[&port, &path(&server_cert)]);
    assert!(refused.line().starts_with("refused"));
    let warning = json(&lines.expect("\"warning\""));
    assert!(
        warning["message"]
            .as_str()
            .is_some_and(|m| m.contains("sent no certificate")),
        "{warning}"
    );
    let mut python = Peer::python_code_with_args(
        PYTHON_TLS_CLIENT,
        &[
            &port,
            &path(&server_cert),
            &path(&client_cert),
            &path(&client_key),
        ],
    );
    let tls = json(&lines.expect("\"tls\""));
    assert_eq!(
        tls["certificate"]["sha256"],
        openssl_fingerprint(&client_cert)
    );
    assert_eq!(tls["certificate"]["subject"], "CN=device-7");
    say(&mut server, "welcome\n");
    assert_eq!(python.line(), "answer welcome");
}

#[test]
fn an_expired_certificate_and_a_name_mismatch_are_refused_with_their_reason() {
    let dir = temp_dir("tls-refused");
    let (cert, key) = expired_cert(&dir);
    let port = free_port();
    let _s_server = openssl_s_server(port, &cert, &key);
    let (stderr, _) = failed_client("localhost", port, &["--ca", cert.to_str().expect("path")]);
    assert!(stderr.contains("has expired"), "{stderr}");
    assert!(stderr.contains("2021-01-01"), "{stderr}");

    let (cert, key) = openssl_cert(&dir, "other", "other.test", "DNS:other.test");
    let port = free_port();
    let _s_server = openssl_s_server(port, &cert, &key);
    let ca = cert.to_str().expect("path");
    let (stderr, _) = failed_client("localhost", port, &["--ca", ca]);
    assert!(
        stderr.contains("not for 'localhost' (name mismatch)"),
        "{stderr}"
    );

    // Not in the trusted set at all.
    let (other_ca, _) = openssl_cert(&dir, "unrelated", "unrelated", "DNS:unrelated");
    let (stderr, _) = failed_client(
        "localhost",
        port,
        &["--ca", other_ca.to_str().expect("path")],
    );
    assert!(stderr.contains("unknown issuer"), "{stderr}");
}

#[test]
fn a_plain_tcp_peer_on_a_tls_client_fails_with_a_clear_message_within_the_timeout() {
    // One that talks first, as SMTP or a device banner does.
    let mut banner = Peer::python_code(
        "import socket\nl = socket.create_server(('127.0.0.1', 0))\nprint(l.getsockname()[1], flush=True)\nc, _ = l.accept()\nc.sendall(b'220 plain text here\\r\\n')\nc.recv(1000)\n",
    );
    let port: u16 = banner.line().trim().parse().expect("port");
    let (stderr, took) = failed_client("127.0.0.1", port, &["--insecure", "--timeout", "3"]);
    assert!(stderr.contains("does not speak TLS"), "{stderr}");
    assert!(took < Duration::from_secs(3), "took {took:?}");

    // One that says nothing and waits: the handshake cannot finish, the timeout ends it.
    let mut silent = Peer::python_code(
        "import socket, time\nl = socket.create_server(('127.0.0.1', 0))\nprint(l.getsockname()[1], flush=True)\nc, _ = l.accept()\ntime.sleep(30)\n",
    );
    let port: u16 = silent.line().trim().parse().expect("port");
    let (stderr, took) = failed_client("127.0.0.1", port, &["--insecure", "--timeout", "1.5"]);
    assert!(stderr.contains("may not speak TLS"), "{stderr}");
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(5),
        "took {took:?}"
    );
}

#[test]
fn bad_certificate_files_stop_the_server_before_it_listens() {
    let dir = temp_dir("tls-bad-files");
    let (cert, key) = openssl_cert(&dir, "a", "localhost", "DNS:localhost");
    let (_, other_key) = openssl_cert(&dir, "b", "localhost", "DNS:localhost");
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "this is not a certificate").expect("write");
    let missing = dir.join("missing.pem");
    let port = free_port().to_string();
    let cases = [
        (missing.clone(), key.clone(), "not found"),
        (not_pem.clone(), key.clone(), "is not a PEM file"),
        (cert.clone(), not_pem.clone(), "private key file"),
        (
            cert.clone(),
            other_key.clone(),
            "does not belong to the certificate",
        ),
    ];
    for (cert, key, says) in cases {
        let out = Command::new(BIN)
            .args([
                "server",
                "--no-gui",
                "--tls",
                "--bind",
                "127.0.0.1",
                "--port",
                &port,
            ])
            .arg("--cert")
            .arg(&cert)
            .arg("--key")
            .arg(&key)
            .stdin(Stdio::null())
            .output()
            .expect("run tcptalk");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(says), "{says:?} not in {stderr}");
        assert!(!stderr.contains("listening"), "{stderr}");
    }
}

//! Multicast across a veth pair between two network namespaces this test makes (CI runs as
//! root): tcptalk joins a group on the interface it is told, python sends to the group from
//! the other side; then tcptalk sends to the group, which needs no join, and python hears it.
//! Nothing leaves this machine.

use std::process::Command;

use super::tls_peers::Output;
use super::{BIN, Lines, Proc, json, say, spawn_piped};

const GROUP: &str = "239.7.7.7";

struct Pair {
    a: String,
    b: String,
    subnet: u32,
}

impl Pair {
    /// Namespace `a` has veth `mca` with 10.78.S.1, `b` has `mcb` with 10.78.S.2.
    fn new() -> Pair {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let seq = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("{}-{seq}", std::process::id());
        let subnet = 10 + seq % 200;
        let pair = Pair {
            a: format!("tcptalk-mc-a-{id}"),
            b: format!("tcptalk-mc-b-{id}"),
            subnet,
        };
        ip(&["netns", "add", &pair.a]);
        ip(&["netns", "add", &pair.b]);
        // Made inside `a`, its peer end put in `b`: no name is ever used outside them.
        ip(&[
            "-n", &pair.a, "link", "add", "name", "mca", "type", "veth", "peer", "name", "mcb",
        ]);
        ip(&["-n", &pair.a, "link", "set", "mcb", "netns", &pair.b]);
        for (ns, dev, host) in [(&pair.a, "mca", 1), (&pair.b, "mcb", 2)] {
            let addr = format!("10.78.{subnet}.{host}/24");
            ip(&["-n", ns, "addr", "add", &addr, "dev", dev]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        pair
    }

    fn run(&self, ns: &str, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns, program]).args(args);
        cmd
    }
}

fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .expect("ip (iproute2; scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "ip {args:?} failed (this test makes network namespaces and needs root): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Drop for Pair {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "delete", ns]).output();
        }
    }
}

fn spawn(mut cmd: Command) -> (Proc, Lines, Output) {
    spawn_piped(&mut cmd)
}

const SEND_TO_GROUP: &str = r#"
import socket, sys, time
group, port, iface = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface))
for i in range(40):
    s.sendto(b"to the group\n", (group, port))
    time.sleep(0.25)
"#;

const JOIN_GROUP: &str = r#"
import socket, struct, sys
group, port, iface = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(iface)))
print("joined", flush=True)
s.settimeout(20)
data, source = s.recvfrom(1000)
print(repr(data), source[0], flush=True)
"#;

#[test]
fn multicast_is_joined_on_the_chosen_interface_and_sent_without_a_join() {
    let pair = Pair::new();
    let a_addr = format!("10.78.{}.1", pair.subnet);
    let b_addr = format!("10.78.{}.2", pair.subnet);

    // tcptalk in b joins the group on mcb, named by interface.
    let (_server, mut lines, mut output) = spawn(pair.run(
        &pair.b,
        BIN,
        &[
            "server",
            "--no-gui",
            "--json",
            "--udp",
            "--multicast",
            GROUP,
            "--iface",
            "mcb",
            "--port",
            "5007",
        ],
    ));
    let listening = json(&lines.expect("\"listening\""));
    assert_eq!(listening["transport"], "udp");
    let (_sender, _, _) = spawn(pair.run(
        &pair.a,
        "python3",
        &["-c", SEND_TO_GROUP, GROUP, "5007", &a_addr],
    ));
    output.expect("to the group\n");
    let source = json(&lines.expect("\"connected\""));
    assert!(
        source["addr"]
            .as_str()
            .is_some_and(|a| a.starts_with(&format!("{a_addr}:"))),
        "{source}"
    );

    // tcptalk in a sends to the group from mca (by address); python in b joined it.
    let (_listener, _, mut heard) = spawn(pair.run(
        &pair.b,
        "python3",
        &["-c", JOIN_GROUP, GROUP, "5008", &b_addr],
    ));
    heard.expect("joined");
    let (mut client, mut client_lines, _) = spawn(pair.run(
        &pair.a,
        BIN,
        &[
            "client",
            "--no-gui",
            "--json",
            "--udp",
            GROUP,
            "--port",
            "5008",
            "--multicast",
            GROUP,
            "--iface",
            &a_addr,
        ],
    ));
    client_lines.expect("\"connected\"");
    say(&mut client, "hello group\n");
    heard.expect(&format!("b'hello group\\n' {a_addr}"));
}

//! 抓包 in the server window: what the window saw, read back by tshark.

use std::io::Write;
use std::process::{Command, Stdio};

use tcptalk_gui::Lang;

use crate::common::*;
use crate::{connect_client, start_listening, wait_for_history};

#[test]
fn a_capture_from_the_window_is_read_by_tshark_with_every_byte() {
    let dir = std::env::temp_dir().join(format!("tcptalk-gui-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("window.pcap");
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    type_into(&mut harness, "保存到：", &path.display().to_string());
    click(&mut harness, "导出");
    click(&mut harness, "抓包（从现在起）");
    wait_for_history(&mut harness, "开始抓包，写入");
    client.write_all("你好\n".as_bytes()).expect("write");
    wait_for_history(&mut harness, "你好");
    send_message(&mut harness, "收到");
    read_exactly(&mut client, "收到".as_bytes());
    click(&mut harness, "导出（抓包中）");
    click(&mut harness, "停止抓包");
    wait_for_history(&mut harness, "抓包已停止");
    // The session writes on its own thread; give it the moment to flush.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let payloads = loop {
        let output = Command::new("tshark")
            .arg("-r")
            .arg(&path)
            .args(["-T", "fields", "-e", "tcp.payload"])
            .stderr(Stdio::null())
            .output()
            .expect("tshark (scripts/test.sh installs it)");
        let text = String::from_utf8_lossy(&output.stdout).replace(':', "");
        let payloads: Vec<String> = text.lines().map(str::to_string).collect();
        if payloads.len() >= 2 || std::time::Instant::now() > deadline {
            break payloads;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(payloads, [hex("你好\n".as_bytes()), hex("收到".as_bytes())]);
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_session_so_far_exports_as_pcap_and_a_clients_raw_bytes() {
    let dir = std::env::temp_dir().join(format!("tcptalk-gui-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("so-far.pcap");
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    client.write_all(b"\x01\x02\xff before\n").expect("write");
    wait_for_history(&mut harness, "before");
    type_into(&mut harness, "保存到：", &path.display().to_string());
    click(&mut harness, "导出");
    click(&mut harness, "导出 pcap（到现在为止）");
    wait_for_history(&mut harness, "已导出 11 字节的收发数据到");
    let output = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(["-T", "fields", "-e", "tcp.payload"])
        .stderr(Stdio::null())
        .output()
        .expect("tshark (scripts/test.sh installs it)");
    let text = String::from_utf8_lossy(&output.stdout).replace(':', "");
    assert_eq!(text.trim(), hex(b"\x01\x02\xff before\n"));
    // The client's raw bytes, from its entry in the menu.
    let me = client.local_addr().expect("addr").to_string();
    click(&mut harness, "导出");
    click(&mut harness, &format!("收到的原始数据：{me}"));
    wait_for(&mut harness, "the raw export", |h| {
        h.state()
            .history()
            .entries()
            .filter(|e| e.contains("已导出 11 字节"))
            .count()
            == 2
    });
    let raw = harness
        .state()
        .history()
        .entries()
        .filter_map(|e| e.split("收发数据到 ").nth(1).map(str::to_string))
        .find(|p| p.ends_with(".bin"))
        .expect("the raw file is named");
    assert_eq!(std::fs::read(&raw).expect("raw"), b"\x01\x02\xff before\n");
    std::fs::remove_file(&raw).expect("cleaned up");
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

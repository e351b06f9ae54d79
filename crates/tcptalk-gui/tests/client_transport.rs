//! 传输方式 in the client window against a TLS server with a self-signed certificate: refused
//! with the reason when the certificate is not trusted (and the window is ready to connect
//! again), connected with a warning when the user trusts any certificate, and the server's
//! whole fingerprint shown.

mod common;

use common::*;
use egui_kittest::kittest::{NodeT, Queryable};
use tcptalk_gui::Lang;
use tcptalk_net::tls::{TlsServerOptions, server};
use tcptalk_net::{BindAddr, ServerConfig, ServerTransport, event_channel, spawn_server};

#[test]
fn a_tls_client_says_why_it_refused_and_shows_the_fingerprint_when_trusting() {
    let runtime = runtime();
    let dir = std::env::temp_dir().join(format!("tcptalk-gui-tls-{}", std::process::id()));
    let tls = server(&TlsServerOptions {
        self_signed_dir: Some(dir.clone()),
        ..TlsServerOptions::default()
    })
    .expect("a self-signed certificate");
    let fingerprint = tls.certificate.sha256.clone();
    let port = free_port();
    let mut config = ServerConfig::new(BindAddr::Ip([127, 0, 0, 1].into()), port);
    config.transport = ServerTransport::Tls(tls);
    let (events, mut engine) = event_channel(64);
    let handle = spawn_server(runtime.handle(), config, events);
    // Bounded: the engine reports listening at once.
    let _listening = runtime.handle().block_on(engine.recv());

    let mut harness = client_harness(&runtime, Lang::Zh);
    click(&mut harness, "传输方式");
    click(&mut harness, "TLS");
    type_into(&mut harness, "服务器IP：", "127.0.0.1");
    type_into(&mut harness, "端口：", &port.to_string());
    // With only the self-signed certificate's own file trusted nothing would fail; here an
    // unrelated CA file is named, so the server's issuer is unknown.
    let unrelated = dir.join("unrelated.pem");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers/unrelated-ca.pem"),
        &unrelated,
    )
    .expect("copy the unrelated CA");
    type_into(&mut harness, "CA 文件", unrelated.to_str().expect("path"));
    click(&mut harness, "连接服务器");
    wait_for(&mut harness, "the refusal", |h| {
        notice_of(h.state().pane()).contains("签发者不受信任")
    });
    assert!(
        !is_disabled(&harness, "连接服务器"),
        "ready to connect again"
    );

    click(&mut harness, "信任任何证书");
    assert!(harness.query_by_label_contains("不验证服务器").is_some());
    click(&mut harness, "连接服务器");
    wait_for(&mut harness, "the connection", |h| h.state().is_connected());
    assert!(
        harness
            .query_all_by_label_contains("未验证服务器身份")
            .count()
            > 0,
        "the TLS line says the server was not verified"
    );
    let shown: String = harness
        .query_all_by_label_contains("SHA-256 ")
        .filter_map(|node| {
            node.accesskit_node()
                .value()
                .or(node.accesskit_node().label())
        })
        .collect();
    let compact: String = shown.split_whitespace().collect();
    assert!(
        compact.contains(&fingerprint),
        "{fingerprint} not in {shown:?}"
    );
    handle.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reconnect_counts_down_and_connects_when_the_server_comes() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    let port = free_port();
    type_into(&mut harness, "服务器IP：", "127.0.0.1");
    type_into(&mut harness, "端口：", &port.to_string());
    click(&mut harness, "自动重连");
    click(&mut harness, "连接服务器");
    wait_for(&mut harness, "the countdown", |h| {
        h.query_all_by_label_contains("秒后重连").count() > 0
    });
    assert!(harness.query_by_label("取消重连").is_some());
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind");
    // The next tries come at 1 s, then 2 s: within the patience of a few waits.
    for _ in 0..3 {
        if harness.state().is_connected() {
            break;
        }
        run_for(&mut harness, std::time::Duration::from_millis(1500));
    }
    wait_for(&mut harness, "the connection", |h| h.state().is_connected());
    let _server = listener.accept().expect("accepted");
    // 取消重连 is gone with the countdown.
    assert!(harness.query_by_label("取消重连").is_none());
}

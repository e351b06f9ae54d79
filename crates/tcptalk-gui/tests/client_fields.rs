//! 服务器IP takes `HOST:PORT` and `[v6]:PORT` as nc and a browser do: the port moves into
//! 端口 and the window connects there.

mod common;

use std::net::TcpListener;

use common::{click, client_harness, runtime, type_into, wait_for};
use egui_kittest::kittest::Queryable;
use tcptalk_gui::Lang;

#[test]
fn a_port_typed_with_the_host_moves_into_the_port_field() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    for (bind, typed) in [("127.0.0.1", "127.0.0.1:{}"), ("::1", "[::1]:{}")] {
        let listener = TcpListener::bind((bind, 0)).expect("listen on loopback");
        let port = listener.local_addr().expect("address").port();
        type_into(
            &mut harness,
            "服务器IP：",
            &typed.replace("{}", &port.to_string()),
        );
        type_into(&mut harness, "端口：", "1");
        click(&mut harness, "连接服务器");
        wait_for(&mut harness, "the connection", |h| h.state().is_connected());
        let (_stream, from) = listener.accept().expect("the window connected here");
        assert!(from.ip().is_loopback());
        assert_eq!(harness.state().port_text(), port.to_string());
        assert_eq!(
            harness.get_by_label("服务器IP：").value().as_deref(),
            Some(bind),
            "the host field keeps the host alone"
        );
        click(&mut harness, "断开连接");
        wait_for(&mut harness, "disconnected", |h| !h.state().is_connected());
    }
}

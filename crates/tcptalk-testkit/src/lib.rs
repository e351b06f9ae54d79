//! Helpers shared by the test crates of the workspace (the window tests, the CLI tests): a
//! dev-dependency only, never a dependency of what ships. Std only.

mod python_peer;

pub use python_peer::Peer;

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

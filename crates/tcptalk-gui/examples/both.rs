//! Opens both windows without the `tcptalk` binary: `cargo run -p tcptalk-gui --example both`.
//! Arguments: `[port] [--listen] [--connect] [--zh|--en]`.

use tcptalk_gui::{Lang, Launch, Windows};

fn main() -> Result<(), tcptalk_gui::GuiError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = args.iter().find_map(|arg| arg.parse::<u16>().ok());
    let lang = if args.iter().any(|a| a == "--zh") {
        Some(Lang::Zh)
    } else if args.iter().any(|a| a == "--en") {
        Some(Lang::En)
    } else {
        None
    };
    tcptalk_gui::run(Launch {
        windows: Windows::Both,
        bind: None,
        server_port: port,
        listen: args.iter().any(|a| a == "--listen"),
        host: None,
        client_port: port,
        connect: args.iter().any(|a| a == "--connect"),
        lang,
        encoding: None,
        log: None,
        server_transport: Default::default(),
        client_transport: Default::default(),
        theme: None,
        renderer: Default::default(),
    })
}

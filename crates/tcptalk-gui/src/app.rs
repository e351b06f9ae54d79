//! The eframe application: one process, one engine runtime, the server window in the root
//! viewport and the client window in a second one (or either alone).

use egui::{ViewportBuilder, ViewportCommand, ViewportId};
use tcptalk_net::Runtime;

use crate::client::ClientWindow;
use crate::fonts::install_fonts;
use crate::pacer::FramePacer;
use crate::probe::Probe;
use crate::sending::SharedBook;
use crate::server::ServerWindow;
use crate::settings::Settings;
use crate::{GuiError, Lang, Launch, Windows};
use tcptalk_session::SharedLog;

/// The tutorial's window size.
const WINDOW_SIZE: [f32; 2] = [600.0, 500.0];
const MIN_SIZE: [f32; 2] = [480.0, 380.0];

/// Both windows and what they share.
#[derive(Debug)]
pub struct TcptalkApp {
    // Declared first so it is dropped first: windows stop their sessions, then the runtime goes.
    server: Option<ServerWindow>,
    client: Option<ClientWindow>,
    /// The client window of `Windows::Both` can be closed on its own.
    client_open: bool,
    windows: Windows,
    lang: Lang,
    settings: Settings,
    pacer: FramePacer,
    /// Benchmark instrumentation, only with `TCPTALK_BENCH_DIR` set.
    probe: Option<Probe>,
    _runtime: Runtime,
}

impl TcptalkApp {
    /// Builds the windows `launch` asks for. Command-line values win over `settings`.
    pub fn new(
        runtime: Runtime,
        launch: &Launch,
        mut settings: Settings,
        log: Option<SharedLog>,
    ) -> Self {
        if let Some(encoding) = launch.encoding {
            settings.server_encoding = encoding.label().into();
            settings.client_encoding = encoding.label().into();
        }
        let lang = launch.lang.or(settings.lang).unwrap_or_else(Lang::from_env);
        let handle = runtime.handle().clone();
        let pacer = FramePacer::default();
        let wants_server = matches!(launch.windows, Windows::Both | Windows::Server);
        let wants_client = matches!(launch.windows, Windows::Both | Windows::Client);
        let server = wants_server.then(|| {
            let mut server = ServerWindow::from_settings(handle.clone(), lang, &settings);
            if let Some(port) = launch.server_port {
                server.set_port(port);
            }
            server.set_bind(launch.bind.as_deref());
            server.transport_mut().apply(&launch.server_transport);
            if launch.listen {
                server.listen_on_start();
            }
            server.set_log(log.clone());
            server.set_pacer(pacer.clone());
            server
        });
        let client = wants_client.then(|| {
            let mut client = ClientWindow::from_settings(handle.clone(), lang, &settings);
            if let Some(host) = &launch.host {
                client.set_host(host);
            }
            if let Some(port) = launch.client_port {
                client.set_port(port);
            }
            client.transport_mut().apply(&launch.client_transport);
            if launch.connect {
                client.connect_on_start();
            }
            if launch.windows == Windows::Both {
                client.set_viewport(client_viewport());
            }
            client.set_log(log.clone());
            client.set_pacer(pacer.clone());
            client
        });
        let (mut server, mut client) = (server, client);
        // One book of saved commands for both windows, kept in the config folder.
        if let Some(path) = tcptalk_session::default_book_path() {
            let (book, error) = SharedBook::open(path);
            for pane in [
                server.as_mut().map(ServerWindow::pane_mut),
                client.as_mut().map(ClientWindow::pane_mut),
            ]
            .into_iter()
            .flatten()
            {
                pane.set_command_book(book.clone());
                if let Some(error) = &error {
                    pane.show_problem(lang.book_error(error));
                }
            }
        }
        // Each window keeps its own auto-reply rules, next to the saved commands.
        if let Some(folder) = tcptalk_session::default_book_path()
            .as_deref()
            .and_then(std::path::Path::parent)
        {
            if let Some(server) = &mut server {
                server
                    .pane_mut()
                    .set_rules_file(folder.join("server-rules.toml"));
            }
            if let Some(client) = &mut client {
                client
                    .pane_mut()
                    .set_rules_file(folder.join("client-rules.toml"));
            }
        }
        TcptalkApp {
            server,
            client,
            client_open: true,
            windows: launch.windows,
            lang,
            settings,
            pacer,
            probe: None,
            _runtime: runtime,
        }
    }

    fn title(&self, lang: Lang) -> &'static str {
        match self.windows {
            Windows::Client => lang.texts().client_title,
            Windows::Both | Windows::Server => lang.texts().server_title,
        }
    }

    /// One language for both windows: a change in either applies to the other.
    fn sync_lang(&mut self, ctx: &egui::Context) {
        let changed = [
            self.server.as_ref().map(ServerWindow::lang),
            self.client.as_ref().map(ClientWindow::lang),
        ]
        .into_iter()
        .flatten()
        .find(|lang| *lang != self.lang);
        if let Some(lang) = changed {
            self.lang = lang;
            self.settings.lang = Some(lang);
            if let Some(server) = &mut self.server {
                server.set_lang(lang);
            }
            if let Some(client) = &mut self.client {
                client.set_lang(lang);
            }
            ctx.send_viewport_cmd_to(
                ViewportId::ROOT,
                ViewportCommand::Title(self.title(lang).into()),
            );
            ctx.request_repaint();
        }
    }
}

/// Gives the window's accessibility node its title, as screen readers name a frame: egui leaves
/// the root of each viewport's tree unnamed.
fn name_window(ctx: &egui::Context, title: &str) {
    ctx.accesskit_node_builder(egui::accesskit_root_id(), |node| node.set_label(title));
}

fn client_viewport() -> ViewportId {
    ViewportId::from_hash_of("tcptalk-client")
}

impl eframe::App for TcptalkApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        if let Some(took) = frame.info().cpu_usage {
            self.pacer
                .frame_took(std::time::Duration::from_secs_f32(took.max(0.0)));
        }
        let title = self.title(self.lang);
        match (&mut self.server, &mut self.client) {
            (Some(server), client) => {
                server.show(ui);
                name_window(ui.ctx(), title);
                if let (Some(client), Some(port)) = (client.as_mut(), server.port_for_clients()) {
                    client.follow_server_port(port);
                }
                if let Some(client) = client
                    && self.client_open
                {
                    let lang = self.lang;
                    let builder = ViewportBuilder::default()
                        .with_title(self.lang.texts().client_title)
                        .with_inner_size(WINDOW_SIZE)
                        .with_min_inner_size(MIN_SIZE)
                        .with_position([WINDOW_SIZE[0] + 40.0, 0.0]);
                    let closed = ui.ctx().show_viewport_immediate(
                        client_viewport(),
                        builder,
                        |ui, _class| {
                            client.show(ui);
                            name_window(ui.ctx(), lang.texts().client_title);
                            ui.input(|input| input.viewport().close_requested())
                        },
                    );
                    if closed {
                        client.shutdown();
                        self.client_open = false;
                    }
                }
            }
            (None, Some(client)) => {
                client.show(ui);
                name_window(ui.ctx(), title);
            }
            (None, None) => {}
        }
        self.sync_lang(ui.ctx());
        if let (Some(probe), Some(server)) = (&mut self.probe, &mut self.server) {
            probe.frame(server, frame.info().cpu_usage);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Some(server) = &self.server {
            server.save(&mut self.settings);
        }
        if let Some(client) = &self.client {
            client.save(&mut self.settings);
        }
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Some(server) = &mut self.server {
            server.shutdown();
        }
        if let Some(client) = &mut self.client {
            client.shutdown();
        }
    }
}

/// Fonts (with CJK), the light theme and the tutorial's framed look: what the windows expect of
/// their context. Benchmarks that drive a window without eframe call it too.
pub fn setup_context(ctx: &egui::Context) {
    install_fonts(ctx);
    ctx.set_theme(egui::Theme::Light);
    ctx.style_mut_of(egui::Theme::Light, crate::widgets::tutorial_style);
}

pub fn run(launch: Launch) -> Result<(), GuiError> {
    let runtime = Runtime::new().map_err(GuiError::Runtime)?;
    let log = match &launch.log {
        Some(path) => Some(SharedLog::open(path).map_err(|source| GuiError::Log {
            path: path.clone(),
            source,
        })?),
        None => None,
    };
    // The title is set again once the language is known (it may come from remembered settings).
    let first_lang = launch.lang.unwrap_or_else(Lang::from_env);
    let title = match launch.windows {
        Windows::Client => first_lang.texts().client_title,
        Windows::Both | Windows::Server => first_lang.texts().server_title,
    };
    let options = eframe::NativeOptions {
        viewport: ViewportBuilder::default()
            .with_title(title)
            .with_app_id("tcptalk")
            .with_inner_size(WINDOW_SIZE)
            .with_min_inner_size(MIN_SIZE),
        persist_window: false,
        ..Default::default()
    };
    eframe::run_native(
        "tcptalk",
        options,
        Box::new(move |cc| {
            setup_context(&cc.egui_ctx);
            let settings: Settings = cc
                .storage
                .and_then(|storage| eframe::get_value(storage, eframe::APP_KEY))
                .unwrap_or_default();
            let mut app = TcptalkApp::new(runtime, &launch, settings, log.clone());
            app.probe = Probe::from_env(&cc.egui_ctx);
            if let Some(log_path) = &launch.log {
                tracing::info!(path = %log_path.display(), "logging history");
            }
            let lang = app.lang;
            cc.egui_ctx
                .send_viewport_cmd(ViewportCommand::Title(app.title(lang).into()));
            Ok(Box::new(app))
        }),
    )
    .map_err(|err| GuiError::Window(err.to_string()))
}

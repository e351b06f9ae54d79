//! The eframe application: one process, one engine runtime, the server window in the root
//! viewport and the client window in a second one (or either alone). Each window holds its
//! sessions as tabs ([`crate::tabs`]); its first tab is the tutorial's window.

use egui::{Ui, ViewportBuilder, ViewportCommand, ViewportId};
use tcptalk_net::Runtime;

use crate::client::ClientWindow;
use crate::fonts::install_fonts;
use crate::pacer::FramePacer;
use crate::probe::Probe;
use crate::sending::SharedBook;
use crate::server::ServerWindow;
use crate::settings::{Settings, parse_theme, theme_name};
use crate::tabs::{Page, SessionTabs, TabSetup};
use crate::{GuiError, Lang, Launch, Windows};
use tcptalk_session::SharedLog;

/// The tutorial's window size.
const WINDOW_SIZE: [f32; 2] = [600.0, 500.0];
const MIN_SIZE: [f32; 2] = [480.0, 380.0];

/// Both windows and what they share.
#[derive(Debug)]
pub struct TcptalkApp {
    // Declared first so they are dropped first: windows stop their sessions, then the runtime
    // goes.
    /// The first window's tabs: 服务器 first (or 客户端 alone).
    root: SessionTabs,
    /// The client window's tabs when both windows are open.
    second: Option<SessionTabs>,
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
        let mut shared_book = None;
        if let Some(path) = tcptalk_session::default_book_path() {
            let (book, error) = SharedBook::open(path);
            shared_book = Some(book.clone());
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
        let rules_folder = tcptalk_session::default_book_path()
            .as_deref()
            .and_then(std::path::Path::parent)
            .map(std::path::Path::to_path_buf);
        if let Some(folder) = &rules_folder {
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
        let setup = |viewport| TabSetup {
            runtime: handle.clone(),
            viewport,
            pacer: pacer.clone(),
            log: log.clone(),
            book: shared_book.clone(),
            rules_folder: rules_folder.clone(),
        };
        let server_page = server.map(|server| Page::Server(Box::new(server)));
        let client_page = client.map(|client| Page::Client(Box::new(client)));
        let (mut root, mut second) = match (server_page, client_page) {
            (Some(server), client) => (
                SessionTabs::new(server, setup(ViewportId::ROOT)),
                client.map(|client| SessionTabs::new(client, setup(client_viewport()))),
            ),
            (None, Some(client)) => (SessionTabs::new(client, setup(ViewportId::ROOT)), None),
            // `Windows` always asks for one of the two.
            (None, None) => (
                SessionTabs::new(
                    Page::Server(Box::new(ServerWindow::from_settings(
                        handle.clone(),
                        lang,
                        &settings,
                    ))),
                    setup(ViewportId::ROOT),
                ),
                None,
            ),
        };
        root.restore(&settings.tabs, lang);
        if let Some(second) = &mut second {
            second.restore(&settings.tabs, lang);
        }
        TcptalkApp {
            root,
            second,
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

    /// One language for every window and tab: a change in one applies to all.
    fn sync_lang(&mut self, ctx: &egui::Context) {
        let changed = self
            .root
            .changed_lang(self.lang)
            .or_else(|| self.second.as_ref()?.changed_lang(self.lang));
        if let Some(lang) = changed {
            self.lang = lang;
            self.settings.lang = Some(lang);
            self.root.set_lang(lang);
            if let Some(second) = &mut self.second {
                second.set_lang(lang);
            }
            ctx.send_viewport_cmd_to(
                ViewportId::ROOT,
                ViewportCommand::Title(self.title(lang).into()),
            );
            ctx.request_repaint();
        }
    }

    /// The tutorial's server window (the first tab of the first window), if it is open.
    fn first_server(&mut self) -> Option<&mut ServerWindow> {
        match self.root.first_mut() {
            Page::Server(server) => Some(server),
            Page::Client(_) => None,
        }
    }
}

/// Keeps where the second window is and how big, for the next run (eframe keeps only the
/// first window's).
fn remember_place(ui: &Ui, place: &mut Option<[i32; 4]>) {
    let (outer, inner) =
        ui.input(|input| (input.viewport().outer_rect, input.viewport().inner_rect));
    if let (Some(outer), Some(inner)) = (outer, inner) {
        let now = [
            outer.min.x.round() as i32,
            outer.min.y.round() as i32,
            inner.width().round() as i32,
            inner.height().round() as i32,
        ];
        if *place != Some(now) && now[2] > 0 && now[3] > 0 {
            *place = Some(now);
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
        let lang = self.lang;
        self.root.show(ui, lang);
        name_window(ui.ctx(), title);
        // The tutorial's pair: the client's port follows the server's.
        let follow = match self.root.first() {
            Page::Server(server) => server.port_for_clients(),
            Page::Client(_) => None,
        };
        if let (Some(second), Some(port)) = (&mut self.second, follow)
            && let Page::Client(client) = second.first_mut()
        {
            client.follow_server_port(port);
        }
        if let Some(second) = &mut self.second
            && self.client_open
        {
            let (position, size) = match self.settings.client_window {
                Some([x, y, width, height]) => {
                    ([x as f32, y as f32], [width as f32, height as f32])
                }
                None => ([WINDOW_SIZE[0] + 40.0, 0.0], WINDOW_SIZE),
            };
            let builder = ViewportBuilder::default()
                .with_title(lang.texts().client_title)
                .with_app_id("tcptalk")
                .with_inner_size(size)
                .with_min_inner_size(MIN_SIZE)
                .with_position(position);
            let place = &mut self.settings.client_window;
            let closed =
                ui.ctx()
                    .show_viewport_immediate(client_viewport(), builder, |ui, _class| {
                        second.show(ui, lang);
                        name_window(ui.ctx(), lang.texts().client_title);
                        remember_place(ui, place);
                        ui.input(|input| input.viewport().close_requested())
                    });
            if closed {
                second.shutdown();
                self.client_open = false;
            }
        }
        self.sync_lang(ui.ctx());
        let theme = ui.ctx().options(|options| options.theme_preference);
        if self.settings.theme != theme_name(theme) {
            self.settings.theme = theme_name(theme).into();
        }
        let cost = frame.info().cpu_usage;
        if let Some(mut probe) = self.probe.take() {
            if let Some(server) = self.first_server() {
                probe.frame(ui.ctx(), server, cost);
            }
            self.probe = Some(probe);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        // Each open window's added tabs replace what was remembered of that window's; a
        // window not open this time keeps its tabs for the next run that opens it.
        let open: Vec<&SessionTabs> = std::iter::once(&self.root)
            .chain(self.second.as_ref())
            .collect();
        let open_kinds: Vec<bool> = open.iter().map(|tabs| tabs.first().is_server()).collect();
        self.settings
            .tabs
            .retain(|tab| !open_kinds.contains(&tab.in_server_window));
        for tabs in open {
            self.settings.tabs.extend(tabs.saved());
        }
        for page in
            std::iter::once(self.root.first()).chain(self.second.as_ref().map(SessionTabs::first))
        {
            match page {
                Page::Server(server) => server.save(&mut self.settings),
                Page::Client(client) => client.save(&mut self.settings),
            }
        }
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.root.shutdown();
        if let Some(second) = &mut self.second {
            second.shutdown();
        }
    }
}

/// Fonts (with CJK), the light theme and the tutorial's framed look: what the windows expect of
/// their context. Benchmarks that drive a window without eframe call it too.
pub fn setup_context(ctx: &egui::Context) {
    install_fonts(ctx);
    ctx.add_plugin(crate::fonts::AtlasCap::from_env());
    ctx.set_theme(egui::Theme::Light);
    ctx.style_mut_of(egui::Theme::Light, crate::widgets::tutorial_style);
    ctx.style_mut_of(egui::Theme::Dark, crate::widgets::tutorial_dark_style);
    // When the desktop does not say (X11 often does not), the tutorial's light look.
    ctx.options_mut(|options| options.fallback_theme = egui::Theme::Light);
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
    let launch_renderer = launch.renderer;
    let options = eframe::NativeOptions {
        viewport: ViewportBuilder::default()
            .with_title(title)
            .with_app_id("tcptalk")
            .with_inner_size(WINDOW_SIZE)
            .with_min_inner_size(MIN_SIZE),
        // The first window's size and place are remembered between runs (the second one's in
        // `Settings::client_window`).
        persist_window: true,
        renderer: match launch.renderer {
            crate::Renderer::Software => eframe::Renderer::Software,
            crate::Renderer::Gl => eframe::Renderer::Glow,
        },
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
            let theme = launch.theme.unwrap_or_else(|| parse_theme(&settings.theme));
            cc.egui_ctx.set_theme(theme);
            crate::signals::close_on_signal(runtime.handle(), cc.egui_ctx.clone());
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
    .map_err(|err| match (&err, launch_renderer) {
        (eframe::Error::Software(_), crate::Renderer::Software) => {
            GuiError::Window(format!("{err} (`--renderer gl` draws with OpenGL instead)"))
        }
        _ => GuiError::Window(err.to_string()),
    })
}

//! The many-clients benchmark: N clients connect to one server, the server's stdin carries one
//! line, and we time how long until every client has it.
//!
//! Phases, each bounded by the timeout:
//! 1. connect: all N `connect`s return, with at most `connect_concurrency` clients opened but
//!    not yet accepted, so the listen backlog is not flooded and SYN retries (1 s each) do not
//!    hide in the figure;
//! 2. accepted: the server has reported N accepted clients on stderr;
//! 3. fan-out: from writing the line to the server's stdin until the last client has read it;
//! 4. memory: the server's peak and current RSS, CPU time and open fds from `/proc`.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use crate::procfs;
use crate::server::{ServerKind, ServerProcess};

/// File descriptors the bench needs besides its clients (stdio, pipes, runtime).
const FD_MARGIN: u64 = 64;
/// A phase whose count has not moved for this long is over: what is missing will not come.
const STALL: Duration = Duration::from_secs(5);
/// How often the connect phase looks at the server's accepted count when nothing else woke it.
const WINDOW_POLL: Duration = Duration::from_millis(1);

/// What to run.
#[derive(Debug, Clone)]
pub struct FanoutConfig {
    pub server: ServerKind,
    pub clients: usize,
    /// The line written to the server's stdin; a newline is added.
    pub line: String,
    /// Clients opened but not yet accepted by the server, at most.
    pub connect_concurrency: usize,
    /// Bound of each phase (a phase also ends when nothing moved for 5 s).
    pub timeout: Duration,
    /// Lower the server's soft fd limit to this after it starts (to see how it copes).
    pub server_nofile: Option<u64>,
    /// Clients connect from this many loopback addresses in turn (127.1.0.1, 127.1.0.2, …;
    /// all of 127/8 is loopback on Linux), each with its own ephemeral ports: one address has
    /// ~28,000 (`ip_local_port_range`) toward one server port. 1: the kernel's choice.
    pub sources: usize,
    /// The clients are held by this many worker processes (each with its own fd limit)
    /// rather than by this one; 1: this one.
    pub procs: usize,
}

/// The `i`th of `count` source addresses: 127.1.0.1 onwards, 250 per third octet.
pub fn source_addr(i: usize, count: usize) -> Option<Ipv4Addr> {
    if count <= 1 {
        return None;
    }
    let k = i % count;
    let high = u8::try_from(k / 250).ok()?;
    let low = u8::try_from(k % 250 + 1).ok()?;
    Some(Ipv4Addr::new(127, 1, high, low))
}

/// What was measured. Durations are `None` when the phase did not complete.
#[derive(Debug, Clone, Default)]
pub struct FanoutReport {
    pub server: String,
    pub clients: usize,
    /// Connects in flight at once.
    pub concurrency: usize,
    pub connected: usize,
    pub connect_errors: usize,
    pub first_connect_error: Option<String>,
    pub connect_time: Option<Duration>,
    pub accepted: usize,
    pub accepted_time: Option<Duration>,
    pub got_line: usize,
    pub wrong_line: usize,
    pub fanout_time: Option<Duration>,
    pub fanout_median: Option<Duration>,
    /// RSS once listening, before any client.
    pub memory_start: procfs::Memory,
    /// RSS once every client is accepted, before the line.
    pub memory_idle: procfs::Memory,
    /// RSS after the fan-out: `peak_kib` is the run's peak.
    pub memory: procfs::Memory,
    pub server_cpu: Duration,
    /// Server CPU time spent from writing the line until the last client had it.
    pub fanout_cpu: Duration,
    pub server_fds: usize,
    pub server_nofile: (u64, u64),
    pub server_warnings: usize,
    pub first_server_warning: Option<String>,
    pub notes: Vec<String>,
}

impl FanoutReport {
    /// Every client connected, was accepted, and got exactly the line.
    pub fn complete(&self) -> bool {
        self.connected == self.clients
            && self.accepted >= self.clients
            && self.got_line == self.clients
    }

    pub const HEADER: &'static str = "| server | clients | in flight | connect (s) | accepted (s) | fan-out (s) | fan-out p50 (s) | got line | peak RSS (MB) | RSS (MB) | RSS per idle client (KB) | server CPU (s) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    /// What each idle client added to the server's RSS, in KB (10^3 bytes).
    pub fn per_client_kb(&self) -> f64 {
        let added = self
            .memory_idle
            .now_kib
            .saturating_sub(self.memory_start.now_kib);
        added as f64 * 1024.0 / 1e3 / self.accepted.max(1) as f64
    }

    /// One row of the table under [`FanoutReport::HEADER`].
    pub fn row(&self) -> String {
        let secs =
            |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{:.3}", d.as_secs_f64()));
        let mb = |kib: u64| format!("{:.1}", kib as f64 * 1024.0 / 1e6);
        format!(
            "| {} | {} | {} | {} | {} | {} | {} | {}/{} | {} | {} | {:.2} | {:.2} |",
            self.server,
            self.clients,
            self.concurrency,
            secs(self.connect_time),
            secs(self.accepted_time),
            secs(self.fanout_time),
            secs(self.fanout_median),
            self.got_line,
            self.clients,
            mb(self.memory.peak_kib),
            mb(self.memory.now_kib),
            self.per_client_kb(),
            self.server_cpu.as_secs_f64(),
        )
    }
}

/// Raises our soft fd limit to the hard one (children inherit it) and checks that `clients`
/// connections fit. Returns the new soft limit.
pub fn raise_fd_limit(clients: usize) -> anyhow::Result<u64> {
    let soft = rlimit::increase_nofile_limit(u64::MAX).context("cannot raise RLIMIT_NOFILE")?;
    let needed = clients as u64 + FD_MARGIN;
    if soft < needed {
        let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap_or((soft, soft));
        anyhow::bail!(
            "{clients} clients need about {needed} file descriptors, but the limit is {soft} \
             (hard limit {hard}); raise it (e.g. `ulimit -Hn {needed}` as root) or use fewer clients"
        );
    }
    Ok(soft)
}

/// Runs the benchmark once. The server is started here and killed before returning.
pub async fn run(config: &FanoutConfig) -> anyhow::Result<FanoutReport> {
    let mut report = FanoutReport {
        server: config.server.name().to_string(),
        clients: config.clients,
        concurrency: config.connect_concurrency,
        ..FanoutReport::default()
    };
    let mut server = ServerProcess::start(&config.server, config.timeout).await?;
    let pid = server.pid();
    if let Some(soft) = config.server_nofile {
        procfs::set_nofile_soft(pid, soft).context("cannot lower the server's fd limit")?;
    }
    report.server_nofile = procfs::nofile_limit(pid).unwrap_or_default();
    report.memory_start = procfs::memory(pid).unwrap_or_default();
    if report.server_nofile.0 < config.clients as u64 + 8 {
        report.notes.push(format!(
            "the server's soft fd limit ({}) is below {} clients: it cannot accept them all",
            report.server_nofile.0, config.clients
        ));
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, server.port()?));
    if config.procs > 1 {
        let (workers, cpu_before) =
            crate::fanout_worker::clients_in_workers(config, addr, &mut server, &mut report)
                .await?;
        cost(&mut report, &server, pid, cpu_before);
        server.stop().await;
        drop(workers);
        return Ok(report);
    }

    // 1. connect
    let start = Instant::now();
    let streams = connect_all(addr, config, &server, &mut report).await;
    report.connected = streams.len();
    if report.connected == config.clients {
        report.connect_time = Some(start.elapsed());
    }

    // 2. accepted, as the server reports it
    report.accepted = server
        .wait_accepted(streams.len(), config.timeout, STALL.min(config.timeout))
        .await;
    if report.accepted >= streams.len() && !streams.is_empty() {
        report.accepted_time = Some(start.elapsed());
    }

    report.memory_idle = procfs::memory(pid).unwrap_or_default();

    // 3. fan-out
    let expected: Arc<[u8]> = format!("{}\n", config.line).into_bytes().into();
    let readers_waiting = Arc::new(AtomicUsize::new(0));
    let mut readers = JoinSet::new();
    for stream in streams {
        readers.spawn(read_line(stream, expected.clone(), readers_waiting.clone()));
    }
    // Every reader has run once and waits on its socket before the clock starts.
    let ready_by = Instant::now() + config.timeout;
    while readers_waiting.load(Ordering::Relaxed) < readers.len() && Instant::now() < ready_by {
        tokio::task::yield_now().await;
    }
    let cpu_before = procfs::cpu_time(pid).unwrap_or_default();
    let sent_at = Instant::now();
    if let Err(err) = server.write_stdin(&expected).await {
        // The server is gone (ncat above FD_SETSIZE): the readers see EOF and report it.
        report.notes.push(format!("{err:#}"));
    }
    let mut arrivals = Vec::with_capacity(config.clients);
    let mut keep_open = Vec::with_capacity(config.clients);
    let deadline = tokio::time::Instant::now() + config.timeout;
    loop {
        let wait = deadline.min(tokio::time::Instant::now() + STALL);
        let Ok(Some(joined)) = tokio::time::timeout_at(wait, readers.join_next()).await else {
            break;
        };
        let Ok(outcome) = joined else { continue };
        match outcome.arrived {
            Some(at) if outcome.matched => arrivals.push(at.saturating_duration_since(sent_at)),
            Some(_) => report.wrong_line += 1,
            None => {}
        }
        keep_open.push(outcome.stream);
    }
    report.got_line = arrivals.len();
    arrivals.sort();
    if report.got_line == config.clients && report.got_line > 0 {
        report.fanout_time = arrivals.last().copied();
    }
    report.fanout_median = arrivals.get(arrivals.len() / 2).copied();

    cost(&mut report, &server, pid, cpu_before);
    server.stop().await;
    drop(readers);
    drop(keep_open);
    Ok(report)
}

/// 4. what it cost the server.
fn cost(report: &mut FanoutReport, server: &ServerProcess, pid: u32, cpu_before: Duration) {
    report.memory = procfs::memory(pid).unwrap_or_default();
    report.server_cpu = procfs::cpu_time(pid).unwrap_or_default();
    report.fanout_cpu = report.server_cpu.saturating_sub(cpu_before);
    report.server_fds = procfs::open_fds(pid).unwrap_or_default();
    let state = server.state();
    report.server_warnings = state.warnings;
    report.first_server_warning = state.first_warning.or(state.first_other_line);
    if state.ended {
        report
            .notes
            .push("the server ended during the run".to_string());
    }
}

/// Opens the clients, keeping at most `connect_concurrency` of them opened but not yet
/// accepted by the server. Bounding by "not yet accepted" rather than by "connect in progress"
/// keeps the server's listen backlog from overflowing (ncat's is 10): an overflowed handshake
/// costs a 1 s SYN retry, or leaves a client that believes it is connected but never will be
/// accepted. Failures are counted; the phase ends early when the server stops accepting.
async fn connect_all(
    addr: SocketAddr,
    config: &FanoutConfig,
    server: &ServerProcess,
    report: &mut FanoutReport,
) -> Vec<TcpStream> {
    let window = config.connect_concurrency.max(1);
    let stall = STALL.min(config.timeout);
    let deadline = Instant::now() + config.timeout;
    let mut connects = JoinSet::new();
    let mut streams = Vec::with_capacity(config.clients);
    let mut opened = 0usize;
    let mut progress = (0usize, Instant::now());
    while opened < config.clients || !connects.is_empty() {
        let accepted = server.accepted();
        let now = Instant::now();
        if accepted != progress.0 {
            progress = (accepted, now);
        } else if now - progress.1 >= stall || now >= deadline {
            break;
        }
        let settled = accepted + report.connect_errors;
        while opened < config.clients && opened.saturating_sub(settled) < window {
            let timeout = config.timeout;
            let source = source_addr(opened, config.sources);
            connects.spawn(async move {
                match tokio::time::timeout(timeout, connect_from(source, addr)).await {
                    Ok(result) => result.map_err(|e| e.to_string()),
                    Err(_) => Err(format!("connect timed out after {timeout:?}")),
                }
            });
            opened += 1;
        }
        tokio::select! {
            Some(joined) = connects.join_next(), if !connects.is_empty() => match joined {
                Ok(Ok(stream)) => streams.push(stream),
                Ok(Err(error)) => {
                    report.connect_errors += 1;
                    report.first_connect_error.get_or_insert(error);
                }
                Err(join_error) => {
                    report.connect_errors += 1;
                    report.first_connect_error.get_or_insert(join_error.to_string());
                }
            },
            () = tokio::time::sleep(WINDOW_POLL) => {}
        }
    }
    if opened < config.clients {
        report.notes.push(format!(
            "stopped connecting after {opened} of {} clients: the server stopped accepting",
            config.clients
        ));
    }
    streams
}

/// Connects to `addr`, from `source` when given (any port of it).
pub(crate) async fn connect_from(
    source: Option<Ipv4Addr>,
    addr: SocketAddr,
) -> std::io::Result<TcpStream> {
    let Some(source) = source else {
        return TcpStream::connect(addr).await;
    };
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((source, 0)))?;
    socket.connect(addr).await
}

struct ReadOutcome {
    /// Kept so the connection stays open until the whole run is over.
    stream: TcpStream,
    arrived: Option<Instant>,
    matched: bool,
}

/// Reads until the first newline; notes when it arrived and whether it is the expected line.
async fn read_line(
    mut stream: TcpStream,
    expected: Arc<[u8]>,
    waiting: Arc<AtomicUsize>,
) -> ReadOutcome {
    waiting.fetch_add(1, Ordering::Relaxed);
    let mut got = Vec::with_capacity(expected.len());
    let mut chunk = [0u8; 256];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => {
                return ReadOutcome {
                    stream,
                    arrived: None,
                    matched: false,
                };
            }
            Ok(n) => {
                got.extend_from_slice(&chunk[..n]);
                if let Some(end) = got.iter().position(|&b| b == b'\n') {
                    let arrived = Some(Instant::now());
                    let matched = got[..=end] == expected[..];
                    return ReadOutcome {
                        stream,
                        arrived,
                        matched,
                    };
                }
            }
        }
    }
}

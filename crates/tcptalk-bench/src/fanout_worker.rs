//! Clients from several processes (`fanout --procs P`): each process has its own fd limit, so
//! together they can hold more clients than one could. A worker connects its share, says so,
//! waits for the line on every client, says when the last one had it, and keeps its
//! connections open until its stdin closes.
//!
//! The lines a worker prints on stdout, one each:
//! - `connected OK ERRORS [FIRST ERROR…]` once its connects are done;
//! - `got N WRONG LAST_NS`: N clients had the line, WRONG had another, and the last arrived at
//!   LAST_NS nanoseconds since the Unix epoch (the realtime clock: the one clock that the
//!   coordinator and the workers of one machine read alike).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use crate::fanout::{connect_from, source_addr};

/// What one worker does.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub addr: SocketAddr,
    pub clients: usize,
    /// Source addresses in all, and the first index this worker takes, so workers spread over
    /// all of them.
    pub sources: usize,
    pub first: usize,
    /// Connects in flight at once.
    pub concurrency: usize,
    pub line: String,
    pub timeout: Duration,
}

fn unix_ns(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

/// Runs one worker to its end (its stdin closing).
pub async fn run(config: &WorkerConfig) -> anyhow::Result<()> {
    let mut out = tokio::io::stdout();
    let mut connects = JoinSet::new();
    let mut streams = Vec::with_capacity(config.clients);
    let mut errors = 0usize;
    let mut first_error = String::new();
    let mut opened = 0;
    while opened < config.clients || !connects.is_empty() {
        while opened < config.clients && connects.len() < config.concurrency.max(1) {
            let source = source_addr(config.first + opened, config.sources);
            let (addr, timeout) = (config.addr, config.timeout);
            connects.spawn(async move {
                match tokio::time::timeout(timeout, connect_from(source, addr)).await {
                    Ok(result) => result.map_err(|e| e.to_string()),
                    Err(_) => Err(format!("connect timed out after {timeout:?}")),
                }
            });
            opened += 1;
        }
        match connects.join_next().await {
            Some(Ok(Ok(stream))) => streams.push(stream),
            Some(Ok(Err(error))) => {
                errors += 1;
                if first_error.is_empty() {
                    first_error = error;
                }
            }
            Some(Err(join)) => {
                errors += 1;
                if first_error.is_empty() {
                    first_error = join.to_string();
                }
            }
            None => break,
        }
    }
    let expected: Arc<[u8]> = format!("{}\n", config.line).into_bytes().into();
    let mut readers = JoinSet::new();
    for stream in streams {
        readers.spawn(read_line(stream, expected.clone()));
    }
    // Every reader waits on its socket before the coordinator hears we are ready.
    tokio::task::yield_now().await;
    let ready = format!("connected {} {errors} {first_error}\n", readers.len());
    out.write_all(ready.as_bytes()).await?;
    out.flush().await?;

    let (mut got, mut wrong, mut last) = (0usize, 0usize, 0u128);
    let mut keep_open = Vec::new();
    let deadline = tokio::time::Instant::now() + config.timeout;
    while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, readers.join_next()).await {
        let Ok((stream, arrived)) = joined else {
            continue;
        };
        match arrived {
            Some((at, true)) => {
                got += 1;
                last = last.max(unix_ns(at));
            }
            Some((_, false)) => wrong += 1,
            None => {}
        }
        keep_open.push(stream);
    }
    out.write_all(format!("got {got} {wrong} {last}\n").as_bytes())
        .await?;
    out.flush().await?;
    // Connections stay open until the coordinator is done with the server.
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin());
    let mut rest = String::new();
    while stdin.read_line(&mut rest).await.unwrap_or(0) > 0 {
        rest.clear();
    }
    drop(keep_open);
    Ok(())
}

/// Reads until the first newline: when it came and whether it was the expected line.
async fn read_line(
    mut stream: TcpStream,
    expected: Arc<[u8]>,
) -> (TcpStream, Option<(SystemTime, bool)>) {
    let mut got = Vec::with_capacity(expected.len());
    let mut chunk = [0u8; 256];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return (stream, None),
            Ok(n) => {
                got.extend_from_slice(&chunk[..n]);
                if let Some(end) = got.iter().position(|&b| b == b'\n') {
                    let matched = got[..=end] == expected[..];
                    return (stream, Some((SystemTime::now(), matched)));
                }
            }
        }
    }
}

/// Worker processes, killed when dropped (their clients close with them).
#[derive(Debug)]
pub struct Workers {
    _children: Vec<tokio::process::Child>,
}

/// A worker's line, at most `timeout` away.
async fn next_line(
    lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    timeout: Duration,
) -> anyhow::Result<String> {
    match tokio::time::timeout(timeout, lines.next_line()).await {
        Ok(Ok(Some(line))) => Ok(line),
        Ok(Ok(None)) => anyhow::bail!("a worker ended early"),
        Ok(Err(err)) => Err(err.into()),
        Err(_) => anyhow::bail!("a worker said nothing for {timeout:?}"),
    }
}

/// Phases 1 to 3 of [`crate::fanout::run`] with the clients in `config.procs` workers (this
/// executable's `fanout-worker`), each holding an equal share. Returns the workers, to be
/// dropped once the server's cost is read, and the server's CPU time before the line.
pub async fn clients_in_workers(
    config: &crate::fanout::FanoutConfig,
    addr: SocketAddr,
    server: &mut crate::server::ServerProcess,
    report: &mut crate::fanout::FanoutReport,
) -> anyhow::Result<(Workers, Duration)> {
    use anyhow::Context;
    let pid = server.pid();
    let exe = std::env::current_exe().context("cannot find tcptalk-bench itself")?;
    let share = config.clients.div_ceil(config.procs);
    let concurrency = (config.connect_concurrency / config.procs).max(1);
    let start = std::time::Instant::now();
    let (mut children, mut outputs) = (Vec::new(), Vec::new());
    for first in (0..config.clients).step_by(share.max(1)) {
        let clients = share.min(config.clients - first);
        let mut child = tokio::process::Command::new(&exe)
            .arg("fanout-worker")
            .args([
                "--addr",
                &addr.to_string(),
                "--clients",
                &clients.to_string(),
            ])
            .args([
                "--sources",
                &config.sources.to_string(),
                "--first",
                &first.to_string(),
            ])
            .args([
                "--concurrency",
                &concurrency.to_string(),
                "--line",
                &config.line,
            ])
            .args(["--timeout", &config.timeout.as_secs_f64().to_string()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start a fanout worker")?;
        let stdout = child.stdout.take().context("a worker's stdout")?;
        outputs.push(tokio::io::BufReader::new(stdout).lines());
        children.push(child);
    }
    report.notes.push(format!(
        "clients held by {} worker processes ({share} each at most)",
        children.len()
    ));
    for lines in &mut outputs {
        let line = next_line(lines, config.timeout).await?;
        let mut words = line.splitn(4, ' ').skip(1);
        let mut number = || {
            words
                .next()
                .and_then(|w| w.parse::<usize>().ok())
                .unwrap_or(0)
        };
        report.connected += number();
        report.connect_errors += number();
        if let Some(error) = words.next().filter(|e| !e.is_empty()) {
            report.first_connect_error.get_or_insert(error.to_string());
        }
    }
    if report.connected == config.clients {
        report.connect_time = Some(start.elapsed());
    }
    report.accepted = server
        .wait_accepted(report.connected, config.timeout, Duration::from_secs(5))
        .await;
    if report.accepted >= report.connected && report.connected > 0 {
        report.accepted_time = Some(start.elapsed());
    }
    report.memory_idle = crate::procfs::memory(pid).unwrap_or_default();

    let cpu_before = crate::procfs::cpu_time(pid).unwrap_or_default();
    let sent_at = unix_ns(SystemTime::now());
    server
        .write_stdin(format!("{}\n", config.line).as_bytes())
        .await?;
    let mut last = 0u128;
    for lines in &mut outputs {
        let line = next_line(lines, config.timeout + Duration::from_secs(5)).await?;
        let words: Vec<u128> = line
            .split(' ')
            .skip(1)
            .filter_map(|w| w.parse().ok())
            .collect();
        if let [got, wrong, at] = words[..] {
            report.got_line += usize::try_from(got).unwrap_or(0);
            report.wrong_line += usize::try_from(wrong).unwrap_or(0);
            last = last.max(at);
        }
    }
    if report.got_line == config.clients && report.got_line > 0 {
        let nanos = u64::try_from(last.saturating_sub(sent_at)).unwrap_or(u64::MAX);
        report.fanout_time = Some(Duration::from_nanos(nanos));
    }
    Ok((
        Workers {
            _children: children,
        },
        cpu_before,
    ))
}

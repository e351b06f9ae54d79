//! What `/proc` says about the server process: memory, CPU time, open files and limits.
//! These are the only numbers available without perf, and they are what the targets are about.

use std::io;
use std::time::Duration;

/// Resident memory in KiB, as the kernel counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// `VmHWM`: the peak resident set size since the process started.
    pub peak_kib: u64,
    /// `VmRSS`: the resident set size now.
    pub now_kib: u64,
}

/// Reads `VmHWM` and `VmRSS` from `/proc/PID/status`.
pub fn memory(pid: u32) -> io::Result<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> io::Result<u64> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| io::Error::other(format!("no {name} in /proc/{pid}/status")))
    };
    Ok(Memory {
        peak_kib: field("VmHWM:")?,
        now_kib: field("VmRSS:")?,
    })
}

/// User plus system CPU time the process has used, from `/proc/PID/stat`.
pub fn cpu_time(pid: u32) -> io::Result<Duration> {
    // Linux reports these in USER_HZ, which is 100 on every architecture it exposes to /proc.
    const USER_HZ: u64 = 100;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| io::Error::other("malformed /proc/PID/stat"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 3 of the man page, so utime (14) and stime (15) are at 11, 12.
    let ticks = |i: usize| -> io::Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| io::Error::other("malformed /proc/PID/stat"))
    };
    let total = ticks(11)? + ticks(12)?;
    Ok(Duration::from_millis(total * 1000 / USER_HZ))
}

/// How many file descriptors the process has open now.
pub fn open_fds(pid: u32) -> io::Result<usize> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))?.count())
}

/// True when a TCP socket on 127.0.0.1:`port` is in LISTEN state (from `/proc/net/tcp`).
pub fn is_listening(port: u16) -> bool {
    const LISTEN: &str = "0A";
    let wanted = format!("0100007F:{port:04X}");
    std::fs::read_to_string("/proc/net/tcp").is_ok_and(|table| {
        table.lines().skip(1).any(|line| {
            let mut fields = line.split_whitespace();
            let local = fields.nth(1);
            let state = fields.nth(1);
            local == Some(wanted.as_str()) && state == Some(LISTEN)
        })
    })
}

/// The process's `RLIMIT_NOFILE` as (soft, hard).
pub fn nofile_limit(pid: u32) -> io::Result<(u64, u64)> {
    let (mut soft, mut hard) = (0, 0);
    rlimit::prlimit(
        pid_t(pid)?,
        rlimit::Resource::NOFILE,
        None,
        Some((&mut soft, &mut hard)),
    )?;
    Ok((soft, hard))
}

/// Sets the process's soft `RLIMIT_NOFILE`, keeping its hard limit: what `ulimit -Sn` before
/// starting it would have done. Used to show what the server does when it runs out of fds.
pub fn set_nofile_soft(pid: u32, soft: u64) -> io::Result<()> {
    let (_, hard) = nofile_limit(pid)?;
    rlimit::prlimit(
        pid_t(pid)?,
        rlimit::Resource::NOFILE,
        Some((soft.min(hard), hard)),
        None,
    )
}

fn pid_t(pid: u32) -> io::Result<rlimit::pid_t> {
    rlimit::pid_t::try_from(pid).map_err(|_| io::Error::other("pid out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_process() -> io::Result<()> {
        let pid = std::process::id();
        let memory = memory(pid)?;
        assert!(memory.peak_kib >= memory.now_kib && memory.now_kib > 0);
        cpu_time(pid)?;
        assert!(open_fds(pid)? >= 3);
        let (soft, hard) = nofile_limit(pid)?;
        assert!(soft <= hard);
        Ok(())
    }

    #[test]
    fn sees_a_listening_port() -> io::Result<()> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        assert!(is_listening(port));
        drop(listener);
        assert!(!is_listening(port));
        Ok(())
    }
}

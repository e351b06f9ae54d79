#!/usr/bin/env bash
# Many clients on loopback: N clients connect to one server, one line goes to the server's
# stdin, and tcptalk-bench times how long until every client has it (fan-out), then reads the
# server's peak and current RSS from /proc. Runs tcptalk and ncat at SMALL clients (default
# 1,000), then tcptalk alone at LARGE (default 10,000) and at MOST: as many as the hard fd
# limit leaves room for (~19,900 under a limit of 20,000; MOST=0 skips it). The larger runs
# connect from SOURCES loopback addresses in turn (default 64: 127.1.0.1 onwards), as clients
# past one address's ~28,000 ephemeral ports would have to; the MOST run holds its clients in
# PROCS worker processes (default 4), each with its own fd limit, as past one process's limit
# they would have to be.
#
#   scripts/bench-clients.sh [SMALL [LARGE]]    # `50 100` is a smoke run of a few seconds
#
# Environment: TCPTALK, TCPTALK_BENCH = the executables (default: built here with
# `cargo build --release`). Loopback only (127.0.0.1); tcptalk-bench kills every server it
# starts, and each phase is bounded (60 s, or 5 s without progress).
set -euo pipefail
cd "$(dirname "$0")/.."

SMALL=${1:-1000}
LARGE=${2:-10000}
for n in "$SMALL" "$LARGE"; do
    case "$n" in '' | *[!0-9]*) echo "usage: $0 [SMALL [LARGE]]" >&2; exit 2 ;; esac
done
command -v ncat >/dev/null || { echo "$0: needs ncat (scripts/test.sh installs the peers)" >&2; exit 2; }

if [ -z "${TCPTALK:-}" ] || [ -z "${TCPTALK_BENCH:-}" ]; then
    echo "building tcptalk (terminal only) and tcptalk-bench, release..." >&2
    cargo build --release --quiet -p tcptalk --no-default-features -p tcptalk-bench >&2
    target_dir=${CARGO_TARGET_DIR:-target}
    TCPTALK=${TCPTALK:-$target_dir/release/tcptalk}
    TCPTALK_BENCH=${TCPTALK_BENCH:-$target_dir/release/tcptalk-bench}
fi

# The bench holds LARGE sockets and the server as many: both need a hard fd limit above that.
# tcptalk-bench raises its soft limit to the hard one itself (the server inherits it); root
# may also raise the hard limit here.
HARD=$(ulimit -Hn)
[ "$HARD" = unlimited ] && HARD=1048576
# The bench holds every client and the server one descriptor per client: both under HARD, with
# room for their own (stdio, runtime, listener).
MOST=${MOST:-$((HARD - 100))}
SOURCES=${SOURCES:-64}
PROCS=${PROCS:-4}
need=$((LARGE + 100))
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$need" ]; then
    ulimit -Hn "$need" 2>/dev/null ||
        echo "note: hard fd limit $(ulimit -Hn) < $need; the $LARGE-client run will say so" >&2
fi
echo "fd limits here: soft $(ulimit -Sn), hard $(ulimit -Hn)" >&2

status=0
run() { "$TCPTALK_BENCH" fanout "$@" || status=1; }

echo "many clients over 127.0.0.1: connect, then one line (\"hello fan-out\") to all"
echo
run --server tcptalk --bin "$TCPTALK" --clients "$SMALL"
run --server ncat --clients "$SMALL" --no-header
run --server tcptalk --bin "$TCPTALK" --clients "$LARGE" --sources "$SOURCES" --no-header
if [ "$MOST" -gt "$LARGE" ]; then
    run --server tcptalk --bin "$TCPTALK" --clients "$MOST" --sources "$SOURCES" --no-header
    run --server tcptalk --bin "$TCPTALK" --clients "$MOST" --sources "$SOURCES" --procs "$PROCS" \
        --no-header
fi
echo
echo "ncat is not run at $LARGE clients: it serves them with select() and aborts at fd 1024"
echo "(FD_SETSIZE): \"Attempt to FD_SET fd 1024, which is not less than FD_SETSIZE\", so ~1,020 at most."
echo "in flight = clients opened but not yet accepted (ncat's listen backlog is 10, tcptalk's 1024)."
echo "accepted = the server reported every client (tcptalk: --json \"connected\"; ncat: its fds)."
echo "fan-out = from writing the line to the server's stdin until the last client read it."
echo "RSS per idle client = (RSS with every client accepted - RSS listening) / clients, in KB."
echo "the $LARGE and $MOST runs connect from $SOURCES loopback addresses (127.1.0.1 onwards);"
echo "the second $MOST run holds its clients in $PROCS worker processes (no fan-out p50 there)."
echo "targets at 10,000 clients: fan-out <= 1 s, peak RSS <= 200 MB; at the most: fan-out <= 1 s."
exit "$status"

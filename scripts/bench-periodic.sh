#!/usr/bin/env bash
# Periodic send (定时发送 / --every) at 1 ms for 10 s, as the receiving peer sees it: sends per
# second achieved and the spread of intervals between arrivals (p50 / p99 / max), for
#   - the terminal: tcptalk client --no-gui --send tick --eol lf --every 1 --count 10000
#   - the real server window under Xvfb (Mesa), started through its probe as 开始 would be,
#   - and, in the same run, a naive sleep-after-send loop in python3 (time.sleep(0.001) then
#     send), the way a hand-written timer drifts.
# The receiver is python3's socket module (tests/peers/sink.py), on loopback.
#
# Needs: python3, xvfb (for the window). Usage: scripts/bench-periodic.sh [rounds]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
rounds="${1:-1}"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build -q --release -p tcptalk
bin="$target/release/tcptalk"
sink="$root/tests/peers/sink.py"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
count=10000

# Reads sink.py's report on stdin; prints one line of figures.
figures() {
    python3 -c '
import sys
name, expected = sys.argv[1], int(sys.argv[2])
report = dict(line.rstrip("\n").split(" ", 1) if " " in line else (line.strip(), "") for line in sys.stdin)
times = [int(t) for t in report.get("times", "").split(",") if t]
lines = len(times)
if lines < 2:
    print(f"{name}: {lines} messages arrived"); sys.exit()
span = times[-1] / 1e6
gaps = sorted(b - a for a, b in zip(times, times[1:]))
pct = lambda p: gaps[min(len(gaps) - 1, int(len(gaps) * p))] / 1e3
print(f"{name}: {lines}/{expected} arrived, first to last {span:.2f} s (ideal {(expected-1)/1000:.2f}), "
      f"{(lines-1)/span:.0f} sends/s, interval p50 {pct(0.5):.2f} ms, p99 {pct(0.99):.2f} ms, max {gaps[-1]/1e3:.1f} ms")
' "$1" "$count"
}

terminal_round() {
    coproc SINK { python3 "$sink" --lines "$count"; }
    read -r _ port <&"${SINK[0]}"
    "$bin" client --no-gui 127.0.0.1 --port "$port" --send tick --eol lf --every 1 --count "$count" \
        </dev/null >/dev/null 2>"$work/terminal.err"
    figures "terminal (--every 1)" <&"${SINK[0]}"
    wait "${SINK_PID:-}" 2>/dev/null || true
}

python_round() {
    coproc SINK { python3 "$sink" --lines "$count"; }
    read -r _ port <&"${SINK[0]}"
    python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for _ in range(int(sys.argv[2])):
    s.sendall(b"tick\n")
    time.sleep(0.001)
s.close()
' "$port" "$count"
    figures "python3 sleep(0.001) loop" <&"${SINK[0]}"
    wait "${SINK_PID:-}" 2>/dev/null || true
}

window_round() {
    local display=":${BENCH_DISPLAY:-79}" bench="$work/bench"
    mkdir -p "$bench"
    Xvfb "$display" -noreset -screen 0 1280x800x24 >/dev/null 2>&1 &
    local xvfb=$!
    pids+=("$xvfb")
    for _ in $(seq 50); do DISPLAY="$display" xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
    local port
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" TCPTALK_BENCH_DIR="$bench" \
        DISPLAY="$display" "$bin" server --listen --port "$port" --lang en >"$work/window.log" 2>&1 &
    local app=$!
    pids+=("$app")
    for _ in $(seq 100); do [ -s "$bench/frames.tsv" ] && break; sleep 0.1; done
    coproc SINK { python3 "$sink" --connect "$port" --lines "$count"; }
    read -r _ <&"${SINK[0]}"
    sleep 1
    local ticks_before
    ticks_before="$(awk '{ print $14 + $15 }' "/proc/$app/stat")"
    echo "periodic 1 $count lf tick" >"$bench/request"
    figures "window (Every 1 ms)" <&"${SINK[0]}"
    wait "${SINK_PID:-}" 2>/dev/null || true
    local ticks=$(( $(awk '{ print $14 + $15 }' "/proc/$app/stat") - ticks_before ))
    local frames
    frames="$(wc -l <"$bench/frames.tsv")"
    echo "  window: $frames frames drawn in all; CPU $ticks ticks (1/100 s) while it ran"
    kill "$app" "$xvfb" 2>/dev/null || true
    wait "$app" "$xvfb" 2>/dev/null || true
}

for round in $(seq "$rounds"); do
    echo "round $round"
    terminal_round
    window_round
    python_round
done

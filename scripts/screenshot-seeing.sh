#!/usr/bin/env bash
# Screenshots of the server window in Chinese seeing what arrives: time stamps, the RX/TX
# counters, the rate graph (速率) during a flood from a python3 client, and an idle-gap view
# (分帧：空闲间隔 50 ms) in hex of a client that pauses between bursts.
#
# Needs: xvfb x11-utils imagemagick python3. Usage: scripts/screenshot-seeing.sh [out-dir]
# (default ./shots; 08_*.png). Driven through the window's benchmark probe (see
# crates/tcptalk-gui/src/probe.rs), which does what the clicks would.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-shots}")"
export DISPLAY=":${SCREENSHOT_DISPLAY:-80}"
target="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$out"
cd "$root"
cargo build -q -p tcptalk
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
Xvfb "$DISPLAY" -noreset -screen 0 1280x800x24 >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
mkdir -p "$work/bench"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
TCPTALK_BENCH_DIR="$work/bench" LANG=zh_CN.UTF-8 "$target/debug/tcptalk" server --listen \
    --port "$port" --lang zh >"$out/seeing-app.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/bench/frames.tsv" ] && break; sleep 0.1; done

# A flood that rises and falls for 12 s (python3's socket module), lines of text.
python3 - "$port" <<'PY' &
import socket, sys, time, math
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
start = time.time()
n = 0
while time.time() - start < 12:
    t = time.time() - start
    rate = 20000 + 180000 * (0.5 + 0.5 * math.sin(t))  # bytes per second
    line = f"温度 {n} 25.{n % 10}℃ 湿度 60%\n".encode()
    for _ in range(max(1, int(rate / 10 / len(line)))):
        s.sendall(line)
        n += 1
    time.sleep(0.1)
time.sleep(30)
PY
pids+=($!)
sleep 1
echo show-graph >"$work/bench/request"
sleep 9
import -window root -crop 600x500+0+0 +repage "$out/08_rates_during_flood.png"
echo "$out/08_rates_during_flood.png"

# An idle-gap view in hex: a second client sends frames in bursts with pauses.
printf 'hex-view\nframing idle 50\n' >"$work/bench/request"
sleep 4
python3 - "$port" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for i in range(6):
    s.sendall(bytes([0x01, 0x03, 0x04, i]))
    time.sleep(0.01)
    s.sendall(bytes([0x00, 0x2A, 0x1F, 0x40]))
    time.sleep(0.3)
time.sleep(30)
PY
pids+=($!)
sleep 3
import -window root -crop 600x500+0+0 +repage "$out/08_idle_gap_hex.png"
echo "$out/08_idle_gap_hex.png"

#!/usr/bin/env bash
# A screenshot of the server window with a periodic send (定时发送) running to a connected
# client and the saved commands (常用指令) panel open, under Xvfb.
#
# Needs: xvfb xdotool x11-utils imagemagick python3 (Debian packages).
# Usage: scripts/screenshot-sending.sh [out-dir]   (default ./shots; 07_sending*.png)
# The window is driven through its benchmark probe (TCPTALK_BENCH_DIR/request, see
# crates/tcptalk-gui/src/probe.rs), which does what the clicks would.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-shots}")"
display_num="${SCREENSHOT_DISPLAY:-78}"
export DISPLAY=":$display_num"
target="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$out"
cd "$root"
cargo build -q -p tcptalk
app="$target/debug/tcptalk"

pids=()
work="$(mktemp -d)"
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

Xvfb "$DISPLAY" -noreset -screen 0 1280x800x24 >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
mkdir -p "$XDG_CONFIG_HOME/tcptalk" "$work/bench"
cat >"$XDG_CONFIG_HOME/tcptalk/commands.toml" <<'TOML'
[[command]]
name = "读保持寄存器"
body = "01 03 00 0A 00 02"
hex = true
checksum = "crc16-modbus"

[[command]]
name = "AT 复位"
body = "AT+RST"
line_end = "crlf"

[[command]]
name = "心跳"
body = "PING"
checksum = "xor8"
line_end = "lf"
TOML

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
TCPTALK_BENCH_DIR="$work/bench" LANG=zh_CN.UTF-8 "$app" server --listen --port "$port" --lang zh \
    >"$out/sending-app.log" 2>&1 &
app_pid=$!
pids+=("$app_pid")
for _ in $(seq 100); do [ -s "$work/bench/frames.tsv" ] && break; sleep 0.1; done

# A client that reads everything (python3's socket module).
python3 - "$port" >"$work/client.log" 2>&1 <<'PY' &
import socket, sys, time
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        break
    except OSError:
        time.sleep(0.1)
end = time.time() + 30
while time.time() < end:
    if not s.recv(65536):
        break
PY
pids+=($!)
sleep 1

printf 'periodic 200 - lf 温度查询 TEMP?\n' >"$work/bench/request"
sleep 3
win="$(xdotool search --onlyvisible --pid "$app_pid" | head -1)"
import -window root -crop 600x500+0+0 +repage "$out/07_sending.png"
echo "$out/07_sending.png"
# With 常用指令 open: clicking it widens the window by the panel; the probe only opens it, so
# the window is widened here as the click would.
echo show-saved >"$work/bench/request"
xdotool windowsize "$win" 900 560
sleep 2
import -window root -crop 900x560+0+0 +repage "$out/07_sending_wide.png"
echo "$out/07_sending_wide.png"

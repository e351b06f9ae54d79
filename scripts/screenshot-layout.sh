#!/usr/bin/env bash
# Screenshots of the layout under Xvfb: the server window resized larger with a long row
# wrapped (11), the same in the dark theme (12), and three sessions in tabs (13).
#
# Needs: xvfb xdotool x11-utils imagemagick python3 (Debian packages).
# Usage: scripts/screenshot-layout.sh [out-dir]   (default ./shots)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-shots}")"
export DISPLAY=":${SCREENSHOT_DISPLAY:-79}"
target="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$out"
for tool in Xvfb xdotool xprop import python3; do
    command -v "$tool" >/dev/null || {
        echo "missing $tool: apt-get install xvfb xdotool x11-utils imagemagick python3" >&2
        exit 1
    }
done
(cd "$root" && cargo build -q -p tcptalk)
app="$target/debug/tcptalk"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
Xvfb "$DISPLAY" -noreset -screen 0 1280x800x24 >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The window of process $1 (bounded wait).
window_of() {
    for _ in $(seq 100); do
        id="$(xdotool search --onlyvisible --pid "$1" 2>/dev/null | head -1 || true)"
        [ -n "$id" ] && { echo "$id"; return 0; }
        sleep 0.1
    done
    echo "no window for pid $1" >&2
    return 1
}

click_in() {
    xdotool mousemove --window "$1" "$2" "$3" click 1
    sleep 0.5
}

# A listening server window, resized to 900×640, a python client sending short rows and one
# long one (a sentence of the kind a device log or an error's advice has).
server_with_long_row() {
    local name="$1"
    shift
    local port
    port="$(free_port)"
    XDG_DATA_HOME="$(mktemp -d)" XDG_CONFIG_HOME="$(mktemp -d)" LANG=zh_CN.UTF-8 \
        "$app" server --listen --bind 127.0.0.1 --port "$port" --lang zh "$@" \
        >"$out/$name.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    local win
    win="$(window_of "$pid")"
    xdotool windowsize "$win" 900 640
    sleep 1
    python3 - "$port" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall("温度 25.1℃ 湿度 40%\n".encode())
time.sleep(0.2)
long = ("长行换行测试：设备上报的一条很长的日志，" * 3 +
        "connection refused by 192.168.1.20:502 — check that the device is powered, that the "
        "cable is in, and that nothing else holds the port; 然后再试一次。" * 2)
s.sendall((long + "\n").encode())
time.sleep(0.2)
s.sendall("最后一行 the last row\n".encode())
time.sleep(1.5)
s.close()
PY
    sleep 1
    xdotool mousemove --window "$win" 880 620
    sleep 0.5
    import -window "$win" "$out/$name.png"
    echo "$out/$name.png"
    kill "$pid"
}

server_with_long_row 11_resized_wrapped
server_with_long_row 12_dark --theme dark

# Three sessions: the window's server, then ＋ → 新建服务器, ＋ → 新建客户端.
XDG_DATA_HOME="$(mktemp -d)" XDG_CONFIG_HOME="$(mktemp -d)" LANG=zh_CN.UTF-8 \
    "$app" server --lang zh --theme light >"$out/13_tabs.log" 2>&1 &
pid=$!
pids+=("$pid")
win="$(window_of "$pid")"
xdotool windowsize "$win" 800 560
sleep 1
# The mouse moves first and clicks after a frame, as a hand does (egui sees the hover first).
click_in "$win" 400 250
xdotool mousemove --window "$win" 128 12; sleep 0.4; xdotool click 1; sleep 0.6
import -window "$win" "$out/13_tabs_menu.png"
xdotool mousemove --window "$win" 160 40; sleep 0.4; xdotool click 1; sleep 0.6
# ＋ has moved right of 服务器 2 and its ×; 新建客户端 is the menu's second item.
xdotool mousemove --window "$win" 234 12; sleep 0.4; xdotool click 1; sleep 0.6
xdotool mousemove --window "$win" 266 63; sleep 0.4; xdotool click 1; sleep 0.6
# The new client tab: a port of its own, so the three differ at a glance.
xdotool mousemove --window "$win" 400 250; sleep 0.3
import -window "$win" "$out/13_tabs.png"
echo "$out/13_tabs.png"

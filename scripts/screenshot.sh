#!/usr/bin/env bash
# Screenshots of the real windows under Xvfb, replaying the tutorial's test (§7): start the
# server, connect the client, send Chinese text both ways, disconnect.
#
# Needs: xvfb xdotool x11-utils xclip imagemagick (Debian packages).
# Usage: scripts/screenshot.sh [out-dir]   (default ./shots; PNGs 01..06)
# Uses the `tcptalk` binary when the workspace has it, else the tcptalk-gui `both` example.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-shots}")"
display_num="${SCREENSHOT_DISPLAY:-77}"
export DISPLAY=":$display_num"
target="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$out"

for tool in Xvfb xdotool xprop xclip import; do
    command -v "$tool" >/dev/null || {
        echo "missing $tool: apt-get install xvfb xdotool x11-utils xclip imagemagick" >&2
        exit 1
    }
done

cd "$root"
if [ -f crates/tcptalk/Cargo.toml ] && cargo build -q -p tcptalk; then
    app=("$target/debug/tcptalk" --lang zh)
else
    cargo build -q -p tcptalk-gui --example both
    app=("$target/debug/examples/both" --zh)
fi

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

Xvfb "$DISPLAY" -noreset -screen 0 1280x800x24 >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

# A fresh settings directory, so remembered values from earlier runs do not leak in.
export XDG_DATA_HOME="$(mktemp -d)"
export XDG_CONFIG_HOME="$XDG_DATA_HOME"
LANG=zh_CN.UTF-8 "${app[@]}" >"$out/app.log" 2>&1 &
app_pid=$!
pids+=("$app_pid")

# Finds a window by its UTF-8 title (_NET_WM_NAME; `xdotool search --name` only sees WM_NAME).
find_window() {
    local title="$1" id
    for _ in $(seq 100); do
        for id in $(xdotool search --onlyvisible --pid "$app_pid" 2>/dev/null || true); do
            if xprop -id "$id" _NET_WM_NAME 2>/dev/null | grep -q "= \"$title\""; then
                echo "$id"
                return 0
            fi
        done
        sleep 0.1
    done
    echo "no window titled $title" >&2
    return 1
}

server="$(find_window 服务器)"
client="$(find_window 客户端)"
sleep 1

shot() {
    import -window root "$out/$1.png"
    echo "$out/$1.png"
}

# Clicks at (x, y) inside a window (coordinates relative to the window).
click_in() {
    local win="$1" x="$2" y="$3"
    xdotool windowfocus --sync "$win" 2>/dev/null || true
    xdotool mousemove --window "$win" "$x" "$y" click 1
    sleep 0.3
}

# Pastes UTF-8 text into the focused field (xdotool type drops Chinese characters).
paste_text() {
    printf '%s' "$1" | xclip -selection clipboard
    xdotool key --clearmodifiers ctrl+v
    sleep 0.3
}

shot 01_both_initial

# 启动服务器 (top right of the server window, under the tab bar), then 连接服务器 (top right
# of the client window).
click_in "$server" 462 44
sleep 0.5
click_in "$client" 550 44
sleep 1
shot 02_connected

# The server sends, then the client sends two lines (Shift+Enter between them).
click_in "$server" 300 330
paste_text "hello from server"
xdotool key Return
sleep 0.5
click_in "$client" 300 330
paste_text "你好，服务器！中文测试 ok"
xdotool key Return
sleep 0.5
paste_text "line1 多行"
xdotool key shift+Return
paste_text "line2 第二行"
xdotool key Return
sleep 0.5
click_in "$server" 300 330
paste_text "收到，客户端。第二条消息"
xdotool key Return
sleep 1
shot 03_messages

# 断开连接 (second row of the client window).
click_in "$client" 550 67
sleep 1
shot 04_after_disconnect

# Idle means idle: no frames while nothing happens (CPU ticks over 3 s, 100 ticks = 1 s).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$app_pid/stat"; }
before="$(cpu_ticks)"
sleep 3
echo "idle CPU over 3 s: $(( $(cpu_ticks) - before )) ticks"

# Each window on its own, as 600×500 crops.
import -window root -crop 600x500+0+0 +repage "$out/05_server_window.png"
import -window root -crop 600x500+640+0 +repage "$out/06_client_window.png"
echo "$out/05_server_window.png"
echo "$out/06_client_window.png"

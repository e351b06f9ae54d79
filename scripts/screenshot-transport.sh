#!/usr/bin/env bash
# Screenshots of both windows on UDP and on TLS, in Chinese, under Xvfb: 09_* (UDP: datagrams
# from the client window and from two python3 sources, the server sending to all of them) and
# 10_* (TLS: the server's self-signed certificate, the client trusting it explicitly, both
# showing the TLS version, cipher suite and fingerprint).
#
# Needs: xvfb xdotool x11-utils xclip imagemagick python3. Usage:
# scripts/screenshot-transport.sh [out-dir]   (default ./shots)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-shots}")"
export DISPLAY=":${SCREENSHOT_DISPLAY:-81}"
target="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$out"
cd "$root"
cargo build -q -p tcptalk
bin="$target/debug/tcptalk"
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

find_window() {
    local pid="$1" title="$2" id
    for _ in $(seq 100); do
        for id in $(xdotool search --onlyvisible --pid "$pid" 2>/dev/null || true); do
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

paste_text() {
    printf '%s' "$1" | xclip -selection clipboard
    xdotool key --clearmodifiers ctrl+v
    sleep 0.3
}

# Types a message into the client window's message box and presses Enter.
client_says() {
    xdotool windowfocus --sync "$1" 2>/dev/null || true
    xdotool mousemove --window "$1" 300 330 click 1
    sleep 0.3
    paste_text "$2"
    xdotool key Return
    sleep 0.5
}

free_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.'"$1"'); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Runs one pair of windows: server args, client args, a name for the shots, then a function.
pair() {
    local name="$1" server_args="$2" client_args="$3" then="$4"
    mkdir -p "$work/$name"
    # shellcheck disable=SC2086
    LANG=zh_CN.UTF-8 TCPTALK_BENCH_DIR="$work/$name" "$bin" server --lang zh --listen $server_args \
        >"$out/$name-server.log" 2>&1 &
    local server_pid=$!
    pids+=("$server_pid")
    local server
    server="$(find_window "$server_pid" 服务器)"
    sleep 1
    # shellcheck disable=SC2086
    LANG=zh_CN.UTF-8 "$bin" client --lang zh --connect $client_args >"$out/$name-client.log" 2>&1 &
    local client_pid=$!
    pids+=("$client_pid")
    local client
    client="$(find_window "$client_pid" 客户端)"
    xdotool windowmove "$client" 620 0
    sleep 1.5
    "$then" "$server" "$client" "$work/$name"
    import -window "$server" "$out/${name}_server.png"
    import -window "$client" "$out/${name}_client.png"
    echo "$out/${name}_server.png $out/${name}_client.png"
    kill "$server_pid" "$client_pid" 2>/dev/null || true
    sleep 0.5
}

udp_traffic() {
    local server="$1" client="$2" bench="$3"
    client_says "$client" "你好，UDP 服务器"
    python3 - "$udp_port" <<'PY'
import socket, sys
for text in ("传感器 A: 25.1℃\n", "sensor B: 60%\n"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(text.encode(), ("127.0.0.1", int(sys.argv[1])))
PY
    sleep 0.5
    echo "periodic 300 2 none 大家好（发给全部来源）" >"$bench/request"
    sleep 1.5
}

tls_traffic() {
    local server="$1" client="$2" bench="$3"
    client_says "$client" "你好，TLS 服务器"
    echo "periodic 300 1 none 收到，加密连接" >"$bench/request"
    sleep 1
}

udp_port="$(free_port SOCK_DGRAM)"
pair 09_udp "--udp --port $udp_port" "127.0.0.1 --udp --port $udp_port" udp_traffic
tls_port="$(free_port SOCK_STREAM)"
pair 10_tls "--tls --port $tls_port" "127.0.0.1 --tls --insecure --port $tls_port" tls_traffic

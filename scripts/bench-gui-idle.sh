#!/usr/bin/env bash
# "Idle": the real tcptalk server window (release build) under Xvfb, one client connected and
# nothing happening. Prints the window's CPU use (utime + stime from /proc/PID/stat) and its
# context switches over SECONDS, after a 2 s settle.
#
# Needs: xvfb, x11-utils (xdpyinfo), python3 (Debian packages).
# Usage: scripts/bench-gui-idle.sh [SECONDS]   (default 10)
# Uses $TCPTALK when set, else builds it (cargo build --release, honouring CARGO_TARGET_DIR).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-10}"
display_num="${IDLE_DISPLAY:-78}"
export DISPLAY=":$display_num"

for tool in Xvfb xdpyinfo python3; do
    command -v "$tool" >/dev/null || {
        echo "missing $tool: apt-get install xvfb x11-utils python3" >&2
        exit 1
    }
done

if [ -z "${TCPTALK:-}" ]; then
    (cd "$root" && cargo build --release --quiet -p tcptalk)
    TCPTALK="${CARGO_TARGET_DIR:-$root/target}/release/tcptalk"
fi

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

Xvfb "$DISPLAY" -noreset -screen 0 1280x800x24 >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
xdpyinfo >/dev/null 2>&1 || { echo "Xvfb did not start on $DISPLAY" >&2; exit 1; }

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
# Fresh settings, so remembered values from earlier runs do not leak in.
scratch="$(mktemp -d)"
export XDG_DATA_HOME="$scratch" XDG_CONFIG_HOME="$scratch"
"$TCPTALK" server --listen --bind 127.0.0.1 --port "$port" --lang zh >"$scratch/app.log" 2>&1 &
app=$!
pids+=("$app")

# The client connects once the window listens, then stays connected and silent.
python3 - "$port" "$((seconds + 30))" <<'PY' &
import socket, sys, time
port, hold = int(sys.argv[1]), float(sys.argv[2])
deadline = time.time() + 20
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("the window never listened")
        time.sleep(0.1)
time.sleep(hold)
PY
pids+=($!)

sleep 2
kill -0 "$app" 2>/dev/null || { echo "tcptalk exited:"; cat "$scratch/app.log"; exit 1; }
# The client must be connected by now: its socket shows up as ESTABLISHED on the port.
if ! grep -q ":$(printf '%04X' "$port") .* 01 " /proc/net/tcp; then
    echo "warning: no established connection on port $port yet" >&2
fi

hz="$(getconf CLK_TCK)"
ticks() { awk '{ print $14 + $15 }' "/proc/$app/stat"; }
switches() {
    cat /proc/"$app"/task/*/status 2>/dev/null |
        awk '/^(non)?voluntary_ctxt_switches/ { n += $2 } END { print n }'
}
t0="$(ticks)"; s0="$(switches)"
sleep "$seconds"
t1="$(ticks)"; s1="$(switches)"
rss="$(awk '/^VmRSS/ { print $2 }' "/proc/$app/status")"
awk -v t="$((t1 - t0))" -v hz="$hz" -v s="$seconds" -v cs="$((s1 - s0))" -v rss="$rss" 'BEGIN {
    printf "idle with one connected client: %d ticks (1/%d s) in %d s = %.2f %% of one CPU; %d context switches (%.1f/s); RSS %.1f MB\n",
        t, hz, s, 100 * t / hz / s, cs, cs / s, rss * 1024 / 1e6
}'

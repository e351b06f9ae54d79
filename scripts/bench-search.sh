#!/usr/bin/env bash
# 搜索 over 1,000,000 history lines in the real server window under Xvfb (Mesa's software
# renderer): a python3 client sends the lines (every 1000th has ALARM), then the window's
# probe searches, as typing into 搜索 would. Prints the time from the request to the first
# frame showing a match and to the frame showing the search finished, and the window's frame
# times meanwhile (from eframe's own measurement, via TCPTALK_BENCH_DIR/frames.tsv).
#
# Needs: python3, xvfb. Usage: scripts/bench-search.sh [lines]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
lines="${1:-1000000}"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build -q --release -p tcptalk
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
display=":${BENCH_DISPLAY:-81}"
Xvfb "$display" -noreset -screen 0 1280x800x24 >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do DISPLAY="$display" xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$work/bench"
XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" TCPTALK_BENCH_DIR="$work/bench" \
    DISPLAY="$display" "$target/release/tcptalk" server --listen --port "$port" --lang en \
    >"$work/app.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/bench/frames.tsv" ] && break; sleep 0.1; done
python3 - "$port" "$lines" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
n = int(sys.argv[2])
batch = []
for i in range(n):
    tag = "ALARM" if i % 1000 == 7 else "ok"
    batch.append(f"{i:07d} sensor {tag} value={i % 977} temp=25.3 humidity=60%\n")
    if len(batch) == 10000:
        s.sendall("".join(batch).encode())
        batch = []
if batch:
    s.sendall("".join(batch).encode())
time.sleep(600)
PY
pids+=($!)
# Wait until every line is in the history (column 3: rows ever recorded).
for _ in $(seq 1200); do
    rows="$(tail -n 1 "$work/bench/frames.tsv" | cut -f3)"
    [ "${rows:-0}" -ge "$lines" ] && break
    sleep 0.1
done
echo "history holds $(tail -n 1 "$work/bench/frames.tsv" | cut -f3) rows"
sleep 2

search() {
    local text="$1" start
    start="$(date +%s%3N)"
    echo "search $text" >"$work/bench/request"
    for _ in $(seq 600); do
        [ "$(tail -n 1 "$work/bench/frames.tsv" | cut -f7)" = 1 ] &&
            [ "$(tail -n 1 "$work/bench/frames.tsv" | cut -f1)" -ge "$start" ] && break
        sleep 0.05
    done
    sleep 0.5
    python3 - "$work/bench/frames.tsv" "$start" "$text" <<'PY'
import sys
path, start, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [line.rstrip("\n").split("\t") for line in open(path)]
during = [r for r in rows if int(r[0]) >= start]
first = next((int(r[0]) for r in during if int(r[5]) > 0), None)
end = next((int(r[0]) for r in during if r[6] == "1"), None)
found = max((int(r[5]) for r in during), default=0)
until = [r for r in during if end is None or int(r[0]) <= end + 200]
costs = sorted(int(r[4]) / 1000 for r in until[1:] if int(r[4]) > 0)
pct = lambda p: costs[min(len(costs) - 1, int(len(costs) * p))] if costs else 0
print(f"search {text!r}: {found} matches; first match shown after "
      f"{(first - start) if first else 'none'} ms, finished shown after {(end - start) if end else '?'} ms; "
      f"{len(until)} frames meanwhile, frame cost p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {costs[-1] if costs else 0:.1f} ms")
PY
}
search ALARM
search NOTHING-MATCHES
search "value=976"

#!/usr/bin/env bash
# "Flood into the GUI": a client thread floods tcptalk's server window (headless egui, the real
# engine, a real socket on 127.0.0.1) with LINES lines of 60 bytes; prints the time from the
# first byte to the last line in the history, frame CPU times (p50/p99/max) during the flood
# and while scrolling the whole history, peak RSS, and checks every line in the saved history.
#
# Usage: scripts/bench-gui.sh [LINES] [more gui-flood options, e.g. --history-mib 16]
#        (default 1,000,000 lines; `scripts/bench-gui.sh 20000` is a smoke run)
# Uses $GUI_FLOOD when set, else builds it (cargo build --release, honouring CARGO_TARGET_DIR).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lines="${1:-1000000}"
shift || true

if [ -z "${GUI_FLOOD:-}" ]; then
    (cd "$root" && cargo build --release --quiet -p tcptalk-bench --bin gui-flood)
    GUI_FLOOD="${CARGO_TARGET_DIR:-$root/target}/release/gui-flood"
fi

echo "machine: $(nproc) CPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$GUI_FLOOD" --lines "$lines" "$@"

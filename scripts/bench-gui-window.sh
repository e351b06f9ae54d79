#!/usr/bin/env bash
# "The real window": the release tcptalk binary's server window under Xvfb (Mesa's software
# renderer, as a VM or a remote desktop has it), flooded over a real socket on 127.0.0.1 with
# LINES lines of 60 bytes, then fed a steady stream; then the same flood headless (gui-flood)
# for comparison, in the same run.
#
# Usage: scripts/bench-gui-window.sh [LINES] [STREAM_MBPS] [STREAM_SECS]
#        (default 1,000,000 lines, 10 MB/s for 30 s; `scripts/bench-gui-window.sh 20000 1 2` is
#        a smoke run). Needs xvfb (apt-get install xvfb).
# Uses $TCPTALK_BIN / $TCPTALK_BENCH / $GUI_FLOOD when set, else builds them (release).
# RENDERERS="software gl" (the default) runs the real window once with each `--renderer`: the
# CPU renderer tcptalk uses by default and OpenGL (llvmpipe here), in the same run.
# SIZES="default 1920x1080" (the default) runs each renderer at the window's own size and again
# resized to a full-HD screen (xdotool, as a window manager would): the CPU renderer's cost
# grows with the pixels it fills. Needs xvfb and, for a size, xdotool.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lines="${1:-1000000}"
mbps="${2:-10}"
secs="${3:-30}"
target="${CARGO_TARGET_DIR:-$root/target}"
if [ -z "${TCPTALK_BIN:-}" ] || [ -z "${TCPTALK_BENCH:-}" ] || [ -z "${GUI_FLOOD:-}" ]; then
    (cd "$root" && cargo build --release --quiet -p tcptalk -p tcptalk-bench)
fi
export TCPTALK_BIN="${TCPTALK_BIN:-$target/release/tcptalk}"
TCPTALK_BENCH="${TCPTALK_BENCH:-$target/release/tcptalk-bench}"
GUI_FLOOD="${GUI_FLOOD:-$target/release/gui-flood}"
command -v Xvfb >/dev/null || { echo "needs Xvfb: apt-get install -y xvfb" >&2; exit 1; }
sizes="${SIZES:-default 1920x1080}"
if [ "$sizes" != default ]; then
    command -v xdotool >/dev/null || { echo "needs xdotool: apt-get install -y xdotool" >&2; exit 1; }
fi

# A display number nobody uses (no socket, no lock file).
for _ in $(seq 50); do
    n=$((90 + RANDOM % 400))
    [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break
done
display=":$n"
Xvfb "$display" -screen 0 1920x1200x24 -noreset >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    [ -e "/tmp/.X11-unix/X${display#:}" ] && break
    sleep 0.05
done
# A fresh config directory: remembered settings (history limit, hex view) stay out of it.
export XDG_CONFIG_HOME="$(mktemp -d)"
export XDG_DATA_HOME="$XDG_CONFIG_HOME"

echo "machine: $(nproc) CPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for size in $sizes; do
    for renderer in ${RENDERERS:-software gl}; do
        case "$renderer" in
            gl) what="OpenGL: $(LIBGL_DEBUG= glxinfo -B 2>/dev/null | grep -m1 'renderer string' || echo 'Mesa llvmpipe')" ;;
            *) what="$renderer renderer" ;;
        esac
        resize=()
        [ "$size" = default ] || resize=(--window-size "$size")
        echo "== real window, --renderer $renderer, $size size (Xvfb $display, $what)"
        DISPLAY="$display" "$TCPTALK_BENCH" gui-window --renderer "$renderer" "${resize[@]}" \
            --lines "$lines" --stream-mbps "$mbps" --stream-secs "$secs"
    done
done
echo "== headless, same flood (gui-flood: the app's own frames, no renderer)"
"$GUI_FLOOD" --lines "$lines" --scroll-frames 0
rm -rf "$XDG_CONFIG_HOME"

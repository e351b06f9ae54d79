#!/usr/bin/env bash
# "Idle cost side by side": the seed's Qt apps (qt_server, qt_client from /work/shared/seed-qt)
# and tcptalk's windows (server, client, and both in one process), one after the other under one
# Xvfb, ROUNDS times, interleaved (Qt server, tcptalk server, Qt client, tcptalk client, tcptalk
# both, then again) because the machine is shared and noisy. Each program gets a fresh HOME and
# XDG directories, settles SETTLE seconds after its window is mapped, then is measured: CPU ticks
# (utime + stime from /proc/PID/stat) over IDLE seconds, then VmRSS / VmHWM / threads from
# /proc/PID/status and Pss / private memory from /proc/PID/smaps_rollup. Prints the medians as a
# markdown table and the tcptalk / Qt ratios.
#
# Usage: scripts/bench-idle-rss.sh [ROUNDS]   (default 3)
# Environment:
#   TCPTALK=path     the tcptalk binary (else: cargo build --release -p tcptalk, honouring
#                    CARGO_TARGET_DIR)
#   QT_SERVER=path   the seed's qt_server (else built once into $QT_CACHE, default
#   QT_CLIENT=path   /tmp/seed-qt-bench, with /work/shared/seed-qt/build.sh; needs qtbase5-dev
#                    qt5-qmake)
#   PROGRAMS="qt-server tcptalk-server ..."   which to run (default: all six; tcptalk-server-gl is
#                    the server window with --renderer gl)
#   VARIANTS="name:VAR=x VAR2=y;name2:VAR=z"  extra tcptalk server runs with these environment
#                    variables, interleaved with the others (for experiments, e.g.
#                    VARIANTS="lp1:LP_NUM_THREADS=1;softpipe:GALLIUM_DRIVER=softpipe")
#   SMAPS_DIR=dir    also keep each program's /proc/PID/smaps (last round) and print its
#                    resident memory grouped by mapping (heap, anon, libLLVM, libgallium, fonts…)
#   SIZE=WxH         resize every window of every program to WxH (xdotool windowsize, as a window
#                    manager maximizing it would) before it settles, e.g. SIZE=1920x1080
#   SETTLE=3 IDLE=5  seconds
# Needs: xvfb, xdotool, x11-utils (Debian packages).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-3}"
settle="${SETTLE:-3}"
idle="${IDLE:-5}"
programs="${PROGRAMS:-qt-server tcptalk-server qt-client tcptalk-client tcptalk-both tcptalk-server-gl}"

for tool in Xvfb xdotool xdpyinfo awk; do
    command -v "$tool" >/dev/null || {
        echo "missing $tool: apt-get install xvfb xdotool x11-utils" >&2
        exit 1
    }
done

if [ -z "${TCPTALK:-}" ]; then
    (cd "$root" && cargo build --release --quiet -p tcptalk)
    TCPTALK="${CARGO_TARGET_DIR:-$root/target}/release/tcptalk"
fi
if [ -z "${QT_SERVER:-}" ] || [ -z "${QT_CLIENT:-}" ]; then
    qt_cache="${QT_CACHE:-/tmp/seed-qt-bench}"
    if [ ! -x "$qt_cache/bin/qt_server" ] || [ ! -x "$qt_cache/bin/qt_client" ]; then
        /work/shared/seed-qt/build.sh "$qt_cache" >"${TMPDIR:-/tmp}/seed-qt-build.log" 2>&1 || {
            echo "building the seed's Qt apps failed (apt-get install qtbase5-dev qt5-qmake):" >&2
            tail -20 "${TMPDIR:-/tmp}/seed-qt-build.log" >&2
            exit 1
        }
    fi
    QT_SERVER="${QT_SERVER:-$qt_cache/bin/qt_server}"
    QT_CLIENT="${QT_CLIENT:-$qt_cache/bin/qt_client}"
fi

scratch="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        # Bounded: a program that ignores SIGTERM for 3 s gets SIGKILL.
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A display number nobody uses (no socket, no lock file).
for _ in $(seq 50); do
    n=$((90 + RANDOM % 400))
    [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break
done
export DISPLAY=":$n"
Xvfb "$DISPLAY" -noreset -screen 0 1920x1200x24 >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
xdpyinfo >/dev/null 2>&1 || { echo "Xvfb did not start on $DISPLAY" >&2; exit 1; }

hz="$(getconf CLK_TCK)"
results="$scratch/results"
: >"$results"

# The command line of a program name; variants run the tcptalk server window.
declare -A variant_env=()
variant_names=()
if [ -n "${VARIANTS:-}" ]; then
    IFS=';' read -r -a specs <<<"$VARIANTS"
    for spec in "${specs[@]}"; do
        name="tcptalk-server+${spec%%:*}"
        variant_env["$name"]="${spec#*:}"
        variant_names+=("$name")
    done
fi
command_of() {
    case "$1" in
    qt-server) echo "$QT_SERVER" ;;
    qt-client) echo "$QT_CLIENT" ;;
    tcptalk-server | tcptalk-server+*) echo "$TCPTALK server --lang zh" ;;
    tcptalk-server-gl) echo "$TCPTALK server --lang zh --renderer gl" ;;
    tcptalk-client) echo "$TCPTALK client --lang zh" ;;
    tcptalk-both) echo "$TCPTALK --lang zh" ;;
    *) echo "unknown program $1" >&2; return 1 ;;
    esac
}
windows_of() { [ "$1" = tcptalk-both ] && echo 2 || echo 1; }

# Prints resident memory of one smaps file grouped by what is mapped, largest first.
group_smaps() {
    awk -v bin="$2" '
        /^[0-9a-f]+-[0-9a-f]+ / { path = (NF >= 6) ? $6 : ""; next }
        /^Rss:/ {
            g = path
            if (path == "") g = "anon"
            else if (path == bin || path ~ /\/tcptalk$/) g = "the binary"
            else if (path ~ /libLLVM/) g = "libLLVM*"
            else if (path ~ /libgallium|swrast|_dri\.so/) g = "libgallium*/swrast (Mesa driver)"
            else if (path ~ /\.(ttf|ttc|otf|pcf|pcf\.gz)$/) g = "fonts"
            else if (path ~ /libQt5/) g = "libQt5*"
            else if (path ~ /\.so/) g = "other shared libraries"
            else if (path ~ /^\[/) g = path
            else g = "other files"
            kb[g] += $2
        }
        END { for (g in kb) printf "%8.1f MB  %s\n", kb[g] * 1024 / 1e6, g }
    ' "$1" | sort -rn
}

measure() { # name round
    local name="$1" round="$2" home="$scratch/home-$1-$2" cmd pid wid=0 env_extra=""
    mkdir -p "$home"
    cmd="$(command_of "$name")"
    [ -n "${variant_env[$name]:-}" ] && env_extra="${variant_env[$name]}"
    # shellcheck disable=SC2086 # the command line and the variant's variables split on purpose
    env HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" \
        XDG_CACHE_HOME="$home/cache" $env_extra $cmd >"$home/log" 2>&1 &
    pid=$!
    pids+=("$pid")
    # Bounded wait (20 s) for the window(s) to be mapped.
    local want
    want="$(windows_of "$name")"
    for _ in $(seq 200); do
        wid="$({ xdotool search --onlyvisible --pid "$pid" 2>/dev/null || true; } | wc -l)"
        [ "$wid" -ge "$want" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if ! kill -0 "$pid" 2>/dev/null || [ "$wid" -lt "$want" ]; then
        echo "$name did not map its window(s) within 20 s:" >&2
        cat "$home/log" >&2
        return 1
    fi
    if [ -n "${SIZE:-}" ]; then
        local window
        for window in $(xdotool search --onlyvisible --pid "$pid" 2>/dev/null); do
            xdotool windowsize --sync "$window" "${SIZE%x*}" "${SIZE#*x}"
        done
        # A window that refused the size (a fixed-size dialog) would make the row meaningless.
        for window in $(xdotool search --onlyvisible --pid "$pid" 2>/dev/null); do
            xdotool getwindowgeometry "$window" | grep -q "Geometry: $SIZE" || {
                echo "$name: window $window did not take the size $SIZE:" >&2
                xdotool getwindowgeometry "$window" >&2
                return 1
            }
        done
    fi
    sleep "$settle"
    local t0 t1
    t0="$(awk '{ print $14 + $15 }' "/proc/$pid/stat")"
    sleep "$idle"
    t1="$(awk '{ print $14 + $15 }' "/proc/$pid/stat")"
    local rss hwm threads pss pss_anon private
    rss="$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")"
    hwm="$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")"
    threads="$(awk '/^Threads/ { print $2 }' "/proc/$pid/status")"
    pss="$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")"
    pss_anon="$(awk '/^Pss_Anon:/ { print $2 }' "/proc/$pid/smaps_rollup")"
    private="$(awk '/^Private_(Clean|Dirty):/ { n += $2 } END { print n }' "/proc/$pid/smaps_rollup")"
    echo "$name $round $rss $hwm $pss $pss_anon $private $((t1 - t0)) $threads" >>"$results"
    if [ -n "${SMAPS_DIR:-}" ]; then
        mkdir -p "$SMAPS_DIR"
        cp "/proc/$pid/smaps" "$SMAPS_DIR/$name.smaps"
    fi
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

all_programs=()
for p in $programs; do all_programs+=("$p"); done
all_programs+=("${variant_names[@]}")

echo "machine: $(nproc) CPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg); Xvfb $DISPLAY${SIZE:+; windows resized to $SIZE}"
echo "tcptalk: $TCPTALK; qt: $QT_SERVER, $QT_CLIENT; $rounds rounds, settle ${settle} s, idle ${idle} s"
for round in $(seq "$rounds"); do
    for name in "${all_programs[@]}"; do
        measure "$name" "$round"
    done
    echo "round $round done" >&2
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$results" | median; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }'; }

echo
echo "| program | RSS MB | peak RSS (VmHWM) MB | PSS MB | PSS anon MB | private MB | CPU idle ${idle} s | threads |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for name in "${all_programs[@]}"; do
    ticks="$(col "$name" 8)"
    printf "| %s | %s | %s | %s | %s | %s | %s ticks (%s %%) | %s |\n" "$name" \
        "$(mb "$(col "$name" 3)")" "$(mb "$(col "$name" 4)")" "$(mb "$(col "$name" 5)")" \
        "$(mb "$(col "$name" 6)")" "$(mb "$(col "$name" 7)")" "$ticks" \
        "$(awk -v t="$ticks" -v hz="$hz" -v s="$idle" 'BEGIN { printf "%.2f", 100 * t / hz / s }')" \
        "$(col "$name" 9)"
done
echo
echo "(medians of $rounds rounds; MB = 10^6 bytes; ticks of 1/$hz s)"
ratio() { # label numerator denominator column
    local a b
    a="$(col "$2" "$4")"
    b="$(col "$3" "$4")"
    [ -n "$a" ] && [ -n "$b" ] && awk -v l="$1" -v a="$a" -v b="$b" \
        'BEGIN { if (b > 0) printf "%s: %.2f\n", l, a / b }'
    return 0
}
has() { [[ " ${all_programs[*]} " == *" $1 "* ]]; }
if has tcptalk-server && has qt-server; then
    ratio "RSS tcptalk server / Qt server" tcptalk-server qt-server 3
    ratio "PSS tcptalk server / Qt server" tcptalk-server qt-server 5
fi
if has tcptalk-client && has qt-client; then
    ratio "RSS tcptalk client / Qt client" tcptalk-client qt-client 3
fi
if has tcptalk-both && has qt-server; then
    ratio "RSS tcptalk both windows / Qt server" tcptalk-both qt-server 3
    if has qt-client; then
        both_qt="$(($(col qt-server 5) + $(col qt-client 5)))"
        awk -v a="$(col tcptalk-both 5)" -v b="$both_qt" \
            'BEGIN { printf "PSS tcptalk both windows / (Qt server + Qt client, two processes): %.2f\n", a / b }'
    fi
fi
for name in "${variant_names[@]}"; do
    has qt-server && ratio "RSS $name / Qt server" "$name" qt-server 3
done

if [ -n "${SMAPS_DIR:-}" ]; then
    for name in "${all_programs[@]}"; do
        echo
        echo "## $name: resident memory by mapping (last round, $SMAPS_DIR/$name.smaps)"
        group_smaps "$SMAPS_DIR/$name.smaps" "$TCPTALK" | head -12
    done
fi

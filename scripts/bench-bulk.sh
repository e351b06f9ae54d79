#!/usr/bin/env bash
# Bulk transfer on loopback: one file of SIZE MiB (default 1024) from a client to a server that
# writes it to a file, with tcptalk, socat and ncat, RUNS rounds (default 5). Every copy is
# checked by sha256; the wall-clock time runs from starting the sender until both ends have
# exited, and the CPU time is both ends' user + system time. tcptalk runs twice: as it chooses
# (sendfile / splice where Linux allows) and with --no-zero-copy (tcptalk-copy, the plain
# path); each row says which path each end took. Rounds are interleaved across the tools.
# Prints medians, MB/s (10^6 bytes per second), CPU seconds per GiB and ratios to socat.
#
#   scripts/bench-bulk.sh [SIZE_MIB]      # 8 is a smoke run of a few seconds
#   TLS=1 scripts/bench-bulk.sh [SIZE_MIB] # the same over TLS: tcptalk --tls and socat
#                                          # OPENSSL, one openssl-made EC certificate
#
# Environment: TCPTALK, TCPTALK_BENCH = the executables (default: built here with
# `cargo build --release`), RUNS (3), BENCH_TMP (parent of the scratch directory, default $TMPDIR).
# Loopback only (127.0.0.1); every process is bounded by `timeout` and killed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB=${1:-1024}
RUNS=${RUNS:-5}
case "$SIZE_MIB" in '' | *[!0-9]*) echo "usage: $0 [SIZE_MIB]" >&2; exit 2 ;; esac
case "$RUNS" in '' | *[!0-9]* | 0) echo "RUNS must be a positive number" >&2; exit 2 ;; esac
for tool in socat ncat ss sha256sum timeout /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "$0: needs $tool (scripts/test.sh installs the peers)" >&2; exit 2; }
done

if [ -z "${TCPTALK:-}" ] || [ -z "${TCPTALK_BENCH:-}" ]; then
    echo "building tcptalk (terminal only) and tcptalk-bench, release..." >&2
    cargo build --release --quiet -p tcptalk --no-default-features -p tcptalk-bench >&2
    target_dir=${CARGO_TARGET_DIR:-target}
    TCPTALK=${TCPTALK:-$target_dir/release/tcptalk}
    TCPTALK_BENCH=${TCPTALK_BENCH:-$target_dir/release/tcptalk-bench}
fi

# Each process gets at most this long: 30 s plus 1 s per 10 MiB (10 MB/s would be very slow).
LIMIT=$((30 + SIZE_MIB / 10))
tmp=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/tcptalk-bench-bulk.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TLS=${TLS:-}
if [ -n "$TLS" ]; then
    command -v openssl >/dev/null || { echo "$0: TLS=1 needs openssl" >&2; exit 2; }
    cert=$tmp/cert.pem key=$tmp/key.pem
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
        -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout "$key" -out "$cert" 2>/dev/null
fi

input=$tmp/in
echo "making $SIZE_MIB MiB of test data in $tmp ..." >&2
"$TCPTALK_BENCH" gen-file --size-mib "$SIZE_MIB" --seed 1 "$input"
bytes=$(stat -c %s "$input")
want=$(sha256sum "$input" | cut -d' ' -f1)

# Waits (at most 10 s) until something listens on 127.0.0.1:$1; fails if process $2 is gone.
wait_listening() {
    local port=$1 pid=$2 i
    for ((i = 0; i < 1000; i++)); do
        if [ -n "$(ss -Htln "sport = :$port" 2>/dev/null)" ]; then return 0; fi
        kill -0 "$pid" 2>/dev/null || { echo "the receiver exited before listening" >&2; return 1; }
        sleep 0.01
    done
    echo "nothing listens on port $port after 10 s" >&2
    return 1
}

# One transfer with tool $1 (tcptalk-copy: tcptalk with --no-zero-copy at both ends); sets
# SECS (wall clock), CPU (user + system seconds of both ends, from GNU time) and WAY (which
# path each end said it took: sendfile / splice / copy; read/write for socat and ncat).
run_once() {
    local tool=$1 port out=$tmp/out err=$tmp/err recv send t0 t1 got status=0 plain=()
    port=$("$TCPTALK_BENCH" free-port)
    rm -f "$out"
    [ "$tool" = tcptalk-copy ] && plain=(--no-zero-copy)
    local cpu_recv=(/usr/bin/time -f '%U %S' -o "$tmp/cpu.recv") cpu_send=(/usr/bin/time -f '%U %S' -o "$tmp/cpu.send")
    case $TLS$tool in
    1tcptalk | 1tcptalk-copy) timeout "$LIMIT" "${cpu_recv[@]}" "$TCPTALK" server --no-gui --once \
        --bind 127.0.0.1 --port "$port" "${plain[@]}" --tls --cert "$cert" --key "$key" \
        </dev/null >"$out" 2>"$err.recv" & ;;
    1socat) timeout "$LIMIT" "${cpu_recv[@]}" socat -u \
        "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,cert=$cert,key=$key,verify=0" \
        "OPEN:$out,creat,trunc" </dev/null 2>"$err.recv" & ;;
    1ncat) timeout "$LIMIT" "${cpu_recv[@]}" ncat --ssl --ssl-cert "$cert" --ssl-key "$key" \
        -l 127.0.0.1 "$port" </dev/null >"$out" 2>"$err.recv" & ;;
    tcptalk | tcptalk-copy) timeout "$LIMIT" "${cpu_recv[@]}" "$TCPTALK" server --no-gui --once \
        --bind 127.0.0.1 --port "$port" "${plain[@]}" </dev/null >"$out" 2>"$err.recv" & ;;
    socat) timeout "$LIMIT" "${cpu_recv[@]}" socat -u "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" \
        "OPEN:$out,creat,trunc" </dev/null 2>"$err.recv" & ;;
    ncat) timeout "$LIMIT" "${cpu_recv[@]}" ncat -l 127.0.0.1 "$port" </dev/null >"$out" \
        2>"$err.recv" & ;;
    esac
    recv=$!
    pids+=("$recv")
    wait_listening "$port" "$recv" || return 1
    t0=$EPOCHREALTIME
    case $TLS$tool in
    1tcptalk | 1tcptalk-copy) timeout "$LIMIT" "${cpu_send[@]}" "$TCPTALK" client --no-gui \
        "${plain[@]}" --tls --insecure 127.0.0.1 --port "$port" <"$input" >/dev/null 2>"$err.send" & ;;
    1socat) timeout "$LIMIT" "${cpu_send[@]}" socat -u "OPEN:$input" \
        "OPENSSL:127.0.0.1:$port,verify=0" </dev/null 2>"$err.send" & ;;
    1ncat) timeout "$LIMIT" "${cpu_send[@]}" ncat --ssl --send-only 127.0.0.1 "$port" <"$input" \
        2>"$err.send" & ;;
    tcptalk | tcptalk-copy) timeout "$LIMIT" "${cpu_send[@]}" "$TCPTALK" client --no-gui \
        "${plain[@]}" 127.0.0.1 --port "$port" <"$input" >/dev/null 2>"$err.send" & ;;
    socat) timeout "$LIMIT" "${cpu_send[@]}" socat -u "OPEN:$input" "TCP:127.0.0.1:$port" \
        </dev/null 2>"$err.send" & ;;
    ncat) timeout "$LIMIT" "${cpu_send[@]}" ncat --send-only 127.0.0.1 "$port" <"$input" \
        2>"$err.send" & ;;
    esac
    send=$!
    pids+=("$send")
    wait "$send" || status=$?
    wait "$recv" || status=$?
    t1=$EPOCHREALTIME
    pids=()
    got=$(sha256sum "$out" | cut -d' ' -f1)
    if [ "$status" != 0 ] && [ "$got" = "$want" ]; then
        # ncat over TLS sometimes exits 1 at the end ("SSL_read error") with every byte there.
        echo "$tool: exit $status although the copy is whole; stderr: $(cat "$err.recv" "$err.send")" >&2
    elif [ "$status" != 0 ]; then
        echo "$tool: a process failed (exit $status); stderr:" >&2
        cat "$err.recv" "$err.send" >&2
        return 1
    fi
    if [ "$got" != "$want" ]; then
        echo "$tool: received $(stat -c %s "$out") bytes, sha256 differs from the input's" >&2
        return 1
    fi
    rm -f "$out"
    SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    # GNU time writes "Command exited with non-zero status N" first when it did.
    CPU=$(cat "$tmp/cpu.recv" "$tmp/cpu.send" | awk 'NF == 2 && $1 ~ /^[0-9.]+$/ { t += $1 + $2 } END { printf "%.3f", t }')
    case $tool in
    tcptalk*)
        # "stdin to the server: sendfile (zero-copy)", "from the client to stdout: splice (...)"
        local sent_by got_by
        sent_by=$(sed -n 's/^tcptalk: stdin to the server: \([a-z]*\).*/\1/p' "$err.send")
        got_by=$(sed -n 's/^tcptalk: from the client to stdout: \([a-z]*\).*/\1/p' "$err.recv")
        WAY="${sent_by:-copy} → ${got_by:-copy}" ;;
    *) WAY="read/write → read/write" ;;
    esac
}

tools=(tcptalk tcptalk-copy socat ncat)
# ncat --ssl as the receiver ends some runs with "SSL_read error" and a short copy (seen with
# ncat 7.93 on Debian 12): not a comparison that measures anything, so TLS runs leave it out.
[ -n "$TLS" ] && tools=(tcptalk socat)
declare -A walls cpus ways
# Rounds interleaved (tcptalk, tcptalk-copy, socat, ncat, then again), so that a slow minute of
# this shared machine falls on every tool alike.
for ((run = 1; run <= RUNS; run++)); do
    for tool in "${tools[@]}"; do
        run_once "$tool"
        echo "round $run, $tool: ${SECS} s wall, ${CPU} s CPU, $WAY" >&2
        walls[$tool]+="$SECS "
        cpus[$tool]+="$CPU "
        ways[$tool]=$WAY
    done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | sed -n "$(((RUNS + 1) / 2))p"; }
gib=$(awk -v n="$bytes" 'BEGIN { print n / 1073741824 }')
socat_cpu=$(median "${cpus[socat]}")
socat_wall=$(median "${walls[socat]}")

echo
echo "bulk transfer over ${TLS:+TLS over }127.0.0.1: $SIZE_MIB MiB ($bytes bytes), $RUNS rounds interleaved, sha256 checked"
echo "CPU = user + system seconds of sender and receiver together (GNU time); medians of $RUNS"
echo
echo "| tool | path (send → receive) | wall (s) | MB/s | CPU s per GiB | CPU ÷ socat's | wall ÷ socat's | wall times (s) | CPU times (s) |"
echo "|---|---|---:|---:|---:|---:|---:|---|---|"
for tool in "${tools[@]}"; do
    wall=$(median "${walls[$tool]}")
    cpu=$(median "${cpus[$tool]}")
    awk -v tool="$tool" -v way="${ways[$tool]}" -v n="$bytes" -v gib="$gib" -v wall="$wall" -v cpu="$cpu" \
        -v scpu="$socat_cpu" -v swall="$socat_wall" -v walls="${walls[$tool]% }" -v cpus="${cpus[$tool]% }" \
        'BEGIN { printf "| %s | %s | %.2f | %.0f | %.2f | %.2f | %.2f | %s | %s |\n", tool, way, wall,
                 n / 1e6 / wall, cpu / gib, cpu / scpu, wall / swall, walls, cpus }'
done

#!/usr/bin/env python3
"""UDP datagrams per second on 127.0.0.1, with loss counted, for tcptalk, socat and ncat.

Receiving: python3 sends COUNT datagrams of SIZE bytes as fast as it can to each tool's UDP
server (tcptalk server --udp --no-gui, socat -u UDP-RECV, ncat -u -l), whose stdout goes to a
file; what arrived is that file's size / SIZE. Sending: each tool's UDP client sends COUNT lines
of SIZE bytes (newline included) from a file on stdin, one datagram per line (tcptalk
client --udp --no-gui; socat -u STDIN UDP-SENDTO with a block size of SIZE; ncat -u is left
out: it sends each 8 KiB read of stdin as one datagram), to a python3 socket that counts them. Rates are datagrams delivered per second: of python's sending
run when receiving, from the first datagram to the last when sending; loss is 1 - received / sent. When receiving, python's own sending rate is printed too: on two
cores a receiver that uses more CPU slows the sender, so "delivered" alone would mislead. Every process is bounded by a timeout.

    scripts/bench-udp.py [COUNT]      # default 200000; sizes 64 and 1400

Environment: TCPTALK (default: target/release/tcptalk, built by scripts/bench-bulk.sh or
`cargo build --release -p tcptalk --no-default-features`), RUNS (default 3).
"""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
RUNS = int(os.environ.get("RUNS", "3"))
TCPTALK = os.environ.get("TCPTALK", "target/release/tcptalk")
LIMIT = 120


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def receiver(tool, port, out):
    if tool == "tcptalk":
        cmd = [TCPTALK, "server", "--no-gui", "--udp", "--bind", "127.0.0.1",
               "--port", str(port), "--idle", "1", "--once"]
    elif tool == "socat":
        cmd = ["socat", "-u", f"UDP-RECV:{port},bind=127.0.0.1", "STDOUT"]
    else:
        cmd = ["ncat", "-u", "-l", "127.0.0.1", str(port)]
    return subprocess.Popen(["timeout", str(LIMIT)] + cmd, stdin=subprocess.DEVNULL,
                            stdout=out, stderr=subprocess.DEVNULL)


def bench_receive(tool, size):
    port = free_port()
    with tempfile.TemporaryFile() as out:
        proc = receiver(tool, port, out)
        time.sleep(0.5)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        payload = b"x" * size
        target = ("127.0.0.1", port)
        start = time.perf_counter()
        for _ in range(COUNT):
            s.sendto(payload, target)
        took = time.perf_counter() - start
        time.sleep(1.5)  # what is still on its way, and tcptalk's 1 s idle
        if proc.poll() is None:
            proc.terminate()
        proc.wait()
        got = out.seek(0, os.SEEK_END) // size
    return got, took


def counter(port, size, result):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("127.0.0.1", port))
    s.settimeout(1.5)
    got = 0
    first = last = None
    while True:
        try:
            n = len(s.recv(65536))
        except socket.timeout:
            break
        if n == size:
            got += 1
            last = time.perf_counter()
            first = first or last
    result.append((got, first, last))


def bench_send(tool, size, lines_file):
    port = free_port()
    result = []
    thread = threading.Thread(target=counter, args=(port, size, result))
    thread.start()
    time.sleep(0.2)
    if tool == "tcptalk":
        cmd = [TCPTALK, "client", "--no-gui", "--udp", "127.0.0.1", "--port", str(port)]
    elif tool == "socat":
        cmd = ["socat", "-u", "-b", str(size), "STDIN", f"UDP-SENDTO:127.0.0.1:{port}"]
    else:
        cmd = ["ncat", "-u", "--send-only", "127.0.0.1", str(port)]
    with open(lines_file, "rb") as stdin:
        subprocess.run(["timeout", str(LIMIT)] + cmd, stdin=stdin,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    thread.join()
    got, first, last = result[0]
    # From the first datagram to the last: not the start-up, nor tcptalk's 1 s linger for
    # answers after the end of stdin.
    return got, (last - first) if got > 1 else float("inf")


def main():
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (64, 1400):
            lines = os.path.join(tmp, f"lines-{size}")
            with open(lines, "wb") as f:
                f.write((b"y" * (size - 1) + b"\n") * COUNT)
            for direction, bench in (("receive", bench_receive), ("send", bench_send)):
                # ncat -u sends each read of stdin (8 KiB) as one datagram, not each line:
                # there is nothing to compare it with when sending.
                tools = ("tcptalk", "socat", "ncat") if direction == "receive" \
                    else ("tcptalk", "socat")
                for tool in tools:
                    best = None
                    for _ in range(RUNS):
                        got, took = bench(tool, size) if direction == "receive" \
                            else bench(tool, size, lines)
                        rate = got / took
                        print(f"{direction} {size} B {tool}: {got}/{COUNT} in {took:.2f} s",
                              file=sys.stderr)
                        if best is None or rate > best[0]:
                            best = (rate, got, COUNT / took)
                    sent = f"{best[2]:,.0f}" if direction == "receive" else "—"
                    rows.append((direction, size, tool, sent, best[0], 1 - best[1] / COUNT))
    print(f"\nUDP on 127.0.0.1, {COUNT} datagrams per run, best of {RUNS}\n")
    print("| direction | size (B) | tool | python sent (datagrams/s) | delivered (datagrams/s) | lost |")
    print("|---|---:|---|---:|---:|---:|")
    for direction, size, tool, sent, rate, loss in rows:
        print(f"| {direction} | {size} | {tool} | {sent} | {rate:,.0f} | {loss:.1%} |")


if __name__ == "__main__":
    main()

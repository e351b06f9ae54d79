"""A receiving server that reports exactly what arrived and when: python3's own socket and
hashlib modules, no code of ours.

Usage: sink.py [--stop-after BYTES] [--lines N] [--connect PORT]
Listens on 127.0.0.1 (a free port), prints "port N", accepts one client (or, with --connect,
connects to 127.0.0.1:PORT and prints "connected") and reads until the peer closes (or BYTES
have arrived, or N LF bytes, or 60 s have passed), then prints, one per line:
  size N              bytes received
  sha256 HEX          of all of them
  head HEX            the first 64 bytes, in hex (no spaces)
  lines K             how many LF bytes arrived
  times T1,T2,...     for each LF, when the read that carried it returned, in microseconds
                      after the first one (at most the first 100000)
and exits.
"""
import hashlib
import socket
import sys
import time

stop_after = None
stop_lines = None
connect = None
args = sys.argv[1:]
while args:
    flag, value = args[0], int(args[1])
    args = args[2:]
    if flag == "--stop-after":
        stop_after = value
    elif flag == "--lines":
        stop_lines = value
    elif flag == "--connect":
        connect = value

if connect is None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    print("port", listener.getsockname()[1], flush=True)
    conn, _ = listener.accept()
else:
    for _ in range(100):
        try:
            conn = socket.create_connection(("127.0.0.1", connect))
            break
        except OSError:
            time.sleep(0.1)
    print("connected", flush=True)
conn.settimeout(60)

digest = hashlib.sha256()
size = 0
head = b""
times = []
first = None
while stop_after is None or size < stop_after:
    if stop_lines is not None and len(times) >= stop_lines:
        break
    try:
        data = conn.recv(1 << 20)
    except socket.timeout:
        break
    if not data:
        break
    now = time.monotonic_ns() // 1000
    digest.update(data)
    size += len(data)
    if len(head) < 64:
        head = (head + data)[:64]
    for _ in range(data.count(b"\n")):
        if first is None:
            first = now
        if len(times) < 100000:
            times.append(now - first)
conn.close()
print("size", size)
print("sha256", digest.hexdigest())
print("head", head.hex())
print("lines", len(times))
print("times", ",".join(map(str, times)))
sys.stdout.flush()

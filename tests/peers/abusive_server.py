"""A hostile server for the client window: python3's own socket module, no code of ours.

Usage: abusive_server.py
Listens on 127.0.0.1 (a free port), prints "port N", accepts one client and prints
"accepted". Then, for each line on stdin, sends that payload and prints "sent BYTES":
  escapes   terminal escapes (clear screen, OSC 52 clipboard), markup, NUL, a UTF-8 C1 CSI
  invalid   invalid UTF-8: stray bytes and a character cut short
  gbk       GBK text with an invalid GBK pair
  bigline   100 MB of printable text with no line end at all
  hello     one ordinary line
  close     closes the connection and prints "closed"
  reset     resets the connection (RST, not FIN) and prints "reset"
"""
import socket
import struct
import sys

PAYLOADS = {
    "escapes": b"\x1b[2J\x1b]52;c;aGk=\x07<script>alert(1)</script>&amp;\x00nul\xc2\x9bcsi\r\n",
    "invalid": b"\xff\xfe ok \xe4\xb8 cut\n",
    "gbk": "中文GBK".encode("gbk") + b"\x81\x20bad\n",
    "hello": b"hello before reset\n",
}
BIG = 100 * 1000 * 1000

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(1)
print("port", listener.getsockname()[1], flush=True)
conn, _ = listener.accept()
print("accepted", flush=True)
for line in sys.stdin:
    what = line.strip()
    if what == "close":
        conn.close()
        print("closed", flush=True)
        break
    if what == "reset":
        # Linger on, timeout 0: close() sends RST instead of FIN.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        print("reset", flush=True)
        break
    if what == "bigline":
        block = bytes(range(0x21, 0x7F)) * 10000  # 940,000 printable bytes
        sent = 0
        while sent < BIG:
            part = block[: min(len(block), BIG - sent)]
            conn.sendall(part)
            sent += len(part)
        print("sent", sent, flush=True)
        continue
    data = PAYLOADS[what]
    conn.sendall(data)
    print("sent", len(data), flush=True)

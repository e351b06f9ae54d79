"""A crowd of clients for the server window: python3's own socket module, no code of ours.

Usage: many_clients.py PORT COUNT MESSAGE
Opens COUNT connections and prints "connected". At each line on stdin it goes on:
first it reads MESSAGE (UTF-8) from every connection and prints "received OK" (how many got
exactly that), then it closes every connection and prints "closed".
"""
import resource
import socket
import sys

port, count, message = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < count + 64 <= hard:
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

clients = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    clients.append(s)
print("connected", flush=True)

sys.stdin.readline()
ok = 0
for s in clients:
    got = b""
    try:
        while len(got) < len(message):
            part = s.recv(len(message) - len(got))
            if not part:
                break
            got += part
    except OSError:
        pass
    ok += got == message
print("received", ok, flush=True)

sys.stdin.readline()
for s in clients:
    s.close()
print("closed", flush=True)

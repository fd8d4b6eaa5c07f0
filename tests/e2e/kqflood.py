# Hostile and greedy clients for kq-broker's limits (t94x): each is bounded
# in connections and time, on the loopback only.
#
#   kqflood.py fetches HOST:PORT TOPIC N     N Fetches on one connection, sent
#                                            before any answer is read; then
#                                            every answer read; prints "N
#                                            answers, M bytes"
#   kqflood.py partial HOST:PORT N SIZE SENT N connections each sending the
#                                            first SENT bytes of a SIZE-byte
#                                            request ("sent" when it could),
#                                            held until stdin ends
#   kqflood.py slow HOST:PORT N SECONDS [SRC]
#                                            N connections sending a request
#                                            a byte a second (from address
#                                            SRC); prints how many the broker
#                                            closed
#   kqflood.py hwm PID                       the process's peak RSS, in KiB
import socket
import struct
import sys
import threading
import time


def connect(brokers, src=None, timeout=30):
    host, port = brokers.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((host, int(port)))
    return s


def fetch_request(corr, topic):
    """Fetch v4: no wait, 1 GiB asked, partition 0 from offset 0."""
    t = topic.encode()
    body = struct.pack(">iiiib", -1, 0, 0, 1 << 30, 0) + struct.pack(">i", 1)
    body += struct.pack(">h", len(t)) + t
    body += struct.pack(">iiqi", 1, 0, 0, 1 << 30)
    req = struct.pack(">hhih", 1, 4, corr, 5) + b"flood" + body
    return struct.pack(">i", len(req)) + req


def recvn(s, n, buf):
    view = memoryview(buf)[:n]
    got = 0
    while got < n:
        k = s.recv_into(view[got:], n - got)
        if not k:
            raise SystemExit("closed by the broker after %d of %d bytes"
                             % (got, n))
        got += k


def fetches(brokers, topic, n):
    s = connect(brokers)
    # Sent whole before any answer is read, as one write.
    s.sendall(b"".join(fetch_request(i, topic) for i in range(n)))
    time.sleep(2)
    buf = bytearray(8 << 20)
    total = 0
    for i in range(n):
        recvn(s, 4, buf)
        size = struct.unpack(">i", bytes(buf[:4]))[0]
        if size > len(buf):
            buf = bytearray(size)
        recvn(s, size, buf)
        corr = struct.unpack(">i", bytes(buf[:4]))[0]
        if corr != i:
            raise SystemExit("answer %d has correlation id %d" % (i, corr))
        total += size
    print("%d answers, %d bytes" % (n, total))


def partial(brokers, n, size, sent):
    head = struct.pack(">ihhih", size, 0, 3, 1, 5) + b"flood"
    chunk = head + b"x" * (1 << 20)

    def one():
        try:
            s = connect(brokers, timeout=120)
            socks.append(s)
            s.sendall(head)
            left = sent - len(head)
            while left > 0:
                k = min(left, 1 << 20)
                s.sendall(chunk[len(head):len(head) + k])
                left -= k
            print("sent", flush=True)
        except OSError:
            pass

    socks = []
    threads = [threading.Thread(target=one, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    print("sending", flush=True)
    sys.stdin.read()
    for s in socks:
        s.close()


def slow(brokers, n, seconds, src=None):
    socks = [connect(brokers, src) for _ in range(n)]
    frame = struct.pack(">ihhih", 100, 18, 0, 1, 5) + b"flood"
    print("connected", flush=True)
    closed = set()
    for i in range(seconds):
        for k, s in enumerate(socks):
            if k in closed:
                continue
            try:
                s.send(frame[i % len(frame):i % len(frame) + 1])
            except OSError:
                closed.add(k)
        time.sleep(1)
    for k, s in enumerate(socks):
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                closed.add(k)
        except BlockingIOError:
            pass
        except OSError:
            closed.add(k)
        s.close()
    print("%d of %d closed" % (len(closed), n))


def hwm(pid):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                print(line.split()[1])


cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "fetches":
    fetches(args[0], args[1], int(args[2]))
elif cmd == "partial":
    partial(args[0], int(args[1]), int(args[2]), int(args[3]))
elif cmd == "slow":
    slow(args[0], int(args[1]), int(args[2]), *args[3:])
elif cmd == "hwm":
    hwm(args[0])
else:
    raise SystemExit("kqflood.py: unknown command " + cmd)

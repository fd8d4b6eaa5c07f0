# The Kafka wire protocol by hand, for the tests of kq-broker's group
# coordinator that no client library would send: a member id shared by two
# connections, a leader that changes its protocols mid-rebalance, hostile
# array counts; and for the requests the clients on the machine do not
# send (IncrementalAlterConfigs, OffsetDelete, DescribeCluster, the
# flexible versions of KIP-482: send(..., flex=True), recv(flex=True) and
# the compact forms cs(), carray(), uvarint(), TAGS).
#
#   from kqwire import Conn
#   c = Conn("127.0.0.1:9092")
#   r = c.join("g", "", ["range"])    # JoinGroup v1: a dict
import socket
import struct
import time

JOIN, SYNC, HEARTBEAT, LEAVE, DESCRIBE, LIST = 11, 14, 12, 13, 15, 16
COMMIT, FETCH_OFFSETS = 8, 9
API_VERSIONS, DESCRIBE_CONFIGS, ALTER_CONFIGS = 18, 32, 33
DELETE_GROUPS, INCREMENTAL_ALTER_CONFIGS, OFFSET_DELETE = 42, 44, 47
DESCRIBE_CLUSTER = 60

NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_TOPIC_EXCEPTION = 17
ILLEGAL_GENERATION = 22
INCONSISTENT_GROUP_PROTOCOL = 23
UNKNOWN_MEMBER_ID = 25
INVALID_SESSION_TIMEOUT = 26
REBALANCE_IN_PROGRESS = 27
UNSUPPORTED_VERSION = 35
INVALID_CONFIG = 40
INVALID_REQUEST = 42
NON_EMPTY_GROUP = 68
GROUP_ID_NOT_FOUND = 69
MEMBER_ID_REQUIRED = 79
FENCED_INSTANCE_ID = 82
GROUP_SUBSCRIBED_TO_TOPIC = 86
UNKNOWN_TOPIC_ID = 100

# An empty tagged-field section.
TAGS = b"\x00"


def s(v):
    if v is None:
        return struct.pack(">h", -1)
    v = v.encode()
    return struct.pack(">h", len(v)) + v


def b(v):
    return struct.pack(">i", len(v)) + v


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def i8(v):
    return struct.pack(">b", v)


def i16(v):
    return struct.pack(">h", v)


def uvarint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7f) | 0x80])
        n >>= 7
    return out + bytes([n])


def cs(v):
    """A compact (nullable) string."""
    if v is None:
        return uvarint(0)
    v = v.encode()
    return uvarint(len(v) + 1) + v


def carray(items):
    """A compact array of encoded items."""
    return uvarint(len(items) + 1) + b"".join(items)


def array(items):
    return i32(len(items)) + b"".join(items)


class Reader:
    def __init__(self, data):
        self.d, self.p = data, 0

    def take(self, n):
        if self.p + n > len(self.d):
            raise ValueError("response too short")
        v = self.d[self.p:self.p + n]
        self.p += n
        return v

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def uvarint(self):
        v, shift = 0, 0
        while True:
            c = self.take(1)[0]
            v |= (c & 0x7f) << shift
            shift += 7
            if not c & 0x80:
                return v

    def cstr(self):
        n = self.uvarint()
        return None if n == 0 else self.take(n - 1).decode()

    def carray(self, f):
        n = self.uvarint()
        return None if n == 0 else [f() for _ in range(n - 1)]

    def tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())

    def end(self):
        if self.p != len(self.d):
            raise ValueError("%d bytes left over" % (len(self.d) - self.p))

    def str(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def bytes(self):
        n = self.i32()
        return None if n < 0 else self.take(n)

    def array(self, f):
        return [f() for _ in range(self.i32())]


class Conn:
    """One connection; requests are sent, then their answers read."""

    def __init__(self, brokers, timeout=15):
        host, port = brokers.split(",")[0].rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout)
        self.corr = 0
        self.ver = 1

    def close(self):
        self.sock.close()

    def send(self, key, ver, body, flex=False):
        """A request; flex: header v2, whose tagged fields are empty."""
        self.corr += 1
        head = struct.pack(">hhi", key, ver, self.corr) + s("kqwire")
        if flex:
            head += TAGS
        self.sock.sendall(i32(len(head) + len(body)) + head + body)
        return self.corr

    def recv(self, flex=False):
        """
        The next answer's body (after its correlation id, and with flex
        the header's tagged fields), as a Reader.
        """
        size = struct.unpack(">i", self.recvn(4))[0]
        data = self.recvn(size)
        r = Reader(data)
        r.i32()
        if flex:
            r.tags()
        return r

    def recvn(self, n):
        buf = b""
        while len(buf) < n:
            got = self.sock.recv(n - len(buf))
            if not got:
                raise EOFError("the broker closed the connection")
            buf += got
        return buf

    def answered(self, wait=0.5):
        """Whether an answer is waiting to be read within wait seconds."""
        self.sock.settimeout(wait)
        try:
            return len(self.sock.recv(1, socket.MSG_PEEK)) > 0
        except socket.timeout:
            return False
        finally:
            self.sock.settimeout(15)

    # JoinGroup v1 (v4: a new member is given its id to ask again with;
    # v5: a static member's instance id): session and rebalance timeouts,
    # protocols by name.
    def join_send(self, group, member, protos, session=10000,
                  rebalance=30000, meta=b"", ver=1, instance=None):
        body = s(group) + i32(session) + i32(rebalance) + s(member) + \
            (s(instance) if ver >= 5 else b"") + \
            s("consumer") + array([s(p) + b(meta) for p in protos])
        self.ver = ver
        return self.send(JOIN, ver, body)

    def join_recv(self):
        r = self.recv()
        if self.ver >= 2:
            r.i32()
        a = {"error": r.i16(), "generation": r.i32(), "protocol": r.str(),
             "leader": r.str(), "member": r.str()}
        if self.ver >= 5:
            a["members"] = r.array(lambda: (r.str(), r.str(), r.bytes())[::2])
        else:
            a["members"] = r.array(lambda: (r.str(), r.bytes()))
        return a

    def join(self, *args, **kw):
        self.join_send(*args, **kw)
        return self.join_recv()

    # SyncGroup v0: assignments is {member: bytes} (the leader's).
    def sync_send(self, group, gen, member, assignments=None):
        body = s(group) + i32(gen) + s(member) + array(
            [s(m) + b(a) for m, a in (assignments or {}).items()])
        return self.send(SYNC, 0, body)

    def sync_recv(self):
        r = self.recv()
        return r.i16(), r.bytes()

    def sync(self, *args, **kw):
        self.sync_send(*args, **kw)
        return self.sync_recv()

    def heartbeat(self, group, gen, member, instance=None):
        """Heartbeat v0; v3 with a static member's instance id."""
        if instance is None:
            self.send(HEARTBEAT, 0, s(group) + i32(gen) + s(member))
            return self.recv().i16()
        self.send(HEARTBEAT, 3, s(group) + i32(gen) + s(member) +
                  s(instance))
        r = self.recv()
        r.i32()
        return r.i16()

    def leave(self, group, member):
        self.send(LEAVE, 0, s(group) + s(member))
        return self.recv().i16()

    def describe(self, group):
        """(state, [member ids]) by DescribeGroups v0."""
        d = self.describe_all(group)
        return d["state"], d["members"]

    def describe_all(self, group):
        """DescribeGroups v0 of one group, as a dict."""
        self.send(DESCRIBE, 0, array([s(group)]))
        r = self.recv()
        r.i32()
        d = {"error": r.i16(), "group": r.str(), "state": r.str(),
             "type": r.str(), "protocol": r.str()}
        d["members"] = r.array(lambda: (r.str(), r.str(), r.str(),
                                        r.bytes(), r.bytes())[0])
        return d

    # OffsetCommit v2 of one partition: its error.
    def commit(self, group, gen, member, topic, part, offset, meta=""):
        body = s(group) + i32(gen) + s(member) + i64(-1) + array(
            [s(topic) + array([i32(part) + i64(offset) + s(meta)])])
        self.send(COMMIT, 2, body)
        r = self.recv()
        r.i32()
        r.str()
        r.i32()
        r.i32()
        return r.i16()

    # OffsetFetch v1 of one partition: (offset, metadata, error).
    def committed(self, group, topic, part):
        self.send(FETCH_OFFSETS, 1, s(group) +
                  array([s(topic) + array([i32(part)])]))
        r = self.recv()
        r.i32()
        r.str()
        r.i32()
        r.i32()
        return r.i64(), r.str(), r.i16()

    def list_groups(self):
        self.send(LIST, 0, b"")
        r = self.recv()
        r.i16()
        return sorted(r.array(lambda: (r.str(), r.str())[0]))


def expect(what, got, want):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def wait_state(c, group, state):
    """Until DescribeGroups says the group is in state (5 s)."""
    for _ in range(100):
        if c.describe(group)[0] == state:
            return
        time.sleep(0.05)
    raise AssertionError("group %s never %s: %r" %
                         (group, state, c.describe(group)))


def pair(brokers, group, **kw):
    """
    Two members on a connection each, A leading, the group completing
    its rebalance (both joined, neither synced): (a, b, A, B, generation).
    """
    a, c = Conn(brokers), Conn(brokers)
    ja = a.join(group, "", ["range"], **kw)
    expect("A joins", ja["error"], NONE)
    A = ja["member"]
    c.join_send(group, "", ["range"], **kw)
    wait_state(a, group, "PreparingRebalance")
    ja = a.join(group, A, ["range"], **kw)
    jb = c.join_recv()
    expect("A rejoins", ja["error"], NONE)
    expect("B joins", jb["error"], NONE)
    expect("A leads", jb["leader"], A)
    expect("the leader sees both", len(ja["members"]), 2)
    return a, c, A, jb["member"], ja["generation"]


def stable(a, c, group, A, B, gen):
    """Both sync; A, the leader, gives "a" to A and "b" to B."""
    c.sync_send(group, gen, B)
    expect("A syncs", a.sync(group, gen, A, {A: b"a", B: b"b"}),
           (NONE, b"a"))
    expect("B syncs", c.sync_recv(), (NONE, b"b"))


def api_versions(c, ver=0):
    """{api key: (min, max)} as the broker advertises them."""
    body = cs("kqwire") + cs("1.0") + TAGS if ver >= 3 else b""
    c.send(API_VERSIONS, ver, body, flex=ver >= 3)
    r = c.recv()
    if ver >= 3:
        err = r.i16()
        keys = r.carray(lambda: (r.i16(), r.i16(), r.i16(), r.tags())[:3])
        r.i32()
        r.tags()
    else:
        err = r.i16()
        keys = r.array(lambda: (r.i16(), r.i16(), r.i16()))
        if ver >= 1:
            r.i32()
    r.end()
    return err, {k: (lo, hi) for k, lo, hi in keys}


def crc32c(data):
    """CRC-32C (Castagnoli), as record batches carry it."""
    crc = 0xffffffff
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff


def varint(n):
    """A zig-zag varint, as in records."""
    return uvarint((n << 1) ^ (n >> 63))


def batch(values, timestamp=0):
    """A record batch (magic 2, uncompressed) of values, no keys."""
    recs = b""
    for i, v in enumerate(values):
        body = i8(0) + varint(0) + varint(i) + varint(-1) + \
            varint(len(v)) + v + varint(0)
        recs += varint(len(body)) + body
    after_crc = struct.pack(">hiqqqhii", 0, len(values) - 1, timestamp,
                            timestamp, -1, -1, -1, len(values)) + recs
    head = struct.pack(">ib", 0, 2) + struct.pack(">I", crc32c(after_crc))
    return struct.pack(">qi", 0, len(head) + len(after_crc)) + head + \
        after_crc

#!/usr/bin/env python3
"""Writes the fuzz seed corpora (fuzz/seeds/<target>/) from real servers.

Usage: fuzz/make_seeds.py [path/to/ember-server]   (default: target/release)

Starts redis-server (7.x, from PATH) and ember-server on free ports, builds
keys of every type in every encoding each server uses, and keeps:
  restore/   DUMP payload bodies (the footer cut off: the fuzzer skips the
             checksum, as `restore_value` is called past it)
  rdb_load/  dump.rdb files from SAVE
  aof/       AOF files (BGREWRITEAOF with and without the RDB preamble, an
             incr file of plain commands) and manifests
  resp/      the commands as clients send them, multibulk and inline
  config/    redis.conf.example cut into pieces
Seed names are content hashes, so re-running adds nothing twice.
"""
import hashlib, os, re, shutil, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EMBER = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/ember-server")

LONG = "x" * 200
CMDS = [
    ["SET", "str", "hello"], ["SET", "int", "12345"], ["SET", "neg", "-70000"],
    ["SET", "big", "9" * 15], ["SET", "raw", LONG], ["SET", "rnd", os.urandom(64).hex()],
    ["RPUSH", "list_lp", "a", "1", "-2", "300", "b"],
    ["RPUSH", "list_ql"] + [f"e{i}" for i in range(300)],
    ["RPUSH", "list_plain", "y" * 9000, "z"],
    ["SADD", "set_int", "1", "2", "-3", "70000", "5000000000"],
    ["SADD", "set_lp", "a", "b", "c"],
    ["SADD", "set_ht"] + [f"m{i}" for i in range(200)],
    ["ZADD", "z_lp", "1.5", "m", "2", "n", "-inf", "o", "inf", "p"],
    ["ZADD", "z_sk"] + sum([[str(i / 7), f"m{i}"] for i in range(200)], []),
    ["HSET", "h_lp", "f", "v", "g", "12", "h", "-1"],
    ["HSET", "h_ht"] + sum([[f"f{i}", f"v{i}"] for i in range(200)], []),
    ["HSET", "h_long", "f", LONG],
    ["XADD", "st", "1-1", "f", "v", "g", "12"],
    ["XADD", "st", "1-2", "f", "w", "g", "-5"],
    ["XADD", "st", "2-0", "other", LONG],
    ["XGROUP", "CREATE", "st", "grp", "0"],
    ["XREADGROUP", "GROUP", "grp", "c1", "COUNT", "2", "STREAMS", "st", ">"],
    ["XADD", "st_empty", "5-5", "a", "b"], ["XDEL", "st_empty", "5-5"],
    ["PEXPIRE", "str", "100000000"],
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def resp(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.s.recv(65536)
            v, self.buf = self.buf[:n], self.buf[n + 2:]
            return v
        if t == b"*":
            return [self._read() for _ in range(int(rest))]
        if t == b"-":
            raise RuntimeError(rest.decode())
        return rest

    def cmd(self, *args):
        self.s.sendall(resp(args))
        return self._read()


def save(dirname, data):
    d = os.path.join(HERE, "seeds", dirname)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def one_server(binary, tag):
    work = tempfile.mkdtemp(prefix=f"seeds-{tag}-")
    port = free_port()
    p = subprocess.Popen([binary, "--port", str(port), "--dir", work, "--save", "",
                          "--appendonly", "no", "--bind", "127.0.0.1"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                c = Conn(port)
                c.cmd("PING")
                break
            except OSError:
                time.sleep(0.05)
        for a in CMDS:
            c.cmd(*a)
        for k in c.cmd("KEYS", "*"):
            payload = c.cmd("DUMP", k)
            save("restore", payload[:-10])
        c.cmd("FUNCTION", "LOAD", "#!lua name=seedlib\nredis.register_function('f', function() return 1 end)")
        save("restore", c.cmd("FUNCTION", "DUMP")[:-10])
        c.cmd("SAVE")
        save("rdb_load", open(os.path.join(work, "dump.rdb"), "rb").read())
        for preamble in ("yes", "no"):
            c.cmd("CONFIG", "SET", "aof-use-rdb-preamble", preamble)
            c.cmd("CONFIG", "SET", "appendonly", "yes")
            for _ in range(200):
                info = c.cmd("INFO", "persistence")
                if b"aof_rewrite_in_progress:0" in info and b"aof_rewrite_scheduled:0" in info:
                    break
                time.sleep(0.05)
            c.cmd("SET", "after", "rewrite")
            c.cmd("MULTI"), c.cmd("INCR", "ctr"), c.cmd("EXEC")
            aofdir = os.path.join(work, "appendonlydir")
            for name in sorted(os.listdir(aofdir)):
                save("aof", open(os.path.join(aofdir, name), "rb").read())
            c.cmd("CONFIG", "SET", "appendonly", "no")
            time.sleep(0.2)
    finally:
        p.terminate()
        p.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    one_server("redis-server", "redis")
    one_server(EMBER, "ember")
    for a in CMDS:
        save("resp", b"\x00" + resp(a))
        save("resp", b"\x05" + resp(a) + resp(["PING"]))
    save("resp", b"\x00PING\r\nSET a \"b c\\x41\" 'd'\r\n\r\n")
    save("resp", b"\x41*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n")
    save("aof", b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$")
    conf = open(os.path.join(ROOT, "redis.conf.example"), "rb").read()
    # The example file shows every directive commented out: uncomment them.
    lines = [l[2:] for l in conf.split(b"\n") if re.match(rb"# [a-z][a-z0-9-]+ ", l)]
    for i in range(0, len(lines), 8):
        save("config", b"\n".join(lines[i:i + 8]) + b"\n")


if __name__ == "__main__":
    main()

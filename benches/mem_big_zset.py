#!/usr/bin/env python3
"""Resident bytes per member of one big sorted set, ember vs redis-server.

Adds N members named element:<12 digits> (20 bytes) to one key, 1000 per
pipelined batch, once with scores in ascending order and once with random
scores, and reports the RSS growth divided by N. Run from the repository
root after `cargo build --release`:

    python3 benches/mem_big_zset.py            # N = 1,000,000
    python3 benches/mem_big_zset.py --members 200000
"""
import argparse
import random
import shutil
import socket
import subprocess
import tempfile
import time


def enc(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def run(cmd, port, n, ordered):
    d = tempfile.mkdtemp()
    p = subprocess.Popen(cmd + ["--port", str(port), "--save", "", "--appendonly", "no", "--dir", d],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                s = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"{cmd[0]} did not listen on {port}")
        time.sleep(0.2)
        base = rss(p.pid)
        rnd = random.Random(1)
        for start in range(0, n, 1000):
            batch = range(start, min(n, start + 1000))
            s.sendall(b"".join(enc("ZADD", "big", i * 3.5 if ordered else rnd.random() * 1e6,
                                   f"element:{i:012d}") for i in batch))
            buf, want = b"", len(batch)
            while buf.count(b"\r\n") < want:
                buf += s.recv(1 << 20)
        time.sleep(0.3)
        return (rss(p.pid) - base) / n
    finally:
        p.kill()
        p.wait()
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--ember", default="./target/release/ember-server")
    ap.add_argument("--port", type=int, default=17555)
    args = ap.parse_args()
    for ordered in (True, False):
        e = run([args.ember], args.port, args.members, ordered)
        r = run(["redis-server"], args.port + 1, args.members, ordered)
        order = "in score order" if ordered else "random order  "
        print(f"{order}: ember {e:6.1f} B/member  redis {r:6.1f} B/member  ratio {e / r:.2f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Tail latency of a GET probe while the server does something big.

Issue #8's four scenarios, run on ember and on redis-server in turn, each
server pinned to CPU 0 and the load to CPU 1 (like ../shared/bench/compare.py):

  grow     10M keys inserted (redis-benchmark SET, random keys, pipelined)
  expire   1M keys set with the same TTL, then left to expire
  flush    10M keys, then FLUSHALL ASYNC
  delset   one 10M-member set, then DEL of it

While each runs, a probe process sends GET on one connection, one request at
a time, timing every reply; it reports how many it sent, p50, p99, p99.9 and
the maximum, in milliseconds. The probe is Python: its own hiccups show up in
both columns alike, so compare the two servers, not the absolute floor.

  benches/tail_latency.py                      # all four, full size
  benches/tail_latency.py --scale 0.1          # a tenth of the sizes (quick)
  benches/tail_latency.py --scenarios flush,delset
"""
import argparse, multiprocessing, os, shlex, shutil, signal, socket, subprocess, sys, tempfile, time

from benchlib import EMBER, REDIS, encode, pin


class Server:
    def __init__(self, name, template, port):
        self.name, self.port = name, port
        self.dir = tempfile.mkdtemp(prefix=f"tail-{name}-")
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        cmd = pin(0) + shlex.split(template.format(port=port, dir=self.dir))
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, preexec_fn=os.setsid)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"{name}: exited at start; see {self.dir}/server.log")
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        sys.exit(f"{name}: not listening after 20 s")

    def command(self, *args, timeout=600):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.sendall(encode(args))
        data = s.recv(1 << 16)
        s.close()
        return data

    def pipeline(self, commands, batch=2000):
        """Sends encoded commands in batches, waiting for one simple reply
        line per command (SET/SADD/... replies are single lines)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=600)
        pending = []
        for c in commands:
            pending.append(c)
            if len(pending) == batch:
                self._send_batch(s, pending)
                pending = []
        if pending:
            self._send_batch(s, pending)
        s.close()

    @staticmethod
    def _send_batch(s, cmds):
        s.sendall(b"".join(cmds))
        want, seen = len(cmds), 0
        while seen < want:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise RuntimeError("server closed the connection")
            seen += chunk.count(b"\r\n")
            if b"-" in chunk[:1]:
                raise RuntimeError(chunk[:200])

    def dbsize(self):
        return int(self.command("DBSIZE")[1:].strip())

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def probe(port, stop, out):
    """GET in a loop on one connection until `stop` is set; puts the
    sorted latencies (ms)."""
    if (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    req = encode(["GET", "probe:key"])
    lat = []
    while not stop.is_set():
        t0 = time.perf_counter()
        s.sendall(req)
        buf = b""
        while not buf.endswith(b"\r\n"):
            buf += s.recv(4096)
        lat.append((time.perf_counter() - t0) * 1000.0)
    s.close()
    lat.sort()
    out.put(lat)


def summary(lat):
    def pct(p):
        return lat[min(len(lat) - 1, int(len(lat) * p))]
    return {"n": len(lat), "p50": pct(0.5), "p99": pct(0.99), "p999": pct(0.999), "max": lat[-1]}


def with_probe(srv, action, tail=2.0):
    """Runs the probe while `action()` runs (after a 0.5 s warm-up) and
    for `tail` seconds after it returned; returns the probe summary."""
    q, stop = multiprocessing.Queue(), multiprocessing.Event()
    p = multiprocessing.Process(target=probe, args=(srv.port, stop, q))
    p.start()
    time.sleep(0.5)
    action()
    time.sleep(tail)
    stop.set()
    lat = q.get()
    p.join()
    return summary(lat)


def scenario_grow(srv, scale):
    n = int(10_000_000 * scale)
    start = time.time()
    res = with_probe(srv, lambda: subprocess.run(
        pin(1) + ["redis-benchmark", "-p", str(srv.port), "-t", "set", "-n", str(n),
                  "-r", str(n * 100), "-P", "64", "-c", "4", "-d", "16", "-q"],
        stdout=subprocess.DEVNULL, check=True), tail=0.5)
    res["note"] = f"{srv.dbsize()} keys inserted in {time.time() - start:.1f} s"
    return res


def scenario_expire(srv, scale):
    n = int(1_000_000 * scale)
    ttl_ms = 4000
    srv.pipeline(encode(["SET", f"exp:{i}", "v" * 16, "PX", ttl_ms]) for i in range(n))
    loaded = srv.dbsize()
    res = with_probe(srv, lambda: time.sleep(ttl_ms / 1000), tail=6.0)
    res["note"] = f"{loaded - 1} keys with one TTL, {srv.dbsize() - 1} left after 10 s"
    return res


def scenario_flush(srv, scale):
    n = int(10_000_000 * scale)
    srv.command("DEBUG", "POPULATE", n)
    loaded = srv.dbsize()
    res = with_probe(srv, lambda: srv.command("FLUSHALL", "ASYNC"), tail=3.0)
    res["note"] = f"FLUSHALL ASYNC of {loaded} keys"
    return res


def scenario_delset(srv, scale):
    n = int(10_000_000 * scale)
    per = 1000
    srv.pipeline(encode(["SADD", "bigset"] + [i + j for j in range(per)])
                 for i in range(0, n, per))
    card = int(srv.command("SCARD", "bigset")[1:].strip())
    res = with_probe(srv, lambda: srv.command("DEL", "bigset"), tail=3.0)
    res["note"] = f"DEL of a {card}-member set"
    return res


SCENARIOS = {"grow": scenario_grow, "expire": scenario_expire,
             "flush": scenario_flush, "delset": scenario_delset}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ember", default=EMBER)
    ap.add_argument("--redis", default=REDIS)
    ap.add_argument("--scenarios", default="grow,expire,flush,delset")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--port", type=int, default=7480)
    args = ap.parse_args()
    rows = []
    for name in args.scenarios.split(","):
        for label, tmpl in (("ember", args.ember), ("redis", args.redis)):
            srv = Server(label, tmpl, args.port)
            try:
                srv.command("SET", "probe:key", "x" * 16)
                r = SCENARIOS[name](srv, args.scale)
            finally:
                srv.stop()
            rows.append((name, label, r))
            print(f"{name:7} {label:6} n={r['n']:7d} p50={r['p50']:.3f} p99={r['p99']:.3f} "
                  f"p99.9={r['p999']:.3f} max={r['max']:.3f} ms  ({r['note']})", flush=True)
    print()
    print("| scenario | server | p99 ms | p99.9 ms | max ms | what ran |")
    print("|---|---|---|---|---|---|")
    for name, label, r in rows:
        print(f"| {name} | {label} | {r['p99']:.2f} | {r['p999']:.2f} | {r['max']:.2f} | {r['note']} |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Tail latency of a concurrent GET load while the server does something big.

Issue #8's four scenarios, run on ember and on redis-server in turn, each
server pinned to CPU 0 and the load to CPU 1 (like ../shared/bench/compare.py):

  grow     10M keys inserted (redis-benchmark SET, random keys, pipelined,
           4 clients; also on CPU 1, alongside the GET load)
  expire   1M keys set with the same TTL, then left to expire
  flush    10M keys (DEBUG POPULATE), then FLUSHALL ASYNC
  delset   one 10M-member set, then DEL of it

The GET load runs from 0.5 s before the operation until a tail after it
(0.5 s grow, 6 s expire past the 4 s TTL, 3 s flush and delset). Two loads:

--load redis-benchmark (default): what the issue asks for,
  `redis-benchmark -t get -c 10 -n 100000 -r KEYS --precision 3 -l`. It
  needs a fixed -n, so -l loops it in chunks of -n GETs (about 1 s each at
  -c 10) back to back in one process; each chunk prints its own latency
  report, and the load is stopped only when the chunk running at the end
  of the tail has finished, so no GET of the scenario goes uncounted.
  Between chunks it reconnects its clients (a millisecond or two); a stall
  that begins in that gap still delays the next chunk's first GETs, whose
  clock starts when they are written. Merging the chunks: GETs served is
  the sum, max the largest chunk max, and p50/p99/p99.9 are read off the
  sum of the chunks' cumulative counts at the latencies they print (the
  percentile and cumulative distributions, and the summary's p50/p95/p99).
  A chunk is credited only with the count at its printed point at or
  below a latency, so a merged percentile is never below the true one and
  can be above it by one printed step; the worst single chunk's p99.9 is
  printed too.

  Keys (-r): in grow the GETs use the inserter's key range, so they find a
  key once it has been written (about 1 in 100 by the end: the range is
  100x the count so that nearly every SET adds a key); in expire the keys
  with the TTL are named key:<12 digits> like redis-benchmark's, so the
  GETs hit them until they expire; in flush and delset they miss (DEBUG
  POPULATE names its keys key:N, unpadded), still looking up random slots
  of the table until it is flushed.

  Clients: -c 10. The aim is a load whose latency shows a stall, not one
  that saturates the server and queues. At --scale 0.1 on this 2-vCPU VM
  (with other builds running): -c 1 did 9-20k GET/s, so a chunk lasted
  5-10 s and the load barely touched the server; -c 50 queued, p50 0.2 ms
  and p99 4.5-6 ms on both servers, burying steps of a few ms (max 8-11 ms
  ember, 8.6-12 ms Redis, apart from Redis's DEL and expiry spikes); -c 10
  did about 100k GET/s at p50 0.05 ms, so a GET's latency is the server's
  response time and what rises above it is a stall. --clients changes it.

  redis-benchmark's histogram stops at 3 s: a longer latency is counted as
  3000.3 ms, printed as ">=3000". It is a closed loop (each client waits
  for its reply before the next GET, whose clock starts when it is sent),
  so a stall of S seconds delays only the 10 GETs in flight: the max shows
  it, the percentiles hardly do.

--load probe: one Python process sending GET probe:key on one connection,
  one request at a time, timing every reply. Its own hiccups show up in
  both columns alike, so compare the two servers, not the absolute floor.

Each reports GETs served, p50, p99, p99.9 and max in milliseconds.

  benches/tail_latency.py                      # all four, full size
  benches/tail_latency.py --scale 0.1          # a tenth of the sizes (quick)
  benches/tail_latency.py --scenarios flush,delset --load probe
"""
import argparse, multiprocessing, os, re, shlex, shutil, signal, socket, subprocess, sys, tempfile, threading, time

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


def with_probe(srv, action, tail, keyspace, opts):
    """Runs the probe while `action()` runs (after a 0.5 s warm-up) and
    for `tail` seconds after it returned; returns the probe summary.
    (`keyspace` and `opts` are for the redis-benchmark load: the probe
    always asks for probe:key.)"""
    q, stop = multiprocessing.Queue(), multiprocessing.Event()
    p = multiprocessing.Process(target=probe, args=(srv.port, stop, q))
    began = time.time()
    p.start()
    time.sleep(0.5)
    action()
    time.sleep(tail)
    stop.set()
    lat = q.get()
    p.join()
    res = summary(lat)
    res["secs"] = time.time() - began
    return res


# redis-benchmark records any latency above 3 s as 3 s (its histogram's top).
HISTOGRAM_CAP_MS = 3000.0
SUMMARY_HEADER = ["avg", "min", "p50", "p95", "p99", "max"]
POINT = re.compile(r"([0-9.]+)% <= ([0-9.]+) milliseconds \(cumulative count (\d+)\)")


def parse_report(lines):
    """One redis-benchmark report (non-quiet, non-CSV) -> requests, the
    (latency ms, requests at or below it) points of its two distribution
    sections and its summary, and the summary's max."""
    rep = {"n": 0, "points": [], "max": None}
    header = False
    for line in lines:
        m = POINT.search(line)
        if m:
            rep["points"].append((float(m.group(2)), int(m.group(3))))
        elif "requests completed in" in line:
            rep["n"] = int(line.split()[0])
        elif line.split()[:6] == SUMMARY_HEADER:
            header = True
        elif header:
            values = [float(v) for v in line.split()[:6]]
            rep["max"] = values[5]
            # The summary's p50/p95/p99 are points of the distribution too
            # (at least round(p * n) requests at or below them), finer than
            # the printed percentile steps around p99.
            for frac, v in ((0.5, values[2]), (0.95, values[3]), (0.99, values[4])):
                rep["points"].append((v, round(frac * rep["n"])))
            header = False
    return rep


def merged_percentile(reports, p):
    """The smallest reported latency x at which the chunks' cumulative
    counts at or below x add up to p of all requests. Between two printed
    points a chunk is credited only the lower point's count, so this never
    understates the true percentile (it can overstate it by at most the
    gap to the next printed point of a chunk)."""
    total = sum(r["n"] for r in reports)
    want = p * total
    for x in sorted({v for r in reports for v, _ in r["points"]}):
        below = sum(max((c for v, c in r["points"] if v <= x), default=0) for r in reports)
        if below >= want:
            return x
    return max(r["max"] for r in reports)


def with_benchmark(srv, action, tail, keyspace, opts):
    """Runs `redis-benchmark -t get -l` (GET in a loop of chunks of
    opts.chunk requests, each chunk reporting its own latency distribution)
    pinned to CPU 1 while `action()` runs (after a 0.5 s warm-up) and for
    `tail` seconds after it returned. It is stopped only once a chunk has
    finished after that, so every GET sent during the scenario is counted
    (the unfinished chunk after it is dropped). Keys are key:<12 digits>
    drawn from `keyspace` (-r). Returns the merged summary."""
    cmd = pin(1) + ["stdbuf", "-oL", "redis-benchmark", "-p", str(srv.port), "-t", "get",
                    "-c", str(opts.clients), "-n", str(opts.chunk), "-r", str(max(1, keyspace)),
                    "--precision", "3", "-l"]
    began = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    reports, stopping = [], threading.Event()
    done = threading.Event()

    def reader():
        block = []
        for line in proc.stdout:
            block.append(line)
            if len(block) > 1 and block[-2].split()[:6] == SUMMARY_HEADER:
                reports.append(parse_report(block))
                reports[-1]["ended"] = time.time()
                block = []
                if stopping.is_set():
                    break
        done.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    time.sleep(0.5)
    if proc.poll() is not None:
        sys.exit(f"redis-benchmark exited at start: {proc.stdout.read()[:500]}")
    t0 = time.time()
    action()
    t1 = time.time()
    time.sleep(tail)
    stopping.set()
    done.wait()
    secs = time.time() - began
    proc.terminate()
    proc.wait()
    t.join()
    if not reports:
        sys.exit("redis-benchmark finished no chunk")
    n = sum(r["n"] for r in reports)
    return {"n": n, "secs": secs, "chunks": len(reports),
            "p50": merged_percentile(reports, 0.5), "p99": merged_percentile(reports, 0.99),
            "p999": merged_percentile(reports, 0.999), "max": max(r["max"] for r in reports),
            "worst_chunk_p999": max(merged_percentile([r], 0.999) for r in reports),
            # When the chunk holding the max ended, relative to the start of
            # the operation, and how long the operation itself took: which
            # phase a spike belongs to (a chunk spans about a second).
            "max_chunk_end": max(reports, key=lambda r: r["max"])["ended"] - t0, "op_secs": t1 - t0}


LOADS = {"redis-benchmark": with_benchmark, "probe": with_probe}


def scenario_grow(srv, scale, load):
    n = int(10_000_000 * scale)
    start = time.time()
    res = load(srv, lambda: subprocess.run(
        pin(1) + ["redis-benchmark", "-p", str(srv.port), "-t", "set", "-n", str(n),
                  "-r", str(n * 100), "-P", "64", "-c", "4", "-d", "16", "-q"],
        stdout=subprocess.DEVNULL, check=True), tail=0.5, keyspace=n * 100)
    res["note"] = f"{srv.dbsize()} keys inserted in {time.time() - start:.1f} s"
    return res


def scenario_expire(srv, scale, load):
    n = int(1_000_000 * scale)
    ttl_ms = 4000
    srv.pipeline(encode(["SET", f"key:{i:012d}", "v" * 16, "PX", ttl_ms]) for i in range(n))
    loaded = srv.dbsize()
    res = load(srv, lambda: time.sleep(ttl_ms / 1000), tail=6.0, keyspace=n)
    res["note"] = f"{loaded - 1} keys with one TTL, {srv.dbsize() - 1} left after 10 s"
    return res


def scenario_flush(srv, scale, load):
    n = int(10_000_000 * scale)
    srv.command("DEBUG", "POPULATE", n)
    loaded = srv.dbsize()
    res = load(srv, lambda: srv.command("FLUSHALL", "ASYNC"), tail=3.0, keyspace=n)
    res["note"] = f"FLUSHALL ASYNC of {loaded} keys"
    return res


def scenario_delset(srv, scale, load):
    n = int(10_000_000 * scale)
    per = 1000
    srv.pipeline(encode(["SADD", "bigset"] + [i + j for j in range(per)])
                 for i in range(0, n, per))
    card = int(srv.command("SCARD", "bigset")[1:].strip())
    res = load(srv, lambda: srv.command("DEL", "bigset"), tail=3.0, keyspace=n)
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
    ap.add_argument("--load", choices=sorted(LOADS), default="redis-benchmark",
                    help="concurrent GET load (default redis-benchmark)")
    ap.add_argument("--clients", type=int, default=10, help="redis-benchmark -c (default 10)")
    ap.add_argument("--chunk", type=int, default=100_000,
                    help="redis-benchmark -n, the requests per reported chunk (default 100000)")
    args = ap.parse_args()
    base = LOADS[args.load]

    def load(srv, action, tail, keyspace):
        return base(srv, action, tail, keyspace, args)

    print(f"load: {args.load}" + (f", -c {args.clients}, chunks of {args.chunk}"
                                  if args.load == "redis-benchmark" else ""), flush=True)
    rows = []
    for name in args.scenarios.split(","):
        for label, tmpl in (("ember", args.ember), ("redis", args.redis)):
            srv = Server(label, tmpl, args.port)
            try:
                srv.command("SET", "probe:key", "x" * 16)
                r = SCENARIOS[name](srv, args.scale, load)
            finally:
                srv.stop()
            rows.append((name, label, r))
            extra = (f" chunks={r['chunks']} worst-chunk-p99.9={r['worst_chunk_p999']:.3f}"
                     f" max-in-chunk-ending-at={r['max_chunk_end']:+.1f}s op={r['op_secs']:.1f}s"
                     if "chunks" in r else "")
            print(f"{time.strftime('%H:%M:%S', time.gmtime())} {name:7} {label:6} n={r['n']:7d} ({r['n'] / r['secs']:.0f}/s) p50={r['p50']:.3f} p99={r['p99']:.3f} "
                  f"p99.9={r['p999']:.3f} max={r['max']:.3f} ms{extra}  ({r['note']})", flush=True)
    print()
    print("| scenario | server | GETs | GET/s | p99 ms | p99.9 ms | max ms | what ran |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for name, label, r in rows:
        print(f"| {name} | {label} | {r['n']:,} | {r['n'] / r['secs']:,.0f} | {r['p99']:.2f} | {r['p999']:.2f} "
              f"| {ms(r, 'max')} | {r['note']} |")


def ms(r, key):
    """A latency for the table; redis-benchmark's histogram caps at 3 s."""
    v = r[key]
    return ">=3000" if "chunks" in r and v >= HISTOGRAM_CAP_MS else f"{v:.2f}"


if __name__ == "__main__":
    main()

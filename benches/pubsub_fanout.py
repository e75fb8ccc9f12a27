#!/usr/bin/env python3
"""Publish fan-out benchmark: ember vs redis-server, side by side.

One publisher and N subscribers (default 100) on one channel, fixed-size
messages (default 64 bytes). The load generator is a single Python process
(standard library only): the subscribers are raw sockets multiplexed with
`selectors`, the publisher pipelines PUBLISH commands in batches and keeps a
bounded number of them in flight, both as unanswered commands and as
messages published but not yet read by every subscriber (so neither server
builds up an output-buffer backlog and the figure is end-to-end delivery).
Every message frame has the same size, so deliveries are counted by bytes
received and checked to be whole frames of the expected content.

Like ../shared/bench/compare.py, it starts both servers itself on free ports
(`--save '' --appendonly no --dir <tmp>`), pins the servers to CPU 0 and the
load generator to CPU 1 with taskset, runs A and B alternately round after
round (A B, then B A, ...) and reports medians: delivered messages per second,
the pairwise A/B ratio, and each server's CPU time per delivered message
(utime+stime from /proc/PID/stat over the run).

  benches/pubsub_fanout.py                       # A = ./target/release/ember-server, B = redis-server
  benches/pubsub_fanout.py --rounds 5 --duration 8 --json out.json
  benches/pubsub_fanout.py --subscribers 10 --size 1024
  benches/pubsub_fanout.py --a 'CMD {port} {dir}' --b '...'   # any two servers
"""
import argparse, json, os, selectors, shlex, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

DEFAULT_A = "./target/release/ember-server --port {port} --save '' --appendonly no --dir {dir}"
DEFAULT_B = "redis-server --port {port} --save '' --appendonly no --dir {dir}"
CLK = os.sysconf("SC_CLK_TCK")
CHANNEL = b"bench:fanout"
PINNING = shutil.which("taskset") is not None and (os.cpu_count() or 1) > 1


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, name, template, cpu):
        self.name = name
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix=f"pubsub-bench-{name}-")
        cmd = template.format(port=self.port, dir=self.dir)
        pin = ["taskset", "-c", str(cpu)] if PINNING else []
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(pin + shlex.split(cmd), stdout=self.log, stderr=self.log,
                                     cwd=os.getcwd(), preexec_fn=os.setsid)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"{name}: server exited at start ({cmd}); see {self.dir}/server.log")
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        sys.exit(f"{name}: server did not listen on {self.port} within 20 s")

    def cpu_seconds(self):
        # taskset execs the server, so the pid is the server's own.
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    return buf


def worker(port, subscribers, size, duration, batch, max_batches, max_backlog):
    """The load generator (run pinned to CPU 1). Prints one JSON line."""
    payload = (b"x" * size)[:size]
    frame = b"*3\r\n" + bulk(b"message") + bulk(CHANNEL) + bulk(payload)
    flen = len(frame)
    reply = b":%d\r\n" % subscribers
    rlen = len(reply)
    pub_batch = encode([b"PUBLISH", CHANNEL, payload]) * batch

    sel = selectors.DefaultSelector()
    subs = []
    confirm = b"*3\r\n" + bulk(b"subscribe") + bulk(CHANNEL) + b":1\r\n"
    for _ in range(subscribers):
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(encode([b"SUBSCRIBE", CHANNEL]))
        got = recv_exact(s, len(confirm))
        if got != confirm:
            raise SystemExit(f"unexpected SUBSCRIBE reply {got!r}")
        s.setblocking(False)
        subs.append(s)
    pub = socket.create_connection(("127.0.0.1", port))
    pub.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # Every subscriber must be registered before the first PUBLISH counts.
    pub.sendall(encode([b"PUBSUB", b"NUMSUB", CHANNEL]))
    want = b"*2\r\n" + bulk(CHANNEL) + b":%d\r\n" % subscribers
    got = recv_exact(pub, len(want))
    if got != want:
        raise SystemExit(f"unexpected PUBSUB NUMSUB reply {got!r}")
    pub.setblocking(False)

    sub_bytes = [0] * subscribers
    checked = [False] * subscribers
    for i, s in enumerate(subs):
        sel.register(s, selectors.EVENT_READ, i)
    sel.register(pub, selectors.EVENT_READ, -1)

    published = 0      # PUBLISH commands fully written
    acked = 0          # PUBLISH replies read
    reply_bytes = 0
    reply_checked = False
    out = memoryview(b"")
    delivered_bytes = 0
    max_backlog_bytes = max_backlog * flen * subscribers
    recv_into = bytearray(1 << 18)
    rview = memoryview(recv_into)

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    stop_at = t0 + duration
    drain_deadline = None
    t_last = t0
    while True:
        now = time.perf_counter()
        if drain_deadline is None and now >= stop_at and not out:
            drain_deadline = now + 10.0
        if drain_deadline is not None:
            if acked == published and delivered_bytes == published * flen * subscribers:
                break
            if now >= drain_deadline:
                break
        # Send another batch while the command and delivery backlogs allow.
        if drain_deadline is None and not out:
            in_flight = published - acked
            backlog = published * flen * subscribers - delivered_bytes
            if in_flight + batch <= batch * max_batches and backlog <= max_backlog_bytes:
                out = memoryview(pub_batch)
        if out:
            try:
                n = pub.send(out)
                out = out[n:]
                if not out:
                    published += batch
            except BlockingIOError:
                pass
        for key, _ in sel.select(timeout=0 if out else 0.05):
            i = key.data
            s = key.fileobj
            while True:
                try:
                    n = s.recv_into(recv_into)
                except BlockingIOError:
                    break
                if n == 0:
                    raise SystemExit("server closed a connection (output buffer limit?)")
                if i < 0:
                    if not reply_checked and n >= rlen:
                        if bytes(rview[:rlen]) != reply:
                            raise SystemExit(f"unexpected PUBLISH reply {bytes(rview[:rlen])!r}")
                        reply_checked = True
                    reply_bytes += n
                    acked = reply_bytes // rlen
                else:
                    if not checked[i] and sub_bytes[i] == 0 and n >= flen:
                        if bytes(rview[:flen]) != frame:
                            raise SystemExit(f"unexpected message frame {bytes(rview[:flen])!r}")
                        checked[i] = True
                    sub_bytes[i] += n
                    delivered_bytes += n
                    t_last = time.perf_counter()
                if n < len(recv_into):
                    break
    elapsed = t_last - t0
    gen_cpu = time.process_time() - cpu0
    for i, b in enumerate(sub_bytes):
        if b % flen:
            raise SystemExit(f"subscriber {i} received a partial frame ({b} bytes, frame {flen})")
    delivered = delivered_bytes // flen
    for s in subs + [pub]:
        s.close()
    print(json.dumps({"published": published, "acked": acked, "delivered": delivered,
                      "expected": published * subscribers, "elapsed": elapsed, "frame_bytes": flen,
                      "gen_cpu": gen_cpu}))


def run_once(server, args):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", str(server.port),
           "--subscribers", str(args.subscribers), "--size", str(args.size), "--duration", str(args.duration),
           "--batch", str(args.batch), "--max-batches", str(args.max_batches), "--max-backlog", str(args.max_backlog)]
    if PINNING:
        cmd = ["taskset", "-c", "1"] + cmd
    c0 = server.cpu_seconds()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 120)
    c1 = server.cpu_seconds()
    if p.returncode != 0:
        print(f"{server.name}: load generator failed: {p.stderr.strip() or p.stdout.strip()}", file=sys.stderr)
        return None
    r = json.loads(p.stdout.strip().splitlines()[-1])
    if r["delivered"] != r["expected"]:
        print(f"{server.name}: delivered {r['delivered']} of {r['expected']} messages", file=sys.stderr)
    cpu = c1 - c0
    return {"msgs_per_s": r["delivered"] / r["elapsed"], "publishes_per_s": r["acked"] / r["elapsed"],
            "cpu_ns_per_msg": cpu * 1e9 / max(r["delivered"], 1), "server_cpu_util": cpu / r["elapsed"],
            "delivered": r["delivered"], "elapsed": r["elapsed"], "gen_cpu_util": r["gen_cpu"] / r["elapsed"]}


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", default=DEFAULT_A, help="start command of server A ({port}, {dir})")
    ap.add_argument("--b", default=DEFAULT_B, help="start command of server B ({port}, {dir})")
    ap.add_argument("--a-name", default="ember")
    ap.add_argument("--b-name", default="redis")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=6.0, help="seconds of publishing per run")
    ap.add_argument("--subscribers", type=int, default=100)
    ap.add_argument("--size", type=int, default=64, help="message payload bytes")
    ap.add_argument("--batch", type=int, default=100, help="PUBLISH commands per pipelined batch")
    ap.add_argument("--max-batches", type=int, default=8, help="batches in flight (unanswered)")
    ap.add_argument("--max-backlog", type=int, default=2000,
                    help="messages per subscriber published but not yet read")
    ap.add_argument("--json", help="write results to this file")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args.worker, args.subscribers, args.size, args.duration, args.batch,
                      args.max_batches, args.max_backlog)
    if args.rounds < 1:
        sys.exit("--rounds must be at least 1")
    if args.a == DEFAULT_A and not os.path.exists("./target/release/ember-server"):
        print("building ./target/release/ember-server ...", file=sys.stderr)
        subprocess.run(["cargo", "build", "--release"], check=True)
    if args.b == DEFAULT_B and not shutil.which("redis-server"):
        sys.exit("redis-server not found on PATH")

    servers = []
    try:
        a = Server(args.a_name, args.a, 0); servers.append(a)
        b = Server(args.b_name, args.b, 0); servers.append(b)
        raw = {"A": [], "B": []}
        pairs = []
        for r in range(args.rounds):
            order = ((a, "A"), (b, "B")) if r % 2 == 0 else ((b, "B"), (a, "A"))
            got = {}
            for s, k in order:
                res = run_once(s, args)
                if res:
                    raw[k].append(res)
                    got[k] = res
                    print(f"round {r + 1} {s.name:>8s}: {res['msgs_per_s']:12.0f} msgs/s "
                          f"{res['cpu_ns_per_msg']:7.1f} ns cpu/msg  util {res['server_cpu_util']:.2f}  generator util {res['gen_cpu_util']:.2f}",
                          file=sys.stderr, flush=True)
            if "A" in got and "B" in got:
                pairs.append((got["A"], got["B"]))
        agg = {}
        for k in ("A", "B"):
            agg[k] = {m: median([x[m] for x in raw[k]])
                      for m in ("msgs_per_s", "publishes_per_s", "cpu_ns_per_msg", "server_cpu_util")}
            agg[k]["runs"] = len(raw[k])
        # Ratios pair by pair (A and B of one round ran back to back), then the median.
        ratio = median([x["msgs_per_s"] / y["msgs_per_s"] for x, y in pairs if y["msgs_per_s"]])
        cpu_ratio = median([y["cpu_ns_per_msg"] / x["cpu_ns_per_msg"] for x, y in pairs if x["cpu_ns_per_msg"]])
        w = f"fanout_{args.subscribers}x{args.size}B"
        an, bn = args.a_name[:6], args.b_name[:6]
        print(f"{'workload':18s} {an + ' msg/s':>13s} {bn + ' msg/s':>13s} {'A/B':>6s} "
              f"{an + ' ns/msg':>12s} {bn + ' ns/msg':>12s} {'B/A cpu':>7s} {'A util':>6s} {'B util':>6s} {'runs':>5s}")
        print(f"{w:18s} {agg['A']['msgs_per_s']:13.0f} {agg['B']['msgs_per_s']:13.0f} {ratio:6.2f} "
              f"{agg['A']['cpu_ns_per_msg']:12.1f} {agg['B']['cpu_ns_per_msg']:12.1f} {cpu_ratio:7.2f} "
              f"{agg['A']['server_cpu_util']:6.2f} {agg['B']['server_cpu_util']:6.2f} "
              f"{min(agg['A']['runs'], agg['B']['runs']):5d}")
        if args.json:
            results = {"a": args.a, "b": args.b, "a_name": args.a_name, "b_name": args.b_name,
                       "params": {k: getattr(args, k) for k in ("rounds", "duration", "subscribers", "size",
                                                                "batch", "max_batches", "max_backlog")},
                       "workload": w, "A": agg["A"], "B": agg["B"], "msgs_ratio": ratio,
                       "cpu_efficiency_ratio": cpu_ratio, "runs": raw}
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
    finally:
        for s in servers:
            s.stop()


if __name__ == "__main__":
    main()

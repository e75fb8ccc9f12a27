#!/usr/bin/env python3
"""User-space instructions per request, ember and redis-server side by side.

Wall-clock benchmarks on a shared 2-core machine are noisy; instruction
counts under valgrind's callgrind are not. For each server and pipeline depth
this starts the server under callgrind, waits until it answers PING, zeroes
the counters (so start-up is not counted), runs

    redis-benchmark -p PORT -t set,get -n N -c C -P DEPTH

(2*N requests), dumps the counters, and divides. An idle window of the same
wall-clock length is measured on its own and subtracted, so timers and cron
ticks that run whether or not requests arrive are not charged to requests
(they are small: reported as `idle`).

  benches/callgrind.py                          # ember (target/release) vs redis-server, depths 1 and 16
  benches/callgrind.py --servers ember --depths 16 --top 25
  benches/callgrind.py --ember ./other/ember-server --keep /tmp/cg

`--top K` prints the K costliest functions of each ember run (own
instructions plus code inlined into them, per request) via callgrind_annotate. `--keep DIR` keeps the callgrind.out
files for callgrind_annotate / kcachegrind. Needs valgrind, redis-benchmark.
Build ember first: `cargo build --release` (the release profile keeps line
tables, so function names resolve).
"""
import argparse, os, re, shutil, signal, socket, subprocess, sys, tempfile, time

SERVER_ARGS = ["--save", "", "--appendonly", "no"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def total_instructions(path):
    """Sum of the `summary:`/`totals:` lines of a callgrind dump (first event
    is Ir)."""
    with open(path) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    sys.exit(f"no totals in {path}")


class Run:
    """One server under callgrind."""

    def __init__(self, binary, workdir, tag):
        self.port = free_port()
        self.out = os.path.join(workdir, f"callgrind.out.{tag}")
        self.dir = tempfile.mkdtemp(prefix=f"cg-{tag}-", dir=workdir)
        cmd = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={self.out}.%p",
            "--dump-instr=no", "--collect-jumps=no", "--vgdb=yes",
            binary, "--port", str(self.port), "--dir", self.dir, *SERVER_ARGS,
        ]
        self.log = open(os.path.join(self.dir, "valgrind.log"), "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, preexec_fn=os.setsid)
        deadline = time.time() + 60
        while not ping(self.port):
            if self.proc.poll() is not None or time.time() > deadline:
                sys.exit(f"{binary} did not start under valgrind; see {self.dir}/valgrind.log")
            time.sleep(0.2)
        self.dumps = 0

    def control(self, *args):
        subprocess.run(["callgrind_control", *args, str(self.proc.pid)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def zero(self):
        self.control("-z")

    def dump(self):
        """Dumps the counters since the last zero/dump; returns the file."""
        before = set(self._files())
        self.control("-d")
        deadline = time.time() + 30
        while time.time() < deadline:
            new = sorted(set(self._files()) - before)
            if new:
                time.sleep(0.2)  # let callgrind finish writing
                return new[-1]
            time.sleep(0.1)
        sys.exit("callgrind dump did not appear")

    def _files(self):
        d = os.path.dirname(self.out)
        base = os.path.basename(self.out)
        return [os.path.join(d, f) for f in os.listdir(d) if f.startswith(base) and f[-1].isdigit()]

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def measure(binary, tag, depth, n, clients, workdir, annotate_top):
    run = Run(binary, workdir, f"{tag}-p{depth}")
    try:
        # Warm-up: the first connections allocate client slots and buffers.
        bench(run.port, depth, min(n, 2000), clients)
        run.zero()
        t0 = time.time()
        bench(run.port, depth, n, clients)
        elapsed = time.time() - t0
        busy_file = run.dump()
        time.sleep(elapsed)  # the same wall-clock length, no requests
        idle = total_instructions(run.dump())
    finally:
        run.stop()
    requests = 2 * n
    per_req = (total_instructions(busy_file) - idle) / requests
    top = annotate(busy_file, requests, annotate_top) if annotate_top else None
    return per_req, idle, top


def bench(port, depth, n, clients):
    subprocess.run(
        ["redis-benchmark", "-p", str(port), "-t", "set,get", "-n", str(n), "-c", str(clients),
         "-P", str(depth), "-q"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def annotate(path, requests, top):
    """The `top` costliest functions in instructions per request: each
    function's own instructions plus those of code the compiler inlined
    into it (callgrind names inlined code after the function it landed in,
    with the inlined source file; the file is dropped and the rows summed)."""
    out = subprocess.run(["callgrind_annotate", "--auto=no", "--inclusive=no", "--threshold=100", path],
                         check=True, capture_output=True, text=True).stdout
    total, rows = None, {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)", line)
        if not m:
            continue
        ir, name = int(m.group(1).replace(",", "")), m.group(2)
        if "PROGRAM TOTALS" in name:
            total = ir
            continue
        if ir == total:  # frames that were live when the counters were zeroed
            continue
        name = re.sub(r"\s\[.*\]$", "", name)
        name = name.split(":", 1)[1] if ":" in name else name
        rows[name] = rows.get(name, 0) + ir
    best = sorted(rows.items(), key=lambda kv: -kv[1])[:top]
    return [(ir / requests, name[:110]) for name, ir in best]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ember", default="./target/release/ember-server")
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--servers", default="ember,redis")
    ap.add_argument("--depths", default="1,16")
    ap.add_argument("-n", type=int, default=20000, help="requests per test (2 tests: set, get)")
    ap.add_argument("-c", type=int, default=50, help="client connections")
    ap.add_argument("--top", type=int, default=0, help="print the K costliest ember functions")
    ap.add_argument("--keep", help="directory to keep callgrind.out files in")
    a = ap.parse_args()
    for tool in ("valgrind", "callgrind_control", "redis-benchmark"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found")
    workdir = a.keep or tempfile.mkdtemp(prefix="callgrind-")
    os.makedirs(workdir, exist_ok=True)
    servers = [s for s in a.servers.split(",") if s]
    depths = [int(d) for d in a.depths.split(",")]
    binaries = {"ember": a.ember, "redis": a.redis}
    results = {}
    tops = {}
    for depth in depths:
        for s in servers:
            per_req, idle, top = measure(binaries[s], s, depth, a.n, a.c, workdir,
                                         a.top if s == "ember" else 0)
            results[(s, depth)] = per_req
            if top:
                tops[depth] = top
            print(f"  {s:6} depth {depth:3}: {per_req:8.0f} instr/request (idle window {idle:,} instr)",
                  file=sys.stderr)
    print()
    print(f"user-space instructions per request (redis-benchmark -t set,get -n {a.n} -c {a.c})")
    print("depth " + "".join(f"{s:>12}" for s in servers) + ("      ratio" if len(servers) == 2 else ""))
    for depth in depths:
        row = f"{depth:5} " + "".join(f"{results[(s, depth)]:12.0f}" for s in servers)
        if len(servers) == 2:
            row += f"{results[(servers[0], depth)] / results[(servers[1], depth)]:11.2f}"
        print(row)
    for depth, top in tops.items():
        print(f"\nember depth {depth}: costliest functions (own + inlined code), instructions per request")
        for ir, name in top:
            print(f"{ir:10.1f}  {name}")
    if not a.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

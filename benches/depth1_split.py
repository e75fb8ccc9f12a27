#!/usr/bin/env python3
"""Where a depth-1 request's time goes, on both sides of the socket.

Starts ember and redis-server pinned to CPU 0, runs redis-benchmark pinned to
CPU 1 against each in turn, and prints per request: the server's user and
system CPU time and its voluntary context switches (each one a sleep that a
client's write had to end), and the load generator's user and system time
and how busy it was. This is the measurement behind docs/performance.md's
"Depth 1" section: when the load generator is the bottleneck, what the
server makes it pay decides the throughput.

  python3 benches/depth1_split.py --workloads get_p1,lrange_100_p1
  python3 benches/depth1_split.py --clients 16 --ember-args '--event-loop-coalesce-us 0'
"""
import argparse
import os
import resource
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from benchlib import EMBER, REDIS, pin

CLK = os.sysconf("SC_CLK_TCK")


def proc_times(pid):
    """(user s, system s, voluntary switches) of a process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    vcs = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches"):
                vcs = int(line.split()[1])
    return int(fields[11]) / CLK, int(fields[12]) / CLK, vcs


def start(template, port):
    d = tempfile.mkdtemp(prefix="depth1-")
    cmd = pin(0) + shlex.split(template.format(port=port, dir=d))
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return p, d
        except OSError:
            time.sleep(0.05)
    p.kill()
    sys.exit(f"server did not start: {cmd}")


def run(port, pid, workload, args):
    test, _, depth = workload.rpartition("_p")
    depth = int(depth)
    n = args.requests * (5 if depth > 1 else 1)
    cmd = pin(1) + ["redis-benchmark", "-p", str(port), "-t", test, "-n", str(n), "-c", str(args.clients),
                    "-P", str(depth), "-r", "100000", "-d", "16", "--csv", "-q"]
    s0, r0, t0 = proc_times(pid), resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    s1, r1, t1 = proc_times(pid), resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
    rows = [line for line in out.splitlines() if line and not line.startswith('"test')]
    if not rows:
        return None
    rps = float(rows[-1].split('","')[1])
    ns = 1e9 / n
    c_user, c_sys = r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime
    return {
        "rps": rps,
        "srv_user": (s1[0] - s0[0]) * ns,
        "srv_sys": (s1[1] - s0[1]) * ns,
        "srv_busy": (s1[0] + s1[1] - s0[0] - s0[1]) / (t1 - t0),
        "sleeps_per_op": (s1[2] - s0[2]) / n,
        "cli_user": c_user * ns,
        "cli_sys": c_sys * ns,
        "cli_busy": (c_user + c_sys) / (t1 - t0),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", default="set_p1,get_p1,lrange_100_p1")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=100000)
    ap.add_argument("--ember-args", default="", help="extra ember-server arguments")
    args = ap.parse_args()
    if not shutil.which("redis-benchmark") or not shutil.which("redis-server"):
        sys.exit("needs redis-server and redis-benchmark (apt-get install redis-server redis-tools)")
    servers = [("ember", EMBER + " " + args.ember_args, 7301), ("redis", REDIS, 7302)]
    procs = [(name, *start(tpl, port), port) for name, tpl, port in servers]
    try:
        print(f"{'workload':14} {'server':6} {'rps':>9} {'srv user':>9} {'srv sys':>8} {'busy':>5} "
              f"{'sleeps/op':>9} {'cli user':>9} {'cli sys':>8} {'cli busy':>8}")
        for _ in range(args.rounds):
            for w in args.workloads.split(","):
                for name, p, _d, port in procs:
                    r = run(port, p.pid, w, args)
                    if r is None:
                        print(f"{w:14} {name:6} (no result)")
                        continue
                    print(f"{w:14} {name:6} {r['rps']:9.0f} {r['srv_user']:9.0f} {r['srv_sys']:8.0f} "
                          f"{r['srv_busy']:5.2f} {r['sleeps_per_op']:9.4f} {r['cli_user']:9.0f} "
                          f"{r['cli_sys']:8.0f} {r['cli_busy']:8.2f}", flush=True)
    finally:
        for _name, p, d, _port in procs:
            p.kill()
            p.wait()
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""EVALSHA / EVAL / FCALL throughput: ember against redis-server, side by side.

Like ../shared/bench/compare.py (servers pinned to CPU 0, redis-benchmark to
CPU 1, rounds alternating A B / B A, medians), but for commands that need a
script loaded first: redis-benchmark runs an arbitrary command line.

  python3 benches/scripting.py [--rounds 3] [--requests 200000] [--clients 50]
"""
import argparse, os, shlex, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

SCRIPT = "return redis.call('incr', KEYS[1])"
LIBRARY = "#!lua name=bench\nredis.register_function('incr1', function(k) return redis.call('incr', k[1]) end)"
CLK = os.sysconf("SC_CLK_TCK")


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Server:
    def __init__(self, name, cmd, port):
        self.name, self.port = name, port
        self.dir = tempfile.mkdtemp(prefix=f"bench-{name}-")
        pin = ["taskset", "-c", "0"] if shutil.which("taskset") and os.cpu_count() > 1 else []
        self.proc = subprocess.Popen(pin + shlex.split(cmd.format(port=port, dir=self.dir)),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     preexec_fn=os.setsid)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(resp("SCRIPT", "LOAD", SCRIPT) + resp("FUNCTION", "LOAD", LIBRARY))
        data = b""
        while data.count(b"\r\n") < 4:
            data += s.recv(4096)
        self.sha = data.split(b"\r\n")[1].decode()
        s.close()

    def cpu(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bench(srv, workload, args):
    depth = 16 if workload.endswith("_p16") else 1
    cmd = {"evalsha": ["evalsha", srv.sha, "1", "k"],
           "eval": ["eval", SCRIPT, "1", "k"],
           "fcall": ["fcall", "incr1", "1", "k"]}[workload.split("_")[0]]
    n = args.requests * (4 if depth > 1 else 1)
    pin = ["taskset", "-c", "1"] if shutil.which("taskset") and os.cpu_count() > 1 else []
    c0 = srv.cpu()
    out = subprocess.run(pin + ["redis-benchmark", "-p", str(srv.port), "-n", str(n), "-c", str(args.clients),
                                "-P", str(depth), "-q"] + cmd, capture_output=True, text=True).stdout
    used = srv.cpu() - c0
    last = out.strip().split("\r")[-1]
    if "requests per second" not in last:
        sys.exit(f"{srv.name} {workload}: redis-benchmark failed: {out[-300:]!r}")
    rps = float(last.rsplit(": ", 1)[1].split()[0])
    return rps, used * 1e9 / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--workloads", default="evalsha_p1,eval_p1,fcall_p1,evalsha_p16")
    args = ap.parse_args()
    cmds = {"ember": "./target/release/ember-server --port {port} --save '' --dir {dir}",
            "redis": "redis-server --port {port} --save '' --appendonly no --dir {dir}"}
    servers = {n: Server(n, c, free_port()) for n, c in cmds.items()}
    res = {w: {n: [] for n in servers} for w in args.workloads.split(",")}
    try:
        for r in range(args.rounds):
            order = list(servers) if r % 2 == 0 else list(reversed(servers))
            for w in res:
                for n in order:
                    res[w][n].append(bench(servers[n], w, args))
    finally:
        for s in servers.values():
            s.stop()
    print(f"{'workload':14s} {'ember rps':>11s} {'redis rps':>11s} {'ratio':>6s} {'ember ns/op':>11s} {'redis ns/op':>11s}")
    for w, by in res.items():
        e = statistics.median(x[0] for x in by["ember"]); rr = statistics.median(x[0] for x in by["redis"])
        ec = statistics.median(x[1] for x in by["ember"]); rc = statistics.median(x[1] for x in by["redis"])
        print(f"{w:14s} {e:11,.0f} {rr:11,.0f} {e / rr:6.2f} {ec:11.0f} {rc:11.0f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""RDB save/load speed, fork cost, and a SET workload during BGSAVE, for
ember and redis-server side by side (issue #5's measured acceptance).

For each server (pinned to CPU 0; the load generator to CPU 1):
  1. DEBUG POPULATE N keys (`key:N` -> `value:N`, padded to --value-size).
  2. SAVE, timed: MB/s and keys/s of the written file.
  3. Restart on the file, timed until the first PONG: load MB/s and keys/s.
  4. redis-benchmark SET (random keys, -P 1, 50 clients) for a few seconds
     alone, then again while a BGSAVE runs: throughput and p99, and
     `latest_fork_usec` from INFO persistence.

  benches/persist_bench.py                     # 1M keys, 16-byte values
  benches/persist_bench.py --keys 10000000 --value-size 64   # ~1 GB dataset
"""
import argparse, os, re, shlex, shutil, signal, socket, subprocess, sys, tempfile, time

from benchlib import EMBER, REDIS, encode, pin


class Server:
    def __init__(self, template, port, directory):
        self.port, self.dir = port, directory
        self.log = open(os.path.join(directory, "server.log"), "ab")
        cmd = pin(0) + shlex.split(template.format(port=port, dir=directory))
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, preexec_fn=os.setsid)
        self.ready = self._wait_pong()

    def _wait_pong(self):
        deadline = time.time() + 600
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"server exited; see {self.dir}/server.log")
            try:
                if self.command("PING", timeout=1).startswith(b"+PONG"):
                    return time.perf_counter() - self.t0
            except OSError:
                pass
            time.sleep(0.01)
        sys.exit("server not ready after 600 s")

    def command(self, *args, timeout=3600):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.sendall(encode(args))
        data = b""
        while not self._complete(data):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
        s.close()
        return data

    @staticmethod
    def _complete(data):
        """A whole simple reply line, or a whole bulk string."""
        if not data.endswith(b"\r\n"):
            return False
        if data[:1] != b"$":
            return True
        head, _, body = data.partition(b"\r\n")
        return int(head[1:]) < 0 or len(body) >= int(head[1:]) + 2

    def info(self, field):
        text = self.command("INFO").decode()
        m = re.search(rf"^{field}:(\S+)", text, re.M)
        return m.group(1) if m else None

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


def set_load(port, seconds):
    """redis-benchmark SET for about `seconds`: (rps, p99 ms)."""
    n = int(seconds * 100_000)
    out = subprocess.run(pin(1) + ["redis-benchmark", "-p", str(port), "-t", "set", "-n", str(n),
                                   "-r", "1000000", "-c", "50", "--csv"],
                         capture_output=True, text=True, check=True).stdout
    row = [line for line in out.splitlines() if line.startswith('"SET"')][0]
    f = [x.strip('"') for x in row.split(",")]
    return float(f[1]), float(f[6])


def run(label, template, args, port):
    d = tempfile.mkdtemp(prefix=f"persist-{label}-")
    try:
        srv = Server(template, port, d)
        srv.command("DEBUG", "POPULATE", args.keys, "key", args.value_size)
        t = time.perf_counter()
        assert srv.command("SAVE").startswith(b"+OK")
        save_s = time.perf_counter() - t
        size = os.path.getsize(os.path.join(d, "dump.rdb"))
        srv.stop()
        srv = Server(template, port, d)
        load_s = srv.ready
        base_rps, base_p99 = set_load(port, args.seconds)
        srv.command("BGSAVE")
        bg_rps, bg_p99 = set_load(port, args.seconds)
        while srv.info("rdb_bgsave_in_progress") == "1":
            time.sleep(0.05)
        fork_us = int(srv.info("latest_fork_usec") or 0)
        srv.stop()
        mb = size / 1e6
        return {"server": label, "file_mb": mb, "save_s": save_s, "load_s": load_s,
                "save_mbs": mb / save_s, "load_mbs": mb / load_s,
                "save_kps": args.keys / save_s, "load_kps": args.keys / load_s,
                "fork_us": fork_us, "base_rps": base_rps, "base_p99": base_p99,
                "bg_rps": bg_rps, "bg_p99": bg_p99}
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ember", default=EMBER)
    ap.add_argument("--redis", default=REDIS)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--value-size", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--port", type=int, default=7490)
    args = ap.parse_args()
    rows = [run("ember", args.ember, args, args.port), run("redis", args.redis, args, args.port)]
    print(f"{args.keys} keys, {args.value_size}-byte values")
    print("| server | file MB | SAVE s | save MB/s | save keys/s | load s | load MB/s | load keys/s | latest_fork_usec | SET rps / p99 ms | during BGSAVE |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['server']} | {r['file_mb']:.1f} | {r['save_s']:.2f} | {r['save_mbs']:.0f} | {r['save_kps']:,.0f} | "
              f"{r['load_s']:.2f} | {r['load_mbs']:.0f} | {r['load_kps']:,.0f} | {r['fork_us']:,} | "
              f"{r['base_rps']:,.0f} / {r['base_p99']:.2f} | {r['bg_rps']:,.0f} / {r['bg_p99']:.2f} |")


if __name__ == "__main__":
    main()

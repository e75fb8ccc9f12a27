"""Shared pieces of the side-by-side Python benchmarks in benches/: the
default server command lines, CPU pinning and RESP encoding."""
import os
import shutil

EMBER = "./target/release/ember-server --port {port} --save '' --appendonly no --dir {dir} --enable-debug-command yes"
REDIS = "redis-server --port {port} --save '' --appendonly no --dir {dir} --enable-debug-command yes"


def pin(cpu):
    """taskset prefix pinning a process to `cpu` (none on one-CPU hosts)."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(cpu)]
    return []


def encode(args):
    """One command as a RESP multibulk."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)

#!/usr/bin/env python3
"""Resident bytes per key for 100k small aggregates, ember vs redis-server.

Loads 100k hashes of 10 short fields, 100k sets of 10 small integers and
100k sorted sets of 10 members into each server (pipelined, 1000 commands a
batch) and reports the RSS growth divided by the key count. Run from the
repository root after `cargo build --release`:

    python3 benches/mem_aggregates.py
"""
import socket, subprocess, time, os, sys, tempfile, shutil
def enc(*a):
    out=[b"*%d\r\n"%len(a)]
    for x in a:
        x=x if isinstance(x,bytes) else str(x).encode()
        out.append(b"$%d\r\n%s\r\n"%(len(x),x))
    return b"".join(out)
def rss(pid):
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"): return int(l.split()[1])*1024
def run(cmd, port, kind, n=100000):
    d=tempfile.mkdtemp()
    p=subprocess.Popen(cmd+["--port",str(port),"--save","","--appendonly","no","--dir",d],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
    for _ in range(100):
        try: s=socket.create_connection(("127.0.0.1",port)); break
        except OSError: time.sleep(0.05)
    time.sleep(0.2); base=rss(p.pid)
    batch=[]
    def flush():
        s.sendall(b"".join(batch)); 
        need=len(batch); got=0; buf=b""
        while got<need:
            buf+=s.recv(1<<20); got=buf.count(b"\r\n")
        batch.clear()
    for i in range(n):
        k=f"key:{i:08d}"
        if kind=="hash":
            args=["HSET",k]+sum([[f"field{j}",f"value{j}"] for j in range(10)],[])
        elif kind=="set":
            args=["SADD",k]+[str(j*7) for j in range(10)]
        else:
            args=["ZADD",k]+sum([[str(j),f"member:{j}"] for j in range(10)],[])
        batch.append(enc(*args))
        if len(batch)==1000: flush()
    if batch: flush()
    time.sleep(0.3)
    per=(rss(p.pid)-base)/n
    p.kill(); p.wait(); shutil.rmtree(d, ignore_errors=True)
    return per
for kind in ["hash","set","zset"]:
    e=run(["./target/release/ember-server"],7701,kind)
    r=run(["redis-server"],7702,kind)
    print(f"{kind:5s} ember {e:6.1f} B/key  redis {r:6.1f} B/key  ratio {e/r:.2f}")

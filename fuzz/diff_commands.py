#!/usr/bin/env python3
"""Differential random-command run: ember against a real redis-server.

Starts both servers, seeds a small data set of every type, then sends the
same random command (a deterministic command with random arguments drawn
from keys, numbers, option words and odd bytes) to both and compares the
raw replies. A mismatch is printed and both servers are re-seeded, so one
divergence does not cascade. This is what found XTRIM checking the key
before its arguments and errors not cutting echoed arguments at a NUL byte.

Commands whose replies legitimately differ between the installed Redis 7.0
and ember's target, 7.2, are left out or must be judged by hand:
BITCOUNT/BITPOS on a missing key with bad arguments (7.2 errors), ZRANK /
ZREVRANK WITHSCORE (7.2), the order of small sets (7.2 keeps them as
listpacks), doubles past 2^53 (7.2 formats with fpconv), DUMP payloads.

  python3 fuzz/diff_commands.py --seed 1 --rounds 20000
  python3 fuzz/diff_commands.py --seed 2 --resp3
  python3 fuzz/diff_commands.py --ember target/debug/ember-server
"""
import argparse, os, random, socket, subprocess, sys, tempfile, time

COMMANDS = [
    # strings
    "SET", "GET", "GETRANGE", "SETRANGE", "APPEND", "INCR", "INCRBY", "DECRBY", "INCRBYFLOAT",
    "STRLEN", "GETDEL", "GETEX", "SETNX", "MSET", "MGET", "MSETNX", "LCS", "GETSET", "SUBSTR",
    "SETEX", "PSETEX",
    # lists
    "LPUSH", "RPUSH", "LPOP", "RPOP", "LRANGE", "LINDEX", "LSET", "LINSERT", "LREM", "LTRIM",
    "LLEN", "LPOS", "LMOVE", "RPOPLPUSH", "LMPOP", "LPUSHX", "RPUSHX",
    # hashes
    "HSET", "HGET", "HDEL", "HLEN", "HMGET", "HINCRBY", "HINCRBYFLOAT", "HSETNX", "HSTRLEN",
    "HEXISTS", "HKEYS", "HVALS", "HGETALL",
    # sets
    "SADD", "SREM", "SCARD", "SISMEMBER", "SMISMEMBER", "SINTER", "SUNION", "SDIFF",
    "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE", "SMOVE", "SINTERCARD", "SMEMBERS",
    # sorted sets
    "ZADD", "ZREM", "ZCARD", "ZSCORE", "ZMSCORE", "ZINCRBY", "ZRANGE", "ZRANGEBYSCORE",
    "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZCOUNT", "ZLEXCOUNT",
    "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX", "ZPOPMIN", "ZPOPMAX",
    "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZUNION", "ZINTER", "ZDIFF", "ZRANGESTORE",
    "ZINTERCARD", "ZMPOP", "ZREVRANGE",
    # keys
    "DEL", "EXISTS", "TYPE", "RENAME", "RENAMENX", "COPY", "PERSIST", "TTL", "PTTL", "EXPIRE",
    "PEXPIRE", "EXPIREAT", "PEXPIREAT", "EXPIRETIME", "PEXPIRETIME", "OBJECT", "SORT", "SORT_RO",
    "UNLINK", "TOUCH", "MOVE", "SWAPDB", "DBSIZE", "SELECT",
    # bits, streams, HyperLogLog, geo
    "SETBIT", "GETBIT", "BITOP", "BITFIELD", "BITFIELD_RO",
    "XADD", "XLEN", "XRANGE", "XREVRANGE", "XDEL", "XTRIM", "XGROUP", "XACK", "XPENDING",
    "XCLAIM", "XAUTOCLAIM", "XSETID", "XINFO",
    "PFADD", "PFCOUNT", "PFMERGE",
    "GEOADD", "GEOPOS", "GEODIST", "GEOHASH", "GEOSEARCH", "GEOSEARCHSTORE", "GEORADIUS",
    "GEORADIUSBYMEMBER",
    # scripts (deterministic bodies below)
    "EVAL", "EVAL", "EVAL_RO",
]
KEYS = ["k", "l", "h", "s", "z", "x", "g", "p", "b", "k2", "l2", "z2", "s2"]
WORDS = """0 1 -1 2 3 5 10 -5 100 1000000 9223372036854775807 -9223372036854775808
18446744073709551616 1.5 -2.5 inf -inf +inf nan (1 (3 [a [c (b - + a b c f v 0-1 1-0 * $ >
0-0 MAXLEN MINID ~ = LIMIT COUNT BY GET STORE ASC DESC ALPHA WITHSCORES REV BYSCORE BYLEX NX
XX GT LT CH INCR EX PX KEEPTTL IDLE JUSTID MKSTREAM WITHCOORD WITHDIST FROMMEMBER FROMLONLAT
BYRADIUS BYBOX m km ANY OVERFLOW WRAP SAT FAIL u8 i16 i64 u63 #1 SET INCRBY BIT BYTE AND OR
XOR NOT LEFT RIGHT BEFORE AFTER RANK IDX LEN MINMATCHLEN WITHMATCHLEN WEIGHTS AGGREGATE SUM
MIN MAX REPLACE DB ENCODING FREQ REFCOUNT CREATE DESTROY SETID CREATECONSUMER DELCONSUMER
STREAM GROUPS CONSUMERS FULL grp c1 ENTRIESREAD ENTRIESADDED MAXDELETEDID # 13.36 38.11 P
Q""".split() + ["weird\x00\xff", "", "a b\r\n"]
SCRIPTS = [
    "return redis.call('get',KEYS[1])", "return {1,2,'a',false,true}",
    "return redis.pcall('incr',KEYS[1])", "return cjson.encode({1,2,{a=1}})",
    "return tostring(1.5)", "return redis.status_reply('x')", "return redis.error_reply('My Error')",
    "return redis.call('lrange',KEYS[1],0,-1)", "return redis.call('hgetall',KEYS[1])",
    "return {ARGV[1], #KEYS}", "return redis.pcall(ARGV[1] or 'ping', KEYS[1])", "return 3.99",
    "return {err='E1'}", "return {ok='fine'}", "return cmsgpack.pack({1,2})",
    "return redis.sha1hex(ARGV[1] or '')", "return bit.band(7,3)", "return struct.pack('>I',5)",
    "return redis.call('zrange',KEYS[1],0,-1,'withscores')", "return {1,nil,3}", "error('boom')",
    "return redis.call('set',KEYS[1],ARGV[1] or 'v')", "return redis.call('type',KEYS[1])",
]
SEED_DATA = [
    ["SET", "k", "12"], ["RPUSH", "l", "a", "b", "c", "1"], ["HSET", "h", "f", "v", "n", "5"],
    ["SADD", "s", "1", "2", "a"], ["ZADD", "z", "1", "a", "2", "b", "2", "c"],
    ["XADD", "x", "1-1", "f", "v"], ["XGROUP", "CREATE", "x", "grp", "0"],
    ["GEOADD", "g", "13.36", "38.11", "P", "15.08", "37.5", "Q"], ["PFADD", "p", "a", "b"],
    ["SETBIT", "b", "7", "1"],
]


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode("utf-8", "surrogateescape")
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    def __init__(self, port):
        for _ in range(200):
            try:
                self.s = socket.create_connection(("127.0.0.1", port))
                self.s.settimeout(10)
                self.buf = b""
                return
            except OSError:
                time.sleep(0.05)
        sys.exit(f"nothing listens on {port}")

    def _fill(self):
        data = self.s.recv(1 << 20)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def _skip(self, i):
        """End offset of the reply starting at buf[i] (reading more as needed)."""
        while b"\r\n" not in self.buf[i:]:
            self._fill()
        j = self.buf.index(b"\r\n", i)
        kind, line = self.buf[i:i + 1], self.buf[i + 1:j]
        if kind in b"+-:_,#(":
            return j + 2
        n = int(line)
        if kind in b"$=!":
            if n < 0:
                return j + 2
            while len(self.buf) < j + 2 + n + 2:
                self._fill()
            return j + 2 + n + 2
        if n < 0:
            return j + 2
        if kind in b"%|":
            n *= 2
        k = j + 2
        for _ in range(n):
            k = self._skip(k)
        return k

    def reply(self):
        end = self._skip(0)
        r, self.buf = self.buf[:end], self.buf[end:]
        return r


def random_command(rng):
    cmd = rng.choice(COMMANDS)
    pick = lambda: rng.choice(KEYS) if rng.random() < 0.35 else rng.choice(WORDS)
    args = [cmd] + [pick() for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8]))]
    if cmd in ("EVAL", "EVAL_RO"):
        nk = rng.choice([0, 1, 1, 2])
        args = [cmd, rng.choice(SCRIPTS), str(nk)] + [rng.choice(KEYS) for _ in range(nk)]
        args += [pick() for _ in range(rng.choice([0, 1, 2]))]
    elif cmd == "SELECT":
        args = ["SELECT", rng.choice(["0", "1", "2", "16", "-1", "x"])]
    elif cmd == "SWAPDB":
        args = ["SWAPDB", rng.choice(["0", "1", "2", "x"]), rng.choice(["0", "1", "2", "99"])]
    return args


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=20000)
    ap.add_argument("--resp3", action="store_true", help="HELLO 3 on both connections first")
    ap.add_argument("--ember", default="./target/release/ember-server")
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--port", type=int, default=7950, help="ember's port; redis gets the next one")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="diffcmd-")
    common = ["--save", "", "--appendonly", "no", "--dir", work]
    procs = [subprocess.Popen([a.ember, "--port", str(a.port)] + common, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
             subprocess.Popen([a.redis, "--port", str(a.port + 1)] + common, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        ember, redis = Conn(a.port), Conn(a.port + 1)

        def both(args):
            msg = encode(args)
            ember.s.sendall(msg)
            redis.s.sendall(msg)
            return ember.reply(), redis.reply()

        def reseed():
            both(["FLUSHALL"])
            for c in SEED_DATA:
                both(c)

        if a.resp3:
            both(["HELLO", "3"])
        reseed()
        mismatches = 0
        for i in range(a.rounds):
            args = random_command(rng)
            got, want = both(args)
            if got != want:
                mismatches += 1
                print("MISMATCH", repr(args)[:300])
                print("  redis:", repr(want)[:300])
                print("  ember:", repr(got)[:300])
                reseed()
            elif i % 500 == 499 and rng.random() < 0.3:
                reseed()
        print(f"{a.rounds} commands, {mismatches} mismatches (seed {a.seed})")
    finally:
        for p in procs:
            p.kill()
            p.wait()


if __name__ == "__main__":
    main()

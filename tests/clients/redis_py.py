"""What a redis-py application does, printed line by line. tests/clients.rs
runs it against ember and against redis-server and compares the output."""
import sys
import time

import redis

port, proto = int(sys.argv[1]), int(sys.argv[2])
r = redis.Redis(port=port, protocol=proto, decode_responses=True)
r.flushall()
print(r.ping(), r.config_get("maxmemory"))
r.set("a", 1, ex=100)
print(r.get("a"), r.ttl("a"), r.exists("a", "nope"))
p = r.pipeline()
p.incr("c").incr("c").get("c").expire("c", 50)
print(p.execute())
r.hset("h", mapping={"x": 1, "y": 2})
print(sorted(r.hgetall("h").items()), r.hincrby("h", "x", 5), r.hincrbyfloat("h", "y", 0.5))
r.zadd("z", {"a": 1.5, "b": 2, "c": -1})
print(r.zrange("z", 0, -1, withscores=True), r.zrangebyscore("z", 0, 10), r.zrank("z", "b"))
r.sadd("s", "a", "b", "c")
print(sorted(r.smembers("s")), r.sismember("s", "a"), r.scard("s"))
r.rpush("l", 1, 2, 3)
print(r.lrange("l", 0, -1), r.blpop("l", 1), r.lpop("l", 2), r.blpop("l", 0.1))
print(sorted(r.scan_iter("*")), sorted(r.scan_iter(match="[hz]")))
print(sorted(r.hscan_iter("h")), sorted(r.sscan_iter("s")), sorted(r.zscan_iter("z")))
ps = r.pubsub()
ps.subscribe("ch")
print(ps.get_message(timeout=1))
r.publish("ch", "hello")
print(ps.get_message(timeout=1))
ps.psubscribe("p*")
print(ps.get_message(timeout=1))
r.publish("pq", "x")
print(ps.get_message(timeout=1))
ps.close()


def tx(pipe):
    v = int(pipe.get("c"))
    pipe.multi()
    pipe.set("c", v * 10)


r.transaction(tx, "c")
print(r.get("c"))
print(r.object("encoding", "h"), r.type("z"), r.type("nope"))
print(r.setbit("bits", 7, 1), r.bitcount("bits"), r.pfadd("hll", "a", "b"), r.pfcount("hll"))
print(r.geoadd("geo", (13.361389, 38.115556, "Palermo")), r.geopos("geo", "Palermo"))
print(r.getex("a", persist=True), r.ttl("a"), r.getdel("a"), r.get("a"))
print(r.set("n", 5, get=True), r.incrbyfloat("n", 1.5), r.lcs("n", "c"))
print(r.copy("h", "h2"), r.rename("h2", "h3"), r.hgetall("h3") == r.hgetall("h"))
print(r.dump("nope"), r.restore("rz", 0, r.dump("z")), r.zrange("rz", 0, -1))
print(r.command_count() > 150, r.dbsize())
try:
    r.incr("h")
except redis.ResponseError as e:
    print("error:", e)
try:
    r.execute_command("NOSUCHCOMMAND")
except redis.ResponseError as e:
    print("error:", str(e).split(",")[0])
lock = r.lock("resource", timeout=5)
print(lock.acquire(blocking=False), r.lock("resource").acquire(blocking=False), lock.locked())
print(lock.extend(5) is True, lock.release(), lock.locked())
incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
print(incr(keys=["sc"], args=[5]), incr(keys=["sc"], args=[2]))
print(r.function_load("#!lua name=lib\nredis.register_function('dbl', function(k, a) return a[1] * 2 end)"),
      r.fcall("dbl", 0, 21))
print(r.xadd("st", {"f": "v"}, id="1-1"), r.xlen("st"), r.xrange("st"))
print(r.client_setname("app"), r.client_getname())
print(r.flushdb(asynchronous=True), r.dbsize())
time.sleep(0.05)

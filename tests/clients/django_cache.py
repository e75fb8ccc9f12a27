"""Django's built-in Redis cache backend against the server on PORT (argv[1]):
every cache API call a Django site makes, printed so ember's output can be
compared with redis-server's (run by tests/clients.rs)."""
import sys

import django
from django.conf import settings

settings.configure(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{sys.argv[1]}/3",
            "KEY_PREFIX": "site",
            "TIMEOUT": 300,
        }
    }
)
django.setup()

from django.core.cache import cache  # noqa: E402

cache.clear()
print("set", cache.set("greeting", "hello"), cache.get("greeting"))
print("objects", cache.set("obj", {"a": [1, 2, (3, 4)], "b": None}), cache.get("obj"))
print("add existing", cache.add("greeting", "other"), cache.get("greeting"))
print("add new", cache.add("fresh", 1), cache.get("fresh"))
print("default", cache.get("missing", "dflt"))
print("get_or_set", cache.get_or_set("computed", lambda: 41 + 1), cache.get("computed"))
print("many", cache.set_many({"x": 1, "y": 2, "z": 3}), sorted(cache.get_many(["x", "y", "z", "w"]).items()))
print("incr", cache.set("n", 10), cache.incr("n"), cache.incr("n", 5), cache.decr("n", 3))
try:
    cache.incr("nosuch")
except ValueError as e:
    print("incr missing", e)
print("has_key", cache.has_key("x"), cache.has_key("nope"))
print("touch", cache.touch("x", 100), cache.touch("nope", 100))
print("ttl none", cache.set("forever", 1, timeout=None), cache.touch("forever", None))
print("expired", cache.set("gone", 1, timeout=0), cache.get("gone"))
print("delete", cache.delete("x"), cache.delete("x"), cache.get("x"))
print("delete_many", cache.delete_many(["y", "z"]), cache.get_many(["y", "z"]))
print("version", cache.set("v", "one", version=2), cache.get("v"), cache.get("v", version=2))
print("incr_version", cache.incr_version("v", version=2), cache.get("v", version=3))
print("bytes", cache.set("raw", b"\x00\xff"), cache.get("raw"))
print("big int", cache.set("bi", 2**70), cache.get("bi"))
print("clear", cache.clear(), cache.get("greeting"))

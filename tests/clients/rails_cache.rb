# Rails' Redis cache store (ActiveSupport::Cache::RedisCacheStore, on
# redis-rb) against the server on the port in ARGV[0]: the cache calls a
# Rails app makes, printed so ember's output can be compared with
# redis-server's (run by tests/clients.rs).
require "active_support"
require "active_support/cache"
require "active_support/cache/redis_cache_store"
require "redis"
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)
port = ARGV.fetch(0)
cache = ActiveSupport::Cache::RedisCacheStore.new(url: "redis://127.0.0.1:#{port}/4", namespace: "app", expires_in: 300)
cache.clear
puts "write #{cache.write("greeting", "hello")} #{cache.read("greeting").inspect}"
puts "object #{cache.write("obj", { a: [1, 2], b: nil })} #{cache.read("obj").inspect}"
puts "fetch #{cache.fetch("computed") { 41 + 1 }} #{cache.fetch("computed") { 0 }}"
puts "exist #{cache.exist?("greeting")} #{cache.exist?("nope")}"
puts "unless_exist #{cache.write("greeting", "x", unless_exist: true)} #{cache.read("greeting")}"
puts "multi #{cache.write_multi("x" => 1, "y" => 2).keys.sort.inspect} #{cache.read_multi("x", "y", "w").sort.inspect}"
puts "fetch_multi #{cache.fetch_multi("x", "m") { |k| "made-#{k}" }.sort.inspect}"
puts "increment #{cache.increment("n")} #{cache.increment("n", 5)} #{cache.decrement("n", 2)}"
puts "expires #{cache.write("short", 1, expires_in: 0.5)} #{cache.read("short")}"
sleep 0.7
puts "expired #{cache.read("short").inspect}"
puts "delete #{cache.delete("x")} #{cache.delete("x")} #{cache.read("x").inspect}"
puts "delete_matched #{cache.write("m1", 1)} #{cache.write("m2", 2)} #{cache.delete_matched("m*").class} #{cache.read("m1").inspect}"
puts "race #{cache.fetch("r", expires_in: 60, race_condition_ttl: 5) { "v" }}"
puts "clear #{cache.clear.class} #{cache.read("greeting").inspect}"

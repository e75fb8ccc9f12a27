# A Sidekiq workload (run by tests/clients.rs with a Sidekiq process on the
# same server): immediate, scheduled, retried and dead jobs. Prints what the
# workers recorded and the API's view of the sets, which must be the same on
# ember and on redis-server.
require "sidekiq/api"
require_relative "workers"

Sidekiq.redis(&:flushdb)
10.times { |i| AddWorker.perform_async(i, i) }
AddWorker.perform_in(1, 100, 1)
FlakyWorker.perform_async("f")
DeadWorker.perform_async("nope")

deadline = Time.now + 60
loop do
  results = Sidekiq.redis { |r| r.hgetall("results") }
  break if results.size >= 12 && Sidekiq::DeadSet.new.size >= 1

  raise "timed out: #{results.inspect}" if Time.now > deadline

  sleep 0.2
end
Sidekiq.redis { |r| r.hgetall("results") }.sort.each { |k, v| puts "#{k}=#{v}" }
puts "attempts=#{Sidekiq.redis { |r| r.hget("attempts", "f") }}"
dead = Sidekiq::DeadSet.new.first
puts "dead=#{dead.klass} #{dead.args.inspect} #{dead["error_message"]}"
puts "queue=#{Sidekiq::Queue.new.size} retries=#{Sidekiq::RetrySet.new.size} scheduled=#{Sidekiq::ScheduledSet.new.size}"

# Sidekiq workers for tests/clients/sidekiq/client.rb (run by
# tests/clients.rs): they record what they did in Redis itself.
require "sidekiq"
require "redis"
require "sidekiq/job_retry"

# redis-rb 4.8 warns about return values changing in 5.0; not our concern.
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)

REDIS_URL = "redis://127.0.0.1:#{ENV.fetch("PORT")}/0"

Sidekiq.configure_server do |config|
  config.redis = { url: REDIS_URL }
  # Scheduled jobs and retries are polled every ~5 s by default, after a
  # first wait of 10-15 s; a set average also skips the fixed 10 s.
  config.options[:poll_interval_average] = 0.3
end
Sidekiq.configure_client { |config| config.redis = { url: REDIS_URL } }

# Retry at once: Sidekiq's backoff (15 s or more, plus up to 9 s of jitter
# even with sidekiq_retry_in) would only make the test slow and uneven.
Sidekiq::JobRetry.class_eval do
  private

  def delay_for(_worker, _count, _exception)
    0
  end
end

class AddWorker
  include Sidekiq::Worker

  def perform(a, b)
    Sidekiq.redis { |r| r.hset("results", "add:#{a}:#{b}", a + b) }
  end
end

class FlakyWorker
  include Sidekiq::Worker
  sidekiq_options retry: 3

  def perform(key)
    n = Sidekiq.redis { |r| r.hincrby("attempts", key, 1) }
    raise "again" if n < 3

    Sidekiq.redis { |r| r.hset("results", "flaky:#{key}", n) }
  end
end

class DeadWorker
  include Sidekiq::Worker
  sidekiq_options retry: 0, dead: true

  def perform(why)
    raise why
  end
end

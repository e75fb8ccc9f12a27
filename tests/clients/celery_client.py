"""A Celery workload (run by tests/clients.rs with a solo worker on the same
server): plain tasks, a group, a chord (the Redis result backend's counter
and key expiry), retries, a failing task and a countdown. Prints results
that must be the same on ember and on redis-server.

  PORT=6379 celery -A celery_tasks worker --pool=solo &
  PORT=6379 python3 celery_client.py
"""
from celery import chord, group

from celery_tasks import add, boom, flaky, total

print("add", add.delay(2, 3).get(timeout=30))
print("group", group(add.s(i, i) for i in range(10))().get(timeout=30))
print("chord", chord(add.s(i, 1) for i in range(5))(total.s()).get(timeout=30))
print("retry", flaky.delay(21).get(timeout=30))
try:
    boom.delay().get(timeout=30)
except Exception as e:  # the task's own exception, re-raised by get()
    print("failure", type(e).__name__, e)
print("countdown", add.apply_async((1, 1), countdown=1).get(timeout=30))

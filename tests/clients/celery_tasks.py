"""Celery tasks for tests/clients/celery_client.py: a broker and a result
backend on the server under test (PORT in the environment)."""
import os

from celery import Celery

port = os.environ["PORT"]
app = Celery("celery_tasks", broker=f"redis://127.0.0.1:{port}/0", backend=f"redis://127.0.0.1:{port}/1")
app.conf.broker_connection_retry_on_startup = True
app.conf.result_expires = 3600


@app.task
def add(x, y):
    return x + y


@app.task
def total(values):
    return sum(values)


@app.task(bind=True, max_retries=2, default_retry_delay=0.2)
def flaky(self, n):
    if self.request.retries < 2:
        raise self.retry(exc=ValueError("again"))
    return n * 2


@app.task
def boom():
    raise RuntimeError("nope")

// A BullMQ workload (run by tests/clients.rs): a queue and a worker on the
// server at PORT; plain, delayed, prioritised, retried and failing jobs, a
// flow (parent waits for children) and queue counts. Prints results that
// must be the same on ember and on redis-server.
const { Queue, Worker, QueueEvents, FlowProducer } = require("bullmq");

const connection = { host: "127.0.0.1", port: Number(process.env.PORT), maxRetriesPerRequest: null };

async function main() {
  const name = "ember-test";
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  const order = [];
  const worker = new Worker(
    name,
    async (job) => {
      order.push(job.name);
      if (job.name === "fail") throw new Error("boom");
      if (job.name === "flaky" && job.attemptsMade < 2) throw new Error("again");
      if (job.name === "parent") {
        const kids = await job.getChildrenValues();
        return Object.values(kids).reduce((a, b) => a + b, 0);
      }
      return (job.data.x || 0) * 2;
    },
    { connection, concurrency: 1, autorun: false }
  );

  const plain = await queue.add("double", { x: 21 });
  const delayed = await queue.add("delayed", { x: 5 }, { delay: 300 });
  const flaky = await queue.add("flaky", { x: 1 }, { attempts: 3, backoff: { type: "fixed", delay: 50 } });
  const fail = await queue.add("fail", {}, { attempts: 1 });
  // Added while the worker is stopped: served highest priority first.
  await queue.add("low", { x: 1 }, { priority: 10 });
  await queue.add("high", { x: 2 }, { priority: 1 });
  const flow = await new FlowProducer({ connection }).add({
    name: "parent",
    queueName: name,
    children: [1, 2, 3].map((x) => ({ name: "child", queueName: name, data: { x } })),
  });
  const counts = await queue.getJobCounts("waiting", "delayed", "prioritized", "waiting-children");
  console.log("counts before", JSON.stringify(counts));

  worker.run();
  console.log("double", await plain.waitUntilFinished(events, 20000));
  console.log("delayed", await delayed.waitUntilFinished(events, 20000));
  console.log("flaky", await flaky.waitUntilFinished(events, 20000));
  try {
    await fail.waitUntilFinished(events, 20000);
  } catch (e) {
    console.log("fail", e.message);
  }
  console.log("flow", await flow.job.waitUntilFinished(events, 20000));
  const prio = order.filter((n) => n === "low" || n === "high");
  console.log("priority order", prio.join(","));
  console.log("failed count", await queue.getFailedCount());
  console.log("completed count", await queue.getCompletedCount());

  await worker.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  }
);

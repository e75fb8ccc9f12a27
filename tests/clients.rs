//! Real client libraries and the frameworks built on them, against ember:
//! each program in tests/clients/ runs against ember and against
//! redis-server, and the two outputs must be identical. A test whose
//! library (or redis-server) is missing prints SKIPPED and passes; .ci/run
//! installs them all.

mod common;

use common::*;
use std::process::{Command, Stdio};

fn clients_dir() -> String {
    format!("{}/tests/clients", env!("CARGO_MANIFEST_DIR"))
}

/// Whether `program args...` runs and exits 0 (a library is installed).
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn python_has(module: &str) -> bool {
    runs("python3", &["-c", &format!("import {module}")])
}

/// Runs `cmd` (a client program) with PORT=`port` in its environment;
/// returns its standard output, failing the test if it failed. A
/// `background` process (a framework's worker) runs alongside and is
/// stopped afterwards.
fn output_of(mut cmd: Command, port: u16, background: Option<Command>) -> String {
    let mut worker = background.map(|mut b| {
        b.env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the worker process starts")
    });
    let out = cmd
        .env("PORT", port.to_string())
        .output()
        .expect("the client program runs");
    if let Some(w) = worker.as_mut() {
        let _ = w.kill();
        let _ = w.wait();
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?} failed on port {port}:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Runs `run` against a fresh ember and a fresh redis-server and checks the
/// outputs are the same line for line; returns ember's. None when
/// redis-server is missing (after the harness's notice).
fn on_both(test: &str, run: impl Fn(u16) -> String) -> Option<String> {
    if !redis_or_skip(test) {
        return None;
    }
    let ember = start_ember(&[]);
    let redis = start_redis(&[]).expect("redis-server is on PATH");
    let a = run(ember.port);
    let b = run(redis.port);
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        assert_eq!(x, y, "{test}: line {} differs", i + 1);
    }
    assert_eq!(
        a.lines().count(),
        b.lines().count(),
        "{test}: output lengths differ"
    );
    Some(a)
}

fn skipped(test: &str, why: &str) {
    println!("SKIPPED {test}: {why}");
}

/// A Python script from tests/clients taking the port as its first argument.
fn python_script(script: &str, args: &[&str]) -> impl Fn(u16) -> String {
    let script = format!("{}/{script}", clients_dir());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    move |port| {
        let mut cmd = Command::new("python3");
        cmd.arg(&script).arg(port.to_string()).args(&args);
        output_of(cmd, port, None)
    }
}

fn redis_py(protocol: &str) {
    let test = format!("redis_py RESP{protocol}");
    if !python_has("redis") {
        return skipped(
            &test,
            "python3 with the `redis` package is not installed (pip install redis)",
        );
    }
    on_both(&test, python_script("redis_py.py", &[protocol]));
}

#[test]
fn redis_py_resp2() {
    redis_py("2");
}

#[test]
fn redis_py_resp3() {
    redis_py("3");
}

/// Django's built-in Redis cache backend (on redis-py): every cache call a
/// site makes.
#[test]
fn django_cache() {
    if !python_has("django") {
        return skipped(
            "django_cache",
            "python3 with the `django` package is not installed (pip install django)",
        );
    }
    on_both("django_cache", python_script("django_cache.py", &[]));
}

/// Celery with its Redis broker and result backend (lists with BRPOP,
/// pub/sub, MULTI, the chord counter), a solo worker alongside.
#[test]
fn celery_broker_and_backend() {
    let test = "celery_broker_and_backend";
    if !python_has("celery") {
        return skipped(
            test,
            "python3 with the `celery` package is not installed (pip install celery)",
        );
    }
    let out = on_both(test, |port| {
        let mut worker = Command::new("python3");
        worker.current_dir(clients_dir()).args([
            "-m",
            "celery",
            "-A",
            "celery_tasks",
            "worker",
            "--pool=solo",
            "--loglevel=warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ]);
        let mut client = Command::new("python3");
        client.current_dir(clients_dir()).arg("celery_client.py");
        output_of(client, port, Some(worker))
    });
    if let Some(a) = out {
        assert!(a.contains("chord 15\n"), "{a}");
    }
}

/// BullMQ (ioredis, Lua scripts with many keys, delayed and prioritised
/// jobs, flows). Needs node and `npm ci` in tests/clients/bullmq.
#[test]
fn bullmq_queue_and_worker() {
    let test = "bullmq_queue_and_worker";
    let dir = format!("{}/bullmq", clients_dir());
    let installed = std::path::Path::new(&dir)
        .join("node_modules/bullmq")
        .is_dir();
    if !installed || !runs("node", &["--version"]) {
        return skipped(test, "needs node and `npm ci` in tests/clients/bullmq");
    }
    let out = on_both(test, |port| {
        let mut client = Command::new("node");
        client.current_dir(&dir).arg("run.js");
        output_of(client, port, None)
    });
    if let Some(a) = out {
        assert!(
            a.contains("flow 12\n") && a.contains("priority order high,low\n"),
            "{a}"
        );
    }
}

/// Rails' Redis cache store (ActiveSupport on redis-rb). Needs ruby and
/// Debian's ruby-activesupport.
#[test]
fn rails_cache() {
    let test = "rails_cache";
    if !runs("ruby", &["-e", "require 'active_support'; require 'redis'"]) {
        return skipped(
            test,
            "needs ruby with ActiveSupport and redis (apt-get install ruby-activesupport)",
        );
    }
    let script = format!("{}/rails_cache.rb", clients_dir());
    let out = on_both(test, |port| {
        let mut client = Command::new("ruby");
        client.arg(&script).arg(port.to_string());
        output_of(client, port, None)
    });
    if let Some(a) = out {
        assert!(
            a.contains("increment 1 6 4\n") && a.contains("expired nil\n"),
            "{a}"
        );
    }
}

/// Sidekiq 6 (redis-rb): immediate, scheduled, retried and dead jobs, run
/// by a real Sidekiq process. Needs ruby and Debian's ruby-sidekiq.
#[test]
fn sidekiq_jobs() {
    let test = "sidekiq_jobs";
    if !runs("ruby", &["-e", "require 'sidekiq'"]) || find_on_path("sidekiq").is_none() {
        return skipped(
            test,
            "needs ruby and Sidekiq (apt-get install ruby-sidekiq)",
        );
    }
    let dir = format!("{}/sidekiq", clients_dir());
    let out = on_both(test, |port| {
        let mut worker = Command::new("sidekiq");
        worker
            .current_dir(&dir)
            .args(["-r", "./workers.rb", "-c", "2"]);
        let mut client = Command::new("ruby");
        client.current_dir(&dir).arg("client.rb");
        output_of(client, port, Some(worker))
    });
    if let Some(a) = out {
        assert!(
            a.contains("flaky:f=3\n") && a.contains("dead=DeadWorker"),
            "{a}"
        );
    }
}

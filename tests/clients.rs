//! Real client libraries against ember: each script in tests/clients/ runs
//! against ember and against redis-server, and the two outputs must be
//! identical. Skipped (with a notice) when python3, its `redis` (or
//! `celery`) package or redis-server is missing; .ci/run installs them.

mod common;

use common::*;
use std::process::Command;

fn run_script(script: &str, port: u16, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg(format!(
            "{}/tests/clients/{script}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .arg(port.to_string())
        .args(args)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script} failed on port {port}:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn same_output(script: &str, args: &[&str]) {
    let test = format!("{script} {args:?}");
    if !python_has("redis") {
        println!(
            "SKIPPED {test}: python3 with the `redis` package is not installed (pip install redis)"
        );
        return;
    }
    if !redis_or_skip(&test) {
        return;
    }
    let ember = start_ember(&[]);
    let redis = start_redis(&[]).expect("redis-server is on PATH");
    let a = run_script(script, ember.port, args);
    let b = run_script(script, redis.port, args);
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        assert_eq!(x, y, "{test}: line {} differs", i + 1);
    }
    assert_eq!(
        a.lines().count(),
        b.lines().count(),
        "{test}: output lengths differ"
    );
}

#[test]
fn redis_py_resp2() {
    same_output("redis_py.py", &["2"]);
}

#[test]
fn redis_py_resp3() {
    same_output("redis_py.py", &["3"]);
}

/// Django's built-in Redis cache backend (on redis-py): every cache call a
/// site makes. Skipped without Django (.ci/run installs it).
#[test]
fn django_cache() {
    if !python_has("django") {
        println!(
            "SKIPPED django_cache: python3 with the `django` package is not installed (pip install django)"
        );
        return;
    }
    same_output("django_cache.py", &[]);
}

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs tests/clients/celery_client.py against `port` with a solo Celery
/// worker on the same server; returns the client's output.
fn celery_run(port: u16) -> String {
    let dir = format!("{}/tests/clients", env!("CARGO_MANIFEST_DIR"));
    let mut worker = Command::new("python3")
        .args([
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
        ])
        .current_dir(&dir)
        .env("PORT", port.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("celery worker starts");
    let out = Command::new("python3")
        .arg("celery_client.py")
        .current_dir(&dir)
        .env("PORT", port.to_string())
        .output()
        .expect("python3 runs");
    let _ = worker.kill();
    let _ = worker.wait();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "celery_client.py failed on port {port}:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Celery with its Redis broker and result backend (lists with BRPOP,
/// pub/sub, MULTI, the chord counter) works on ember as on redis-server.
#[test]
fn celery_broker_and_backend() {
    let test = "celery_broker_and_backend";
    if !python_has("celery") {
        println!(
            "SKIPPED {test}: python3 with the `celery` package is not installed (pip install celery)"
        );
        return;
    }
    if !redis_or_skip(test) {
        return;
    }
    let ember = start_ember(&[]);
    let redis = start_redis(&[]).expect("redis-server is on PATH");
    let a = celery_run(ember.port);
    let b = celery_run(redis.port);
    assert_eq!(a, b);
    assert!(a.contains("chord 15\n"), "{a}");
}

/// BullMQ (ioredis, Lua scripts with many keys, delayed and prioritised
/// jobs, flows) works on ember as on redis-server. Needs node and
/// `npm install` in tests/clients/bullmq (.ci/run does it).
#[test]
fn bullmq_queue_and_worker() {
    let test = "bullmq_queue_and_worker";
    let dir = format!("{}/tests/clients/bullmq", env!("CARGO_MANIFEST_DIR"));
    let installed = std::path::Path::new(&dir)
        .join("node_modules/bullmq")
        .is_dir();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node || !installed {
        println!("SKIPPED {test}: needs node and `npm install` in tests/clients/bullmq");
        return;
    }
    if !redis_or_skip(test) {
        return;
    }
    let run = |port: u16| {
        let out = Command::new("node")
            .arg("run.js")
            .current_dir(&dir)
            .env("PORT", port.to_string())
            .output()
            .expect("node runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "run.js failed on port {port}:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    let ember = start_ember(&[]);
    let redis = start_redis(&[]).expect("redis-server is on PATH");
    let a = run(ember.port);
    assert_eq!(a, run(redis.port));
    assert!(
        a.contains("flow 12\n") && a.contains("priority order high,low\n"),
        "{a}"
    );
}

/// Sidekiq 6 (redis-rb): immediate, scheduled, retried and dead jobs, run
/// by a real Sidekiq process. Needs ruby and Sidekiq (Debian's
/// ruby-sidekiq; .ci/run installs it).
#[test]
fn sidekiq_jobs() {
    let test = "sidekiq_jobs";
    let has_sidekiq = Command::new("ruby")
        .args(["-e", "require 'sidekiq'"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_sidekiq || find_on_path("sidekiq").is_none() {
        println!("SKIPPED {test}: needs ruby and Sidekiq (apt-get install ruby-sidekiq)");
        return;
    }
    if !redis_or_skip(test) {
        return;
    }
    let dir = format!("{}/tests/clients/sidekiq", env!("CARGO_MANIFEST_DIR"));
    let run = |port: u16| {
        let mut worker = Command::new("sidekiq")
            .args(["-r", "./workers.rb", "-c", "2"])
            .current_dir(&dir)
            .env("PORT", port.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("sidekiq starts");
        let out = Command::new("ruby")
            .arg("client.rb")
            .current_dir(&dir)
            .env("PORT", port.to_string())
            .output()
            .expect("ruby runs");
        let _ = worker.kill();
        let _ = worker.wait();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "client.rb failed on port {port}:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    let ember = start_ember(&[]);
    let redis = start_redis(&[]).expect("redis-server is on PATH");
    let a = run(ember.port);
    assert_eq!(a, run(redis.port));
    assert!(
        a.contains("flaky:f=3\n") && a.contains("dead=DeadWorker"),
        "{a}"
    );
}

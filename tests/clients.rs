//! Real client libraries against ember: each script in tests/clients/ runs
//! against ember and against redis-server, and the two outputs must be
//! identical. Skipped (with a notice) when python3, its `redis` package or
//! redis-server is missing; .ci/run installs them.

mod common;

use common::*;
use std::process::Command;

fn python_has_redis() -> bool {
    Command::new("python3")
        .args(["-c", "import redis"])
        .output()
        .is_ok_and(|o| o.status.success())
}

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
    if !python_has_redis() {
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

//! Several nodes on one PostgreSQL, as a province would run it: two `serve` processes
//! on one database take cases and work orders at once; every acknowledged record is
//! there once, a token from one node works on the other, the counters equal a
//! recomputation and the audit chain verifies.

use crate::common::{Db, ITEM, KEY_HEX, PHONE, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

/// A `tongban serve` process of its own, killed when dropped.
struct Node {
    base: String,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_node(db_url: &str) -> Node {
    start_node_with(db_url, &[]).await
}

async fn start_node_with(db_url: &str, env: &[(&str, &str)]) -> Node {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    // Each node its own working folder (its knowledge-base index, its logs).
    let dir = tempfile::tempdir().expect("dir");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tongban"))
        .args([
            "serve",
            "--db",
            db_url,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--files",
            &dir.path().join("objects").display().to_string(),
        ])
        .env("TONGBAN_KEY", KEY_HEX)
        .env("TONGBAN_LOG", "error")
        .env_remove("TONGBAN_DB")
        .env_remove("MIMALLOC_PURGE_DELAY")
        .envs(env.iter().copied())
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start serve");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return Node {
                base,
                child,
                _dir: dir,
            };
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("node on port {port} did not start");
}

/// The counters equal a recomputation and the audit chain verifies.
fn records_check(app: &TestApp) {
    for args in [
        ["stats", "check", "--db", &app.db_url],
        ["audit", "verify", "--db", &app.db_url],
    ] {
        let out = app.cli(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A case is found through a node.
async fn found(c: &reqwest::Client, base: &str, token: &str, no: &str) {
    let r = c
        .get(format!("{base}/api/v1/cases/{no}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::OK, "case {no} through {base}");
}

async fn post(c: &reqwest::Client, url: String, token: &str, body: Value) -> (StatusCode, Value) {
    let r = c
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post");
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres() {
    let app = TestApp::spawn(Db::Postgres).await;
    let nodes = [start_node(&app.db_url).await, start_node(&app.db_url).await];
    // A token issued through one node is good on the other (sessions are in the
    // database, not in a node's memory).
    let clerk = app.token("clerk.sj").await;
    let agent = app.token("hotline").await;
    let client = reqwest::Client::new();

    let mut tasks = vec![];
    for (n, node) in nodes.iter().enumerate() {
        for i in 0..30 {
            let (c, base, clerk, agent) = (
                client.clone(),
                node.base.clone(),
                clerk.clone(),
                agent.clone(),
            );
            tasks.push(tokio::spawn(async move {
                if i % 3 == 2 {
                    let (s, v) = post(
                        &c,
                        format!("{base}/api/v1/work-orders"),
                        &agent,
                        json!({
                            "channel": "phone",
                            "category": "consultation",
                            "phone": PHONE,
                            "content": format!("节点{n}第{i}个问题：公积金怎么提取？"),
                        }),
                    )
                    .await;
                    assert_eq!(s, StatusCode::CREATED, "{v}");
                    ("order", v["order_no"].as_str().expect("no").to_string())
                } else {
                    let (s, v) = post(
                        &c,
                        format!("{base}/api/v1/cases"),
                        &clerk,
                        TestApp::application(ITEM, "window"),
                    )
                    .await;
                    assert_eq!(s, StatusCode::CREATED, "{v}");
                    ("case", v["case_no"].as_str().expect("no").to_string())
                }
            }));
        }
    }
    let mut cases = HashSet::new();
    let mut orders = HashSet::new();
    for t in tasks {
        let (kind, no) = t.await.expect("task");
        let fresh = if kind == "case" {
            cases.insert(no.clone())
        } else {
            orders.insert(no.clone())
        };
        assert!(fresh, "{kind} {no} acknowledged twice");
    }
    assert_eq!(cases.len(), 40);
    assert_eq!(orders.len(), 20);
    assert_eq!(app.count("cases").await, 40);
    assert_eq!(app.count("work_orders").await, 20);
    // Each node reads what the other wrote.
    for no in cases.iter().take(5) {
        for node in &nodes {
            found(&client, &node.base, &clerk, no).await;
        }
    }
    drop(nodes);
    records_check(&app);
}

/// The database ends every session (an administrator, a restart) right after a
/// write: the connection the writer kept from it is gone, and the next write runs on
/// a fresh one instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_after_the_database_ended_its_sessions_succeeds() {
    let app = TestApp::spawn(Db::Postgres).await;
    let clerk = app.token("clerk.sj").await;
    let mut numbers = HashSet::new();
    for round in 0..4 {
        let (s, v) = app
            .post(
                "/api/v1/cases",
                Some(&clerk),
                TestApp::application(ITEM, "window"),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "round {round}: {v}");
        numbers.insert(v["case_no"].as_str().unwrap_or_default().to_string());
        // At once, while the writer still keeps the connection it wrote with.
        let ended = app
            .scalar(
                // Only this test's database: the ending is in the aggregate, run
                // for the rows the filter kept.
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .await;
        assert!(ended >= 1, "round {round}: no session was ended");
    }
    assert_eq!(numbers.len(), 4, "{numbers:?}");
    records_check(&app);
}

/// No acknowledged write is lost: the server is killed (SIGKILL) while cases pour in;
/// after a restart every case it acknowledged is there, and the audit chain and the
/// counters check. SQLite, through the group-commit writer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_keeps_every_acknowledged_case() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let mut node = start_node(&app.db_url).await;
    let clerk = app.token("clerk.sj").await;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .expect("client");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = vec![];
    for _ in 0..8 {
        let (c, base, clerk, stop) = (
            client.clone(),
            node.base.clone(),
            clerk.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = vec![];
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let r = c
                    .post(format!("{base}/api/v1/cases"))
                    .bearer_auth(&clerk)
                    .json(&TestApp::application(ITEM, "window"))
                    .send()
                    .await;
                let Ok(r) = r else { break };
                if r.status() != StatusCode::CREATED {
                    break;
                }
                match r.json::<Value>().await {
                    Ok(v) => acknowledged.push(v["case_no"].as_str().expect("no").to_string()),
                    Err(_) => break,
                }
            }
            acknowledged
        }));
    }
    // Let the load run, then kill the server in the middle of it.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    node.child.kill().expect("SIGKILL");
    node.child.wait().expect("wait");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut acknowledged = vec![];
    for t in tasks {
        acknowledged.extend(t.await.expect("task"));
    }
    assert!(
        acknowledged.len() >= 10,
        "the load ran: {} cases acknowledged",
        acknowledged.len()
    );
    drop(node);
    // A new process on the same file: every acknowledged case is there.
    let node = start_node(&app.db_url).await;
    for no in &acknowledged {
        found(&client, &node.base, &clerk, no).await;
    }
    drop(node);
    records_check(&app);
}

/// The server starts itself again with mimalloc returning freed memory at once (its
/// resident memory at a Kunshan-sized year), keeping the process id its supervisor
/// knows; an operator's own setting stands.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_returns_freed_memory_at_once() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let setting = |node: &Node| {
        let environ = std::fs::read(format!("/proc/{}/environ", node.child.id()))
            .expect("the node's environment");
        environ
            .split(|b| *b == 0)
            .filter_map(|kv| std::str::from_utf8(kv).ok())
            .find_map(|kv| kv.strip_prefix("MIMALLOC_PURGE_DELAY="))
            .map(str::to_string)
    };
    let node = start_node(&app.db_url).await;
    assert_eq!(setting(&node).as_deref(), Some("0"));
    drop(node);
    let node = start_node_with(&app.db_url, &[("MIMALLOC_PURGE_DELAY", "50")]).await;
    assert_eq!(setting(&node).as_deref(), Some("50"));
}

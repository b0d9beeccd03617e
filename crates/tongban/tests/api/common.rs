//! Test harness: every test gets a fresh database (a SQLite file in a temporary folder,
//! or a new PostgreSQL database created from TONGBAN_TEST_PG, default
//! postgres://root@127.0.0.1:5432/test) and the real app on port 0, with a small
//! fixture office: two departments, three points, a few items and one account per role.

#![allow(dead_code)]

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;
use tongban_domain::TimeUnit;
use tongban_domain::catalog::{
    ItemContent, ItemStatus, Material, OnlineDepth, PowerSource, PowerType, TimeLimit,
};
use tongban_domain::org::{PointKind, Role};
use tongban_store::audit::Actor;
use tongban_store::org::{NewDepartment, NewUser, insert_department, insert_point, insert_user};
use tongban_store::{Keys, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs a test body once on each backend: `both!(name)` for `async fn name(db: Db)`.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::Db::Postgres).await
            }
        }
    };
}

pub const PASSWORD: &str = "test-password-1";
/// The token that opens `/metrics` in the tests.
pub const METRICS_TOKEN: &str = "test-metrics-token";
pub const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/// Items of the fixture catalog.
pub const ITEM: &str = "SJ-LICENCE-0001";
pub const INSTANT: &str = "SJ-INSTANT-0001";
pub const DELEGATED: &str = "JT-DELEGATED-0001";
pub const SUSPENDED: &str = "SJ-SUSPENDED-0001";
/// A valid resident ID number (GB 11643 example) and mobile.
pub const ID_NUMBER: &str = "11010519491231002X";
pub const PHONE: &str = "13812345678";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub db_url: String,
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
    server: tokio::task::JoinHandle<()>,
}

fn pg_admin_url() -> String {
    std::env::var("TONGBAN_TEST_PG")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into())
}

impl TestApp {
    pub async fn spawn(db: Db) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db_url, pg_name) = match db {
            Db::Sqlite => (format!("sqlite://{}/test.db", dir.path().display()), None),
            Db::Postgres => {
                let admin = pg_admin_url();
                let name = format!("tbt_{}", uuid_like());
                let mut c = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("connect to PostgreSQL (TONGBAN_TEST_PG)");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut c)
                    .await
                    .expect("create test database");
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .expect("database URL");
                (format!("{base}/{name}"), Some(name))
            }
        };
        Self::start(db_url, pg_name, dir).await
    }

    /// A SQLite test app whose database lives in `folder` (a small file system, say).
    pub async fn spawn_sqlite_in(folder: &std::path::Path) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = format!("sqlite://{}/test.db", folder.display());
        Self::start(db_url, None, dir).await
    }

    /// A SQLite test app on the demo office, seeded by the real binary at a small
    /// scale (what a newcomer running the demo meets).
    pub async fn spawn_demo() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = format!("sqlite://{}/demo.db", dir.path().display());
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tongban"))
            .args([
                "seed-demo",
                "--db",
                &db_url,
                "--scale",
                "0.001",
                "--seed",
                "7",
            ])
            .env("TONGBAN_KEY", KEY_HEX)
            .env("TONGBAN_LOG", "error")
            .env_remove("TONGBAN_DB")
            .current_dir(dir.path())
            .output()
            .expect("run seed-demo");
        assert!(
            out.status.success(),
            "seed-demo: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self::open(db_url, None, dir, false).await
    }

    async fn start(db_url: String, pg_name: Option<String>, dir: tempfile::TempDir) -> TestApp {
        Self::open(db_url, pg_name, dir, true).await
    }

    async fn open(
        db_url: String,
        pg_name: Option<String>,
        dir: tempfile::TempDir,
        with_fixture: bool,
    ) -> TestApp {
        let setup = tongban_store::Setup {
            files: Some(dir.path().join("objects").display().to_string()),
            ..Default::default()
        };
        let store = Store::assemble(&db_url, Keys::from_hex(KEY_HEX).expect("key"), &setup)
            .await
            .expect("open store");
        if with_fixture {
            fixture(&store).await;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = tongban_web::AppState::new(store.clone(), Some(METRICS_TOKEN.into()));
        let server = tokio::spawn(async move {
            let _ = tongban_web::serve(listener, state, std::future::pending()).await;
        });
        TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            store,
            db_url,
            dir,
            pg_name,
            server,
        }
    }

    /// A bearer token of `username` through the real sign-in; an administrator (who
    /// must enrol a second factor first) gets one from the store, as tests of other
    /// features need one (tests/accounts.rs goes through the real steps).
    pub async fn token(&self, username: &str) -> String {
        let (s, v) = self
            .post(
                "/api/v1/auth/token",
                None,
                serde_json::json!({ "username": username, "password": PASSWORD }),
            )
            .await;
        if s == StatusCode::FORBIDDEN && v["error"]["code"] == "totp_enrolment_required" {
            let p = tongban_store::org::principal_by_username(&self.store, username)
                .await
                .expect("principal");
            return tongban_store::org::issue_token(&self.store, &p)
                .await
                .expect("token");
        }
        assert_eq!(s, StatusCode::OK, "login {username}: {v}");
        v["token"].as_str().expect("token").to_string()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut r = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let resp = r.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        let mut r = self.client.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let resp = r.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A window application body for `item` by a person.
    pub fn application(item: &str, channel: &str) -> Value {
        serde_json::json!({
            "item_code": item,
            "channel": channel,
            "applicant": { "kind": "person", "name": "张三", "id_number": ID_NUMBER, "phone": PHONE }
        })
    }

    /// Creates a case as `username`, asserting success; returns the case JSON.
    pub async fn apply(&self, username: &str, item: &str, channel: &str) -> Value {
        let t = self.token(username).await;
        let (s, v) = self
            .post("/api/v1/cases", Some(&t), Self::application(item, channel))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v
    }

    pub async fn act(
        &self,
        token: &str,
        case_no: &str,
        action: &str,
        note: Option<&str>,
    ) -> (StatusCode, Value) {
        self.post(
            &format!("/api/v1/cases/{case_no}/actions"),
            Some(token),
            serde_json::json!({ "action": action, "note": note }),
        )
        .await
    }

    /// Takes every reader of the store's pool but `leave`, and holds them until the
    /// returned connections are dropped.
    pub async fn hold_readers(&self, leave: u32) -> Vec<sqlx::pool::PoolConnection<sqlx::Any>> {
        let readers = self
            .store
            .pool_use()
            .iter()
            .find(|u| u.name == "read")
            .expect("a read pool")
            .max;
        let mut held = vec![];
        for _ in leave..readers {
            held.push(self.store.reader().await.expect("a reader"));
        }
        held
    }

    /// Runs the real binary against this test's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_tongban"))
            .args(args)
            .env("TONGBAN_KEY", KEY_HEX)
            .env("TONGBAN_LOG", "error")
            .env_remove("TONGBAN_DB")
            .current_dir(self.dir.path())
            .output()
            .expect("run tongban")
    }

    /// The counters equal a recomputation (`stats check`) and the audit chain
    /// verifies (`audit verify`), through the real binary.
    /// A year's work report as Markdown, through the binary.
    pub fn report_md(&self, year: &str) -> String {
        let out = self.cli(&[
            "report",
            "--db",
            &self.db_url,
            "--year",
            year,
            "--format",
            "md",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn assert_consistent(&self) {
        for args in [["stats", "check"], ["audit", "verify"]] {
            let out = self.cli(&[args[0], args[1], "--db", &self.db_url]);
            assert!(
                out.status.success(),
                "{} {}: {}",
                args[0],
                args[1],
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }

    /// Runs the real binary with extra environment variables.
    pub fn cli_env(&self, args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tongban"));
        c.args(args)
            .env("TONGBAN_KEY", KEY_HEX)
            .env("TONGBAN_LOG", "error")
            .env_remove("TONGBAN_DB")
            .env_remove("TONGBAN_PASSWORD")
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::null());
        for (k, v) in envs {
            c.env(k, v);
        }
        c.output().expect("run tongban")
    }

    /// Logs in with any password; the raw answer.
    pub async fn login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        self.post(
            "/api/v1/auth/token",
            None,
            serde_json::json!({ "username": username, "password": password }),
        )
        .await
    }

    /// POSTs raw bytes with an optional content type; the raw answer.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut r = self.client.post(format!("{}{path}", self.base)).body(body);
        if let Some(ct) = content_type {
            r = r.header(reqwest::header::CONTENT_TYPE, ct);
        }
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let resp = r.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// GETs with a raw `Authorization` header value.
    pub async fn get_with_auth(&self, path: &str, authorization: &str) -> (StatusCode, Value) {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::AUTHORIZATION, authorization)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Executes one SQL statement in its own write transaction (tampering in tests,
    /// or moving records back in time). The records change behind the platform's
    /// back, so the cases' kept views (`cases::stored`), derived from them, are
    /// dropped in the same transaction, as an operator's `stats rebuild` after such
    /// an edit would write them again: lookups read the records as they now are.
    pub async fn exec(&self, sql: &str) -> u64 {
        self.exec_then(sql, true).await
    }

    /// Executes one SQL statement as [`exec`] does, but leaves the cases' kept
    /// views as they are.
    pub async fn exec_only(&self, sql: &str) -> u64 {
        self.exec_then(sql, false).await
    }

    async fn exec_then(&self, sql: &str, drop_views: bool) -> u64 {
        // Not overtaken by a new case's view written after its commit (PostgreSQL).
        self.store.later_written().await;
        let mut tx = self.store.begin().await.expect("tx");
        let n = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut *tx)
            .await
            .expect("execute")
            .rows_affected();
        if drop_views {
            sqlx::query("DELETE FROM case_views")
                .execute(&mut *tx)
                .await
                .expect("kept views dropped");
        }
        tx.commit().await.expect("commit");
        n
    }

    /// The one integer a query returns.
    pub async fn scalar(&self, sql: &'static str) -> i64 {
        let mut c = self.store.reader().await.expect("conn");
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&mut *c)
            .await
            .expect("scalar")
    }

    /// Rows in `table`, once the rows acknowledged writes left for after their commit
    /// (new cases' kept views on PostgreSQL) are written.
    pub async fn count(&self, table: &'static str) -> i64 {
        self.store.later_written().await;
        let mut c = self.store.reader().await.expect("conn");
        tongban_store::count(&mut c, table).await.expect("count")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        if let Some(name) = self.pg_name.take() {
            let admin = pg_admin_url();
            let store = self.store.clone();
            // Drop the database from a thread with its own runtime: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    store.close().await;
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        t % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn content(
    name: &str,
    instant: bool,
    status: ItemStatus,
    accept_points: Vec<String>,
    online: OnlineDepth,
) -> ItemContent {
    // 营业执照 may be supplied after acceptance (容缺).
    let m = |n: &str, required: bool| Material {
        name: n.into(),
        required,
        original: true,
        electronic: true,
        copies: 1,
        deferrable: n == "营业执照",
    };
    ItemContent {
        name: name.into(),
        basic_code: "000000".into(),
        handling_code: String::new(),
        power_type: PowerType::License,
        power_source: PowerSource::Statutory,
        legal_basis: "《中华人民共和国行政许可法》".into(),
        conditions: String::new(),
        materials: vec![m("申请书", true), m("营业执照", true), m("承诺书", false)],
        steps: vec!["受理".into(), "审查".into(), "决定".into()],
        statutory: TimeLimit {
            days: 20,
            unit: TimeUnit::Working,
        },
        promised: TimeLimit {
            days: if instant { 0 } else { 5 },
            unit: TimeUnit::Working,
        },
        fees: vec![],
        instant,
        visits: 1,
        online_depth: online,
        accept_center: true,
        accept_points,
        status,
        joint_handling: false,
        extension: None,
        // 告知承诺制 where the item is not decided at once.
        commitment: (!instant)
            .then_some(tongban_domain::catalog::CommitmentRule { verify_days: 20 }),
        aliases: vec![],
        themes: vec![],
        registration: None,
        fields: vec![],
        auto_approval: None,
    }
}

/// The rows of a JSON-lines export, asserting the command succeeded.
pub fn jsonl(out: &std::process::Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

impl TestApp {
    /// `tongban export <dataset> --format jsonl` through the binary, with `extra`
    /// arguments, as rows.
    pub fn export(&self, dataset: &str, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["export", dataset, "--db", &self.db_url, "--format", "jsonl"];
        args.extend_from_slice(extra);
        jsonl(&self.cli(&args))
    }
}

/// The error object of a 4xx answer, asserting the documented shape.
/// One figure of a `/api/v1/figures` answer.
#[track_caller]
pub fn figure<'a>(v: &'a Value, key: &str) -> &'a Value {
    v["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("figure {key} missing"))
}

pub fn error_of(v: &Value) -> &Value {
    let e = &v["error"];
    assert!(e["code"].is_string(), "error without code: {v}");
    assert!(e["message"].is_string(), "error without message: {v}");
    e
}

/// The fields a 4xx answer names: every one of a many-fault answer, or its one.
pub fn error_fields(v: &Value) -> Vec<String> {
    let e = error_of(v);
    match e["errors"].as_array() {
        Some(all) => all
            .iter()
            .map(|x| x["field"].as_str().unwrap_or_default().to_string())
            .collect(),
        None => vec![e["field"].as_str().unwrap_or_default().to_string()],
    }
}

/// Whether a text contains Chinese characters (error messages are in Chinese).
pub fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Asserts a 422 naming `field`; returns the message.
#[track_caller]
pub fn assert_invalid(s: StatusCode, v: &Value, field: &str) -> String {
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let e = error_of(v);
    assert_eq!(e["code"], "invalid", "{v}");
    assert_eq!(e["field"], field, "{v}");
    let m = e["message"].as_str().unwrap_or_default().to_string();
    assert!(has_chinese(&m), "message not in Chinese: {v}");
    m
}

/// The fixture office.
pub async fn fixture(store: &Store) {
    let actor = Actor::system("test");
    let mut tx = store.begin().await.expect("tx");
    let dept = |code: &'static str, name: &'static str, sort| NewDepartment {
        code,
        name,
        short_name: name,
        credit_code: None,
        stationed: true,
        has_service_section: true,
        member_unit: true,
        sort,
    };
    let sj = insert_department(&mut tx, &dept("SJ", "市市场监督管理局", 1))
        .await
        .expect("dept");
    let jt = insert_department(&mut tx, &dept("JT", "市交通运输局", 2))
        .await
        .expect("dept");
    insert_point(
        &mut tx,
        "ZX",
        "政务服务中心",
        PointKind::Center,
        "320583",
        "前进西路",
        0,
    )
    .await
    .expect("point");
    insert_point(
        &mut tx,
        "ZH1",
        "综合窗口",
        PointKind::ComprehensiveWindow,
        "320583",
        "一楼",
        1,
    )
    .await
    .expect("point");
    insert_point(
        &mut tx,
        "BC",
        "巴城镇便民服务中心",
        PointKind::Town,
        "320583101",
        "巴城",
        2,
    )
    .await
    .expect("point");
    let d = |id, code: &str| tongban_store::org::Department {
        id,
        code: code.into(),
        name: String::new(),
        short_name: String::new(),
        credit_code: None,
        stationed: true,
        has_service_section: true,
        member_unit: true,
    };
    let eff = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
    let items = [
        (
            ITEM,
            sj,
            "SJ",
            content(
                "食品经营许可",
                false,
                ItemStatus::InUse,
                vec![],
                OnlineDepth::PreReview,
            ),
        ),
        (
            INSTANT,
            sj,
            "SJ",
            content(
                "营业执照遗失补领",
                true,
                ItemStatus::InUse,
                vec![],
                OnlineDepth::FullyOnline,
            ),
        ),
        (
            DELEGATED,
            jt,
            "JT",
            content(
                "道路运输证配发",
                false,
                ItemStatus::InUse,
                vec!["BC".into()],
                OnlineDepth::Offline,
            ),
        ),
        (
            SUSPENDED,
            sj,
            "SJ",
            content(
                "暂停的许可事项",
                false,
                ItemStatus::Suspended,
                vec![],
                OnlineDepth::Offline,
            ),
        ),
    ];
    for (code, dept_id, dcode, c) in items {
        tongban_store::catalog::insert_item(
            &mut tx,
            store,
            code,
            &d(dept_id, dcode),
            None,
            c,
            eff,
            true,
            &actor,
        )
        .await
        .expect("item");
    }
    let users: [(&str, Role, Option<&str>, Option<&str>); 11] = [
        ("admin", Role::Admin, None, None),
        ("supervisor", Role::Supervisor, None, None),
        ("clerk.sj", Role::WindowClerk, Some("SJ"), None),
        ("approver.sj", Role::Approver, Some("SJ"), None),
        ("head.sj", Role::DepartmentHead, Some("SJ"), None),
        ("approver.jt", Role::Approver, Some("JT"), None),
        ("clerk.jt", Role::WindowClerk, Some("JT"), None),
        ("clerk.zh", Role::WindowClerk, None, Some("ZH1")),
        ("town.bc", Role::TownClerk, None, Some("BC")),
        ("hotline", Role::HotlineAgent, None, None),
        ("unit.jt", Role::UnitHandler, Some("JT"), None),
    ];
    for (u, role, dept, point) in users {
        insert_user(
            &mut tx,
            store,
            &NewUser {
                username: u,
                display_name: u,
                role,
                department: dept,
                point,
                password: PASSWORD,
            },
            &actor,
            true,
        )
        .await
        .expect("user");
    }
    // The test applicant is bound for real-name sign-in, as a window would bind them.
    let phone = tongban_domain::codes::Mobile::parse(PHONE).expect("phone");
    let binding = tongban_store::applicants::Binding::new(store.keys(), "张三", ID_NUMBER, &phone);
    tongban_store::applicants::bind(
        &mut tx,
        store.keys(),
        &binding,
        "window",
        &actor,
        "110105********002X",
    )
    .await
    .expect("bind");
    tx.commit().await.expect("commit");
}

/// A browser without JavaScript: keeps cookies by hand, does not follow redirects.
pub struct Browser {
    client: reqwest::Client,
    base: String,
    pub cookies: Vec<(String, String)>,
    store: Store,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: app.base.clone(),
            cookies: vec![],
            store: app.store.clone(),
        }
    }

    fn jar(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let Some((kv, _)) = v.to_str().expect("cookie").split_once(';') else {
                continue;
            };
            let (k, val) = kv.split_once('=').expect("cookie pair");
            self.cookies.retain(|(n, _)| n != k);
            if !val.is_empty() {
                self.cookies.push((k.into(), val.into()));
            }
        }
    }

    async fn finish(&mut self, r: reqwest::Response) -> (StatusCode, Option<String>, String) {
        self.keep(&r);
        let loc = r
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| v.to_str().expect("location").to_string());
        (r.status(), loc, r.text().await.expect("body"))
    }

    /// GET: status, redirect target, body.
    pub async fn get(&mut self, path: &str) -> (StatusCode, Option<String>, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.jar())
            .send()
            .await
            .expect("get");
        self.finish(r).await
    }

    /// POST a form: status, redirect target, body.
    pub async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Option<String>, String) {
        let r = self.posting(path).form(form).send().await.expect("post");
        self.finish(r).await
    }

    /// POST a multipart form: status and body.
    pub async fn upload(
        &mut self,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> (StatusCode, String) {
        let req = self.posting(path).multipart(form);
        self.send_upload(req).await
    }

    /// POST a multipart body as given (to send one cut off): status and body.
    pub async fn upload_raw(
        &mut self,
        path: &str,
        boundary: &str,
        body: Vec<u8>,
    ) -> (StatusCode, String) {
        let req = self
            .posting(path)
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        self.send_upload(req).await
    }

    /// A POST to `path` with the session's cookies.
    fn posting(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.jar())
    }

    async fn send_upload(&mut self, req: reqwest::RequestBuilder) -> (StatusCode, String) {
        let r = req.send().await.expect("upload");
        let (s, _, body) = self.finish(r).await;
        (s, body)
    }

    /// Signs a staff member in through the login form.
    pub async fn staff_login(&mut self, username: &str) {
        let (_, _, page) = self.get("/login").await;
        let csrf = hidden(&page, "csrf");
        let (s, to, _) = self
            .post(
                "/login",
                &[
                    ("username", username),
                    ("password", PASSWORD),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "login {username}");
        // An administrator is sent on to enrol a second factor; tests of other pages
        // take a signed-in session from the store (tests/accounts.rs walks the steps).
        if to.as_deref() != Some("/workbench") {
            let p = tongban_store::org::principal_by_username(&self.store, username)
                .await
                .expect("principal");
            let s = tongban_store::org::open_session(
                &self.store,
                &p,
                tongban_store::accounts::Stage::Full,
            )
            .await
            .expect("session");
            self.cookies.retain(|(k, _)| k != "tb_session");
            self.cookies.push(("tb_session".into(), s.cookie));
        }
    }
}

/// The value of a hidden (or any) input named `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in page"));
    let rest = &html[at + key.len()..];
    rest[..rest.find('"').expect("closing quote")].to_string()
}

/// Today in China, as the server counts days.
pub fn today() -> chrono::NaiveDate {
    tongban_store::time::local_day(tongban_store::time::now())
}

pub fn day(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn case_no(v: &Value) -> String {
    v["case_no"].as_str().expect("case_no").to_string()
}

/// An error answer with this status and code, and a message in Chinese.
#[track_caller]
pub fn assert_error(s: StatusCode, v: &Value, status: StatusCode, code: &str) {
    assert_eq!(s, status, "{v}");
    let e = error_of(v);
    assert_eq!(e["code"], code, "{v}");
    assert!(
        has_chinese(e["message"].as_str().unwrap_or_default()),
        "message not in Chinese: {v}"
    );
}

/// A window case of `item` taken by `clerk`, approved by `approver` and closed.
pub async fn closed_case(app: &TestApp, clerk: &str, approver: &str, item: &str) -> String {
    let case = app.apply(clerk, item, "window").await;
    let no = case_no(&case);
    let a = app.token(approver).await;
    let (s, v) = app.act(&a, &no, "approve", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c = app.token(clerk).await;
    let (s, v) = app.act(&c, &no, "close", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "closed");
    no
}

/// The last day a year's figures count: today while the year is in progress (a
/// year to date), otherwise 31 December.
pub fn period_end(year: i32) -> chrono::NaiveDate {
    let last = chrono::NaiveDate::from_ymd_opt(year, 12, 31).expect("date");
    last.min(today())
        .max(chrono::NaiveDate::from_ymd_opt(year, 1, 1).expect("date"))
}

/// How the report names a year: "2026年", or "2026年（截至12月5日）" while in progress.
pub fn year_label(year: i32) -> String {
    use chrono::Datelike;
    let end = period_end(year);
    if end.month() == 12 && end.day() == 31 {
        format!("{year}年")
    } else {
        format!("{year}年（截至{}月{}日）", end.month(), end.day())
    }
}

/// A multipart body with a text field and the start of a file, cut off before its
/// end: what a browser sends when the connection drops or the upload is too large.
pub fn cut_off_upload(boundary: &str, csrf: &str, file_field: &str) -> Vec<u8> {
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"a.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4 the first bytes of a file"
    )
    .into_bytes()
}

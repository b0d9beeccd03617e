//! `tongban bench`: measures the figures the README promises on this machine —
//! accepting cases through the HTTP API with durable commits, case lookups, and the
//! resident memory of the server while it serves. The server is this binary's `serve`
//! in a child process on a loopback port; the load comes from this process, on the
//! same two cores, so the figures are a floor.

use anyhow::Context;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tongban_store::Store;

#[derive(clap::Args)]
pub struct Options {
    /// 测试所用数据库（默认：在临时目录中新建 SQLite 文件）
    #[arg(long)]
    pub db: Option<String>,
    /// 测试前向新数据库写入的演示数据规模
    #[arg(long, default_value_t = 0.05)]
    pub scale: f64,
    /// 要受理的办件数
    #[arg(long, default_value_t = 20_000)]
    pub cases: usize,
    /// 查询请求数（办件、办事指南、知识库）
    #[arg(long, default_value_t = 100_000)]
    pub lookups: usize,
    /// 并发连接数
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// 供搜索测试的知识库文章数
    #[arg(long, default_value_t = 100_000)]
    pub articles: usize,
    /// 要登记的12345热线工单数
    #[arg(long, default_value_t = 10_000)]
    pub orders: usize,
    /// 年度工作报告和各统计看板的请求次数（逐个发出，不并发）
    #[arg(long, default_value_t = 20)]
    pub figures: usize,
    /// 所测工作报告的年份（默认：有办件的最近一年）
    #[arg(long)]
    pub year: Option<i32>,
    /// 供交易公告查询测试的公共资源交易公告数（按每批10000条导入，并测量导入用时）
    #[arg(long, default_value_t = 100_000)]
    pub announcements: usize,
}

struct Phase {
    name: &'static str,
    n: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Phase {
    /// Requests a second.
    fn rate(&self) -> f64 {
        self.n as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn report(&mut self) -> String {
        self.latencies.sort();
        let pct = |p: f64| {
            let i = ((self.latencies.len() as f64 * p) as usize)
                .min(self.latencies.len().saturating_sub(1));
            self.latencies.get(i).copied().unwrap_or_default()
        };
        format!(
            "{:<28} {:>8} 次  {:>8.0} 次/秒  p50 {:>6.2} ms  p99 {:>6.2} ms",
            self.name,
            self.n,
            self.n as f64 / self.elapsed.as_secs_f64(),
            pct(0.5).as_secs_f64() * 1000.0,
            pct(0.99).as_secs_f64() * 1000.0
        )
    }
}

/// The processor time the process has used, user and system, in seconds (Linux
/// counts it in hundredths of a second for every thread of the process).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command's name (which may hold spaces), from the third.
    let mut after = stat.rsplit_once(')')?.1.split_whitespace();
    let utime: f64 = after.nth(11)?.parse().ok()?;
    let stime: f64 = after.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// The server's processor time per request of a phase, in microseconds, between
/// two readings of [`cpu_seconds`].
fn cpu_per_request(before: Option<f64>, after: Option<f64>, n: usize) -> String {
    match (before, after) {
        (Some(b), Some(a)) if n > 0 => {
            format!("服务进程处理器时间 {:.0} µs/次", (a - b) * 1e6 / n as f64)
        }
        _ => "服务进程处理器时间：无法读取".to_string(),
    }
}

fn rss_mb(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// `tongban bench`: the arguments checked, a key for a fresh database, then the run.
pub async fn run(opts: Options) -> anyhow::Result<()> {
    anyhow::ensure!(
        opts.cases > 0
            && opts.lookups > 0
            && opts.concurrency > 0
            && opts.orders > 0
            && opts.figures > 0,
        "次数和并发数须大于0"
    );
    let key_hex = match std::env::var("TONGBAN_KEY") {
        Ok(k) if !k.is_empty() => k,
        _ => tongban_store::Keys::generate_hex()?,
    };
    measure(opts, key_hex).await
}

/// The database the server will serve, seeded and indexed, with what that took.
struct Prepared {
    /// Holds the fresh database's folder while the run lasts.
    _dir: tempfile::TempDir,
    url: String,
    indexed: u64,
    rebuild: Duration,
    counters: u64,
    stats_rebuild: Duration,
    year: i32,
    cases_in_year: i64,
    orders_in_year: i64,
    /// Projects waiting for their first stage (of eight items) to be applied for.
    stage_projects: Vec<String>,
    /// Projects with stages, and their owners' credit codes (the tracking page).
    tracked: Vec<(String, String)>,
    /// Trading announcements in the database, and the slowest import of a batch of
    /// 10,000 of them.
    announcements: i64,
    feed_10k: Duration,
}

/// Eight items of eight departments a stage can hold (accepted at the center, not
/// instant), kept as the government general projects' first stage, and `n` such
/// projects registered to apply for it.
async fn prepare_stages(store: &Store, n: usize) -> anyhow::Result<Vec<String>> {
    use tongban_domain::stage::StageRuleInput;
    let today = tongban_store::time::local_day(tongban_store::time::now());
    let mut items: Vec<String> = vec![];
    let mut departments: Vec<String> = vec![];
    for i in tongban_store::catalog::all_in_force(store, today).await? {
        if i.instant || departments.contains(&i.department.code) {
            continue;
        }
        let full =
            tongban_store::catalog::item_in_force(&mut *store.reader().await?, &i.code, today)
                .await?;
        let Some(full) = full else { continue };
        let c2 = full.content()?;
        if c2.accept_center && c2.open_for_applications() && !c2.instant {
            departments.push(i.department.code.clone());
            items.push(i.code.clone());
        }
        if items.len() == 8 {
            break;
        }
    }
    anyhow::ensure!(items.len() == 8, "演示事项不足8个部门");
    let rule = StageRuleInput {
        funding: "government".into(),
        category: "general".into(),
        stage: "land_planning".into(),
        limit_days: Some(20),
        items,
        effective_from: tongban_store::time::day(today),
    }
    .check(today)
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let actor = tongban_store::audit::Actor::system("bench");
    tongban_store::projects::stages::insert_rule(store, &actor, rule).await?;
    let bar = indicatif::ProgressBar::new(n as u64);
    bar.set_style(crate::cli::progress_style());
    bar.set_message("登记测试用工程建设项目");
    let mut codes = Vec::with_capacity(n);
    // Numbers an earlier run on the same database registered are skipped.
    let mut next = 0usize;
    while codes.len() < n {
        let i = next;
        next += 1;
        let code = format!("2026-320583-47-01-{:06}", 900_000 + i);
        let owner =
            tongban_domain::CreditCode::generate('1', '1', "320583", &format!("MB{:06}", i))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        let input = tongban_domain::project::ProjectInput {
            code: code.clone(),
            name: format!("测试政府投资项目{i}"),
            owner_credit_code: owner.as_str().to_string(),
            owner_name: "昆山市测试建设发展有限公司".into(),
            town: "YS".into(),
            address: "前进中路1号".into(),
            investment_fen: Some(100_000_000),
            land_area_m2: Some(1000.0),
            floor_area_m2: Some(2000.0),
            funding: "government".into(),
            category: "general".into(),
            lead_department: "FG".into(),
        };
        match tongban_store::projects::register(store, &actor, &input).await {
            Ok(_) => {}
            Err(tongban_store::StoreError::Conflict { field: "code", .. }) => continue,
            Err(e) => return Err(e.into()),
        }
        codes.push(code);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(codes)
}

/// The enterprise complaint center's analysis at its size: `n` of the projects hooked,
/// each with a progress entry for each of the quarter's weeks so far.
async fn hook_projects(store: &Store, codes: &[String], n: usize) -> anyhow::Result<()> {
    let today = tongban_store::time::local_day(tongban_store::time::now());
    let supervisor = tongban_store::org::principal_by_username(store, "supervisor").await?;
    let start = tongban_domain::supervision::Quarter::of(today).first_day();
    let bar = indicatif::ProgressBar::new(n.min(codes.len()) as u64);
    bar.set_style(crate::cli::progress_style());
    bar.set_message("挂钩项目及每周进展");
    for code in codes.iter().take(n) {
        bar.inc(1);
        if tongban_store::enterprise::hook(store, &supervisor, code, "企业服务科", start)
            .await
            .is_err()
        {
            continue;
        }
        let mut week = tongban_domain::enterprise::week_of(start);
        while week <= today {
            let input = tongban_domain::enterprise::ProgressInput {
                week: week.to_string(),
                progress: "施工许可并联审批中，材料已齐".into(),
                problems: "供电接入方案待答复".into(),
            };
            tongban_store::enterprise::record_progress(store, &supervisor, code, &input).await?;
            week = week + chrono::Days::new(7);
        }
    }
    bar.finish_and_clear();
    Ok(())
}

async fn prepare(opts: &Options, key_hex: &str) -> anyhow::Result<Prepared> {
    let dir = tempfile::tempdir()?;
    let url = opts
        .db
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/bench.db", dir.path().display()));
    let store = Store::assemble(
        &url,
        tongban_store::Keys::from_hex(key_hex)?,
        &tongban_store::Setup::default(),
    )
    .await?;
    if tongban_store::count(&mut *store.reader().await?, "departments").await? == 0 {
        eprintln!("生成演示数据（规模 {}）…", opts.scale);
        crate::demo::seed_demo(&store, None, 1, opts.scale, None, 2026).await?;
    }
    let have = tongban_store::count(&mut *store.reader().await?, "kb_articles").await? as usize;
    if have < opts.articles {
        let n = opts.articles - have;
        let bar = indicatif::ProgressBar::new(n as u64);
        bar.set_style(crate::cli::progress_style());
        bar.set_message("生成知识库条目");
        crate::demo::kb::synthetic(&store, n, 7, &|done| bar.set_position(done)).await?;
        bar.finish_and_clear();
    }
    // The index the server will open, built here so its rebuild is measured.
    let store = store.with_kb_dir(&crate::config::kb_dir(&url, None))?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(crate::cli::progress_style());
    bar.set_message("重建知识库索引");
    let t = Instant::now();
    let indexed = tongban_store::kb::rebuild_index(&store, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await?;
    bar.finish_and_clear();
    let rebuild = t.elapsed();
    // The figures kept per day, recomputed from every record as `stats rebuild` does.
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message("重算按日统计数");
    let t = Instant::now();
    let counters = tongban_store::stats::rebuild(&store).await?;
    let stats_rebuild = t.elapsed();
    bar.finish_and_clear();
    let year = match opts.year {
        Some(y) => y,
        None => tongban_store::stats::latest_year(&store)
            .await?
            .unwrap_or(2026),
    };
    let (cases_in_year, orders_in_year) = tongban_store::stats::year_totals(&store, year).await?;
    let stage_projects = prepare_stages(&store, (opts.cases / 8).max(1)).await?;
    hook_projects(&store, &stage_projects, 200).await?;
    let tracked = tongban_store::projects::tracking::examples(&store, 200).await?;
    let (announcements, feed_10k) = seed_announcements(&store, opts.announcements).await?;
    store.close().await;
    drop(store);
    Ok(Prepared {
        _dir: dir,
        url,
        indexed,
        rebuild,
        counters,
        stats_rebuild,
        year,
        cases_in_year,
        orders_in_year,
        stage_projects,
        tracked,
        announcements,
        feed_10k,
    })
}

/// Trading announcements up to `n`, sent through the feed in batches of 10,000 as a
/// trading system would; the slowest batch's time.
async fn seed_announcements(store: &Store, n: usize) -> anyhow::Result<(i64, Duration)> {
    let have = tongban_store::count(&mut *store.reader().await?, "trading_notices").await? as usize;
    let mut slowest = Duration::ZERO;
    if have < n {
        let today = tongban_store::time::local_day(tongban_store::time::now());
        // About 2.7 announcements a project; a seed of its own so the ids are new.
        let batches =
            crate::demo::trading::generate((n - have) * 10 / 27 + 1, 100_000, today, 0xbe4c)?;
        let bar = indicatif::ProgressBar::new((n - have) as u64);
        bar.set_style(crate::cli::progress_style());
        bar.set_message("导入交易公告（每批10000条）");
        let actor = tongban_store::audit::Actor::system("bench");
        for (source, records) in batches {
            for chunk in records.chunks(10_000) {
                let t = Instant::now();
                let r =
                    tongban_store::trading::ingest(store, source, chunk.to_vec(), &actor).await?;
                if chunk.len() == 10_000 {
                    slowest = slowest.max(t.elapsed());
                }
                bar.inc(r.received as u64);
            }
        }
        bar.finish_and_clear();
    }
    let total = tongban_store::count(&mut *store.reader().await?, "trading_notices").await?;
    Ok((total, slowest))
}

/// The server started as its own process on a free port, once it answers.
async fn start_server(url: &str, key_hex: &str) -> anyhow::Result<(Server, String, u32)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server(
        std::process::Command::new(std::env::current_exe()?)
            .args([
                "serve",
                "--db",
                url,
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env("TONGBAN_KEY", key_hex)
            .env("TONGBAN_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .context("无法启动服务进程")?,
    );
    let pid = server.0.id();
    let probe = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if probe
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::ensure!(up, "服务进程未能启动");
    Ok((server, base, pid))
}

async fn measure(opts: Options, key_hex: String) -> anyhow::Result<()> {
    let Prepared {
        _dir,
        url,
        indexed,
        rebuild,
        counters,
        stats_rebuild,
        year,
        cases_in_year,
        orders_in_year,
        stage_projects,
        tracked,
        announcements,
        feed_10k,
    } = prepare(&opts, &key_hex).await?;
    let (mut server, base, pid) = start_server(&url, &key_hex).await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    let token = |user: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let v: serde_json::Value = client
                .post(format!("{base}/api/v1/auth/token"))
                .json(&serde_json::json!({ "username": user, "password": crate::demo::DEMO_PASSWORD }))
                .send()
                .await?
                .json()
                .await?;
            v["token"]
                .as_str()
                .map(str::to_string)
                .context("login failed: the database needs the demo accounts")
        }
    };
    let clerk = token("sj.clerk").await?;
    let supervisor = token("supervisor").await?;
    let items: serde_json::Value = client
        .get(format!(
            "{base}/api/v1/items?department=SJ&status=in_use&per_page=100"
        ))
        .send()
        .await?
        .json()
        .await?;
    let item = items["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["instant"] == false))
        .and_then(|i| i["code"].as_str())
        .context("no SJ item")?
        .to_string();
    println!(
        "数据库：{}  并发：{}",
        crate::config::redact(&url),
        opts.concurrency
    );

    println!(
        "统计数重算（stats rebuild）：{counters} 条按日计数，{:.1} 秒",
        stats_rebuild.as_secs_f64()
    );
    println!("{year}年：受理办件 {cases_in_year} 件，12345诉求 {orders_in_year} 件");
    figures_phase(&opts, &client, &base, &supervisor, year).await?;
    lists_phase(&opts, &client, &base, &supervisor).await?;
    case_phases(&opts, &url, &client, &base, &clerk, &supervisor, &item, pid).await?;
    let rs_clerk = token("rs.clerk").await?;
    auto_phase(&opts, &client, &base, &rs_clerk).await?;
    projects_phase(&opts, &client, &base, stage_projects, tracked).await?;
    analysis_phase(&opts, &client, &base).await?;
    trading_phase(&opts, &client, &base, announcements, feed_10k).await?;
    // Phase 3: the service guide page, at 200 connections.
    let guide = format!(
        "/items/{}",
        items["items"][0]["code"].as_str().context("no item")?
    );
    let mut phase = get_phase(
        &client,
        format!("{base}{guide}"),
        opts.lookups / 2,
        200,
        "办事指南 GET /items/{code}",
    )
    .await?;
    println!("{}", phase.report());
    println!(
        "知识库索引重建 {indexed} 条：{:.1} 秒",
        rebuild.as_secs_f64()
    );

    // Phase 4: knowledge-base search, as the public and the agents' screens ask:
    // one visitor at a time, then four at once.
    let queries: Arc<Vec<String>> = Arc::new(crate::demo::kb::sample_queries());
    for (n, connections, name) in [
        (opts.lookups / 8, 1, "知识库搜索（1个连接）"),
        (opts.lookups / 4, 4, "知识库搜索（4个连接）"),
    ] {
        let mut phase = load(n, connections, name, {
            let (client, base, queries) = (client.clone(), base.clone(), queries.clone());
            move |i| {
                let (client, base, queries) = (client.clone(), base.clone(), queries.clone());
                async move {
                    let q = &queries[(i * 7919) % queries.len()];
                    let r = client
                        .get(format!(
                            "{base}/api/v1/kb/search?q={}",
                            tongban_web::pages::urlencode(q)
                        ))
                        .send()
                        .await?;
                    anyhow::ensure!(r.status() == 200, "status {}", r.status());
                    let _ = r.bytes().await?;
                    Ok(())
                }
            }
        })
        .await?;
        println!("{}", phase.report());
    }

    // Phase 5: 12345 agents register work orders.
    let agent = token("hotline").await?;
    let mut phase = load(opts.orders, opts.concurrency, "登记工单 POST /api/v1/work-orders", {
        let (client, base, agent) = (client.clone(), base.clone(), agent.clone());
        move |i| {
            let (client, base, agent) = (client.clone(), base.clone(), agent.clone());
            async move {
                let body = serde_json::json!({
                    "channel": "phone", "category": "complaint", "caller_name": "测试来电人",
                    "phone": format!("139{:08}", i % 100_000_000),
                    "address": "前进中路88号", "content": "小区门口饭店油烟直排，晚上气味很大，请尽快处理。"
                });
                let r = client.post(format!("{base}/api/v1/work-orders")).bearer_auth(&agent).json(&body).send().await?;
                anyhow::ensure!(r.status() == 201, "status {}", r.status());
                let _ = r.bytes().await?;
                Ok(())
            }
        }
    })
    .await?;
    println!("{}", phase.report());
    println!(
        "服务进程常驻内存：当前 {:.0} MB（其中堆等匿名内存 {:.0} MB，映射的文件页 {:.0} MB），峰值 {:.0} MB（目标 < 200 MB：{}）",
        rss_mb(pid, "VmRSS:"),
        rss_mb(pid, "RssAnon:"),
        rss_mb(pid, "RssFile:"),
        rss_mb(pid, "VmHWM:"),
        if rss_mb(pid, "VmHWM:") < 200.0 {
            "达到"
        } else {
            "未达到"
        }
    );
    server.stop();
    Ok(())
}

/// Signs a staff member in through the login form; the session cookie to send.
async fn staff_session(base: &str, user: &str) -> anyhow::Result<String> {
    let cookies = |r: &reqwest::Response| -> Vec<String> {
        r.headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .map(str::to_string)
            .collect()
    };
    // The session cookie comes with the 303; a client that followed it would lose it.
    let client = &reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let r = client.get(format!("{base}/login")).send().await?;
    let mut jar = cookies(&r);
    let page = r.text().await?;
    let key = "name=\"csrf\" value=\"";
    let at = page.find(key).context("no csrf field on the login page")? + key.len();
    let csrf = page[at..].split('"').next().unwrap_or_default().to_string();
    let r = client
        .post(format!("{base}/login"))
        .header(reqwest::header::COOKIE, jar.join("; "))
        .form(&[
            ("username", user),
            ("password", crate::demo::DEMO_PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await?;
    anyhow::ensure!(r.status() == 303, "login {user}: status {}", r.status());
    jar.extend(cookies(&r));
    Ok(jar.join("; "))
}

/// The child server, stopped however the benchmark ends.
/// Phase 0: the year's report (its JSON form, every figure with the year before) and
/// the dashboards, one request at a time as a manager opens them.
async fn figures_phase(
    opts: &Options,
    client: &reqwest::Client,
    base: &str,
    supervisor: &str,
    year: i32,
) -> anyhow::Result<()> {
    let session = staff_session(base, "supervisor").await?;
    let pages: Vec<(String, String, Option<String>)> = vec![
        (
            "年度报告 GET /api/v1/figures".into(),
            format!("{base}/api/v1/figures?period={year}"),
            None,
        ),
        (
            "年度报告 Markdown /reports".into(),
            format!("{base}/reports?year={year}&format=md"),
            Some(session.clone()),
        ),
        (
            "数据看板 GET /dashboard".into(),
            format!("{base}/dashboard?year={year}"),
            Some(session.clone()),
        ),
        (
            "事项看板 /dashboard/catalog".into(),
            format!("{base}/dashboard/catalog?year={year}"),
            Some(session.clone()),
        ),
        (
            "受理点看板 /dashboard/points".into(),
            format!("{base}/dashboard/points?year={year}"),
            Some(session.clone()),
        ),
        (
            "12345看板 /dashboard/hotline".into(),
            format!("{base}/dashboard/hotline?year={year}"),
            Some(session.clone()),
        ),
        (
            "好差评看板 /dashboard/ratings".into(),
            format!("{base}/dashboard/ratings?year={year}"),
            Some(session.clone()),
        ),
    ];
    for mut phase in pages_phase(opts, client, supervisor, pages).await? {
        println!("{}", phase.report());
    }
    Ok(())
}

/// Pages requested one at a time, `opts.figures` times each, as a person opens
/// them: with a session cookie, or the bearer token when there is none.
async fn pages_phase(
    opts: &Options,
    client: &reqwest::Client,
    bearer: &str,
    pages: Vec<(String, String, Option<String>)>,
) -> anyhow::Result<Vec<Phase>> {
    let mut out = vec![];
    for (name, url, cookie) in pages {
        let name: &'static str = Box::leak(name.into_boxed_str());
        let phase = load(opts.figures, 1, name, {
            let (client, bearer) = (client.clone(), bearer.to_string());
            move |_| {
                let (client, url, cookie, bearer) =
                    (client.clone(), url.clone(), cookie.clone(), bearer.clone());
                async move {
                    let req = client.get(&url);
                    let req = match &cookie {
                        Some(c) => req.header(reqwest::header::COOKIE, c),
                        None => req.bearer_auth(&bearer),
                    };
                    let r = req.send().await?;
                    anyhow::ensure!(r.status() == 200, "{url}: status {}", r.status());
                    let _ = r.bytes().await?;
                    Ok(())
                }
            }
        })
        .await?;
        out.push(phase);
    }
    Ok(out)
}

/// The staff lists at any page, one request at a time: each must answer within
/// 100 ms at the 99th percentile on a Kunshan-sized year.
async fn lists_phase(
    opts: &Options,
    client: &reqwest::Client,
    base: &str,
    supervisor: &str,
) -> anyhow::Result<()> {
    let (sup, agent, clerk) = (
        staff_session(base, "supervisor").await?,
        staff_session(base, "hotline").await?,
        staff_session(base, "sj.clerk").await?,
    );
    // A cursor deep in the list: after the thousandth page of 20 (or the first).
    let deep: serde_json::Value = client
        .get(format!("{base}/api/v1/cases?page=1000"))
        .bearer_auth(supervisor)
        .send()
        .await?
        .json()
        .await?;
    let cursor = match deep["next_cursor"].as_str() {
        Some(c) => c.to_string(),
        None => {
            let first: serde_json::Value = client
                .get(format!("{base}/api/v1/cases"))
                .bearer_auth(supervisor)
                .send()
                .await?
                .json()
                .await?;
            first["next_cursor"]
                .as_str()
                .unwrap_or("9999-12-31~0")
                .to_string()
        }
    };
    let api = |name: &str, path: String| (name.to_string(), format!("{base}{path}"), None);
    let page = |name: &str, path: &str, who: &String| {
        (name.to_string(), format!("{base}{path}"), Some(who.clone()))
    };
    let pages = vec![
        api("办件列表 第1页（API）", "/api/v1/cases".into()),
        api(
            "办件列表 第1000页（page）",
            "/api/v1/cases?page=1000".into(),
        ),
        api(
            "办件列表 深页（cursor）",
            format!("/api/v1/cases?cursor={cursor}"),
        ),
        api(
            "部门办件 第200页",
            "/api/v1/cases?department=SJ&page=200".into(),
        ),
        api("办理中办件", "/api/v1/cases?status=open".into()),
        api("12345工单 第1000页", "/api/v1/work-orders?page=1000".into()),
        page("督查 /supervision", "/supervision", &sup),
        page(
            "受理办件明细 /dashboard/cases",
            "/dashboard/cases?department=SJ",
            &sup,
        ),
        page("好差评明细", "/dashboard/ratings/list", &sup),
        page("差评明细", "/dashboard/ratings/list?bad=1", &sup),
        page("12345工单列表 /hotline/orders", "/hotline/orders", &agent),
        page("窗口工作台 /workbench", "/workbench", &clerk),
    ];
    for mut phase in pages_phase(opts, client, supervisor, pages).await? {
        let line = phase.report();
        let p99 = phase.latencies[((phase.latencies.len() as f64 * 0.99) as usize)
            .min(phase.latencies.len().saturating_sub(1))];
        let verdict = if p99.as_millis() < 100 {
            "（目标 p99 < 100 ms：达到）"
        } else {
            "（目标 p99 < 100 ms：未达到）"
        };
        println!("{line}  {verdict}");
    }
    Ok(())
}

/// Phases 1 and 2: cases accepted at the window, then looked up.
#[allow(clippy::too_many_arguments)]
async fn case_phases(
    opts: &Options,
    url: &str,
    client: &reqwest::Client,
    base: &str,
    clerk: &str,
    supervisor: &str,
    item: &str,
    pid: u32,
) -> anyhow::Result<()> {
    // Phase 1: accept cases at the window.
    let created = Arc::new(std::sync::Mutex::new(Vec::with_capacity(opts.cases)));
    let mut phase = load(opts.cases, opts.concurrency, "受理办件 POST /api/v1/cases", {
        let (client, base, clerk, created, item) = (client.clone(), base.to_string(), clerk.to_string(), created.clone(), item.to_string());
        move |i| {
            let (client, base, clerk, item, created) = (client.clone(), base.clone(), clerk.clone(), item.clone(), created.clone());
            async move {
                let body = serde_json::json!({
                    "item_code": item, "channel": "window",
                    "applicant": { "kind": "person", "name": "测试申请人", "id_number": "11010519491231002X",
                                   "phone": format!("138{:08}", i % 100_000_000) }
                });
                let r = client.post(format!("{base}/api/v1/cases")).bearer_auth(&clerk).json(&body).send().await?;
                anyhow::ensure!(r.status() == 201, "status {}", r.status());
                let v: serde_json::Value = r.json().await?;
                if let Some(no) = v["case_no"].as_str() {
                    created.lock().map_err(|_| anyhow::anyhow!("lock"))?.push(no.to_string());
                }
                Ok(())
            }
        }
    })
    .await?;
    println!("{}", phase.report());
    // The same number of plain durable transactions in the same run, on the same
    // kind of database: the ceiling.
    let postgres = url.starts_with("postgres");
    let (latencies, elapsed) = if postgres {
        tongban_store::baseline::plain_postgres_commits(url, opts.cases, opts.concurrency).await?
    } else {
        let dir = tempfile::tempdir()?;
        tongban_store::baseline::plain_sqlite_commits(dir.path(), opts.cases, opts.concurrency)
            .await?
    };
    let (name, label, target) = if postgres {
        ("基线：纯 PostgreSQL 每件一事务", "纯 PostgreSQL", 0.5)
    } else {
        ("基线：纯 SQLite 每件一事务", "纯 SQLite", 1.0)
    };
    let mut base_phase = Phase {
        name,
        n: opts.cases,
        elapsed,
        latencies,
    };
    println!("{}", base_phase.report());
    // On PostgreSQL the ceiling is `pgbench -N` with as many clients, run here
    // in the same run when pgbench is installed.
    let pgbench = match postgres {
        true => tongban_store::baseline::pgbench_simple_updates(url, opts.concurrency, 15).await?,
        false => None,
    };
    match pgbench {
        Some(tps) => {
            println!(
                "  受理办件 / {label} 基线 = {:.2}×",
                phase.rate() / base_phase.rate()
            );
            println!(
                "基线：pgbench -N（{} 个客户端，15 秒）      {tps:.0} 事务/秒",
                opts.concurrency
            );
            println!(
                "  受理办件 / pgbench -N = {:.2}×（目标 ≥ {target:.1}×）",
                phase.rate() / tps
            );
        }
        None => println!(
            "  受理办件 / {label} 基线 = {:.2}×（目标 ≥ {target:.1}×）",
            phase.rate() / base_phase.rate()
        ),
    }

    // Phase 2: look cases up: as many different cases as there are lookups, each
    // once (none kept by the server yet: the database answers every one), then the
    // cases just accepted again and again, as clients polling cases do (the server
    // answers from the views it read a moment ago when nothing may have changed
    // them).
    let recent = Arc::new(tongban_store::baseline::recent_case_numbers(url, opts.lookups).await?);
    let cpu_first = cpu_seconds(pid);
    let first = lookups(
        client,
        base,
        supervisor,
        recent.clone(),
        recent.len(),
        1,
        opts.concurrency,
        "查询办件（每件首次）GET /api/v1/cases/{no}",
    )
    .await?;
    let cpu_again = cpu_seconds(pid);
    let numbers = Arc::new(created.lock().map_err(|_| anyhow::anyhow!("lock"))?.clone());
    let again = lookups(
        client,
        base,
        supervisor,
        numbers,
        opts.lookups,
        7919,
        opts.concurrency,
        "查询办件（重复查询）GET /api/v1/cases/{no}",
    )
    .await?;
    // A static file from the same server at the same concurrency: the ceiling of
    // the HTTP stack on this machine in this run.
    let cpu_static = cpu_seconds(pid);
    let mut base_phase = get_phase(
        client,
        format!("{base}/assets/app.css"),
        opts.lookups,
        opts.concurrency,
        "基线：静态文件 /assets/app.css",
    )
    .await?;
    println!("{}", base_phase.report());
    let cpu_end = cpu_seconds(pid);
    println!(
        "  每件首次：{}；重复查询：{}；静态文件：{}",
        cpu_per_request(cpu_first, cpu_again, recent.len()),
        cpu_per_request(cpu_again, cpu_static, opts.lookups),
        cpu_per_request(cpu_static, cpu_end, opts.lookups),
    );
    println!(
        "  查询办件（每件首次）/ 静态文件基线 = {:.2}×；（重复查询）/ 静态文件基线 = {:.2}×（目标 ≥ 0.4×）",
        first / base_phase.rate(),
        again / base_phase.rate()
    );
    Ok(())
}

/// `n` lookups of the cases in `numbers` (the i-th asks for number `i * stride`),
/// printed; the rate per second.
#[allow(clippy::too_many_arguments)]
async fn lookups(
    client: &reqwest::Client,
    base: &str,
    supervisor: &str,
    numbers: Arc<Vec<String>>,
    n: usize,
    stride: usize,
    concurrency: usize,
    name: &'static str,
) -> anyhow::Result<f64> {
    let (client, base, supervisor) = (client.clone(), base.to_string(), supervisor.to_string());
    let mut phase = load(n, concurrency, name, move |i| {
        let (client, base, supervisor, numbers) = (
            client.clone(),
            base.clone(),
            supervisor.clone(),
            numbers.clone(),
        );
        async move {
            let no = &numbers[(i * stride) % numbers.len()];
            let r = client
                .get(format!("{base}/api/v1/cases/{no}"))
                .bearer_auth(&supervisor)
                .send()
                .await?;
            anyhow::ensure!(r.status() == 200, "status {}", r.status());
            let _ = r.bytes().await?;
            Ok(())
        }
    })
    .await?;
    println!("{}", phase.report());
    Ok(phase.rate())
}

/// 秒批: applications meeting every rule of the demo's retirement item, each approved
/// and closed at once with its license signed (target 500 a second on SQLite).
async fn auto_phase(
    opts: &Options,
    client: &reqwest::Client,
    base: &str,
    clerk: &str,
) -> anyhow::Result<()> {
    let items: serde_json::Value = client
        .get(format!(
            "{base}/api/v1/items?department=RS&status=in_use&per_page=200"
        ))
        .send()
        .await?
        .json()
        .await?;
    let Some(code) = items["items"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|i| i["name"] == "企业职工基本养老保险正常退休申请")
        })
        .and_then(|i| i["code"].as_str())
        .map(str::to_string)
    else {
        println!("秒批：演示数据中没有秒批事项，跳过");
        return Ok(());
    };
    let item: serde_json::Value = client
        .get(format!("{base}/api/v1/items/{code}"))
        .send()
        .await?
        .json()
        .await?;
    let materials: Vec<serde_json::Value> = item["content"]["materials"]
        .as_array()
        .map(|m| m.iter().map(|x| x["name"].clone()).collect())
        .unwrap_or_default();
    let body = Arc::new(serde_json::json!({
        "item_code": code, "channel": "window", "materials": materials,
        "form": { "years": "30", "kind": "正常退休" },
        "applicant": { "kind": "person", "name": "测试申请人", "id_number": "11010519491231002X",
                       "phone": "13812345678" }
    }));
    let mut phase = load(
        opts.cases,
        opts.concurrency,
        "秒批 POST /api/v1/cases（规则全部满足，当场办结并签发电子证照）",
        {
            let (client, base, clerk) = (client.clone(), base.to_string(), clerk.to_string());
            move |_| {
                let (client, base, clerk, body) =
                    (client.clone(), base.clone(), clerk.clone(), body.clone());
                async move {
                    let r = client
                        .post(format!("{base}/api/v1/cases"))
                        .bearer_auth(&clerk)
                        .json(&*body)
                        .send()
                        .await?;
                    anyhow::ensure!(r.status() == 201, "status {}", r.status());
                    let v: serde_json::Value = r.json().await?;
                    anyhow::ensure!(v["status"] == "closed", "not approved by its rules: {v}");
                    Ok(())
                }
            }
        },
    )
    .await?;
    println!("{}", phase.report());
    println!("  秒批办件 {:.0} 件/秒（目标 ≥ 500 件/秒）", phase.rate());
    Ok(())
}

/// Construction projects: stage applications of eight parallel cases each at the
/// comprehensive window (target 200 a second on SQLite), and the owner's tracking
/// page one request at a time (target p99 under 20 ms).
async fn projects_phase(
    opts: &Options,
    client: &reqwest::Client,
    base: &str,
    stage_projects: Vec<String>,
    tracked: Vec<(String, String)>,
) -> anyhow::Result<()> {
    let v: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(
            &serde_json::json!({ "username": "zh.clerk", "password": crate::demo::DEMO_PASSWORD }),
        )
        .send()
        .await?
        .json()
        .await?;
    let clerk = v["token"].as_str().context("zh.clerk login")?.to_string();
    let codes = Arc::new(stage_projects);
    let mut phase = load(
        codes.len(),
        opts.concurrency,
        "阶段申请（8件并联办件）",
        {
            let (client, base) = (client.clone(), base.to_string());
            move |i| {
                let (client, base, clerk, codes) =
                    (client.clone(), base.clone(), clerk.clone(), codes.clone());
                async move {
                    let body = serde_json::json!({
                        "stage": "land_planning", "contact": "王工",
                        "phone": format!("139{:08}", i % 100_000_000)
                    });
                    let r = client
                        .post(format!("{base}/api/v1/projects/{}/stages", codes[i]))
                        .bearer_auth(&clerk)
                        .json(&body)
                        .send()
                        .await?;
                    anyhow::ensure!(r.status() == 201, "status {}", r.status());
                    let _ = r.bytes().await?;
                    Ok(())
                }
            }
        },
    )
    .await?;
    let rate = phase.rate();
    println!(
        "{}  （目标 ≥ 200 次/秒：{}）",
        phase.report(),
        if rate >= 200.0 { "达到" } else { "未达到" }
    );
    anyhow::ensure!(!tracked.is_empty(), "没有可查询进展的项目");
    let tracked = Arc::new(tracked);
    let mut phase = load(opts.figures * 10, 1, "项目进展查询 /projects/track", {
        let (client, base) = (client.clone(), base.to_string());
        move |i| {
            let (client, base, tracked) = (client.clone(), base.clone(), tracked.clone());
            async move {
                let (code, credit) = &tracked[i % tracked.len()];
                let r = client
                    .get(format!(
                        "{base}/projects/track?code={code}&credit_code={credit}"
                    ))
                    .send()
                    .await?;
                anyhow::ensure!(r.status() == 200, "status {}", r.status());
                let _ = r.bytes().await?;
                Ok(())
            }
        }
    })
    .await?;
    let line = phase.report();
    let p99 = phase.latencies[((phase.latencies.len() as f64 * 0.99) as usize)
        .min(phase.latencies.len().saturating_sub(1))];
    println!(
        "{line}  （目标 p99 < 20 ms：{}）",
        if p99.as_millis() < 20 {
            "达到"
        } else {
            "未达到"
        }
    );
    Ok(())
}

/// The quarterly analysis of the hooked projects (page and Word), one at a time:
/// under 1 s for 200 projects.
async fn analysis_phase(
    opts: &Options,
    client: &reqwest::Client,
    base: &str,
) -> anyhow::Result<()> {
    let cookie = staff_session(base, "supervisor").await?;
    for (name, url) in [
        (
            "挂钩项目季度分析（页面）",
            format!("{base}/enterprise/analysis"),
        ),
        (
            "挂钩项目季度分析（Word）",
            format!("{base}/enterprise/analysis?format=docx"),
        ),
    ] {
        let mut phase = load(opts.figures.max(5), 1, name, {
            let (client, cookie) = (client.clone(), cookie.clone());
            move |_| {
                let (client, url, cookie) = (client.clone(), url.clone(), cookie.clone());
                async move {
                    let r = client
                        .get(&url)
                        .header(reqwest::header::COOKIE, &cookie)
                        .send()
                        .await?;
                    anyhow::ensure!(r.status() == 200, "{url}: status {}", r.status());
                    let _ = r.bytes().await?;
                    Ok(())
                }
            }
        })
        .await?;
        let worst = phase.latencies.iter().max().copied().unwrap_or_default();
        println!(
            "{}  （200个挂钩项目，目标 < 1 秒：{}）",
            phase.report(),
            if worst.as_millis() < 1000 {
                "达到"
            } else {
                "未达到"
            }
        );
    }
    Ok(())
}

/// The trading site's announcement search at its size, one visitor at a time, beside
/// a static file from the same server in the same run; and the feed's import of a
/// batch of 10,000 records.
async fn trading_phase(
    opts: &Options,
    client: &reqwest::Client,
    base: &str,
    announcements: i64,
    feed_10k: Duration,
) -> anyhow::Result<()> {
    if feed_10k > Duration::ZERO {
        println!(
            "交易公告导入（每批10000条）最慢 {:.2} 秒（目标 < 10 秒：{}）",
            feed_10k.as_secs_f64(),
            if feed_10k.as_secs_f64() < 10.0 {
                "达到"
            } else {
                "未达到"
            }
        );
    }
    let queries: Arc<Vec<String>> = Arc::new(
        [
            "",
            "kind=works",
            "kind=goods&stage=result",
            "buyer=%E6%95%99%E8%82%B2%E5%B1%80",
            "town=%E5%B7%B4%E5%9F%8E%E9%95%87",
            "min=1000000&max=5000000",
            "kind=land&from=2026-01-01&to=2026-06-30",
            "stage=contract&min=100000",
        ]
        .iter()
        .map(|q| q.to_string())
        .collect(),
    );
    let n = (opts.figures * 25).max(200);
    let mut phase = load(n, 1, "交易公告查询 GET /api/v1/trading/notices", {
        let (client, base, queries) = (client.clone(), base.to_string(), queries.clone());
        move |i| {
            let (client, base, queries) = (client.clone(), base.clone(), queries.clone());
            async move {
                let q = &queries[i % queries.len()];
                let r = client
                    .get(format!("{base}/api/v1/trading/notices?{q}"))
                    .send()
                    .await?;
                anyhow::ensure!(r.status() == 200, "{q}: status {}", r.status());
                let _ = r.bytes().await?;
                Ok(())
            }
        }
    })
    .await?;
    let mut file = get_phase(
        client,
        format!("{base}/assets/app.css"),
        n,
        1,
        "静态文件（同一服务，1个连接）",
    )
    .await?;
    let p99 = |p: &mut Phase| {
        p.latencies.sort();
        let i =
            ((p.latencies.len() as f64 * 0.99) as usize).min(p.latencies.len().saturating_sub(1));
        p.latencies.get(i).copied().unwrap_or_default()
    };
    let (search, stat) = (p99(&mut phase), p99(&mut file));
    println!(
        "{}  （{announcements} 条公告，目标 p99 < 50 ms：{}）",
        phase.report(),
        if search.as_millis() < 50 {
            "达到"
        } else {
            "未达到"
        }
    );
    println!(
        "{}  （查询 p99 为其 {:.1} 倍）",
        file.report(),
        search.as_secs_f64() / stat.as_secs_f64().max(1e-9)
    );
    Ok(())
}

/// `n` GETs of one public address at `concurrency`, each answered 200.
async fn get_phase(
    client: &reqwest::Client,
    url: String,
    n: usize,
    concurrency: usize,
    name: &'static str,
) -> anyhow::Result<Phase> {
    let client = client.clone();
    load(n, concurrency, name, move |_| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let r = client.get(url).send().await?;
            anyhow::ensure!(r.status() == 200, "status {}", r.status());
            let _ = r.bytes().await?;
            Ok(())
        }
    })
    .await
}

struct Server(std::process::Child);

impl Server {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn load<F, Fut>(
    n: usize,
    concurrency: usize,
    name: &'static str,
    make: F,
) -> anyhow::Result<Phase>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let make = Arc::new(make);
    let bar = indicatif::ProgressBar::new(n as u64);
    bar.set_style(crate::cli::progress_style());
    bar.set_message(name);
    let start = Instant::now();
    let mut tasks = vec![];
    for _ in 0..concurrency {
        let (next, make, bar) = (next.clone(), make.clone(), bar.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = vec![];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let t = Instant::now();
                make(i).await?;
                lat.push(t.elapsed());
                bar.inc(1);
            }
            anyhow::Ok(lat)
        }));
    }
    let mut latencies = Vec::with_capacity(n);
    for t in tasks {
        latencies.extend(t.await??);
    }
    let elapsed = start.elapsed();
    bar.finish_and_clear();
    Ok(Phase {
        name,
        n,
        elapsed,
        latencies,
    })
}

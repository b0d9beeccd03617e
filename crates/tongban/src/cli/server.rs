//! `tongban serve`, `demo`, `migrate` and `seed-demo`: the platform run, with demo
//! data or without, and its database brought up to date or filled.

use super::{DbArgs, open_with};
use crate::{config, demo};
use anyhow::Context;
use std::io::Write;
use tongban_store::audit::Actor;
use tongban_store::{Setup, Store};

#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub node: NodeArgs,
}

#[derive(clap::Args)]
pub struct DemoArgs {
    /// 演示数据库地址
    #[arg(long, env = "TONGBAN_DB", default_value = config::DEMO_DB)]
    pub db: String,
    /// 演示数据库的主密钥文件（首次启动时生成）
    #[arg(long, env = "TONGBAN_KEY_FILE", default_value = config::DEMO_KEY_FILE)]
    pub key_file: String,
    /// 演示办件量，以昆山规模的一年为 1（1 ≈ 600,000 件）
    #[arg(long, default_value_t = 0.02)]
    pub scale: f64,
    #[command(flatten)]
    pub node: NodeArgs,
}

/// How a serving node is set up: where it listens, the public address, and the
/// services it relies on (`serve` and `demo` alike).
#[derive(clap::Args)]
pub struct NodeArgs {
    /// 监听地址（IP:端口）
    #[arg(long, env = "TONGBAN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// 门户的对外访问地址（https://…），电子证照二维码指向该地址（`demo` 默认为 http://LISTEN）
    #[arg(long, env = "TONGBAN_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// 短信发送方式：`outbox`（存入发件箱，供管理员查看、由网关取走）或 `command:/path/to/program`（以手机号为参数运行该程序，短信内容经标准输入传入）
    #[arg(long, env = "TONGBAN_SMS", default_value = "outbox")]
    pub sms: String,
    /// 手机号尚未与身份证号绑定时，由谁核验申请人的姓名、身份证号和手机号相符：`bound`（不核验，由本人到窗口绑定）或 `command:/path/to/program`（经标准输入传入 JSON；退出码 0 表示相符）
    #[arg(long, env = "TONGBAN_IDENTITY_VERIFIER", default_value = "bound")]
    pub identity_verifier: String,
    /// 上传文件的存放位置：本地目录（默认：使用 SQLite 时为数据库文件旁的 `objects/`，否则为 `data/objects`）或兼容 S3 的对象存储，`s3+http://ACCESS_KEY:SECRET@host:port/bucket?region=…`
    #[arg(long, env = "TONGBAN_FILES")]
    pub files: Option<String>,
    /// 本节点的知识库索引目录（默认：使用 SQLite 时在数据库文件旁，否则为 `data/kb-index`）；由数据库生成，自动保持最新
    #[arg(long, env = "TONGBAN_KB_INDEX")]
    pub kb_index: Option<String>,
    /// 打开 GET /metrics（Prometheus 指标）所需的令牌（请求带 Authorization: Bearer 令牌）；不设置则不提供指标接口
    #[arg(long, env = "TONGBAN_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
}

impl NodeArgs {
    /// The store's setup for the database at `db`.
    fn setup(&self, db: &str) -> Setup {
        Setup {
            files: self.files.clone(),
            sms: Some(self.sms.clone()),
            identity: Some(self.identity_verifier.clone()),
            kb_dir: Some(config::kb_dir(db, self.kb_index.as_deref())),
        }
    }
}

#[derive(clap::Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 办件年份（默认：今年，截至今天）
    #[arg(long)]
    pub year: Option<i32>,
    /// 办件量，以昆山规模的一年为 1（1 ≈ 600,000 件）
    #[arg(long, default_value_t = 0.02)]
    pub scale: f64,
    /// 12345热线工单和来电量，以昆山规模的一年为 1（默认同 --scale；1 ≈ 15,000 件工单，33 ≈ 500,000 件，即性能测试所用规模）
    #[arg(long)]
    pub hotline_scale: Option<f64>,
    /// 办件覆盖的年数，截至 --year 所指年份（取 2 时统计可与上一年对比）
    #[arg(long, default_value_t = 1)]
    pub years: u32,
    /// 随机种子：种子相同，生成的数据也相同
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// 运行平台: the store as the flags set it up, the public address license QR codes
/// point to, then the server.
pub async fn serve_platform(args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs { db, node } = args;
    let setup = node.setup(&db.db);
    let store = open_with(&db.db, &db.key_file, &setup).await?;
    let listen = node.listen;
    let metrics_token = node.metrics_token;
    match node.public_url {
        Some(url) => set_public_url(&store, &url).await?,
        // License QR codes need an address a phone can open.
        None if store.setting("public_url").await?.is_none() => {
            eprintln!(
                "提示：尚未设置对外访问地址，电子证照二维码将使用 http://{listen}；请用 --public-url 设置公众可访问的地址"
            );
            set_public_url(&store, &format!("http://{listen}")).await?;
        }
        None => {}
    }
    let users = tongban_store::count(&mut *store.reader().await?, "users").await?;
    if users == 0 {
        eprintln!(
            "提示：数据库中还没有任何账户。请先创建管理员：\n  TONGBAN_PASSWORD=… tongban admin create-user --db {} --username admin --role admin",
            config::redact(&db.db)
        );
    }
    serve(store, &listen, metrics_token).await
}

/// 演示: a demo database seeded on first start, then the server.
pub async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let DemoArgs {
        db,
        key_file,
        scale,
        node,
    } = args;
    let setup = node.setup(&db);
    let store = open_with(&db, &key_file, &setup).await?;
    let listen = node.listen;
    set_public_url(
        &store,
        &node
            .public_url
            .unwrap_or_else(|| format!("http://{listen}")),
    )
    .await?;
    let fresh = tongban_store::count(&mut *store.reader().await?, "departments").await? == 0;
    if fresh {
        eprintln!("正在生成演示数据（规模 {scale}）…");
        demo::seed_demo(&store, None, 2, scale, None, 2026).await?;
    } else if store.setting(demo::SEEDED_MARK).await?.is_none() {
        anyhow::bail!(
            "演示数据库 {} 不完整（上次生成演示数据时被中断）：请删除该文件后重新运行 demo",
            config::redact(&db)
        );
    }
    let example = tongban_store::projects::tracking::examples(&store, 1)
        .await?
        .into_iter()
        .next();
    print_demo_accounts(&listen, example);
    serve(store, &listen, node.metrics_token).await
}

/// 迁移: the database brought to the newest schema, older rows sealed and bound.
pub async fn migrate(db: DbArgs) -> anyhow::Result<()> {
    let store = open_with(&db.db, &db.key_file, &Setup::default()).await?;
    if let Some((cases, users)) = tongban_store::seal::seal_if_never_sealed(&store).await?
        && cases + users > 0
    {
        println!("已封存升级前的 {cases} 条办件、{users} 个账户");
    }
    let bound = tongban_store::applicants::bind_from_window_cases(&store).await?;
    if bound > 0 {
        println!("已按以往窗口办件为 {bound} 位申请人绑定实名手机号码");
    }
    let views = fill_case_views(&store).await?;
    if views > 0 {
        println!("已为升级前的 {views} 件办件生成查询视图");
    }
    println!(
        "数据库已是最新结构（版本 {}）",
        tongban_store::schema_version()
    );
    Ok(())
}

/// 生成演示数据 into an empty database.
pub async fn seed_demo(args: SeedArgs) -> anyhow::Result<()> {
    let SeedArgs {
        db,
        year,
        years,
        scale,
        hotline_scale,
        seed,
    } = args;
    anyhow::ensure!(scale > 0.0 && scale <= 5.0, "--scale 应在 0 到 5 之间");
    let store = open_with(&db.db, &db.key_file, &Setup::default()).await?;
    let summary = demo::seed_demo(&store, year, years, scale, hotline_scale, seed).await?;
    // Every connection back before the runtime ends (a writer keeps its own a
    // moment after its last write), so none is tested on its way back too late.
    store.close().await;
    println!("{summary}");
    Ok(())
}

async fn set_public_url(store: &Store, url: &str) -> anyhow::Result<()> {
    tongban_store::licenses::set_public_url(store, url, &Actor::system("cli"))
        .await
        .map_err(|e| anyhow::anyhow!("--public-url：{e}"))?;
    Ok(())
}

/// Writes the kept views of cases that have none (an upgraded database, records
/// loaded in bulk), with a progress bar; how many.
async fn fill_case_views(store: &Store) -> anyhow::Result<u64> {
    // The reader is given back before the fill, which takes one of its own per batch.
    let missing = {
        let conn = &mut *store.reader().await?;
        tongban_store::count(conn, "cases").await?
            - tongban_store::count(conn, "case_views").await?
    };
    if missing <= 0 {
        return Ok(0);
    }
    let bar = indicatif::ProgressBar::new(missing as u64);
    bar.set_style(super::progress_style());
    bar.set_message("生成办件查询视图");
    let n =
        tongban_store::cases::stored::fill_missing(store, 1000, |n| bar.set_position(n)).await?;
    bar.finish_and_clear();
    Ok(n)
}

async fn serve(store: Store, listen: &str, metrics_token: Option<String>) -> anyhow::Result<()> {
    // Bring the knowledge-base index up to date before the first search.
    store.kb_index().catch_up(&store).await?;
    // A database from before row seals is sealed once.
    if let Some((cases, users)) = tongban_store::seal::seal_if_never_sealed(&store).await? {
        tracing::info!(
            cases,
            users,
            "sealed the cases and accounts of an upgraded database"
        );
    }
    // Cases without the view a lookup reads (an upgraded database not yet through
    // `tongban migrate`) get it in the background, in batches through the writer;
    // until then they are read as before. Each node may run it: a view written
    // meanwhile stands.
    let filler = store.clone();
    tokio::spawn(async move {
        match tongban_store::cases::stored::fill_missing(&filler, 500, |_| {}).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(cases = n, "已为办件生成查询视图"),
            Err(e) => tracing::warn!(error = %e, "case views not filled"),
        }
    });
    // The audit chain's head, signed, into the log every ten minutes when it moved, so
    // a log kept on another machine proves later that the chain was not cut back.
    let keeper = store.clone();
    tokio::spawn(async move {
        let mut last = -1;
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            match tongban_store::audit::checkpoint(&keeper).await {
                Ok(c) if c.seq != last => {
                    last = c.seq;
                    let line = serde_json::to_string(&c).unwrap_or_default();
                    tracing::info!(target: "audit_checkpoint", checkpoint = %line, "审计检查点");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "audit checkpoint failed"),
            }
        }
    });
    // Supplement deadlines that passed end their cases (视为撤回 / 终止), and
    // complaints unanswered past their day escalate: at start and every hour; each
    // node may run it, a record another node settled is skipped.
    let lapser = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match tongban_store::cases::lapse_due(&lapser).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(cases = n, "逾期未补正的办件已按视为撤回或终止审查办结"),
                Err(e) => tracing::warn!(error = %e, "supplement deadline sweep failed"),
            }
            match tongban_store::enterprise::escalate_due(&lapser).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(complaints = n, "逾期未答复的企业投诉已督办"),
                Err(e) => tracing::warn!(error = %e, "complaint escalation sweep failed"),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("无法监听 {listen}"))?;
    let addr = listener.local_addr()?;
    eprintln!("通办已启动：http://{addr}/");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    tongban_web::serve(
        listener,
        tongban_web::AppState::new(store.clone(), metrics_token),
        shutdown,
    )
    .await?;
    // New cases' views left for after their commit are written before the node stops.
    store.later_written().await;
    store.close().await;
    Ok(())
}

fn print_demo_accounts(listen: &str, project: Option<(String, String)>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "\n演示账户（密码均为 {}）：", demo::DEMO_PASSWORD);
    for (user, role, place) in demo::DEMO_ACCOUNTS {
        let _ = writeln!(out, "  {user:<16} {role:<12} {place}");
    }
    let _ = writeln!(
        out,
        "\n管理员 admin 已启用动态口令（双因素认证）：在身份验证器应用中添加密钥 {}（TOTP，30秒，6位），登录时输入其6位动态口令",
        demo::DEMO_TOTP_SECRET
    );
    let (name, id, phone) = demo::DEMO_APPLICANT;
    let _ = writeln!(
        out,
        "\n演示申请人（个人实名登录，手机号码已在窗口核验绑定）：{name} {id} {phone}；验证码见管理员的短信发件箱 /admin/sms"
    );
    let (credit, enterprise) = demo::DEMO_ENTERPRISE;
    let (contact, mobile) = demo::DEMO_ENTERPRISE_CONTACT;
    let _ = writeln!(
        out,
        "\n演示企业（企业登录 /business/login，网上投诉、评价答复）：{enterprise} 统一社会信用代码 {credit}，联系人 {contact} {mobile}；验证码同样见 /admin/sms"
    );
    let (_, agency, agency_contact, agency_mobile) = demo::intermediary::DEMO_AGENCY;
    let _ = writeln!(
        out,
        "\n演示中介机构（企业登录后进入中介超市 /business/intermediary 报价、提交成果）：{agency} 统一社会信用代码 {}，联系人 {agency_contact} {agency_mobile}；演示企业也可在中介超市发布需求、选取和评价",
        demo::intermediary::demo_agency_code()
    );
    if let Some((code, credit)) = project {
        let _ = writeln!(
            out,
            "\n建设单位查询工程建设项目进展（无需登录）：http://{listen}/projects/track?code={code}&credit_code={credit}"
        );
    }
    let _ = writeln!(
        out,
        "\n接口示例：curl -s -X POST http://{listen}/api/v1/auth/token -H 'Content-Type: application/json' -d '{{\"username\":\"admin\",\"password\":\"{}\"}}'\n",
        demo::DEMO_PASSWORD
    );
}

//! `tongban`: the government service platform in one binary. Subcommands run the
//! server, the demo, migrations, seeding, accounts, audit verification and exports.

mod bench;
mod config;
mod license;
mod seed;
mod seed_hotline;
mod seed_kb;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::Write;
use tongban_domain::org::Role;
use tongban_store::Store;
use tongban_store::audit::Actor;

#[derive(Parser)]
#[command(name = "tongban", version, about = "通办：县级政务服务平台")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DbArgs {
    /// Database URL: sqlite://path (default ./data/tongban.db) or postgres://…
    #[arg(long, env = "TONGBAN_DB", default_value = config::DEFAULT_DB)]
    db: String,
    /// File holding the 64-hex-digit master key (default: beside a SQLite file,
    /// `data/tongban.key` otherwise; created for a new database only). The
    /// environment variable TONGBAN_KEY, when set, is used instead.
    #[arg(long, env = "TONGBAN_KEY_FILE", default_value = "")]
    key_file: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform over HTTP.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, env = "TONGBAN_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Public address of the portal (https://…), which license QR codes point to.
        #[arg(long, env = "TONGBAN_PUBLIC_URL")]
        public_url: Option<String>,
        /// How text messages are sent: `outbox` (kept for administrators and a gateway)
        /// or `command:/path/to/program` (run with the phone number; message on stdin).
        #[arg(long, env = "TONGBAN_SMS", default_value = "outbox")]
        sms: String,
        /// Who proves an applicant's name, ID number and phone belong together when
        /// the phone is not bound to the ID yet: `bound` (nobody: the person binds it
        /// at a window) or `command:/path/to/program` (JSON on stdin; exit 0 = match).
        #[arg(long, env = "TONGBAN_IDENTITY_VERIFIER", default_value = "bound")]
        identity_verifier: String,
        /// Where uploaded files are kept: a folder (default: `objects/` beside a SQLite
        /// file, `data/objects` otherwise) or an S3-compatible store,
        /// `s3+http://ACCESS_KEY:SECRET@host:port/bucket?region=…`.
        #[arg(long, env = "TONGBAN_FILES")]
        files: Option<String>,
        /// This node's knowledge-base index folder (default: beside a SQLite file,
        /// `data/kb-index` otherwise); derived from the database, kept current.
        #[arg(long, env = "TONGBAN_KB_INDEX")]
        kb_index: Option<String>,
    },
    /// Run with demo data: seeds a fresh demo database on first start, then serves.
    Demo {
        #[arg(long, env = "TONGBAN_DB", default_value = config::DEMO_DB)]
        db: String,
        #[arg(long, env = "TONGBAN_KEY_FILE", default_value = config::DEMO_KEY_FILE)]
        key_file: String,
        #[arg(long, env = "TONGBAN_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Share of a Kunshan-sized year of cases (1 ≈ 600,000).
        #[arg(long, default_value_t = 0.02)]
        scale: f64,
        /// Public address license QR codes point to (default: http://LISTEN).
        #[arg(long, env = "TONGBAN_PUBLIC_URL")]
        public_url: Option<String>,
        /// How text messages are sent (see `serve --sms`).
        #[arg(long, env = "TONGBAN_SMS", default_value = "outbox")]
        sms: String,
        /// Who proves an unbound applicant's identity (see `serve --identity-verifier`).
        #[arg(long, env = "TONGBAN_IDENTITY_VERIFIER", default_value = "bound")]
        identity_verifier: String,
        /// Where uploaded files are kept (see `serve --files`).
        #[arg(long, env = "TONGBAN_FILES")]
        files: Option<String>,
        /// The knowledge-base index folder (see `serve --kb-index`).
        #[arg(long, env = "TONGBAN_KB_INDEX")]
        kb_index: Option<String>,
    },
    /// Apply the database migrations.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Fill an empty database with a realistic county service office and a year of cases.
    SeedDemo {
        #[command(flatten)]
        db: DbArgs,
        /// Year of cases (default: this year, up to today).
        #[arg(long)]
        year: Option<i32>,
        /// Share of a Kunshan-sized year (1 ≈ 600,000 cases).
        #[arg(long, default_value_t = 0.02)]
        scale: f64,
        /// Share of a Kunshan-sized year of 12345 work orders and calls (default: --scale;
        /// 1 ≈ 15,000 orders, 33 ≈ 500,000 requests as the benchmark uses).
        #[arg(long)]
        hotline_scale: Option<f64>,
        /// Years of cases, ending with --year (2 lets the figures compare a year with the one before).
        #[arg(long, default_value_t = 1)]
        years: u32,
        /// Random seed: the same seed gives the same data.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Administration: accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Export records for outside analysis.
    Export {
        /// departments, points, items, cases, ratings, calls or work_orders
        dataset: String,
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value = "csv")]
        format: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<String>,
    },
    /// Section one of the work report (一、xxxx年工作情况) filled from the records.
    Report {
        #[command(flatten)]
        db: DbArgs,
        /// A whole year, e.g. 2026.
        #[arg(long, conflicts_with_all = ["from", "to", "period"])]
        year: Option<i32>,
        /// First day (YYYY-MM-DD), with --to.
        #[arg(long, requires = "to")]
        from: Option<String>,
        /// Last day (YYYY-MM-DD), with --from.
        #[arg(long, requires = "from")]
        to: Option<String>,
        /// Any period: 2026, 2026-Q3, 2026-07, 2026-01-01..2026-09-30.
        #[arg(long)]
        period: Option<String>,
        /// md, docx, xlsx or json
        #[arg(long, default_value = "md")]
        format: String,
        /// Output file (default: standard output; docx and xlsx only when it is
        /// redirected, never to a terminal).
        #[arg(long)]
        out: Option<String>,
    },
    /// Work on cases from the command line, acting as a staff account.
    Case {
        #[command(subcommand)]
        command: CaseCommand,
    },
    /// Measure throughput and memory on this machine (figures in README).
    Bench {
        /// Database to run against (default: a fresh SQLite file in a temporary folder).
        #[arg(long)]
        db: Option<String>,
        /// Demo data scale seeded into a fresh database first.
        #[arg(long, default_value_t = 0.05)]
        scale: f64,
        #[arg(long, default_value_t = 20_000)]
        cases: usize,
        #[arg(long, default_value_t = 100_000)]
        lookups: usize,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Knowledge-base articles to search over.
        #[arg(long, default_value_t = 100_000)]
        articles: usize,
        /// 12345 work orders to register.
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        /// Requests of the year's report and of each dashboard, one at a time.
        #[arg(long, default_value_t = 20)]
        figures: usize,
        /// Year of the report measured (default: the latest year with cases).
        #[arg(long)]
        year: Option<i32>,
    },
    /// The catalog as an xlsx workbook.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Electronic licenses (电子证照).
    License {
        #[command(subcommand)]
        command: LicenseCommand,
    },
    /// The figures kept per day as records are written.
    Stats {
        #[command(subcommand)]
        command: StatsCommand,
    },
    /// 12345 knowledge base: its search index.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// 12345 hotline: call records of the switch.
    Hotline {
        #[command(subcommand)]
        command: HotlineCommand,
    },
}

#[derive(Subcommand)]
enum StatsCommand {
    /// Recompute every kept figure from the records (one transaction).
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Compare the kept figures with a recomputation from the records; exits 2 and
    /// lists the differences if any.
    Check {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum KbCommand {
    /// Rebuild this node's knowledge-base search index from the database (the
    /// server catches up by itself; rebuild after restoring a backup or moving the
    /// index folder). Run it with the server stopped: the index folder has one writer.
    Reindex {
        #[command(flatten)]
        db: DbArgs,
        /// The index folder (default: beside a SQLite file, `data/kb-index` otherwise).
        #[arg(long, env = "TONGBAN_KB_INDEX")]
        index: Option<String>,
    },
}

#[derive(Subcommand)]
enum HotlineCommand {
    /// Import the switch's CSV call log (call id, caller, start, answered or
    /// abandoned, wait seconds, talk seconds, agent; Chinese or English headers).
    /// Call ids already imported are skipped; bad rows are listed with their line.
    ImportCalls {
        #[command(flatten)]
        db: DbArgs,
        /// The CSV file.
        file: String,
    },
}

#[derive(Subcommand)]
enum LicenseCommand {
    /// Check an exported license file (/licenses/{no}.json) offline; exits 2 if it
    /// is not valid.
    Verify {
        file: String,
        /// The department keys as published at /api/v1/license-keys: also checks that
        /// the file's key is its issuing department's.
        #[arg(long)]
        keys: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a staff account; the password comes from TONGBAN_PASSWORD or a prompt.
    CreateUser {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// window_clerk, town_clerk, approver, department_head, hotline_agent, unit_handler, supervisor, admin
        #[arg(long)]
        role: String,
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        point: Option<String>,
        /// Full name shown in records (default: the username).
        #[arg(long)]
        name: Option<String>,
    },
    /// Disable an account: its sessions and API tokens end at once.
    DisableUser {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
    /// Re-enable a disabled account.
    EnableUser {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
    /// Reset an account's password to a temporary one (printed once); it must be
    /// changed at the next sign-in.
    ResetPassword {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
    /// Remove an account's second factor (a lost phone); it is enrolled again at the
    /// next sign-in where required.
    ResetTotp {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
    /// Issue an Open311 API key to an outside system; prints the key (only its hash is kept).
    CreateApiKey {
        #[command(flatten)]
        db: DbArgs,
        /// Name of the outside system.
        #[arg(long)]
        name: String,
    },
    /// Issue a 12345 intake key to a channel (wechat, email, other); prints the key,
    /// sent as X-Channel-Key to /api/v1/intake/{channel} (only its hash is kept).
    #[command(name = "create-channel-key")]
    ChannelKey {
        #[command(flatten)]
        db: DbArgs,
        /// wechat, email or other
        #[arg(long)]
        channel: String,
        /// Name of the sender (the WeChat account, the mail gateway, …).
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum CaseCommand {
    /// Print a case with its events as JSON.
    Show {
        #[command(flatten)]
        db: DbArgs,
        /// The staff account whose view is used (scoping applies).
        #[arg(long = "as")]
        user: String,
        case_no: String,
    },
    /// Accept (window) or register (online) an application; prints the case.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long = "as")]
        user: String,
        #[arg(long)]
        item: String,
        /// window or online
        #[arg(long, default_value = "window")]
        channel: String,
        #[arg(long)]
        point: Option<String>,
        /// person or organisation
        #[arg(long, default_value = "person")]
        kind: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        id_number: Option<String>,
        #[arg(long)]
        credit_code: Option<String>,
        #[arg(long)]
        phone: String,
        /// Register a window application without accepting it yet.
        #[arg(long)]
        register_only: bool,
    },
    /// Take an action on a case (accept, refuse, request_supplement, supplement,
    /// approve, reject, suspend, resume, extend, withdraw, close); prints the case.
    Act {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long = "as")]
        user: String,
        case_no: String,
        action: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        document_no: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the chain, check every case and account against its seal and, given kept
    /// checkpoints, that the chain was not cut back; exits 2 naming what is broken.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// A file of checkpoints kept outside the database (JSON lines, as written by
        /// `audit checkpoint` or found in the server log).
        #[arg(long)]
        checkpoints: Option<String>,
    },
    /// Sign the chain's head and append it to a file kept outside the database (or
    /// print it): a later `audit verify --checkpoints` proves nothing was cut off.
    Checkpoint {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        out: Option<String>,
    },
    /// Seal the cases and accounts written in bulk (an import) or before seals existed.
    Seal {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Write the catalog in force today to an xlsx file.
    Export {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        out: String,
    },
    /// Import items from an xlsx file (same columns as the export): new items are
    /// added, changed ones get a new version effective on --effective.
    Import {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        file: String,
        /// Effective date of new versions (YYYY-MM-DD, default tomorrow); they are published at once.
        #[arg(long)]
        effective: Option<String>,
    },
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TONGBAN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("无法启动运行时：{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Opens a database with its key. A key file is created only for a new database: if
/// the database already holds data written under another key, the new file is removed
/// again and the operator is told to find the right one.
async fn open(db: &str, key_file: &str) -> anyhow::Result<Store> {
    let key_file = match key_file.trim() {
        "" => config::key_file_for(db),
        k => k.to_string(),
    };
    let (keys, created) = config::load_keys(&key_file)?;
    match Store::open(db, keys).await {
        Ok(store) => {
            if created {
                tracing::warn!(
                    file = key_file,
                    "已生成新的加密密钥文件：请妥善备份，丢失后将无法解密已加密的个人信息"
                );
            }
            Ok(store)
        }
        Err(e) => {
            if created {
                let _ = std::fs::remove_file(&key_file);
                if e.to_string().contains("密钥") {
                    anyhow::bail!(
                        "数据库 {} 已有数据，但找不到写入这些数据时的密钥文件 {key_file}：请用 --key-file 指定原密钥文件或设置 TONGBAN_KEY（不会为已有数据的数据库生成新密钥）",
                        config::redact(db)
                    );
                }
            }
            Err(e).with_context(|| format!("无法打开数据库 {}", config::redact(db)))
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    use std::process::ExitCode;
    match cli.command {
        Command::License {
            command: LicenseCommand::Verify { file, keys },
        } => return license::verify(&file, keys.as_deref()),
        Command::Serve {
            db,
            listen,
            public_url,
            sms,
            identity_verifier,
            files,
            kb_index,
        } => {
            let store = with_files(open(&db.db, &db.key_file).await?, files.as_deref())
                .await?
                .with_sms(tongban_store::applicants::SmsSender::from_spec(&sms)?)
                .with_identity(tongban_store::applicants::IdentityVerifier::from_spec(
                    &identity_verifier,
                )?)
                .with_kb_dir(&config::kb_dir(&db.db, kb_index.as_deref()))?;
            match public_url {
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
            tongban_store::calendar_year::seed_if_empty(&store).await?;
            let users = tongban_store::count(&mut *store.reader().await?, "users").await?;
            if users == 0 {
                eprintln!(
                    "提示：数据库中还没有任何账户。请先创建管理员：\n  TONGBAN_PASSWORD=… tongban admin create-user --db {} --username admin --role admin",
                    config::redact(&db.db)
                );
            }
            serve(store, &listen).await?;
        }
        Command::Demo {
            db,
            key_file,
            listen,
            scale,
            public_url,
            sms,
            identity_verifier,
            files,
            kb_index,
        } => {
            let store = with_files(open(&db, &key_file).await?, files.as_deref())
                .await?
                .with_sms(tongban_store::applicants::SmsSender::from_spec(&sms)?)
                .with_identity(tongban_store::applicants::IdentityVerifier::from_spec(
                    &identity_verifier,
                )?)
                .with_kb_dir(&config::kb_dir(&db, kb_index.as_deref()))?;
            set_public_url(
                &store,
                &public_url.unwrap_or_else(|| format!("http://{listen}")),
            )
            .await?;
            tongban_store::calendar_year::seed_if_empty(&store).await?;
            let fresh =
                tongban_store::count(&mut *store.reader().await?, "departments").await? == 0;
            if fresh {
                eprintln!("正在生成演示数据（规模 {scale}）…");
                seed::seed_demo(&store, None, 2, scale, None, 2026).await?;
            } else if store.setting(seed::SEEDED_MARK).await?.is_none() {
                anyhow::bail!(
                    "演示数据库 {} 不完整（上次生成演示数据时被中断）：请删除该文件后重新运行 demo",
                    config::redact(&db)
                );
            }
            print_demo_accounts(&listen);
            serve(store, &listen).await?;
        }
        Command::Migrate { db } => {
            let store = open(&db.db, &db.key_file).await?;
            tongban_store::calendar_year::seed_if_empty(&store).await?;
            if let Some((cases, users)) = tongban_store::seal::seal_if_never_sealed(&store).await?
                && cases + users > 0
            {
                println!("已封存升级前的 {cases} 条办件、{users} 个账户");
            }
            let bound = tongban_store::applicants::bind_from_window_cases(&store).await?;
            if bound > 0 {
                println!("已按以往窗口办件为 {bound} 位申请人绑定实名手机号码");
            }
            println!(
                "数据库已是最新结构（版本 {}）",
                tongban_store::schema_version()
            );
        }
        Command::SeedDemo {
            db,
            year,
            years,
            scale,
            hotline_scale,
            seed,
        } => {
            anyhow::ensure!(scale > 0.0 && scale <= 5.0, "--scale 应在 0 到 5 之间");
            let store = open(&db.db, &db.key_file).await?;
            tongban_store::calendar_year::seed_if_empty(&store).await?;
            let summary = seed::seed_demo(&store, year, years, scale, hotline_scale, seed).await?;
            println!("{summary}");
        }
        Command::Admin {
            command:
                AdminCommand::CreateUser {
                    db,
                    username,
                    role,
                    department,
                    point,
                    name,
                },
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!(
                    "未知角色“{role}”，应为：{}",
                    Role::ALL
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                )
            })?;
            let password = match std::env::var("TONGBAN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    let p = rpassword::prompt_password("密码：")?;
                    let again = rpassword::prompt_password("再次输入密码：")?;
                    anyhow::ensure!(p == again, "两次输入的密码不一致");
                    p
                }
            };
            let store = open(&db.db, &db.key_file).await?;
            let display = name.unwrap_or_else(|| username.clone());
            tongban_store::org::create_user(
                &store,
                &tongban_store::org::NewUser {
                    username: &username,
                    display_name: &display,
                    role,
                    department: department.as_deref(),
                    point: point.as_deref(),
                    password: &password,
                },
                &Actor::system("cli"),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("已创建账户 {username}（{}）", role.label());
        }
        Command::Admin {
            command: AdminCommand::DisableUser { db, username },
        } => {
            let store = open(&db.db, &db.key_file).await?;
            tongban_store::accounts::set_active(&store, &Actor::system("cli"), &username, false)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("已停用账户 {username}，其登录和接口凭证已失效");
        }
        Command::Admin {
            command: AdminCommand::EnableUser { db, username },
        } => {
            let store = open(&db.db, &db.key_file).await?;
            tongban_store::accounts::set_active(&store, &Actor::system("cli"), &username, true)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("已启用账户 {username}");
        }
        Command::Admin {
            command: AdminCommand::ResetPassword { db, username },
        } => {
            let store = open(&db.db, &db.key_file).await?;
            let temp =
                tongban_store::accounts::reset_password(&store, &Actor::system("cli"), &username)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{temp}");
            eprintln!("以上为账户 {username} 的临时密码（只显示这一次）：本人登录后须立即修改");
        }
        Command::Admin {
            command: AdminCommand::ResetTotp { db, username },
        } => {
            let store = open(&db.db, &db.key_file).await?;
            tongban_store::accounts::reset_second_factor(&store, &Actor::system("cli"), &username)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("已重置账户 {username} 的动态口令，本人下次登录时重新绑定");
        }
        Command::Admin {
            command: AdminCommand::CreateApiKey { db, name },
        } => {
            let store = open(&db.db, &db.key_file).await?;
            let key = tongban_store::hotline::create_api_key(&store, &name, &Actor::system("cli"))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{key}");
            eprintln!(
                "已为“{}”签发 Open311 接入密钥：请妥善保存，系统只保留其摘要",
                name.trim()
            );
        }
        Command::Admin {
            command: AdminCommand::ChannelKey { db, channel, name },
        } => {
            let store = open(&db.db, &db.key_file).await?;
            let key =
                tongban_store::intake::create_key(&store, &channel, &name, &Actor::system("cli"))
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{key}");
            eprintln!(
                "已为“{}”签发{}渠道接入密钥（请求头 X-Channel-Key）：请妥善保存，系统只保留其摘要",
                name.trim(),
                channel.trim()
            );
        }
        Command::Stats { command } => {
            let (db, rebuild) = match command {
                StatsCommand::Rebuild { db } => (db, true),
                StatsCommand::Check { db } => (db, false),
            };
            let store = open(&db.db, &db.key_file).await?;
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let started = std::time::Instant::now();
            if rebuild {
                bar.set_message("正在从记录重新计算统计数…");
                let n = tongban_store::stats::rebuild(&store).await?;
                bar.finish_and_clear();
                println!(
                    "统计数已重算：{n} 条按日计数，用时 {:.1} 秒",
                    started.elapsed().as_secs_f64()
                );
            } else {
                bar.set_message("正在核对统计数…");
                let report = tongban_store::stats::check(&store).await?;
                bar.finish_and_clear();
                if report.differences.is_empty() {
                    println!(
                        "统计数与记录一致：{} 条按日计数，用时 {:.1} 秒",
                        report.counters,
                        started.elapsed().as_secs_f64()
                    );
                } else {
                    println!("统计数与记录不一致（{} 处）：", report.differences.len());
                    for d in &report.differences {
                        println!(
                            "  {}（{}）{} {}：保存 {}，重算 {}",
                            d.counter, d.table, d.key, d.measure, d.kept, d.recomputed
                        );
                    }
                    println!("可运行 tongban stats rebuild 重新计算。");
                    return Ok(ExitCode::from(2));
                }
            }
        }
        Command::Kb {
            command: KbCommand::Reindex { db, index },
        } => {
            let dir = config::kb_dir(&db.db, index.as_deref());
            let store = open(&db.db, &db.key_file).await?.with_kb_dir(&dir)?;
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(progress_style());
            bar.set_message("重建知识库索引");
            let n = tongban_store::kb::rebuild_index(&store, &|done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await?;
            bar.finish_and_clear();
            println!(
                "知识库索引已重建：{n} 条记录，其中 {} 条在用（{}）",
                store.kb_index().len(),
                dir.display()
            );
        }
        Command::Hotline {
            command: HotlineCommand::ImportCalls { db, file },
        } => {
            let bytes = std::fs::read(&file).with_context(|| format!("无法打开 {file}"))?;
            let store = open(&db.db, &db.key_file).await?;
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(progress_style());
            bar.set_message("导入话务记录");
            let summary = tongban_store::calls::import(
                &store,
                &bytes,
                &Actor::system("cli"),
                |done, total| {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                },
            )
            .await
            .map_err(|e| match e {
                tongban_store::StoreError::Invalid(i) => anyhow::anyhow!("{file}：{}", i.message),
                e => anyhow::anyhow!("{e}"),
            })?;
            bar.finish_and_clear();
            println!("{summary}");
        }
        Command::Audit {
            command: AuditCommand::Verify { db, checkpoints },
        } => {
            let store = open(&db.db, &db.key_file).await?;
            let kept = match &checkpoints {
                Some(f) => read_checkpoints(f)?,
                None => vec![],
            };
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(progress_style());
            let v = tongban_store::audit::verify(&store, |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })
            .await?;
            bar.finish_and_clear();
            let mut broken = false;
            match v.broken {
                None => println!("审计链完整：共 {} 条记录，全部校验通过", v.entries),
                Some((seq, why)) => {
                    println!(
                        "审计链已被破坏：第 {seq} 条记录校验失败（{why}）；此前 {} 条记录完好",
                        v.entries
                    );
                    broken = true;
                }
            }
            if checkpoints.is_some() {
                match tongban_store::audit::check_checkpoints(&store, &kept).await? {
                    None => println!("检查点：{} 个，全部与审计链相符", kept.len()),
                    Some(why) => {
                        println!("检查点不符：{why}");
                        broken = true;
                    }
                }
            }
            let bar = indicatif::ProgressBar::new_spinner();
            let (rows, faults) = tongban_store::seal::verify(&store, |n| {
                bar.set_message(format!("已核对 {n} 条办件和账户"));
                bar.tick();
            })
            .await?;
            bar.finish_and_clear();
            if faults.is_empty() {
                println!("办件和账户：{rows} 条，均与最后一次审计记录的状态相符");
            } else {
                println!("办件和账户被直接改动（列出前 {} 处）：", faults.len());
                for f in &faults {
                    println!("  {} {}：{}", f.entity, f.key, f.why);
                }
                broken = true;
            }
            if broken {
                return Ok(ExitCode::from(2));
            }
        }
        Command::Audit {
            command: AuditCommand::Checkpoint { db, out },
        } => {
            let store = open(&db.db, &db.key_file).await?;
            let c = tongban_store::audit::checkpoint(&store).await?;
            let line = serde_json::to_string(&c)?;
            match out {
                Some(path) => {
                    use std::io::Write as _;
                    let mut f = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&path)
                        .with_context(|| format!("无法写入 {path}"))?;
                    writeln!(f, "{line}")?;
                    println!("已记录检查点：第 {} 条（{}）→ {path}", c.seq, c.at);
                }
                None => println!("{line}"),
            }
        }
        Command::Audit {
            command: AuditCommand::Seal { db },
        } => {
            let store = open(&db.db, &db.key_file).await?;
            let (cases, users) =
                tongban_store::seal::seal_unsealed(&store, &Actor::system("cli")).await?;
            println!("已封存 {cases} 条办件、{users} 个账户");
        }
        Command::Export {
            dataset,
            db,
            format,
            out,
        } => {
            let store = open(&db.db, &db.key_file).await?;
            export(&store, &dataset, &format, out.as_deref()).await?;
        }
        Command::Report {
            db,
            year,
            from,
            to,
            period,
            format,
            out,
        } => {
            use std::io::IsTerminal;
            use tongban_domain::metrics::Period;
            use tongban_store::report;
            let format = report::Format::parse(&format)
                .ok_or_else(|| anyhow::anyhow!("--format 应为 md、docx、xlsx 或 json"))?;
            anyhow::ensure!(
                out.is_some() || !format.is_binary() || !std::io::stdout().is_terminal(),
                "docx 与 xlsx 是二进制文件，请用 --out 指定输出文件，或将标准输出重定向到文件"
            );
            let period = match (year, from, to, period) {
                (Some(y), ..) => Period::year(y),
                (None, Some(f), Some(t), _) => Period::parse(&format!("{f}..{t}")),
                (None, _, _, Some(p)) => Period::parse(&p),
                _ => anyhow::bail!("请指定 --year，或 --from 与 --to，或 --period"),
            }
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let store = open(&db.db, &db.key_file).await?;
            let figures = tongban_store::metrics::compute(&store, &period)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let bytes = report::render(&figures, format).map_err(|e| anyhow::anyhow!("{e}"))?;
            match out {
                Some(path) => {
                    std::fs::write(&path, bytes).with_context(|| format!("无法写入 {path}"))?
                }
                None => std::io::stdout().lock().write_all(&bytes)?,
            }
        }
        Command::Case { command } => {
            let view = match command {
                CaseCommand::Show { db, user, case_no } => {
                    let store = open(&db.db, &db.key_file).await?;
                    let p = staff(&store, &user).await?;
                    tongban_store::cases::get(&store, &p, &case_no).await
                }
                CaseCommand::Create {
                    db,
                    user,
                    item,
                    channel,
                    point,
                    kind,
                    name,
                    id_number,
                    credit_code,
                    phone,
                    register_only,
                } => {
                    let store = open(&db.db, &db.key_file).await?;
                    let p = staff(&store, &user).await?;
                    let input = tongban_store::cases::NewCase {
                        item_code: Some(item),
                        channel: Some(channel),
                        point,
                        applicant: Some(tongban_domain::case::ApplicantInput {
                            kind: Some(kind),
                            name: Some(name),
                            id_number,
                            credit_code,
                            phone: Some(phone),
                            ..Default::default()
                        }),
                        accept: register_only.then_some(false),
                        ..Default::default()
                    };
                    tongban_store::cases::create(&store, &p, &input).await
                }
                CaseCommand::Act {
                    db,
                    user,
                    case_no,
                    action,
                    note,
                    document_no,
                } => {
                    let store = open(&db.db, &db.key_file).await?;
                    let p = staff(&store, &user).await?;
                    let input = tongban_store::cases::ActionInput {
                        action: Some(action),
                        note,
                        document_no,
                    };
                    tongban_store::cases::act(&store, &p, &case_no, &input).await
                }
            };
            match view {
                Ok(v) => println!("{}", serde_json::to_string_pretty(&v)?),
                Err(e) => {
                    let field = match &e {
                        tongban_store::StoreError::Invalid(i) => format!("（{}）", i.field),
                        _ => String::new(),
                    };
                    eprintln!("错误{field}：{e}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
        Command::Bench {
            db,
            scale,
            cases,
            lookups,
            concurrency,
            articles,
            orders,
            figures,
            year,
        } => {
            anyhow::ensure!(
                cases > 0 && lookups > 0 && concurrency > 0 && orders > 0 && figures > 0,
                "次数和并发数须大于0"
            );
            let key_hex = match std::env::var("TONGBAN_KEY") {
                Ok(k) if !k.is_empty() => k,
                _ => tongban_store::Keys::generate_hex()?,
            };
            bench::run(
                bench::Options {
                    db,
                    scale,
                    cases,
                    lookups,
                    concurrency,
                    articles,
                    orders,
                    figures,
                    year,
                },
                key_hex,
            )
            .await?;
        }
        Command::Catalog { command } => match command {
            CatalogCommand::Export { db, out } => {
                let store = open(&db.db, &db.key_file).await?;
                let (bytes, n) = tongban_store::catalog_xlsx::export(&store).await?;
                std::fs::write(&out, bytes).with_context(|| format!("无法写入 {out}"))?;
                println!("已导出 {n} 个事项到 {out}");
            }
            CatalogCommand::Import {
                db,
                file,
                effective,
            } => {
                let store = open(&db.db, &db.key_file).await?;
                let bytes = std::fs::read(&file).with_context(|| format!("无法打开 {file}"))?;
                let report =
                    tongban_store::catalog_xlsx::import(&store, &bytes, effective.as_deref())
                        .await?;
                println!("{report}");
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

async fn set_public_url(store: &Store, url: &str) -> anyhow::Result<()> {
    tongban_store::licenses::set_public_url(store, url, &Actor::system("cli"))
        .await
        .map_err(|e| anyhow::anyhow!("--public-url：{e}"))?;
    Ok(())
}

/// The store keeping files where `--files` says (creating the S3 bucket if needed).
async fn with_files(store: Store, spec: Option<&str>) -> anyhow::Result<Store> {
    let Some(spec) = spec.filter(|s| !s.is_empty()) else {
        return Ok(store);
    };
    let files = tongban_store::files::FileStore::from_spec(spec)?;
    files
        .ensure_bucket()
        .await
        .map_err(|e| anyhow::anyhow!("文件存储不可用：{e}"))?;
    tracing::info!(files = %files.describe(), "uploaded files are kept here");
    Ok(store.with_files(files))
}

async fn staff(store: &Store, username: &str) -> anyhow::Result<tongban_store::org::Principal> {
    tongban_store::org::principal_by_username(store, username)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

pub fn progress_style() -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} ({eta})")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ")
}

async fn serve(store: Store, listen: &str) -> anyhow::Result<()> {
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
        tongban_web::AppState {
            store: store.clone(),
        },
        shutdown,
    )
    .await?;
    store.close().await;
    Ok(())
}

/// Checkpoints kept in a file: JSON lines, or log lines that carry one after
/// `checkpoint=` (as the server writes them).
fn read_checkpoints(path: &str) -> anyhow::Result<Vec<tongban_store::audit::Checkpoint>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("无法读取 {path}"))?;
    let mut out = vec![];
    for (i, line) in text.lines().enumerate() {
        if !line.contains("\"signature\"") {
            continue;
        }
        let Some(start) = line.find('{') else {
            continue;
        };
        let Some(end) = line.rfind('}') else { continue };
        let c = serde_json::from_str(&line[start..=end])
            .with_context(|| format!("{path} 第{}行不是检查点", i + 1))?;
        out.push(c);
    }
    Ok(out)
}

fn print_demo_accounts(listen: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "\n演示账户（密码均为 {}）：", seed::DEMO_PASSWORD);
    for (user, role, place) in seed::DEMO_ACCOUNTS {
        let _ = writeln!(out, "  {user:<16} {role:<12} {place}");
    }
    let _ = writeln!(
        out,
        "\n管理员 admin 已启用动态口令（双因素认证）：在身份验证器应用中添加密钥 {}（TOTP，30秒，6位），登录时输入其6位动态口令",
        seed::DEMO_TOTP_SECRET
    );
    let (name, id, phone) = seed::DEMO_APPLICANT;
    let _ = writeln!(
        out,
        "\n演示申请人（个人实名登录，手机号码已在窗口核验绑定）：{name} {id} {phone}；验证码见管理员的短信发件箱 /admin/sms"
    );
    let _ = writeln!(
        out,
        "\n接口示例：curl -s -X POST http://{listen}/api/v1/auth/token -H 'Content-Type: application/json' -d '{{\"username\":\"admin\",\"password\":\"{}\"}}'\n",
        seed::DEMO_PASSWORD
    );
}

async fn export(
    store: &Store,
    dataset: &str,
    format: &str,
    out: Option<&str>,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        matches!(format, "csv" | "jsonl"),
        "--format 应为 csv 或 jsonl"
    );
    let sink: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("无法写入 {path}"))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut writer = RowWriter::new(sink, format == "csv");
    match dataset {
        "cases" => {
            tongban_store::cases::export(store, |row| writer.write(&row)).await?;
        }
        "items" => {
            let items = tongban_store::catalog::all_in_force(
                store,
                tongban_store::time::local_day(tongban_store::time::now()),
            )
            .await?;
            for i in items {
                writer.write(&seed::ItemExportRow::from(&i))?;
            }
        }
        "calls" => {
            tongban_store::calls::export(store, |row| writer.write(&row)).await?;
        }
        "work_orders" => {
            tongban_store::hotline::export(store, |row| writer.write(&row)).await?;
        }
        "ratings" => {
            tongban_store::cases::export_ratings(store, |row| writer.write(&row)).await?;
        }
        "departments" => {
            for d in tongban_store::org::departments(store).await? {
                writer.write(&d)?;
            }
        }
        "points" => {
            for p in tongban_store::org::points(store).await? {
                writer.write(&p)?;
            }
        }
        other => {
            anyhow::bail!(
                "未知数据集“{other}”：可导出 departments、points、items、cases、ratings、calls、work_orders"
            )
        }
    }
    writer.finish()
}

/// Writes serialisable rows as CSV (header from the first row) or JSON lines.
struct RowWriter {
    csv: Option<csv::Writer<Box<dyn Write>>>,
    jsonl: Option<Box<dyn Write>>,
    /// Rows written so far (the first CSV row carries the header).
    rows: u64,
}

impl RowWriter {
    fn new(w: Box<dyn Write>, csv: bool) -> Self {
        if csv {
            Self {
                csv: Some(csv::Writer::from_writer(w)),
                jsonl: None,
                rows: 0,
            }
        } else {
            Self {
                csv: None,
                jsonl: Some(w),
                rows: 0,
            }
        }
    }
    fn write<T: serde::Serialize>(&mut self, row: &T) -> anyhow::Result<()> {
        if let Some(c) = &mut self.csv {
            // Serialised once into records, then every cell made safe for
            // spreadsheets (no formula injection from a citizen's text).
            let mut one = csv::WriterBuilder::new()
                .has_headers(self.rows == 0)
                .from_writer(vec![]);
            one.serialize(row)?;
            let bytes = one.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(bytes.as_slice());
            for rec in r.records() {
                let rec = rec?;
                c.write_record(
                    rec.iter()
                        .map(|f| tongban_store::report::csv_cell(f).into_owned()),
                )?;
            }
        }
        self.rows += 1;
        if let Some(j) = &mut self.jsonl {
            serde_json::to_writer(&mut *j, row)?;
            j.write_all(b"\n")?;
        }
        Ok(())
    }
    fn finish(self) -> anyhow::Result<()> {
        if let Some(mut c) = self.csv {
            c.flush()?;
        }
        if let Some(mut j) = self.jsonl {
            j.flush()?;
        }
        Ok(())
    }
}

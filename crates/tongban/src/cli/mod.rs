//! The command line: one module per group of subcommands, each with its arguments
//! and what it does. Every command opens its store through `open_with` (the key
//! file beside the database, the store assembled by `Store::assemble`).

mod admin;
mod audit;
mod cases;
mod figures;
mod hotline;
mod server;

use crate::config;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::process::ExitCode;
use tongban_store::{Setup, Store};

use admin::AdminCommand;
use audit::AuditCommand;
use cases::{CaseCommand, CatalogCommand, LicenseCommand};
use figures::{ExportArgs, ReportArgs, StatsCommand};
use hotline::{HotlineCommand, KbCommand};
use server::{DemoArgs, SeedArgs, ServeArgs};

#[derive(Parser)]
#[command(name = "tongban", version, about = "通办：县级政务服务平台")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
pub struct DbArgs {
    /// Database URL: sqlite://path (default ./data/tongban.db) or postgres://…
    #[arg(long, env = "TONGBAN_DB", default_value = config::DEFAULT_DB)]
    pub db: String,
    /// File holding the 64-hex-digit master key (default: beside a SQLite file,
    /// `data/tongban.key` otherwise; created for a new database only). The
    /// environment variable TONGBAN_KEY, when set, is used instead.
    #[arg(long, env = "TONGBAN_KEY_FILE", default_value = "")]
    pub key_file: String,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the platform over HTTP.
    Serve(ServeArgs),
    /// Run with demo data: seeds a fresh demo database on first start, then serves.
    Demo(DemoArgs),
    /// Apply the database migrations.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Fill an empty database with a realistic county service office and a year of cases.
    SeedDemo(SeedArgs),
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
    Export(ExportArgs),
    /// Section one of the work report (一、xxxx年工作情况) filled from the records.
    Report(ReportArgs),
    /// Work on cases from the command line, acting as a staff account.
    Case {
        #[command(subcommand)]
        command: CaseCommand,
    },
    /// Measure throughput and memory on this machine (figures in README).
    Bench(crate::bench::Options),
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

/// Runs a command; the exit code tells scripts whether a check found a fault.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => server::serve_platform(args).await?,
        Command::Demo(args) => server::demo(args).await?,
        Command::Migrate { db } => server::migrate(db).await?,
        Command::SeedDemo(args) => server::seed_demo(args).await?,
        Command::Admin { command } => return admin::run(command).await,
        Command::Audit { command } => return audit::run(command).await,
        Command::Export(args) => figures::export_records(args).await?,
        Command::Report(args) => figures::report(args).await?,
        Command::Stats { command } => return figures::stats(command).await,
        Command::Case { command } => return cases::case(command).await,
        Command::Catalog { command } => cases::catalog(command).await?,
        Command::License { command } => return cases::license(command),
        Command::Kb { command } => hotline::kb(command).await?,
        Command::Hotline { command } => hotline::hotline(command).await?,
        Command::Bench(args) => crate::bench::run(args).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens the store with the default setup (see `open_with`).
/// Opens an existing database for a command that reads or works on one: a SQLite
/// file that does not exist is named, and nothing is created (no empty database, no
/// new key).
async fn open(db: &str, key_file: &str) -> anyhow::Result<Store> {
    if let Some(path) = config::sqlite_file(db)
        && !std::path::Path::new(&path).exists()
    {
        anyhow::bail!(
            "数据库文件 {path} 不存在：请用 --db 指定已有的数据库（或设置 TONGBAN_DB），新数据库请先运行 tongban serve 或 tongban demo 建立"
        );
    }
    open_with(db, key_file, &Setup::default()).await
}

/// Opens the store: the key from `key_file` (or beside the database; created for a
/// new database only), the store assembled as `setup` says.
async fn open_with(db: &str, key_file: &str, setup: &Setup) -> anyhow::Result<Store> {
    let key_file = match key_file.trim() {
        "" => config::key_file_for(db),
        k => k.to_string(),
    };
    let (keys, created) = config::load_keys(&key_file)?;
    match Store::assemble(db, keys, setup).await {
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

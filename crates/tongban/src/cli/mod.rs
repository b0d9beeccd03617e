//! The command line: one module per group of subcommands, each with its arguments
//! and what it does. Every command opens its store through `open_with` (the key
//! file beside the database, the store assembled by `Store::assemble`).

mod admin;
mod audit;
mod backup;
mod cases;
mod figures;
mod hotline;
mod server;
pub mod settings_file;
mod trading;

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
    /// 配置文件（默认：存在时为 /etc/tongban/tongban.toml）；其中的设置作为各参数的默认值，命令行参数和环境变量优先
    #[arg(long, global = true, env = "TONGBAN_CONFIG")]
    pub config: Option<String>,
    /// 日志格式：text（默认，便于阅读）或 json（每行一个 JSON 对象，供日志采集系统）
    #[arg(long, global = true, env = "TONGBAN_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
}

#[derive(clap::Args, Clone)]
pub struct DbArgs {
    /// 数据库地址：sqlite://path 或 postgres://…
    #[arg(long, env = "TONGBAN_DB", default_value = config::DEFAULT_DB)]
    pub db: String,
    /// 存放主密钥（64 位十六进制数）的文件（默认：使用 SQLite 时在数据库文件旁，否则为 `data/tongban.key`；仅在新建数据库时生成）。设置了环境变量 TONGBAN_KEY 时改用其值
    #[arg(long, env = "TONGBAN_KEY_FILE", default_value = "")]
    pub key_file: String,
}

#[derive(Subcommand)]
pub enum Command {
    /// 以 HTTP 服务运行平台
    Serve(ServeArgs),
    /// 用演示数据运行平台：首次启动时生成新的演示数据库，随后提供服务
    Demo(DemoArgs),
    /// 在线备份：数据库的一致性快照、上传材料和备份清单，写入一个 zip 文件（不含主密钥）
    Backup(backup::BackupArgs),
    /// 从备份恢复到新的空数据库，并校验审计链、封存、统计数和备份清单
    Restore(backup::RestoreArgs),
    /// 配置文件
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// 执行数据库迁移
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// 向空数据库填入演示数据：一个贴近真实的县级政务服务中心和一年的办件
    SeedDemo(SeedArgs),
    /// 系统管理：账户
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// 审计链
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// 导出记录，供外部分析
    Export(ExportArgs),
    /// 根据记录生成工作报告第一部分（一、xxxx年工作情况）
    Report(ReportArgs),
    /// 以工作人员账户身份在命令行办理办件
    Case {
        #[command(subcommand)]
        command: CaseCommand,
    },
    /// 在本机测量吞吐量和内存占用（即 README 中的数据）
    Bench(crate::bench::Options),
    /// 以 xlsx 工作簿导出、导入事项清单
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// 电子证照
    License {
        #[command(subcommand)]
        command: LicenseCommand,
    },
    /// 统计：写入记录时按日累计的统计数
    Stats {
        #[command(subcommand)]
        command: StatsCommand,
    },
    /// 12345热线知识库：搜索索引
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// 12345热线：交换机话务记录
    Hotline {
        #[command(subcommand)]
        command: HotlineCommand,
    },
    /// 公共资源交易：导入交易系统的公告文件、推送密钥、OCDS 前缀
    Trading {
        #[command(subcommand)]
        command: trading::TradingCommand,
    },
}

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// 检查配置文件（--config 指定，或 /etc/tongban/tongban.toml）：逐项校验，有误时以退出码 2 结束
    Check,
}

/// Runs a command; the exit code tells scripts whether a check found a fault.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Config {
            command: ConfigCommand::Check,
        } => return settings_file::check(cli.config).await,
        Command::Serve(args) => server::serve_platform(args).await?,
        Command::Demo(args) => server::demo(args).await?,
        Command::Migrate { db } => server::migrate(db).await?,
        Command::Backup(args) => backup::backup(args).await?,
        Command::Restore(args) => return backup::restore(args).await,
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
        Command::Trading { command } => trading::trading(command).await?,
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

//! `tongban trading`: the trading systems' feed files, their push keys and the
//! office's OCDS prefix.

use super::{DbArgs, open};
use anyhow::Context;
use tongban_domain::trading::Source;
use tongban_store::audit::Actor;

#[derive(clap::Subcommand)]
pub enum TradingCommand {
    /// 导入交易系统的公告文件（CSV 或 JSON）
    ///
    /// 按来源系统的公告编号和版本号去重：同一版本重复导入不作改动，较新版本更正原公告；有误的记录连同行号和原因列出，其余照常保存
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// 来源：jsgc（建设工程交易中心）、zfcg（政府采购中心）或 gtj（国土局招投标系统）
        #[arg(long)]
        source: String,
        /// CSV 或 JSON 文件
        file: String,
    },
    /// 为交易系统生成新的推送密钥（原密钥失效；密钥只显示这一次）
    Key {
        #[command(flatten)]
        db: DbArgs,
        /// 交易系统：jsgc、zfcg 或 gtj
        #[arg(long)]
        source: String,
    },
    /// 设置本机构的 OCDS 前缀（如 ocds-213czf；此后新项目的 ocid 以它开头）
    Prefix {
        #[command(flatten)]
        db: DbArgs,
        /// 前缀：ocds- 加字母和数字（向开放合同伙伴关系登记的前缀）
        prefix: String,
    },
}

fn source(s: &str) -> anyhow::Result<Source> {
    Source::parse_code_or_label(s.trim())
        .with_context(|| format!("来源“{}”无效，应为{}", s.trim(), Source::choices()))
}

pub async fn trading(command: TradingCommand) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    match command {
        TradingCommand::Import {
            db,
            source: s,
            file,
        } => {
            let src = source(&s)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("无法读取 {file}（应为 UTF-8 编码的 CSV 或 JSON）"))?;
            let store = open(&db.db, &db.key_file).await?;
            let records = if file.to_lowercase().ends_with(".json")
                || text.trim_start().starts_with(['[', '{'])
            {
                tongban_store::trading::parse_json(&text)
            } else {
                tongban_store::trading::parse_csv(&text)
            }
            .map_err(|e| anyhow::anyhow!("{file}：{e}"))?;
            let r = tongban_store::trading::ingest(&store, src, records, &actor).await?;
            println!(
                "{}：共{}条，新增{}条，更正{}条，未变{}条，退回{}条",
                src.label(),
                r.received,
                r.added,
                r.amended,
                r.unchanged,
                r.rejected.len()
            );
            for x in &r.rejected {
                println!("  第{}行 {}：{}", x.line, x.id, x.reason);
            }
        }
        TradingCommand::Key { db, source: s } => {
            let src = source(&s)?;
            let store = open(&db.db, &db.key_file).await?;
            let key = tongban_store::trading::new_key(&store, src, &actor).await?;
            println!(
                "{}的推送密钥（请妥善交付，只显示这一次）：{key}",
                src.label()
            );
        }
        TradingCommand::Prefix { db, prefix } => {
            let store = open(&db.db, &db.key_file).await?;
            tongban_store::trading::feed::set_prefix(&store, &prefix, &actor).await?;
            println!("OCDS 前缀已设为 {}", prefix.trim());
        }
    }
    Ok(())
}

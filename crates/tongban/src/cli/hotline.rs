//! `tongban kb` and `tongban hotline`: the knowledge-base index, the switch's calls.

use super::{DbArgs, open, progress_style};
use crate::config;
use anyhow::Context;
use tongban_store::audit::Actor;

#[derive(clap::Subcommand)]
pub enum KbCommand {
    /// 从数据库重建本节点的知识库搜索索引
    ///
    /// 服务器运行时会自行更新索引；恢复备份或移动索引目录后需要重建。须在服务器停止时运行：索引目录只能有一个写入者
    Reindex {
        #[command(flatten)]
        db: DbArgs,
        /// 索引目录（默认：使用 SQLite 时在数据库文件旁，否则为 `data/kb-index`）
        #[arg(long, env = "TONGBAN_KB_INDEX")]
        index: Option<String>,
    },
}

pub async fn kb(command: KbCommand) -> anyhow::Result<()> {
    match command {
        KbCommand::Reindex { db, index } => {
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
    }
    Ok(())
}

#[derive(clap::Subcommand)]
pub enum HotlineCommand {
    /// 导入交换机的 CSV 话务记录
    ///
    /// 各列：呼叫编号、主叫号码、开始时间、接通或放弃、等待秒数、通话秒数、坐席；表头可用中文或英文。已导入的呼叫编号跳过；有误的行连同行号列出
    ImportCalls {
        #[command(flatten)]
        db: DbArgs,
        /// CSV 文件
        file: String,
    },
}

pub async fn hotline(command: HotlineCommand) -> anyhow::Result<()> {
    match command {
        HotlineCommand::ImportCalls { db, file } => {
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
    }
    Ok(())
}

//! `tongban kb` and `tongban hotline`: the knowledge-base index, the switch's calls.

use super::{DbArgs, open, progress_style};
use crate::config;
use anyhow::Context;
use tongban_store::audit::Actor;

#[derive(clap::Subcommand)]
pub enum KbCommand {
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

//! `tongban audit`: the chain verified, checkpoints signed, rows sealed.

use super::{DbArgs, open, progress_style};
use anyhow::Context;
use std::process::ExitCode;
use tongban_store::audit::Actor;

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// 校验审计链及每个办件、账户的封存
    ///
    /// 逐条校验审计链，核对每个办件和账户与其封存是否相符；提供了另行保存的检查点时，还核对审计链未被截短。发现损坏时以退出码 2 结束，并指明损坏之处
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// 保存在数据库之外的检查点文件（JSON Lines 格式，即 `audit checkpoint` 写入的文件，或服务器日志）
        #[arg(long)]
        checkpoints: Option<String>,
    },
    /// 对审计链链头签名，追加到数据库之外保存的文件（或直接打印）
    ///
    /// 日后运行 `audit verify --checkpoints` 即可证明审计链未被截短
    Checkpoint {
        #[command(flatten)]
        db: DbArgs,
        /// 追加签名的文件（不填则打印到标准输出）
        #[arg(long)]
        out: Option<String>,
    },
    /// 封存批量写入（导入）或在启用封存之前写入的办件和账户
    Seal {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify { db, checkpoints } => {
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
        AuditCommand::Checkpoint { db, out } => {
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
        AuditCommand::Seal { db } => {
            let store = open(&db.db, &db.key_file).await?;
            let (cases, users) =
                tongban_store::seal::seal_unsealed(&store, &Actor::system("cli")).await?;
            println!("已封存 {cases} 条办件、{users} 个账户");
        }
    }
    Ok(ExitCode::SUCCESS)
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

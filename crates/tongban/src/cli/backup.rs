//! `tongban backup` and `tongban restore`: one zip file with the manifest, a
//! consistent copy of the SQLite database taken while the server runs, and the
//! uploaded files when they are kept in a local folder. The master key is never in
//! it. A restore goes only into an empty place, under the key the data was written
//! with, and proves what it restored: the audit chain, every seal, the kept counters
//! and the manifest's counts.

use super::{DbArgs, open, open_with};
use crate::config;
use anyhow::Context;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tongban_store::backup::{self, Manifest};
use tongban_store::files::FileStore;

#[derive(clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 备份文件（zip）
    #[arg(long)]
    pub out: String,
    /// 上传材料的存放位置（默认：SQLite 数据库文件旁的 objects 文件夹）
    #[arg(long)]
    pub files: Option<String>,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// `tongban backup` 生成的备份文件
    #[arg(long)]
    pub from: String,
    #[command(flatten)]
    pub db: DbArgs,
}

fn refuse_postgres(db: &str, what: &str) -> anyhow::Result<()> {
    if db.starts_with("postgres") {
        anyhow::bail!(
            "PostgreSQL 数据库请用 pg_dump {what}（pg_dump -Fc 与 pg_restore），并另行保存主密钥文件和上传材料的存放位置（见 README“备份与恢复”）"
        );
    }
    Ok(())
}

/// Every file below `root`, with its path relative to it.
fn walk(root: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut out = vec![];
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            // No folder yet: nothing was ever uploaded.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && dir == root => continue,
            Err(e) => anyhow::bail!("无法读取上传材料文件夹 {}：{e}", dir.display()),
        };
        for e in entries {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push((p.clone(), rel.to_string_lossy().replace('\\', "/")));
            }
        }
    }
    out.sort();
    Ok(out)
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    refuse_postgres(&args.db.db, "备份")?;
    let setup = tongban_store::Setup {
        files: args.files.clone(),
        ..Default::default()
    };
    if let Some(path) = config::sqlite_file(&args.db.db)
        && !Path::new(&path).exists()
    {
        anyhow::bail!("数据库文件 {path} 不存在：请用 --db 指定要备份的数据库");
    }
    // A backup never upgrades the database it copies: the server's binary and this
    // one must agree on the schema.
    let have = backup::schema_version_at(&args.db.db).await?;
    let latest = tongban_store::schema_version();
    if have != Some(latest) {
        anyhow::bail!(
            "数据库结构版本为 {}，本程序为 {latest}：请用与服务相同版本的 tongban 备份（备份不会升级数据库）",
            have.map_or("（无）".to_string(), |v| v.to_string())
        );
    }
    let store = open_with(&args.db.db, &args.db.key_file, &setup).await?;
    let out = Path::new(&args.out);
    anyhow::ensure!(
        !out.exists(),
        "备份文件 {} 已存在，请换一个文件名",
        args.out
    );
    let staging = tempfile::Builder::new()
        .prefix(".tongban-backup")
        .tempdir_in(
            out.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        )?;
    let copy = staging.path().join("tongban.db");
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar.set_message("复制数据库（一致性快照）");
    let mut manifest = backup::copy_sqlite(&store, &copy).await?;
    let files = match store.files() {
        FileStore::Local { root } => walk(root)?,
        FileStore::S3(_) => {
            eprintln!("提示：上传材料存放在 S3 兼容存储中，不在本备份内，请用该存储自身的备份功能");
            vec![]
        }
    };
    manifest.files = files.len() as i64;
    store.close().await;
    bar.set_message("写入备份文件");
    let tmp = out.with_extension("zip.part");
    {
        let f =
            std::fs::File::create(&tmp).with_context(|| format!("无法写入 {}", tmp.display()))?;
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(f));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("manifest.json", opts)?;
        zip.write_all(serde_json::to_string_pretty(&manifest)?.as_bytes())?;
        zip.start_file("tongban.db", opts)?;
        std::io::copy(&mut std::fs::File::open(&copy)?, &mut zip)?;
        for (path, rel) in &files {
            zip.start_file(format!("objects/{rel}"), opts)?;
            std::io::copy(&mut std::fs::File::open(path)?, &mut zip)?;
        }
        zip.finish()?.flush()?;
    }
    std::fs::rename(&tmp, out)?;
    bar.finish_and_clear();
    println!(
        "备份完成：{}（办件 {} 件、12345工单 {} 件、审计记录 {} 条、上传材料 {} 个；审计链链头 {}）",
        args.out,
        manifest.cases,
        manifest.work_orders,
        manifest.audit_entries,
        manifest.files,
        &manifest.audit_hash[..16.min(manifest.audit_hash.len())]
    );
    let key_file = match args.db.key_file.trim() {
        "" => config::key_file_for(&args.db.db),
        k => k.to_string(),
    };
    println!(
        "主密钥不在备份中：请把密钥文件 {key_file}（或 TONGBAN_KEY 的值）另行妥善保存——没有它，备份中的身份证号码、电话号码等个人信息无法读取"
    );
    Ok(())
}

fn read_manifest(zip: &mut zip::ZipArchive<std::fs::File>) -> anyhow::Result<Manifest> {
    let mut text = String::new();
    zip.by_name("manifest.json")
        .context("备份文件缺少 manifest.json：不是 tongban backup 生成的备份")?
        .read_to_string(&mut text)?;
    let m: Manifest = serde_json::from_str(&text).context("备份清单无法读取")?;
    anyhow::ensure!(
        m.format == backup::FORMAT,
        "备份格式 {} 不受支持（应为 {}）",
        m.format,
        backup::FORMAT
    );
    Ok(m)
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<ExitCode> {
    refuse_postgres(&args.db.db, "恢复")?;
    let target = config::sqlite_file(&args.db.db)
        .context("请用 --db sqlite://路径 指定恢复到的数据库文件")?;
    let target = PathBuf::from(target);
    anyhow::ensure!(
        !target.exists(),
        "目标数据库 {} 已存在：恢复只写入新的空位置，请指定一个不存在的文件",
        target.display()
    );
    let objects = target
        .parent()
        .map(|p| p.join("objects"))
        .unwrap_or_else(|| PathBuf::from("objects"));
    anyhow::ensure!(
        std::fs::read_dir(&objects).map_or(true, |mut d| d.next().is_none()),
        "上传材料文件夹 {} 已有文件：恢复只写入新的空位置，请换一个目标文件夹",
        objects.display()
    );
    let mut zip = zip::ZipArchive::new(
        std::fs::File::open(&args.from)
            .with_context(|| format!("无法打开备份文件 {}", args.from))?,
    )
    .context("备份文件已损坏或不是 zip 文件")?;
    let manifest = read_manifest(&mut zip)?;
    // The key: given, or the file beside the target — never a new one.
    let key_file = match args.db.key_file.trim() {
        "" => config::key_file_for(&args.db.db),
        k => k.to_string(),
    };
    let from_env = std::env::var("TONGBAN_KEY").is_ok_and(|k| !k.trim().is_empty());
    anyhow::ensure!(
        from_env || Path::new(&key_file).exists(),
        "请提供写入这些数据时的主密钥：把原密钥文件放在 {key_file}，或用 --key-file 指定，或设置 TONGBAN_KEY"
    );
    let (keys, _) = config::load_keys(&key_file)?;
    anyhow::ensure!(
        keys.key_check() == manifest.key_check,
        "该备份是在另一把主密钥下生成的：请使用写入这些数据时的密钥（密钥文件或 TONGBAN_KEY）"
    );
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let bar = indicatif::ProgressBar::new(zip.len() as u64);
    bar.set_style(super::progress_style());
    bar.set_message("解出备份");
    let part = target.with_extension("db.restoring");
    let mut files = 0i64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let name = entry.name()?.to_string();
        if name == "tongban.db" {
            std::io::copy(&mut entry, &mut std::fs::File::create(&part)?)?;
        } else if let Some(rel) = name.strip_prefix("objects/") {
            let Some(rel) = entry
                .enclosed_name()
                .and_then(|p| p.strip_prefix("objects").ok().map(Path::to_path_buf))
            else {
                anyhow::bail!("备份中的文件名 {rel} 不安全");
            };
            let dest = objects.join(rel);
            if let Some(dir) = dest.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::io::copy(&mut entry, &mut std::fs::File::create(dest)?)?;
            files += 1;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    anyhow::ensure!(part.exists(), "备份文件中没有数据库");
    std::fs::rename(&part, &target)?;
    // Opened as any command opens it (migrations of an older backup applied), then
    // proved.
    let store = open(&args.db.db, &args.db.key_file).await?;
    let mut faults = backup::matches(&store, &manifest).await?;
    if files != manifest.files {
        faults.push(format!(
            "上传材料：备份清单为 {} 个，解出 {files} 个",
            manifest.files
        ));
    }
    let chain = tongban_store::audit::verify(&store, |_, _| {}).await?;
    if let Some((seq, why)) = chain.broken {
        faults.push(format!("审计链第 {seq} 条记录校验失败（{why}）"));
    }
    let (_, sealed) = tongban_store::seal::verify(&store, |_| {}).await?;
    if !sealed.is_empty() {
        faults.push(format!("{} 条办件或账户与其封存不符", sealed.len()));
    }
    let check = tongban_store::stats::check(&store).await?;
    if !check.differences.is_empty() {
        faults.push(format!("{} 项统计数与记录不一致", check.differences.len()));
    }
    store.close().await;
    if faults.is_empty() {
        println!(
            "恢复完成：{}（办件 {} 件、12345工单 {} 件、审计记录 {} 条、上传材料 {} 个）；审计链、封存和统计数均已校验",
            target.display(),
            manifest.cases,
            manifest.work_orders,
            manifest.audit_entries,
            manifest.files
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("恢复后的数据库未通过校验：");
        for f in faults {
            println!("  {f}");
        }
        Ok(ExitCode::from(2))
    }
}

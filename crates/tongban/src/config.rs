//! Configuration: database URL and the master key. The key comes from TONGBAN_KEY or
//! a key file beside the data (created with a fresh random key on first use); it is
//! never written to the database.

use anyhow::Context;
use tongban_store::Keys;

pub const DEFAULT_DB: &str = "sqlite://data/tongban.db";
/// The key file of a database elsewhere than a SQLite file.
pub const DEFAULT_KEY_FILE: &str = "data/tongban.key";
pub const DEMO_DB: &str = "sqlite://data/demo.db";
pub const DEMO_KEY_FILE: &str = "data/demo.key";

/// The file of a SQLite database URL (`sqlite://data/x.db?mode=rwc` → `data/x.db`);
/// `None` for another database or an in-memory one.
pub fn sqlite_file(db: &str) -> Option<String> {
    let path = db
        .strip_prefix("sqlite://")
        .or_else(|| db.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

/// The key file of a database when none is named: beside a SQLite file
/// (`data/year.db` → `data/year.key`), `data/tongban.key` otherwise.
pub fn key_file_for(db: &str) -> String {
    match sqlite_file(db) {
        Some(path) => std::path::Path::new(&path)
            .with_extension("key")
            .display()
            .to_string(),
        None => DEFAULT_KEY_FILE.into(),
    }
}

/// The master key, and whether its file was created just now (a new database's).
pub fn load_keys(key_file: &str) -> anyhow::Result<(Keys, bool)> {
    if let Ok(hex) = std::env::var("TONGBAN_KEY")
        && !hex.trim().is_empty()
    {
        return Ok((
            Keys::from_hex(&hex).context("环境变量 TONGBAN_KEY 无效")?,
            false,
        ));
    }
    let path = std::path::Path::new(key_file);
    if path.exists() {
        let hex = std::fs::read_to_string(path)
            .with_context(|| format!("无法读取密钥文件 {key_file}"))?;
        return Ok((
            Keys::from_hex(&hex).with_context(|| format!("密钥文件 {key_file} 无效"))?,
            false,
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let hex = Keys::generate_hex()?;
    write_private(path, &hex).with_context(|| format!("无法创建密钥文件 {key_file}"))?;
    Ok((Keys::from_hex(&hex)?, true))
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

pub use tongban_store::redact;

/// Where a node keeps its knowledge-base search index: the given folder, or beside
/// a SQLite file (`data/tongban.db` → `data/tongban.kb-index`), or `data/kb-index`.
pub fn kb_dir(db: &str, given: Option<&str>) -> std::path::PathBuf {
    if let Some(d) = given.filter(|d| !d.trim().is_empty()) {
        return d.into();
    }
    match db
        .strip_prefix("sqlite://")
        .or_else(|| db.strip_prefix("sqlite:"))
    {
        Some(path) => {
            let path = path.split('?').next().unwrap_or(path);
            std::path::Path::new(path).with_extension("kb-index")
        }
        None => "data/kb-index".into(),
    }
}

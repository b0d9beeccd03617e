//! The configuration file (`/etc/tongban/tongban.toml`, or `--config FILE`, or
//! `TONGBAN_CONFIG`): the same settings as the flags, for a service installed on a
//! server. Its values become the flags' defaults, so a flag or an environment
//! variable still wins; `tongban config check` validates it before a restart.

use anyhow::Context;
use serde::Deserialize;
use std::process::ExitCode;

/// Where the file is looked for when none is named.
pub const DEFAULT_PATH: &str = "/etc/tongban/tongban.toml";

/// The settings a file may hold (every one optional; an unknown key is an error).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub db: Option<String>,
    pub key_file: Option<String>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub files: Option<String>,
    pub sms: Option<String>,
    pub identity_verifier: Option<String>,
    pub kb_index: Option<String>,
    pub metrics_token: Option<String>,
    pub log_format: Option<String>,
}

impl Settings {
    /// `(argument id, value)` of each setting given.
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("db", &self.db),
            ("key_file", &self.key_file),
            ("listen", &self.listen),
            ("public_url", &self.public_url),
            ("files", &self.files),
            ("sms", &self.sms),
            ("identity_verifier", &self.identity_verifier),
            ("kb_index", &self.kb_index),
            ("metrics_token", &self.metrics_token),
            ("log_format", &self.log_format),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }
}

/// The file named on the command line (`--config FILE`, `--config=FILE`), by
/// `TONGBAN_CONFIG`, or the default path when it exists; `Some((path, named))`.
pub fn locate(args: &[String]) -> Option<(String, bool)> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--config" {
            return it.next().map(|p| (p.clone(), true));
        }
        if let Some(p) = a.strip_prefix("--config=") {
            return Some((p.to_string(), true));
        }
    }
    if let Ok(p) = std::env::var("TONGBAN_CONFIG")
        && !p.trim().is_empty()
    {
        return Some((p, true));
    }
    std::path::Path::new(DEFAULT_PATH)
        .exists()
        .then(|| (DEFAULT_PATH.to_string(), false))
}

/// Reads and parses a configuration file, naming the line of a fault.
pub fn read(path: &str) -> anyhow::Result<Settings> {
    let text = std::fs::read_to_string(path).with_context(|| format!("无法读取配置文件 {path}"))?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("配置文件 {path} 有误：{e}"))
}

/// The command with the file's values as the defaults of the arguments of the same
/// name (the demo and the benchmark keep their own databases).
pub fn apply(cmd: clap::Command, s: &Settings) -> clap::Command {
    let pairs: Vec<(&'static str, &'static str)> = s
        .pairs()
        .into_iter()
        .map(|(k, v)| (k, &*Box::leak(v.to_string().into_boxed_str())))
        .collect();
    with_defaults(cmd, &pairs)
}

fn with_defaults(mut cmd: clap::Command, pairs: &[(&'static str, &'static str)]) -> clap::Command {
    let own = matches!(cmd.get_name(), "demo" | "bench");
    for (id, value) in pairs {
        if own && matches!(*id, "db" | "key_file") {
            continue;
        }
        if cmd.get_arguments().any(|a| a.get_id() == *id) {
            cmd = cmd.mut_arg(*id, |a| a.default_value(*value));
        }
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for n in names {
        cmd = cmd.mut_subcommand(n, |c| with_defaults(c, pairs));
    }
    cmd
}

/// `tongban config check`: every setting of the file checked as the server would use
/// it; exit 2 naming each fault.
pub async fn check(path: Option<String>) -> anyhow::Result<ExitCode> {
    let args: Vec<String> = std::env::args().collect();
    let path = match path.or_else(|| locate(&args).map(|(p, _)| p)) {
        Some(p) => p,
        None => anyhow::bail!("未找到配置文件：请用 --config 指定，或放在 {DEFAULT_PATH}"),
    };
    let s = match read(&path) {
        Ok(s) => s,
        Err(e) => {
            println!("{e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut faults: Vec<String> = vec![];
    if let Some(db) = &s.db
        && !(db.starts_with("sqlite:")
            || db.starts_with("postgres://")
            || db.starts_with("postgresql://"))
    {
        faults.push(format!("db：“{db}”应为 sqlite://路径 或 postgres://…"));
    }
    if let Some(l) = &s.listen
        && l.parse::<std::net::SocketAddr>().is_err()
    {
        faults.push(format!("listen：“{l}”应为 IP:端口，如 0.0.0.0:8080"));
    }
    if let Some(u) = &s.public_url
        && let Err(e) = tongban_store::licenses::parse_public_url(u)
    {
        faults.push(format!("public_url：{e}"));
    }
    // A new installation's key is made at the first start, with its database.
    let fresh =
        s.db.as_deref()
            .and_then(crate::config::sqlite_file)
            .is_some_and(|f| !std::path::Path::new(&f).exists());
    if let Some(k) = &s.key_file {
        match std::fs::read_to_string(k) {
            Err(_) if fresh && !std::path::Path::new(k).exists() => {
                println!(
                    "提示：密钥文件 {k} 尚不存在，将在首次启动、建立数据库时生成；请随后另行备份"
                );
            }
            Err(e) => faults.push(format!("key_file：无法读取 {k}（{e}）")),
            Ok(hex) => {
                if tongban_store::Keys::from_hex(&hex).is_err() {
                    faults.push(format!("key_file：{k} 不是 64 位十六进制的主密钥"));
                }
            }
        }
    }
    if let Some(f) = &s.files
        && let Err(e) = tongban_store::files::FileStore::from_spec(f)
    {
        faults.push(format!("files：{e:#}"));
    }
    if let Some(m) = &s.sms
        && let Err(e) = tongban_store::applicants::SmsSender::from_spec(m)
    {
        faults.push(format!("sms：{e:#}"));
    }
    if let Some(v) = &s.identity_verifier
        && let Err(e) = tongban_store::applicants::IdentityVerifier::from_spec(v)
    {
        faults.push(format!("identity_verifier：{e:#}"));
    }
    if let Some(f) = &s.log_format
        && !matches!(f.as_str(), "text" | "json")
    {
        faults.push(format!("log_format：“{f}”应为 text 或 json"));
    }
    if let Some(t) = &s.metrics_token
        && t.trim().len() < 16
    {
        faults.push("metrics_token：指标令牌至少16个字符".into());
    }
    if faults.is_empty() {
        println!("配置文件 {path} 有效：{} 项设置", s.pairs().len());
        Ok(ExitCode::SUCCESS)
    } else {
        println!("配置文件 {path} 有误：");
        for f in faults {
            println!("  {f}");
        }
        Ok(ExitCode::from(2))
    }
}

//! The configuration file (issue 19): its settings are the flags' defaults (a flag
//! still wins), and `tongban config check` names every fault.

use crate::common::*;

fn run(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tongban"))
        .args(args)
        .env("TONGBAN_KEY", KEY_HEX)
        .env("TONGBAN_LOG", "error")
        .env_remove("TONGBAN_DB")
        .env_remove("TONGBAN_CONFIG")
        .current_dir(dir)
        .output()
        .expect("run tongban")
}

#[test]
fn settings_come_from_the_file_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("tongban.toml"),
        format!(
            "db = \"sqlite://{}/from-file.db\"\nlisten = \"127.0.0.1:18090\"\nsms = \"outbox\"\n",
            d.display()
        ),
    )
    .unwrap();
    let out = run(d, &["--config", "tongban.toml", "migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        d.join("from-file.db").exists(),
        "the file's database was used"
    );
    let flag = format!("sqlite://{}/from-flag.db", d.display());
    let out = run(d, &["--config", "tongban.toml", "migrate", "--db", &flag]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(d.join("from-flag.db").exists(), "the flag won");

    let out = run(d, &["--config", "tongban.toml", "config", "check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("有效：3 项设置"));

    std::fs::write(
        d.join("bad.toml"),
        "db = \"mysql://x\"\nlisten = \"nope\"\npublic_url = \"ftp://x\"\nlog_format = \"xml\"\n",
    )
    .unwrap();
    let out = run(d, &["--config", "bad.toml", "config", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stdout);
    for field in ["db：", "listen：", "public_url：", "log_format："] {
        assert!(said.contains(field), "{field} not named: {said}");
    }
    std::fs::write(d.join("unknown.toml"), "colour = \"blue\"\n").unwrap();
    let out = run(d, &["--config", "unknown.toml", "config", "check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("colour"));
    // Any other command refuses to start on a file it cannot read.
    let out = run(d, &["--config", "unknown.toml", "migrate"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("配置文件"));
}

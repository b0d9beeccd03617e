//! `tongban license verify`: checks an exported electronic license file offline,
//! without a database: the SM2 signature over the canonical document, and with
//! `--keys` that the signing key is the one the issuing department published.

use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;
use tongban_store::licenses::{self, PublicKeyEntry};

/// The published key list: the answer of `/api/v1/license-keys`, or its `keys` array.
fn read_keys(path: &str) -> anyhow::Result<Vec<PublicKeyEntry>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("无法读取公钥列表 {path}"))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("公钥列表 {path} 不是有效的 JSON"))?;
    let list = match v.get("keys") {
        Some(k) => k.clone(),
        None => v,
    };
    serde_json::from_value(list)
        .with_context(|| format!("公钥列表 {path} 格式有误：应为 /api/v1/license-keys 返回的内容"))
}

pub fn verify(file: &str, keys: Option<&str>) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("无法读取证照文件 {file}"))?;
    let published = keys.map(read_keys).transpose()?;
    let mut out = std::io::stdout().lock();
    let checked = licenses::verify_document(&text).and_then(|f| {
        if let Some(p) = &published {
            licenses::check_published_key(&f, p)?;
        }
        Ok(f)
    });
    match checked {
        Ok(f) => {
            let l = licenses::License::from_document(&f.document, "valid", None, None);
            writeln!(out, "有效：电子证照签名验证通过，内容未被篡改")?;
            writeln!(out, "  证照编号：{}", l.license_no)?;
            writeln!(out, "  证照名称：{}", l.item)?;
            writeln!(
                out,
                "  持证人：{}{}",
                l.holder,
                l.holder_id.map(|i| format!("（{i}）")).unwrap_or_default()
            )?;
            writeln!(out, "  发证机关：{}", l.issuer)?;
            writeln!(out, "  发证日期：{}", l.issued_at)?;
            writeln!(out, "  签名密钥：{}", l.key_id)?;
            if published.is_some() {
                writeln!(out, "  公钥与发证部门公布的公钥一致")?;
            } else {
                writeln!(
                    out,
                    "提示：未提供 --keys，只核验了签名与文件内的公钥；请用 /api/v1/license-keys 公布的公钥列表确认该公钥属于发证部门"
                )?;
            }
            writeln!(
                out,
                "提示：离线核验不能反映撤销情况，最新状态请访问 {}",
                l.verify_url
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            writeln!(out, "无效：{why}")?;
            Ok(ExitCode::from(2))
        }
    }
}

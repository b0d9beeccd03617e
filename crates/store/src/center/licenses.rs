//! 电子证照: electronic licenses. When an approved case is closed, the department
//! issues a license: a canonical JSON document signed with the department's SM2 key
//! (SM2 with SM3, GM/T 0003 and 0009). Anyone can check a license online at
//! `/verify/{license_no}` or offline with the exported file and the published keys.

use crate::audit::{self, Actor};
use crate::org::Principal;
use crate::{Keys, Result, Store, StoreError, time};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::elliptic_curve::sec1::ToSec1Point;
use sqlx::{AnyConnection, Row};
use tongban_domain::org::Role;

/// The signer's distinguishing identifier: the default of GM/T 0009.
pub const DIST_ID: &str = crate::protect::SM2_DIST_ID;
/// What the document calls itself.
pub const LICENSE_TYPE: &str = "电子证照";
/// Named in the document and the key list, so verifiers know what to check.
pub const ALGORITHM: &str = "SM2-SM3";
/// Longest license number accepted in a lookup (longer ones are unknown at once).
const MAX_LICENSE_NO: usize = 64;
const MAX_REASON_CHARS: usize = 500;

/// A license as shown to the public: fields of the signed document plus its status
/// in the registry (revocation is a fact of the registry, not of the document).
#[derive(Debug, Clone, Serialize)]
pub struct License {
    pub license_no: String,
    pub case_no: String,
    pub item: String,
    pub holder: String,
    /// Masked ID number of a person, or an organisation's credit code.
    pub holder_id: Option<String>,
    /// What `holder_id` is: 证件号码 or 统一社会信用代码.
    pub holder_id_label: &'static str,
    pub issuer: String,
    pub issuer_code: String,
    pub issuer_credit_code: Option<String>,
    pub issued_at: String,
    pub valid_until: Option<String>,
    /// `valid` or `revoked`
    pub status: String,
    pub status_label: &'static str,
    pub revoked_at: Option<String>,
    pub revoke_reason: Option<String>,
    pub key_id: String,
    pub verify_url: String,
}

impl License {
    /// The license as the number alone shows it: no holder, no case.
    fn withhold_holder(&mut self) {
        self.holder = String::new();
        self.holder_id = None;
        self.case_no = String::new();
        self.verify_url = format!("/verify/{}", self.license_no);
    }
}

/// The exported file: the signed document, its signature and the key that made it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LicenseFile {
    pub document: Value,
    pub signature: String,
    pub public_key: String,
    pub key_id: String,
}

/// What a check of a license number finds.
#[derive(Debug, Clone)]
pub enum VerifyOutcome {
    Valid(License),
    Revoked {
        license: License,
        reason: String,
        at: String,
    },
    Unknown,
    /// The stored document does not match its signature: it was altered.
    BadSignature {
        license_no: String,
        why: String,
    },
}

/// A department's published verification key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublicKeyEntry {
    pub department: String,
    pub department_name: String,
    pub key_id: String,
    /// SEC1 uncompressed point, hex.
    pub public_key: String,
    pub algorithm: String,
    pub created_at: String,
    /// Whether the key signs new licenses; retired keys still verify old ones.
    pub active: bool,
}

fn status_label(status: &str) -> &'static str {
    match status {
        "valid" => "有效",
        "revoked" => "已撤销",
        _ => "未知",
    }
}

/// Canonical JSON: object keys sorted by their UTF-8 bytes, no whitespace. The
/// signature covers exactly these bytes, so any verifier can recompute them.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn verifying_key(public_hex: &str) -> Result<VerifyingKey, String> {
    let bytes = hex::decode(public_hex.trim()).map_err(|_| "公钥不是有效的十六进制".to_string())?;
    if bytes.len() != 65 || bytes[0] != 0x04 {
        return Err("公钥应为65字节的未压缩SM2公钥（04开头）".into());
    }
    VerifyingKey::from_sec1_bytes(DIST_ID, &bytes).map_err(|_| "公钥不是有效的SM2公钥".into())
}

fn public_hex(k: &VerifyingKey) -> String {
    hex::encode(k.to_sec1_point(false).as_bytes())
}

/// A key's identifier: the department code and the start of the SM3 hash of the
/// public key, so the same key always has the same id.
fn key_id_for(department_code: &str, public_hex: &str) -> String {
    let h = crate::protect::sm3_hex(public_hex.as_bytes());
    format!("{department_code}-{}", &h[..16])
}

/// Checks a license file without a database: the signature over the canonical
/// document with the embedded public key, and that the document names that key.
pub fn verify_file(file: &LicenseFile) -> Result<(), String> {
    let doc = file
        .document
        .as_object()
        .ok_or_else(|| "document 应为 JSON 对象".to_string())?;
    match doc.get("key_id").and_then(Value::as_str) {
        Some(k) if k == file.key_id => {}
        Some(_) => return Err("文件的 key_id 与证照内容中的签名密钥不符".into()),
        None => return Err("证照内容缺少 key_id".into()),
    }
    if doc.get("type").and_then(Value::as_str) != Some(LICENSE_TYPE) {
        return Err("文件不是电子证照（type 不符）".into());
    }
    let key = verifying_key(&file.public_key)?;
    let sig = hex::decode(file.signature.trim())
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok())
        .ok_or_else(|| "签名格式无效（应为64字节的十六进制）".to_string())?;
    key.verify(canonical_json(&file.document).as_bytes(), &sig)
        .map_err(|_| "签名验证失败：证照内容已被篡改或签名不属于该公钥".to_string())
}

/// Parses and checks an exported license file (the JSON of `/licenses/{no}.json`).
pub fn verify_document(file_json: &str) -> Result<LicenseFile, String> {
    let file: LicenseFile =
        serde_json::from_str(file_json).map_err(|e| format!("文件不是有效的电子证照文件：{e}"))?;
    verify_file(&file)?;
    Ok(file)
}

/// Checks that a file's key is the one its issuing department published (the list
/// of `/api/v1/license-keys`): a valid signature only proves the file matches the
/// key embedded in it.
pub fn check_published_key(file: &LicenseFile, published: &[PublicKeyEntry]) -> Result<(), String> {
    let entry = published
        .iter()
        .find(|k| k.key_id == file.key_id)
        .ok_or_else(|| format!("签名密钥 {} 不在公布的公钥列表中", file.key_id))?;
    if !entry
        .public_key
        .trim()
        .eq_ignore_ascii_case(file.public_key.trim())
    {
        return Err(format!(
            "文件中的公钥与{}公布的密钥 {} 不符",
            entry.department_name, entry.key_id
        ));
    }
    let issuer = file
        .document
        .get("issuer")
        .and_then(|i| i.get("code"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if issuer != entry.department {
        return Err(format!(
            "密钥 {} 属于{}（{}），而证照的发证机关代码为“{issuer}”",
            entry.key_id, entry.department_name, entry.department
        ));
    }
    Ok(())
}

fn text(doc: &Value, key: &str) -> String {
    doc.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn opt_text(doc: &Value, key: &str) -> Option<String> {
    doc.get(key).and_then(Value::as_str).map(str::to_string)
}

impl License {
    /// The public view of a signed document with its registry status.
    pub fn from_document(
        doc: &Value,
        status: &str,
        revoked_at: Option<String>,
        revoke_reason: Option<String>,
    ) -> Self {
        let issuer = doc.get("issuer").cloned().unwrap_or(Value::Null);
        License {
            license_no: text(doc, "license_no"),
            case_no: text(doc, "case_no"),
            item: text(doc, "item"),
            holder: text(doc, "holder"),
            holder_id: opt_text(doc, "holder_id"),
            holder_id_label: if text(doc, "holder_kind") == "organisation" {
                "统一社会信用代码"
            } else {
                "证件号码"
            },
            issuer: text(&issuer, "name"),
            issuer_code: text(&issuer, "code"),
            issuer_credit_code: opt_text(&issuer, "credit_code"),
            issued_at: time::display(&text(doc, "issued_at")),
            valid_until: opt_text(doc, "valid_until"),
            status: status.to_string(),
            status_label: status_label(status),
            revoked_at: revoked_at.map(|t| time::display(&t)),
            revoke_reason,
            key_id: text(doc, "key_id"),
            verify_url: text(doc, "verify_url"),
        }
    }
}

/// Whether a string can be a license number at all: `{CODE}-{YEAR}-{NNNNNN}`
/// characters. Anything else is unknown without asking the database.
fn plausible(license_no: &str) -> bool {
    !license_no.is_empty()
        && license_no.len() <= MAX_LICENSE_NO
        && license_no
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

fn random_signing_key() -> Result<SigningKey> {
    // A random 256-bit string is a valid scalar but for a chance of about 2^-32;
    // draw again in that case.
    for _ in 0..16 {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("random source: {e}")))?;
        if let Ok(k) = SigningKey::from_slice(DIST_ID, &b) {
            return Ok(k);
        }
    }
    Err(StoreError::Other(anyhow::anyhow!(
        "could not draw an SM2 private key"
    )))
}

/// The department's signing key, generated (and its creation audited) on first need.
async fn signing_key_in(
    tx: &mut AnyConnection,
    keys: &Keys,
    actor: &Actor,
    department_id: i64,
    department_code: &str,
) -> Result<(String, SigningKey)> {
    for _ in 0..2 {
        let row = sqlx::query(
            "SELECT key_id, private_key_enc FROM department_keys WHERE department_id = $1 AND active = 1",
        )
        .bind(department_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = row {
            let key_id: String = r.try_get(0)?;
            let enc: String = r.try_get(1)?;
            let secret = keys.decrypt(&enc).map_err(StoreError::Other)?;
            let bytes = hex::decode(secret)
                .map_err(|_| StoreError::Other(anyhow::anyhow!("stored SM2 key is not hex")))?;
            let k = SigningKey::from_slice(DIST_ID, &bytes).map_err(|_| {
                StoreError::Other(anyhow::anyhow!("stored SM2 key is not a valid key"))
            })?;
            return Ok((key_id, k));
        }
        let k = random_signing_key()?;
        let public = public_hex(k.verifying_key());
        let key_id = key_id_for(department_code, &public);
        // Another node may be creating the department's key at the same moment: the
        // unique index on the active key keeps one, and the loop reads it back.
        let inserted = sqlx::query(
            "INSERT INTO department_keys (department_id, key_id, public_key, private_key_enc, created_at, active) \
             VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT DO NOTHING",
        )
        .bind(department_id)
        .bind(&key_id)
        .bind(&public)
        .bind(keys.encrypt(&hex::encode(k.to_bytes())))
        .bind(time::stamp(time::now()))
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            audit::append(
                tx,
                keys,
                actor,
                "license_key.create",
                "department",
                department_code,
                json!({ "key_id": key_id, "public_key": public }),
            )
            .await?;
            return Ok((key_id, k));
        }
    }
    Err(StoreError::Other(anyhow::anyhow!(
        "department {department_code} has no usable signing key"
    )))
}

/// Issues the license of a case that has just been closed with approval, inside the
/// transaction that closed it: numbers it, signs it with the department's key,
/// records it and appends to the audit chain. A registration's case settles its
/// registration instead (wired by `wire_settle`): a business license, or none for a
/// deregistration.
pub async fn issue_in(
    tx: &mut AnyConnection,
    keys: &Keys,
    case_id: i64,
    actor: &Actor,
) -> Result<Option<License>> {
    let r = sqlx::query(
        "SELECT c.case_no, c.department_id, c.applicant_kind, c.applicant_name, c.id_number_masked, c.credit_code, \
         c.closed_at, c.status, c.result, v.name, d.code, d.name, d.credit_code, rg.id FROM cases c \
         JOIN item_versions v ON v.item_id = c.item_id AND v.version = c.item_version \
         JOIN departments d ON d.id = c.department_id \
         LEFT JOIN registrations rg ON rg.case_id = c.id WHERE c.id = $1",
    )
    .bind(case_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found("办件不存在"))?;
    let case_no: String = r.try_get(0)?;
    let department_id: i64 = r.try_get(1)?;
    let kind: String = r.try_get(2)?;
    let holder: String = r.try_get(3)?;
    let id_masked: Option<String> = r.try_get(4)?;
    let credit_code: Option<String> = r.try_get(5)?;
    let closed_at: Option<String> = r.try_get(6)?;
    let status: String = r.try_get(7)?;
    let result: Option<String> = r.try_get(8)?;
    let item: String = r.try_get(9)?;
    let dcode: String = r.try_get(10)?;
    let dname: String = r.try_get(11)?;
    let dcredit: Option<String> = r.try_get(12)?;
    let registration: Option<i64> = r.try_get(13)?;
    if status != "closed" || !result.as_deref().is_some_and(|s| s.starts_with("准予许可")) {
        return Err(StoreError::Conflict {
            field: "case_no",
            message: format!("办件{case_no}未准予许可并办结，不能签发电子证照"),
        });
    }
    let issued = closed_at
        .as_deref()
        .and_then(time::parse_stamp)
        .unwrap_or_else(time::now);
    let closing = Closing {
        case_id,
        case_no,
        department_id,
        issuer: json!({ "code": dcode, "name": dname, "credit_code": dcredit }),
        department_code: dcode,
        issued,
    };
    if let Some(id) = registration {
        let settle = SETTLE.get().ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!("the registration area is not wired"))
        })?;
        return settle(tx, keys, id, &closing, actor).await;
    }
    issue_for(
        tx,
        keys,
        actor,
        &closing,
        &item,
        &holder,
        &kind,
        holder_id_of(&kind, credit_code, id_masked),
        None,
    )
    .await
    .map(Some)
}

/// What a registration's case does when it closes with approval (the business
/// license, or a deregistration), supplied by the registration area when the store
/// opens: the license registry does not import the areas built on it.
pub(crate) type Settle = for<'c> fn(
    &'c mut AnyConnection,
    &'c Keys,
    i64,
    &'c Closing,
    &'c Actor,
) -> crate::BoxFuture<'c, Result<Option<License>>>;

static SETTLE: std::sync::OnceLock<Settle> = std::sync::OnceLock::new();

/// Wires the registration area's settlement (idempotent; the same code on every node).
pub(crate) fn wire_settle(f: Settle) {
    let _ = SETTLE.set(f);
}

/// A case closed with approval: what its document is signed by and refers to.
pub(crate) struct Closing {
    pub case_id: i64,
    pub case_no: String,
    pub department_id: i64,
    pub department_code: String,
    /// `{code, name, credit_code}` of the issuing department.
    pub issuer: Value,
    pub issued: chrono::DateTime<chrono::Utc>,
}

/// Signs and records the document of a closed case: the item's license, or what a
/// registration issues (the business license, `details` its particulars).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn issue_for(
    tx: &mut AnyConnection,
    keys: &Keys,
    actor: &Actor,
    c: &Closing,
    item: &str,
    holder: &str,
    holder_kind: &str,
    holder_id: Option<String>,
    details: Option<Value>,
) -> Result<License> {
    sign_and_record(
        tx,
        keys,
        actor,
        Issue {
            department_id: c.department_id,
            issuer: c.issuer.clone(),
            department_code: &c.department_code,
            item,
            holder,
            holder_kind,
            holder_id,
            issued: c.issued,
            reference: &c.case_no,
            case_id: Some(c.case_id),
            acceptance_id: None,
            details,
        },
    )
    .await
}

/// Revokes a license by its number in the caller's transaction (a business license
/// replaced by a change, or given back on deregistration); whether it was valid.
pub(crate) async fn revoke_in(
    tx: &mut AnyConnection,
    license_no: &str,
    reason: &str,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE licenses SET status = 'revoked', revoked_at = $1, revoke_reason = $2 WHERE license_no = $3 AND status = 'valid'",
    )
    .bind(time::stamp(time::now()))
    .bind(reason)
    .bind(license_no)
    .execute(&mut *tx)
    .await?;
    Ok(n.rows_affected() > 0)
}

fn holder_id_of(
    kind: &str,
    credit_code: Option<String>,
    id_masked: Option<String>,
) -> Option<String> {
    if kind == "organisation" {
        credit_code
    } else {
        id_masked
    }
}

/// What a signed document says and what it belongs to.
struct Issue<'a> {
    department_id: i64,
    /// `{code, name, credit_code}` of the issuing department.
    issuer: Value,
    department_code: &'a str,
    item: &'a str,
    holder: &'a str,
    holder_kind: &'a str,
    holder_id: Option<String>,
    issued: chrono::DateTime<chrono::Utc>,
    /// The case number, or the acceptance number of a certificate.
    reference: &'a str,
    case_id: Option<i64>,
    acceptance_id: Option<i64>,
    /// More of the document (a certificate's project and departments).
    details: Option<Value>,
}

/// Numbers a document, signs it with the issuing department's key, records it and
/// appends to the audit chain, in the caller's transaction.
async fn sign_and_record(
    tx: &mut AnyConnection,
    keys: &Keys,
    actor: &Actor,
    i: Issue<'_>,
) -> Result<License> {
    let issued_at = time::stamp(i.issued);
    let year = time::local_day(i.issued).year();
    let dcode = i.department_code;
    let n = crate::org::next_counter(&mut *tx, &format!("license:{dcode}:{year}")).await?;
    let license_no = format!("{dcode}-{year}-{n:06}");
    let (key_id, signing) = signing_key_in(&mut *tx, keys, actor, i.department_id, dcode).await?;
    let token = new_check_token();
    let verify_url = format!("/verify/{license_no}?t={token}");
    let mut document = json!({
        "license_no": license_no,
        "type": LICENSE_TYPE,
        "item": i.item,
        "holder": i.holder,
        "holder_kind": i.holder_kind,
        "holder_id": i.holder_id,
        "issuer": i.issuer,
        "issued_at": issued_at,
        "valid_until": Value::Null,
        "case_no": i.reference,
        "verify_url": verify_url,
        "key_id": key_id,
        "algorithm": ALGORITHM,
    });
    if let Some(d) = i.details {
        document["details"] = d;
    }
    let canonical = canonical_json(&document);
    let signature: Signature = signing
        .try_sign(canonical.as_bytes())
        .map_err(|_| StoreError::Other(anyhow::anyhow!("SM2 signing failed")))?;
    let signature = hex::encode(signature.to_bytes());
    sqlx::query(
        "INSERT INTO licenses (license_no, case_id, acceptance_id, department_id, item_name, holder_name, holder_id_masked, \
         issued_at, valid_until, status, revoked_at, revoke_reason, document, signature, key_id, check_token) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, 'valid', NULL, NULL, $9, $10, $11, $12)",
    )
    .bind(&license_no)
    .bind(i.case_id)
    .bind(i.acceptance_id)
    .bind(i.department_id)
    .bind(i.item)
    .bind(i.holder)
    .bind(&i.holder_id)
    .bind(&issued_at)
    .bind(&canonical)
    .bind(&signature)
    .bind(&key_id)
    .bind(&token)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        crate::org::unique_violation(e, "case_no", &format!("{}已签发电子证照", i.reference))
    })?;
    audit::append(
        tx,
        keys,
        actor,
        "license.issue",
        "license",
        &license_no,
        json!({ "case_no": i.reference, "key_id": key_id }),
    )
    .await?;
    Ok(License::from_document(&document, "valid", None, None))
}

/// What a joint acceptance certificate is called.
pub const ACCEPTANCE_CERTIFICATE: &str = "建设工程竣工联合验收意见书";

/// Issues the joint acceptance certificate of an acceptance every department has
/// passed, signed by the project's lead department, inside the transaction that
/// certified it; the certificate's number.
pub(crate) async fn issue_certificate(
    tx: &mut AnyConnection,
    keys: &Keys,
    acceptance_id: i64,
    departments: Vec<String>,
    actor: &Actor,
) -> Result<License> {
    let r = sqlx::query(
        "SELECT a.acceptance_no, a.part, a.area_cm2, a.certified_at, p.code, p.name, p.owner_name, \
         p.owner_credit_code, d.id, d.code, d.name, d.credit_code FROM acceptances a \
         JOIN projects p ON p.id = a.project_id JOIN departments d ON d.id = p.lead_department_id WHERE a.id = $1",
    )
    .bind(acceptance_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found("联合验收不存在"))?;
    let acceptance_no: String = r.try_get(0)?;
    let part: Option<String> = r.try_get(1)?;
    let area_cm2: i64 = r.try_get(2)?;
    let certified_at: Option<String> = r.try_get(3)?;
    let owner: String = r.try_get(6)?;
    let dcode: String = r.try_get(9)?;
    let details = json!({
        "project_code": r.try_get::<String, _>(4)?,
        "project_name": r.try_get::<String, _>(5)?,
        "part": part,
        "area_m2": format!("{:.2}", area_cm2 as f64 / 100.0),
        "departments": departments,
    });
    sign_and_record(
        tx,
        keys,
        actor,
        Issue {
            department_id: r.try_get(8)?,
            issuer: json!({ "code": dcode, "name": r.try_get::<String, _>(10)?, "credit_code": r.try_get::<Option<String>, _>(11)? }),
            department_code: &dcode,
            item: ACCEPTANCE_CERTIFICATE,
            holder: &owner,
            holder_kind: "organisation",
            holder_id: Some(r.try_get(7)?),
            issued: certified_at
                .as_deref()
                .and_then(time::parse_stamp)
                .unwrap_or_else(time::now),
            reference: &acceptance_no,
            case_id: None,
            acceptance_id: Some(acceptance_id),
            details: Some(details),
        },
    )
    .await
}

/// Setting holding the public address of the portal (`https://zwfw.example.gov.cn`),
/// which QR codes on licenses point to.
pub const PUBLIC_URL_SETTING: &str = "public_url";

/// A license's check token (核验码): 128 random bits as 32 hex digits.
fn new_check_token() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random source is available");
    hex::encode(b)
}

/// The public address of a license's verify page with its check token (the QR
/// code's link): absolute when the portal's public address is configured, the path
/// alone otherwise.
pub async fn verify_url(conn: &mut AnyConnection, license_no: &str) -> Result<String> {
    let base: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(PUBLIC_URL_SETTING)
        .fetch_optional(&mut *conn)
        .await?;
    let token: Option<String> =
        sqlx::query_scalar("SELECT check_token FROM licenses WHERE license_no = $1")
            .bind(license_no)
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
    Ok(check_link(base.as_deref(), license_no, token.as_deref()))
}

/// The public check link of a license: the portal's address, the number, and the
/// license's check token.
pub fn check_link(base: Option<&str>, license_no: &str, token: Option<&str>) -> String {
    format!(
        "{}/verify/{license_no}{}",
        base.unwrap_or("").trim_end_matches('/'),
        token.map(|t| format!("?t={t}")).unwrap_or_default()
    )
}

/// Checks a public address before it is stored: `http(s)://host[:port][/path]`.
pub fn parse_public_url(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            StoreError::invalid("public_url", "公开访问地址应以 http:// 或 https:// 开头")
        })?;
    if rest.is_empty()
        || url.len() > 200
        || !rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:/[]".contains(c))
    {
        return Err(StoreError::invalid(
            "public_url",
            "公开访问地址格式有误，如 https://zwfw.example.gov.cn",
        ));
    }
    Ok(url.to_string())
}

/// Records the portal's public address (audited when it changes).
pub async fn set_public_url(store: &Store, url: &str, actor: &Actor) -> Result<String> {
    let url = parse_public_url(url)?;
    let mut tx = store.begin().await?;
    let old: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(PUBLIC_URL_SETTING)
        .fetch_optional(&mut *tx)
        .await?;
    if old.as_deref() != Some(url.as_str()) {
        crate::put_setting(&mut tx, PUBLIC_URL_SETTING, &url).await?;
        audit::append(
            &mut tx,
            store.keys(),
            actor,
            "setting.public_url",
            "setting",
            PUBLIC_URL_SETTING,
            json!({ "from": old, "to": url }),
        )
        .await?;
    }
    tx.commit().await?;
    store.forget_public_url();
    Ok(url)
}

/// A stored license with the key it was signed with.
struct Stored {
    file: LicenseFile,
    check_token: Option<String>,
    status: String,
    revoked_at: Option<String>,
    revoke_reason: Option<String>,
}

async fn load(conn: &mut AnyConnection, license_no: &str) -> Result<Option<Stored>> {
    if !plausible(license_no) {
        return Ok(None);
    }
    let Some(r) = sqlx::query(
        "SELECT l.document, l.signature, l.key_id, k.public_key, l.status, l.revoked_at, l.revoke_reason, l.check_token \
         FROM licenses l JOIN department_keys k ON k.key_id = l.key_id WHERE l.license_no = $1",
    )
    .bind(license_no)
    .fetch_optional(conn)
    .await?
    else {
        return Ok(None);
    };
    let document: String = r.try_get(0)?;
    Ok(Some(Stored {
        // A document that is not even JSON is checked (and fails) like any other.
        file: LicenseFile {
            document: serde_json::from_str(&document).unwrap_or(Value::String(document)),
            signature: r.try_get(1)?,
            key_id: r.try_get(2)?,
            public_key: r.try_get(3)?,
        },
        status: r.try_get(4)?,
        revoked_at: r.try_get(5)?,
        revoke_reason: r.try_get(6)?,
        check_token: r.try_get(7)?,
    }))
}

/// Whether `token` is the license's check token (compared in constant time).
fn token_matches(stored: Option<&str>, token: Option<&str>) -> bool {
    match (stored, token) {
        (Some(s), Some(t)) => crate::protect::constant_eq(s.as_bytes(), t.trim().as_bytes()),
        _ => false,
    }
}

/// Checks a license number against the registry: unknown, altered (the stored
/// document no longer matches its signature), revoked, or valid. With the QR code's
/// check token the license names its holder; with the number alone (which is
/// sequential, so guessable) it shows only the item, issuer, date and validity.
pub async fn verify(store: &Store, license_no: &str, token: Option<&str>) -> Result<VerifyOutcome> {
    let mut conn = store.reader().await?;
    let Some(s) = load(&mut conn, license_no).await? else {
        return Ok(VerifyOutcome::Unknown);
    };
    let bad = |why: String| VerifyOutcome::BadSignature {
        license_no: license_no.to_string(),
        why,
    };
    if let Err(why) = verify_file(&s.file) {
        return Ok(bad(why));
    }
    if s.file.document.get("license_no").and_then(Value::as_str) != Some(license_no) {
        return Ok(bad("签名文件中的证照编号与查询的编号不符".into()));
    }
    let mut license = License::from_document(
        &s.file.document,
        &s.status,
        s.revoked_at.clone(),
        s.revoke_reason.clone(),
    );
    if !token_matches(s.check_token.as_deref(), token) {
        license.withhold_holder();
    }
    Ok(if s.status == "revoked" {
        VerifyOutcome::Revoked {
            reason: license.revoke_reason.clone().unwrap_or_default(),
            at: license.revoked_at.clone().unwrap_or_default(),
            license,
        }
    } else {
        VerifyOutcome::Valid(license)
    })
}

/// The signed file of a license, for download by whoever has its check token (the
/// holder, from the QR code or their case). It holds only masked data.
pub async fn export(store: &Store, license_no: &str, token: Option<&str>) -> Result<LicenseFile> {
    let mut conn = store.reader().await?;
    let missing = || StoreError::not_found(format!("未找到电子证照“{license_no}”，或核验码不正确"));
    let s = load(&mut conn, license_no).await?.ok_or_else(missing)?;
    if !token_matches(s.check_token.as_deref(), token) {
        return Err(missing());
    }
    Ok(s.file)
}

/// Revokes a license (撤销): the head of the issuing department or an administrator,
/// with a reason. Audited in the same transaction.
pub async fn revoke(
    store: &Store,
    p: &Principal,
    license_no: &str,
    reason: &str,
) -> Result<License> {
    if !matches!(p.role, Role::DepartmentHead | Role::Admin) {
        return Err(StoreError::Forbidden(
            "撤销电子证照须由发证部门负责人或系统管理员办理".into(),
        ));
    }
    let reason = tongban_domain::required_text("reason", "撤销理由", reason, MAX_REASON_CHARS)?;
    let mut tx = store.begin().await?;
    let Some(s) = load(&mut tx, license_no).await? else {
        return Err(StoreError::not_found(format!(
            "未找到电子证照“{license_no}”"
        )));
    };
    let department_id: i64 =
        sqlx::query_scalar("SELECT department_id FROM licenses WHERE license_no = $1")
            .bind(license_no)
            .fetch_one(&mut *tx)
            .await?;
    if p.role == Role::DepartmentHead && p.department_id != Some(department_id) {
        return Err(StoreError::Forbidden("只能撤销本部门签发的电子证照".into()));
    }
    let now = time::stamp(time::now());
    let n = sqlx::query(
        "UPDATE licenses SET status = 'revoked', revoked_at = $1, revoke_reason = $2 WHERE license_no = $3 AND status = 'valid'",
    )
    .bind(&now)
    .bind(&reason)
    .bind(license_no)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "license_no",
            message: format!("电子证照“{license_no}”已被撤销"),
        });
    }
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "license.revoke",
        "license",
        license_no,
        json!({ "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok(License::from_document(
        &s.file.document,
        "revoked",
        Some(now),
        Some(reason),
    ))
}

/// Revokes the license of a case whose license was taken back (a commitment found
/// untrue), in the caller's transaction; whether there was one.
pub(crate) async fn revoke_for_case(
    tx: &mut sqlx::AnyConnection,
    case_id: i64,
    reason: &str,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE licenses SET status = 'revoked', revoked_at = $1, revoke_reason = $2 WHERE case_id = $3 AND status = 'valid'",
    )
    .bind(time::stamp(time::now()))
    .bind(reason)
    .bind(case_id)
    .execute(&mut *tx)
    .await?;
    Ok(n.rows_affected() > 0)
}

/// Ids of the most recently closed approved cases without a license, newest first
/// (for issuing licenses to cases closed before licenses existed, or seeded ones).
pub async fn latest_unlicensed(store: &Store, limit: i64) -> Result<Vec<i64>> {
    let mut conn = store.reader().await?;
    Ok(sqlx::query_scalar(
        "SELECT c.id FROM cases c LEFT JOIN licenses l ON l.case_id = c.id \
         WHERE c.status = 'closed' AND c.result LIKE '准予许可%' AND l.id IS NULL \
         ORDER BY c.closed_at DESC, c.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// Every department's verification keys, active first.
pub async fn public_keys(store: &Store) -> Result<Vec<PublicKeyEntry>> {
    let mut conn = store.reader().await?;
    let rows = sqlx::query(
        "SELECT d.code, d.name, k.key_id, k.public_key, k.created_at, k.active FROM department_keys k \
         JOIN departments d ON d.id = k.department_id ORDER BY d.sort, d.code, k.active DESC, k.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PublicKeyEntry {
                department: r.try_get(0)?,
                department_name: r.try_get(1)?,
                key_id: r.try_get(2)?,
                public_key: r.try_get(3)?,
                algorithm: ALGORITHM.to_string(),
                created_at: time::display(&r.try_get::<String, _>(4)?),
                active: crate::flag(r, 5)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(doc: Value) -> LicenseFile {
        let k = random_signing_key().unwrap();
        let sig: Signature = k.try_sign(canonical_json(&doc).as_bytes()).unwrap();
        LicenseFile {
            key_id: doc["key_id"].as_str().unwrap().to_string(),
            document: doc,
            signature: hex::encode(sig.to_bytes()),
            public_key: public_hex(k.verifying_key()),
        }
    }

    fn doc() -> Value {
        json!({ "type": LICENSE_TYPE, "license_no": "SJ-2026-000001", "holder": "张三",
                "issuer": { "name": "市场监管局", "code": "SJ" }, "key_id": "SJ-0011223344556677" })
    }

    #[test]
    fn canonical_sorts_keys_and_drops_whitespace() {
        let v: Value =
            serde_json::from_str(r#"{ "b": 1, "a": { "d": [1, "x"], "c": null }, "中": "文\"" }"#)
                .unwrap();
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":null,"d":[1,"x"]},"b":1,"中":"文\""}"#
        );
    }

    #[test]
    fn signatures_verify_and_catch_tampering() {
        let f = signed(doc());
        assert_eq!(verify_file(&f), Ok(()));
        let text = serde_json::to_string_pretty(&f).unwrap();
        assert!(verify_document(&text).is_ok());
        let mut t = f.clone();
        t.document["holder"] = json!("李四");
        assert!(verify_file(&t).unwrap_err().contains("篡改"));
        let mut t = f.clone();
        t.key_id = "other".into();
        assert!(verify_file(&t).is_err());
        let mut t = f.clone();
        t.public_key = signed(doc()).public_key;
        assert!(verify_file(&t).is_err());
        let mut t = f.clone();
        t.signature = "00".into();
        assert!(verify_file(&t).unwrap_err().contains("签名格式"));
        assert!(verify_document("not json").is_err());
    }

    #[test]
    fn gm_t_0003_signature_is_checked_with_the_default_id() {
        // A signature made with another distinguishing id must not verify.
        let k = random_signing_key().unwrap();
        let other = SigningKey::from_slice("ALICE123@YAHOO.COM", &k.to_bytes()).unwrap();
        let d = doc();
        let sig: Signature = other.try_sign(canonical_json(&d).as_bytes()).unwrap();
        let f = LicenseFile {
            key_id: "SJ-0011223344556677".into(),
            document: d,
            signature: hex::encode(sig.to_bytes()),
            public_key: public_hex(k.verifying_key()),
        };
        assert!(verify_file(&f).is_err());
    }

    #[test]
    fn published_keys_must_match_the_issuer() {
        let f = signed(doc());
        let entry = |dept: &str, key: &str, public: &str| PublicKeyEntry {
            department: dept.into(),
            department_name: "市场监管局".into(),
            key_id: key.into(),
            public_key: public.into(),
            algorithm: ALGORITHM.into(),
            created_at: String::new(),
            active: true,
        };
        let good = entry("SJ", &f.key_id, &f.public_key.to_uppercase());
        assert_eq!(check_published_key(&f, &[good]), Ok(()));
        assert!(check_published_key(&f, &[]).unwrap_err().contains("不在"));
        let other = signed(doc()).public_key;
        assert!(check_published_key(&f, &[entry("SJ", &f.key_id, &other)]).is_err());
        assert!(check_published_key(&f, &[entry("JT", &f.key_id, &f.public_key)]).is_err());
    }

    #[test]
    fn license_numbers_are_screened() {
        assert!(plausible("SJ-2026-000001"));
        assert!(!plausible(""));
        assert!(!plausible("sj-2026'--"));
        assert!(!plausible(&"A".repeat(65)));
    }
}

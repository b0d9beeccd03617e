//! Applicants (申请人) of the public portal: real-name sign-in with ID number, name and
//! phone, proven by a one-time code sent by SMS. The default sender writes to an outbox
//! that administrators can read; a gateway can drain it. Codes and session ids are kept
//! only as keyed digests; ID and phone numbers only encrypted.

use crate::audit::{self, Actor};
use crate::{Result, Store, StoreError, protect, time};
use chrono::Duration;
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use tongban_domain::codes::{IdNumber, Mobile};
use tongban_domain::required_text;

/// Minutes a one-time code stays valid.
pub const CODE_MINUTES: i64 = 5;
/// Wrong codes allowed before a code is spent.
pub const CODE_ATTEMPTS: i64 = 5;
/// Seconds between two codes to one phone.
pub const RESEND_SECONDS: i64 = 60;
/// Codes one phone may receive in a day.
pub const CODES_PER_DAY: i64 = 10;
/// Hours an applicant's session lasts.
pub const SESSION_HOURS: i64 = 2;

/// A signed-in applicant, decrypted for the request that needs it.
#[derive(Debug, Clone)]
pub struct ApplicantSession {
    pub name: String,
    pub id_number: String,
    pub id_digest: String,
    pub phone: String,
    pub csrf: String,
}

impl ApplicantSession {
    pub fn masked_id(&self) -> String {
        tongban_domain::case::mask_id(&self.id_number)
    }
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: None,
            name: format!("applicant:{}", self.masked_id()),
        }
    }
}

/// How text messages leave the platform. Every message is first kept in the outbox
/// (administrators read it; a gateway may drain it); a command sender also hands each
/// message to a program of the operator's, e.g. the SMS gateway's client.
#[derive(Debug, Clone, Default)]
pub enum SmsSender {
    #[default]
    Outbox,
    /// Runs `program PHONE` with the message on standard input; exit 0 means sent.
    Command(String),
}

impl SmsSender {
    /// `outbox` or `command:/path/to/program`.
    pub fn from_spec(spec: &str) -> anyhow::Result<Self> {
        Ok(command_spec(spec, "outbox", "短信发送方式")?.map_or(Self::Outbox, Self::Command))
    }

    /// Delivers a message already kept in the outbox.
    pub async fn deliver(&self, phone: &Mobile, body: &str) -> Result<()> {
        let Self::Command(program) = self else {
            return Ok(());
        };
        let failed = || StoreError::Unavailable("短信发送失败，请稍后再试".into());
        match run_program(program, &[phone.as_str()], body.as_bytes(), "SMS delivery").await {
            Some(0) => Ok(()),
            _ => Err(failed()),
        }
    }
}

/// An option naming the platform's own way (`builtin`, also when empty) or an
/// operator's program (`command:/path`): the program's path, if any.
fn command_spec(spec: &str, builtin: &str, what: &str) -> anyhow::Result<Option<String>> {
    match spec.trim() {
        "" => Ok(None),
        s if s == builtin => Ok(None),
        s => match s.strip_prefix("command:") {
            Some(p) if !p.trim().is_empty() => Ok(Some(p.trim().to_string())),
            _ => anyhow::bail!("{what}应为 {builtin} 或 command:程序路径"),
        },
    }
}

/// Runs an operator's program (the SMS gateway's client, the identity verifier) with
/// `input` on standard input, for at most ten seconds: its exit code, or `None` when
/// it could not run, was killed or timed out (logged with `what`).
async fn run_program(program: &str, args: &[&str], input: &[u8], what: &str) -> Option<i32> {
    use tokio::io::AsyncWriteExt;
    let failed = |why: String| {
        tracing::error!(program, why, "{what} failed");
        None
    };
    let mut child = match tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return failed(e.to_string()),
    };
    if let Some(mut stdin) = child.stdin.take()
        && let Err(e) = stdin.write_all(input).await
    {
        return failed(e.to_string());
    }
    match tokio::time::timeout(std::time::Duration::from_secs(10), child.wait()).await {
        Err(_) => failed("timed out".into()),
        Ok(Err(e)) => failed(e.to_string()),
        Ok(Ok(status)) => {
            if !status.success() {
                tracing::warn!(program, %status, "{what}: the program did not succeed");
            }
            status.code()
        }
    }
}

/// Who proves that a name, an ID number and a phone belong to one person when the
/// platform has no binding for them yet (or the person has a new phone): nobody by
/// default (the person binds their phone at a window, where a clerk sees the ID card),
/// or the operator's program, e.g. a client of the province's 统一身份认证 or of a
/// carrier's three-factor check.
#[derive(Debug, Clone, Default)]
pub enum IdentityVerifier {
    #[default]
    Bound,
    /// Runs `program` with `{"name","id_number","phone"}` on standard input: exit 0
    /// means the three belong to one person, exit 1 that they do not; anything else
    /// is a failure of the service.
    Command(String),
}

/// The one message for every sign-in whose three facts do not match, so the answer
/// reveals neither whether an ID number is bound nor to which phone.
pub const NOT_PROVEN: &str = "姓名、身份证号码和手机号码未能核验为同一人：请核对填写的信息；首次登录或更换了手机号码的，请本人携带身份证到政务服务中心或任一便民服务中心窗口核验身份并绑定手机号码";

impl IdentityVerifier {
    /// `bound` or `command:/path/to/program`.
    pub fn from_spec(spec: &str) -> anyhow::Result<Self> {
        Ok(command_spec(spec, "bound", "身份核验方式")?.map_or(Self::Bound, Self::Command))
    }

    /// Whether the three facts belong to one person, by the operator's program.
    pub async fn verify(&self, name: &str, id: &IdNumber, phone: &Mobile) -> Result<bool> {
        let Self::Command(program) = self else {
            return Ok(false);
        };
        let input =
            serde_json::json!({ "name": name, "id_number": id.as_str(), "phone": phone.as_str() });
        match run_program(
            program,
            &[],
            input.to_string().as_bytes(),
            "identity verification",
        )
        .await
        {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(StoreError::Unavailable(
                "身份核验服务暂不可用，请稍后再试".into(),
            )),
        }
    }
}

/// The digests of a real-name binding (实名绑定): an ID number with the name and the
/// phone proven for it.
#[derive(Debug, Clone)]
pub struct Binding {
    pub id_digest: String,
    pub name_digest: String,
    pub phone_digest: String,
    pub phone_enc: String,
}

impl Binding {
    pub fn new(keys: &crate::Keys, name: &str, id: &str, phone: &Mobile) -> Self {
        Self {
            id_digest: keys.digest("id", id),
            name_digest: keys.digest("name", name.trim()),
            phone_digest: keys.digest("phone", phone.as_str()),
            phone_enc: keys.encrypt(phone.as_str()),
        }
    }
}

/// Binds (or re-binds) an ID number to a name and phone inside the caller's
/// transaction — at its end, with the other bindings its writes made, when it is
/// gathering (`db::pending`): `by` is `window` (a clerk saw the person) or
/// `verifier`. Audited when the binding is new or changed.
pub async fn bind(
    conn: &mut AnyConnection,
    keys: &crate::Keys,
    b: &Binding,
    by: &str,
    actor: &Actor,
    id_masked: &str,
) -> Result<()> {
    let made = Made {
        binding: b.clone(),
        by: by.to_string(),
        actor: actor.clone(),
        id_masked: id_masked.to_string(),
        at: time::stamp(time::now()),
    };
    let merge = |kept: &mut (crate::Keys, Vec<Made>), (_, more): (crate::Keys, Vec<Made>)| {
        kept.1.extend(more)
    };
    match crate::db::pending::defer_carrying(BINDINGS, (keys.clone(), vec![made]), merge, bind_kept)
    {
        None => Ok(()),
        Some((keys, made)) => bind_all(conn, &keys, made).await,
    }
}

/// A binding made by a write, waiting for the end of its transaction.
struct Made {
    binding: Binding,
    by: String,
    actor: Actor,
    id_masked: String,
    at: String,
}

/// Where a transaction's bindings wait for its end (`db::pending`): after the case
/// events and numbers (named so it sorts after them), so on PostgreSQL the read of
/// the current bindings carries the new cases and their events (`pending::write`), and the
/// row of a person others may bind too is taken later.
const BINDINGS: (u8, &str) = (crate::db::pending::ROWS, "identities");

fn bind_kept<'c>(
    conn: &'c mut AnyConnection,
    value: Box<dyn std::any::Any + Send>,
) -> crate::BoxFuture<'c, Result<()>> {
    Box::pin(async move {
        let kept = crate::db::pending::kept::<(crate::Keys, Vec<Made>)>(value)?;
        let (keys, made) = *kept;
        bind_all(conn, &keys, made).await
    })
}

/// Records bindings in their order: the current ones read in one statement, each
/// binding that changes something audited (a rebinding says so), and each ID
/// number's last binding written in one statement.
async fn bind_all(conn: &mut AnyConnection, keys: &crate::Keys, made: Vec<Made>) -> Result<()> {
    use std::collections::HashMap;
    let mut digests: Vec<&str> = made.iter().map(|m| m.binding.id_digest.as_str()).collect();
    digests.sort_unstable();
    digests.dedup();
    let marks: Vec<String> = (1..=digests.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id_digest, name_digest, phone_digest FROM applicant_identities WHERE id_digest IN ({})",
        marks.join(", ")
    );
    let mut q = crate::bulk::Stmt::new(sql);
    for d in &digests {
        q = q.bind(*d);
    }
    let mut current: HashMap<String, (String, String)> = HashMap::new();
    for r in crate::db::pending::fetch_all(&mut *conn, q).await? {
        current.insert(r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?));
    }
    let mut last: Vec<&Made> = Vec::new();
    for m in &made {
        let b = &m.binding;
        let now = (b.name_digest.clone(), b.phone_digest.clone());
        let rebound = match current.get(&b.id_digest) {
            Some(was) if *was == now => continue,
            Some(_) => true,
            None => false,
        };
        current.insert(b.id_digest.clone(), now);
        match last.iter_mut().find(|l| l.binding.id_digest == b.id_digest) {
            Some(l) => *l = m,
            None => last.push(m),
        }
        audit::append(
            &mut *conn,
            keys,
            &m.actor,
            "applicant.bind",
            "applicant",
            &m.id_masked,
            serde_json::json!({ "by": m.by, "rebound": rebound }),
        )
        .await?;
    }
    if last.is_empty() {
        return Ok(());
    }
    use crate::bulk::V;
    let rows: Vec<Vec<V>> = last
        .iter()
        .map(|m| {
            let b = &m.binding;
            vec![
                V::from(b.id_digest.as_str()),
                V::from(b.name_digest.as_str()),
                V::from(b.phone_digest.as_str()),
                V::from(b.phone_enc.as_str()),
                V::from(m.by.as_str()),
                V::from(m.at.as_str()),
            ]
        })
        .collect();
    let backend = crate::Backend::of(conn);
    let upserts = crate::bulk::insert_stmts(
        backend,
        "applicant_identities",
        &[
            "id_digest",
            "name_digest",
            "phone_digest",
            "phone_enc",
            "bound_by",
            "bound_at",
        ],
        &rows,
        " ON CONFLICT (id_digest) DO UPDATE SET name_digest = excluded.name_digest, \
         phone_digest = excluded.phone_digest, phone_enc = excluded.phone_enc, bound_by = excluded.bound_by, \
         bound_at = excluded.bound_at",
    );
    for s in upserts {
        crate::db::pending::write(&mut *conn, s).await?;
    }
    Ok(())
}

/// Binds the people of past window cases (a clerk saw each of them with their ID card)
/// in a database that has no bindings yet, the latest case of a person winning: so
/// after an upgrade, people who came to a window can sign in online. One audit entry
/// says how many. Returns that number (0 when bindings exist already).
pub async fn bind_from_window_cases(store: &Store) -> Result<i64> {
    let mut conn = store.reader().await?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applicant_identities")
        .fetch_one(&mut *conn)
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    let keys = store.keys();
    let mut latest: std::collections::HashMap<String, Binding> = Default::default();
    let mut last = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT id, applicant_name, id_number_enc, phone_enc FROM cases WHERE id > $1 AND channel = 'window' \
             AND applicant_kind = 'person' AND id_type = 'resident_id' AND id_number_enc IS NOT NULL ORDER BY id LIMIT 5000",
        )
        .bind(last)
        .fetch_all(&mut *conn)
        .await?;
        for r in &rows {
            last = r.try_get(0)?;
            let name: String = r.try_get(1)?;
            let id = keys.decrypt(&r.try_get::<String, _>(2)?)?;
            let Ok(phone) = Mobile::parse(&keys.decrypt(&r.try_get::<String, _>(3)?)?) else {
                continue;
            };
            let b = Binding::new(keys, &name, &id, &phone);
            latest.insert(b.id_digest.clone(), b);
        }
        if rows.len() < 5000 {
            break;
        }
    }
    drop(conn);
    let n = latest.len() as i64;
    if n == 0 {
        return Ok(0);
    }
    // One transaction: an interrupted run leaves no half of the people bound.
    let at = time::stamp(time::now());
    let mut tx = store.begin().await?;
    for b in latest.values() {
        sqlx::query(
            "INSERT INTO applicant_identities (id_digest, name_digest, phone_digest, phone_enc, bound_by, bound_at) \
             VALUES ($1, $2, $3, $4, 'window', $5) ON CONFLICT (id_digest) DO NOTHING",
        )
        .bind(&b.id_digest)
        .bind(&b.name_digest)
        .bind(&b.phone_digest)
        .bind(&b.phone_enc)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    }
    audit::append(
        &mut tx,
        keys,
        &Actor::system("upgrade"),
        "applicant.bind_from_cases",
        "applicant",
        "window",
        serde_json::json!({ "people": n }),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Whether the binding of `b`'s ID number names the same person and phone.
async fn bound_as(conn: &mut AnyConnection, b: &Binding) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM applicant_identities WHERE id_digest = $1 AND name_digest = $2 AND phone_digest = $3",
    )
    .bind(&b.id_digest)
    .bind(&b.name_digest)
    .bind(&b.phone_digest)
    .fetch_one(conn)
    .await?;
    Ok(n == 1)
}

/// Real-name proof before a code is sent: the binding must match, or the identity
/// verifier must vouch for the three facts (which then become the binding). Every
/// failure counts against the ID number's and the phone's throttles.
async fn prove(store: &Store, name: &str, id: &IdNumber, phone: &Mobile) -> Result<()> {
    let keys = store.keys();
    let b = Binding::new(keys, name, id.as_str(), phone);
    let id_key = format!("realname:id:{}", b.id_digest);
    let phone_key = format!("realname:phone:{}", b.phone_digest);
    let limits = crate::throttle::REALNAME;
    crate::throttle::check(store, &[&id_key, &phone_key]).await?;
    if bound_as(&mut *store.reader().await?, &b).await? {
        return Ok(());
    }
    if store.identity().verify(name, id, phone).await? {
        let mut tx = store.begin().await?;
        let actor = Actor {
            user_id: None,
            name: "identity-verifier".into(),
        };
        bind(&mut tx, keys, &b, "verifier", &actor, &id.masked()).await?;
        tx.commit().await?;
        return Ok(());
    }
    crate::throttle::fail(store, &id_key, limits).await?;
    crate::throttle::fail(store, &phone_key, limits).await?;
    Err(StoreError::invalid("id_number", NOT_PROVEN))
}

/// Keeps a text message in the outbox (inside the caller's transaction); deliver it
/// with [`SmsSender::deliver`] once the transaction has committed.
pub async fn send_sms(
    conn: &mut AnyConnection,
    store: &Store,
    phone: &Mobile,
    body: &str,
    purpose: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO sms_outbox (phone_enc, phone_masked, body, purpose, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(store.keys().encrypt(phone.as_str()))
        .bind(phone.masked())
        .bind(body)
        .bind(purpose)
        .bind(time::stamp(time::now()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Checks the identity an applicant typed and sends a one-time code to the phone.
pub async fn request_code(store: &Store, name: &str, id_number: &str, phone: &str) -> Result<()> {
    let today = time::local_day(time::now());
    let name = required_text("name", "姓名", name, 50)?;
    let id = IdNumber::parse_at(id_number, today)
        .map_err(|e| StoreError::invalid("id_number", format!("身份证号码：{e}")))?;
    let phone =
        Mobile::parse(phone).map_err(|e| StoreError::invalid("phone", format!("手机号码：{e}")))?;
    prove(store, &name, &id, &phone).await?;
    issue_code(
        store,
        &phone,
        &store.keys().digest("id", id.as_str()),
        "login",
    )
    .await
}

/// Sends a one-time code to `phone` for `subject` (the keyed digest of who signs in:
/// an ID number, or an enterprise's credit code), within the limits per phone.
pub(crate) async fn issue_code(
    store: &Store,
    phone: &Mobile,
    subject: &str,
    purpose: &str,
) -> Result<()> {
    let keys = store.keys();
    let phone_digest = keys.digest("phone", phone.as_str());
    let now = time::now();
    let mut tx = store.begin().await?;
    let recent: Vec<String> = sqlx::query_scalar(
        "SELECT created_at FROM applicant_codes WHERE phone_digest = $1 AND created_at > $2 ORDER BY created_at DESC",
    )
    .bind(&phone_digest)
    .bind(time::stamp(now - Duration::days(1)))
    .fetch_all(&mut *tx)
    .await?;
    if recent.len() as i64 >= CODES_PER_DAY {
        return Err(StoreError::Locked(
            "该手机号今日获取验证码次数已达上限，请明天再试".into(),
        ));
    }
    if let Some(last) = recent.first().and_then(|s| time::parse_stamp(s))
        && now - last < Duration::seconds(RESEND_SECONDS)
    {
        return Err(StoreError::invalid(
            "phone",
            format!("验证码已发送，请{RESEND_SECONDS}秒后再重新获取"),
        ));
    }
    let code = random_code();
    sqlx::query(
        "INSERT INTO applicant_codes (phone_digest, id_digest, code_digest, created_at, expires_at, attempts, used) \
         VALUES ($1, $2, $3, $4, $5, 0, 0)",
    )
    .bind(&phone_digest)
    .bind(subject)
    .bind(keys.digest("otp", &format!("{}:{code}", phone.as_str())))
    .bind(time::stamp(now))
    .bind(time::stamp(now + Duration::minutes(CODE_MINUTES)))
    .execute(&mut *tx)
    .await?;
    let body = format!(
        "【{}】您的验证码为{code}，{CODE_MINUTES}分钟内有效。如非本人操作请忽略。",
        office(&mut tx).await?
    );
    send_sms(&mut tx, store, phone, &body, purpose).await?;
    tx.commit().await?;
    store.sms().deliver(phone, &body).await
}

/// Spends the newest live one-time code sent to `phone` for `subject`, if `code` is
/// it; a wrong code counts against the code's attempts.
pub(crate) async fn spend_code(
    store: &Store,
    phone: &Mobile,
    subject: &str,
    code: &str,
) -> Result<()> {
    let code = code.trim();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(StoreError::invalid("code", "验证码应为6位数字"));
    }
    let keys = store.keys();
    let mut tx = store.begin().await?;
    let row = sqlx::query(
        "SELECT id, code_digest, attempts FROM applicant_codes WHERE phone_digest = $1 AND id_digest = $2 \
         AND used = 0 AND expires_at > $3 ORDER BY id DESC LIMIT 1",
    )
    .bind(keys.digest("phone", phone.as_str()))
    .bind(subject)
    .bind(time::stamp(time::now()))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(StoreError::invalid(
            "code",
            "验证码已过期或未获取，请重新获取",
        ));
    };
    let code_id: i64 = row.try_get(0)?;
    let expected: String = row.try_get(1)?;
    // Every try is counted before the code is compared, in one statement, so guesses
    // sent at once cannot pass the limit together.
    let counted = sqlx::query(
        "UPDATE applicant_codes SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2 AND used = 0",
    )
    .bind(code_id)
    .bind(CODE_ATTEMPTS)
    .execute(&mut *tx)
    .await?;
    if counted.rows_affected() != 1 {
        return Err(StoreError::invalid(
            "code",
            "验证码错误次数过多，请重新获取",
        ));
    }
    if keys.digest("otp", &format!("{}:{code}", phone.as_str())) != expected {
        tx.commit().await?;
        return Err(StoreError::invalid("code", "验证码不正确"));
    }
    let used = sqlx::query("UPDATE applicant_codes SET used = 1 WHERE id = $1 AND used = 0")
        .bind(code_id)
        .execute(&mut *tx)
        .await?;
    if used.rows_affected() != 1 {
        return Err(StoreError::invalid("code", "验证码已使用，请重新获取"));
    }
    tx.commit().await?;
    Ok(())
}

async fn office(conn: &mut AnyConnection) -> Result<String> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'office_name'")
            .fetch_optional(conn)
            .await?;
    Ok(name.unwrap_or_else(|| "政务服务".into()))
}

fn random_code() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the OS random source is available");
    format!("{:06}", u32::from_le_bytes(b) % 1_000_000)
}

/// A new session: the cookie value to set.
pub struct NewSession {
    pub cookie: String,
}

/// Checks a one-time code and opens the applicant's session.
pub async fn sign_in(
    store: &Store,
    name: &str,
    id_number: &str,
    phone: &str,
    code: &str,
) -> Result<NewSession> {
    let today = time::local_day(time::now());
    let name = required_text("name", "姓名", name, 50)?;
    let id = IdNumber::parse_at(id_number, today)
        .map_err(|e| StoreError::invalid("id_number", format!("身份证号码：{e}")))?;
    let phone =
        Mobile::parse(phone).map_err(|e| StoreError::invalid("phone", format!("手机号码：{e}")))?;
    let keys = store.keys();
    let now = time::now();
    // The code was sent only after the proof; the name typed now must be the bound one.
    if !bound_as(
        &mut *store.reader().await?,
        &Binding::new(keys, &name, id.as_str(), &phone),
    )
    .await?
    {
        return Err(StoreError::invalid("id_number", NOT_PROVEN));
    }
    spend_code(store, &phone, &keys.digest("id", id.as_str()), code).await?;
    let mut tx = store.begin().await?;
    let cookie = protect::random_token();
    sqlx::query(
        "INSERT INTO applicant_sessions (id_hash, name, id_number_enc, id_digest, phone_enc, csrf, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(protect::sm3_hex(cookie.as_bytes()))
    .bind(&name)
    .bind(keys.encrypt(id.as_str()))
    .bind(keys.digest("id", id.as_str()))
    .bind(keys.encrypt(phone.as_str()))
    .bind(protect::random_token())
    .bind(time::stamp(now))
    .bind(time::stamp(now + Duration::hours(SESSION_HOURS)))
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        keys,
        &Actor {
            user_id: None,
            name: format!("applicant:{}", id.masked()),
        },
        "applicant.sign_in",
        "applicant",
        &id.masked(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(NewSession { cookie })
}

/// The applicant behind a session cookie, if live.
pub async fn session(store: &Store, cookie: &str) -> Result<Option<ApplicantSession>> {
    if cookie.len() > 100 {
        return Ok(None);
    }
    let mut conn = store.reader().await?;
    let row = sqlx::query(
        "SELECT name, id_number_enc, id_digest, phone_enc, csrf FROM applicant_sessions WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(protect::sm3_hex(cookie.as_bytes()))
    .bind(time::stamp(time::now()))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let keys = store.keys();
    Ok(Some(ApplicantSession {
        name: r.try_get(0)?,
        id_number: keys.decrypt(&r.try_get::<String, _>(1)?)?,
        id_digest: r.try_get(2)?,
        phone: keys.decrypt(&r.try_get::<String, _>(3)?)?,
        csrf: r.try_get(4)?,
    }))
}

/// Ends an applicant's session.
pub async fn sign_out(store: &Store, cookie: &str) -> Result<()> {
    end_session(store, "applicant_sessions", cookie).await
}

/// Ends the session behind a cookie in its table (applicants' or enterprises').
pub(crate) async fn end_session(store: &Store, table: &'static str, cookie: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE id_hash = $1"
    )))
    .bind(protect::sm3_hex(cookie.as_bytes()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub phone: String,
    pub body: String,
    pub purpose: String,
    pub created_at: String,
}

/// The newest messages of the outbox (administrators).
pub async fn outbox(store: &Store, limit: i64) -> Result<Vec<OutboxMessage>> {
    let mut conn = store.reader().await?;
    let rows = sqlx::query("SELECT id, phone_masked, body, purpose, created_at FROM sms_outbox ORDER BY id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(OutboxMessage {
                id: r.try_get(0)?,
                phone: r.try_get(1)?,
                body: r.try_get(2)?,
                purpose: r.try_get(3)?,
                created_at: time::display(&r.try_get::<String, _>(4)?),
            })
        })
        .collect()
}

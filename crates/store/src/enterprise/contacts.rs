//! Enterprises signing in (企业登录): the unified social credit code, the enterprise's
//! name and a contact whose phone is proven by a one-time code, as applicants sign
//! in. An enterprise's contacts are bound to it: the first contact to sign in, or
//! one the complaint center took a complaint from; once it has contacts, only they
//! sign in for it (the center adds others), so nobody reads another enterprise's
//! complaints by typing its code. A registered enterprise's name must be its
//! registered one.

use crate::applicants::{SESSION_HOURS, issue_code, spend_code};
use crate::audit::{self, Actor};
use crate::{Result, Store, StoreError, protect, time};
use chrono::Duration;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use tongban_domain::codes::{CreditCode, Mobile, Phone};
use tongban_domain::{Faults, Invalid, required_text};

/// A signed-in enterprise's contact.
#[derive(Debug, Clone)]
pub struct EnterpriseSession {
    pub credit_code: String,
    pub enterprise_name: String,
    pub contact_name: String,
    pub phone: String,
    pub csrf: String,
}

impl EnterpriseSession {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: None,
            name: format!("enterprise:{}", self.credit_code),
        }
    }
}

/// What an enterprise's contact types to sign in, checked.
struct Who {
    code: CreditCode,
    name: String,
    contact: String,
    phone: Mobile,
}

fn who(code: &str, name: &str, contact: &str, phone: &str) -> Result<Who> {
    let mut f = Faults::default();
    let code = f.take(
        CreditCode::parse(code)
            .map_err(|e| Invalid::new("credit_code", format!("统一社会信用代码：{e}"))),
    );
    let name = f.take(required_text("enterprise_name", "企业名称", name, 100));
    let contact = f.take(required_text("contact_name", "联系人姓名", contact, 50));
    let phone =
        f.take(Mobile::parse(phone).map_err(|e| Invalid::new("phone", format!("手机号码：{e}"))));
    let checked = match (code, name, contact, phone) {
        (Some(code), Some(name), Some(contact), Some(phone)) => Some(Who {
            code,
            name,
            contact,
            phone,
        }),
        _ => None,
    };
    f.finish(checked).map_err(StoreError::from)
}

fn subject(store: &Store, code: &CreditCode) -> String {
    store.keys().digest("credit", code.as_str())
}

/// The registered name of an enterprise the platform registered, if it did.
async fn registered_name(conn: &mut AnyConnection, code: &CreditCode) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT name FROM entities WHERE credit_code = $1")
            .bind(code.as_str())
            .fetch_optional(conn)
            .await?,
    )
}

/// Whether this phone may sign in for the enterprise: one of its contacts; or, for
/// an enterprise with no contacts and no complaints on file, its first contact
/// (there is nothing of it to read yet). The reason otherwise.
async fn may_sign_in(conn: &mut AnyConnection, store: &Store, w: &Who) -> Result<()> {
    if let Some(registered) = registered_name(&mut *conn, &w.code).await?
        && registered != w.name
    {
        return Err(StoreError::invalid(
            "enterprise_name",
            "企业名称与该统一社会信用代码的登记名称不一致",
        ));
    }
    let phones: Vec<String> =
        sqlx::query_scalar("SELECT phone_digest FROM enterprise_contacts WHERE credit_code = $1")
            .bind(w.code.as_str())
            .fetch_all(&mut *conn)
            .await?;
    let mine = store.keys().digest("phone", w.phone.as_str());
    if phones.contains(&mine) {
        return Ok(());
    }
    if !phones.is_empty() {
        return Err(StoreError::invalid("phone", NOT_A_CONTACT));
    }
    // Complaints, an agency registered by the office, or service requests published
    // on its behalf: then the office names its contacts.
    let on_file: i64 = sqlx::query_scalar(
        "SELECT (SELECT CAST(COUNT(*) AS BIGINT) FROM complaints WHERE credit_code = $1) \
         + (SELECT CAST(COUNT(*) AS BIGINT) FROM agencies WHERE credit_code = $1) \
         + (SELECT CAST(COUNT(*) AS BIGINT) FROM service_requests WHERE owner_code = $1)",
    )
    .bind(w.code.as_str())
    .fetch_one(&mut *conn)
    .await?;
    if on_file > 0 {
        return Err(StoreError::invalid(
            "phone",
            "该企业已有投诉、中介机构入驻或服务需求记录但尚未登记联系人，请联系企业投诉处理中心或政务服务管理办公室登记联系人后再登录",
        ));
    }
    Ok(())
}

const NOT_A_CONTACT: &str =
    "该手机号码不是本企业已登记的联系人，请由已登记的联系人登录，或联系企业投诉处理中心增加联系人";

/// Checks who signs in and sends the one-time code to the contact's phone.
pub async fn request_code(
    store: &Store,
    code: &str,
    name: &str,
    contact: &str,
    phone: &str,
) -> Result<()> {
    let w = who(code, name, contact, phone)?;
    may_sign_in(&mut *store.reader().await?, store, &w).await?;
    issue_code(
        store,
        &w.phone,
        &subject(store, &w.code),
        "enterprise_login",
    )
    .await
}

/// Binds a contact to an enterprise inside the caller's transaction (audited when
/// new): `by` names who vouched for it (`sign_in`, or the staff member).
pub(crate) async fn bind_contact(
    conn: &mut AnyConnection,
    store: &Store,
    code: &str,
    contact: &str,
    phone: &Phone,
    actor: &Actor,
) -> Result<()> {
    let keys = store.keys();
    let made = sqlx::query(
        "INSERT INTO enterprise_contacts (credit_code, phone_digest, name, phone_enc, phone_masked, bound_by, bound_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (credit_code, phone_digest) DO NOTHING",
    )
    .bind(code)
    .bind(keys.digest("phone", phone.as_str()))
    .bind(contact)
    .bind(keys.encrypt(phone.as_str()))
    .bind(phone.masked())
    .bind(&actor.name)
    .bind(time::stamp(time::now()))
    .execute(&mut *conn)
    .await?;
    if made.rows_affected() == 1 {
        audit::append(
            conn,
            keys,
            actor,
            "enterprise.contact",
            "enterprise",
            code,
            json!({ "contact": contact, "phone": phone.masked() }),
        )
        .await?;
    }
    Ok(())
}

/// Adds a contact to an enterprise (the complaint center's staff, who know the
/// enterprise), so that contact may sign in for it.
pub async fn add_contact(
    store: &Store,
    p: &crate::org::Principal,
    code: &str,
    contact: &str,
    phone: &str,
) -> Result<()> {
    use tongban_domain::org::Role;
    if !matches!(p.role, Role::Supervisor | Role::Admin) {
        return Err(StoreError::Forbidden(
            "企业联系人由企业投诉处理中心登记".into(),
        ));
    }
    let mut f = Faults::default();
    let code = f.take(
        CreditCode::parse(code)
            .map_err(|e| Invalid::new("credit_code", format!("统一社会信用代码：{e}"))),
    );
    let contact = f.take(required_text("contact_name", "联系人姓名", contact, 50));
    let phone = f.take(
        Mobile::parse(phone)
            .map_err(|e| Invalid::new("phone", format!("手机号码：{e}")))
            .and_then(|m| {
                Phone::parse(m.as_str()).map_err(|e| Invalid::new("phone", e.to_string()))
            }),
    );
    let (code, contact, phone) = match (code, contact, phone) {
        (Some(a), Some(b), Some(c)) if f.is_empty() => (a, b, c),
        _ => return Err(f.finish::<()>(None).unwrap_err().into()),
    };
    let mut tx = store.begin().await?;
    bind_contact(&mut tx, store, code.as_str(), &contact, &phone, &p.actor()).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks the one-time code and opens the enterprise's session (the contact bound
/// when it is the enterprise's first).
pub async fn sign_in(
    store: &Store,
    code: &str,
    name: &str,
    contact: &str,
    phone: &str,
    otp: &str,
) -> Result<crate::applicants::NewSession> {
    let w = who(code, name, contact, phone)?;
    may_sign_in(&mut *store.reader().await?, store, &w).await?;
    spend_code(store, &w.phone, &subject(store, &w.code), otp).await?;
    let keys = store.keys();
    let now = time::now();
    let cookie = protect::random_token();
    let actor = Actor {
        user_id: None,
        name: format!("enterprise:{}", w.code.as_str()),
    };
    let phone =
        Phone::parse(w.phone.as_str()).map_err(|e| StoreError::invalid("phone", e.to_string()))?;
    let mut tx = store.begin().await?;
    // Again inside the transaction that binds: another phone may have become the
    // first contact meanwhile.
    may_sign_in(&mut tx, store, &w).await?;
    bind_contact(&mut tx, store, w.code.as_str(), &w.contact, &phone, &actor).await?;
    sqlx::query(
        "INSERT INTO enterprise_sessions (id_hash, credit_code, enterprise_name, contact_name, phone_enc, csrf, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(protect::sm3_hex(cookie.as_bytes()))
    .bind(w.code.as_str())
    .bind(&w.name)
    .bind(&w.contact)
    .bind(keys.encrypt(w.phone.as_str()))
    .bind(protect::random_token())
    .bind(time::stamp(now))
    .bind(time::stamp(now + Duration::hours(SESSION_HOURS)))
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        keys,
        &actor,
        "enterprise.sign_in",
        "enterprise",
        w.code.as_str(),
        json!({ "contact": w.contact, "phone": w.phone.masked() }),
    )
    .await?;
    tx.commit().await?;
    Ok(crate::applicants::NewSession { cookie })
}

/// The enterprise behind a session cookie, if live.
pub async fn session(store: &Store, cookie: &str) -> Result<Option<EnterpriseSession>> {
    if cookie.len() > 100 {
        return Ok(None);
    }
    let mut rd = store.reader().await?;
    let row = sqlx::query(
        "SELECT credit_code, enterprise_name, contact_name, phone_enc, csrf FROM enterprise_sessions \
         WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(protect::sm3_hex(cookie.as_bytes()))
    .bind(time::stamp(time::now()))
    .fetch_optional(&mut *rd)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(EnterpriseSession {
        credit_code: r.try_get(0)?,
        enterprise_name: r.try_get(1)?,
        contact_name: r.try_get(2)?,
        phone: store.keys().decrypt(&r.try_get::<String, _>(3)?)?,
        csrf: r.try_get(4)?,
    }))
}

/// Ends an enterprise's session.
pub async fn sign_out(store: &Store, cookie: &str) -> Result<()> {
    crate::applicants::end_session(store, "enterprise_sessions", cookie).await
}

//! The lifecycle of staff accounts (等保 2.0 level 3): a second factor, TOTP (RFC 6238,
//! any authenticator app), required for administrators and optional for others, with
//! single-use recovery codes; disabling and re-enabling an account (its sessions and
//! tokens revoked); a password reset by an administrator that must be changed at the
//! next sign-in; changing one's own password under the policy; logout revoking the
//! token it came with. A web session moves through [`Stage`]s until it is `Full`.

use crate::audit::{self, Actor};
use crate::org::Principal;
use crate::{Result, Store, StoreError, protect, time};
use sqlx::{AnyConnection, Row};
use tongban_domain::org::Role;
use totp_rs::{Algorithm, Builder, Secret, Totp};

pub use crate::org::Stage;

/// The sign-in facts of an account beyond its password.
struct Security {
    totp_enabled: bool,
    must_change_password: bool,
}

async fn security(conn: &mut AnyConnection, user_id: i64) -> Result<Security> {
    let r = sqlx::query("SELECT totp_enabled, must_change_password FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(conn)
        .await?;
    Ok(Security {
        totp_enabled: crate::flag(&r, 0)?,
        must_change_password: crate::flag(&r, 1)?,
    })
}

/// What a member whose password was just accepted must still do.
pub async fn stage_after_password(store: &Store, p: &Principal) -> Result<Stage> {
    let s = security(&mut *store.reader().await?, p.user_id).await?;
    Ok(if s.totp_enabled {
        Stage::SecondFactor
    } else if p.role == Role::Admin {
        Stage::Enrol
    } else if s.must_change_password {
        Stage::NewPassword
    } else {
        Stage::Full
    })
}

/// What is left once the second factor was given (or enrolled).
async fn stage_after_second_factor(conn: &mut AnyConnection, user_id: i64) -> Result<Stage> {
    let s = security(conn, user_id).await?;
    Ok(if s.must_change_password {
        Stage::NewPassword
    } else {
        Stage::Full
    })
}

/// Moves a web session on to `stage`.
async fn set_stage(conn: &mut AnyConnection, cookie: &str, stage: Stage) -> Result<()> {
    sqlx::query("UPDATE web_sessions SET stage = $1 WHERE id_hash = $2")
        .bind(stage.as_str())
        .bind(protect::sm3_hex(cookie.as_bytes()))
        .execute(conn)
        .await?;
    Ok(())
}

/// An audited change of an account (the entity is the account's username).
async fn account_event(
    conn: &mut AnyConnection,
    store: &Store,
    actor: &Actor,
    action: &str,
    username: &str,
) -> Result<()> {
    audit::append(
        conn,
        store.keys(),
        actor,
        action,
        "user",
        username,
        serde_json::json!({}),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// TOTP

/// The name authenticator apps show for the platform.
pub const ISSUER: &str = "tongban";

fn totp(secret: Vec<u8>, username: &str) -> Result<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_secret(secret)
        .with_account_name(username)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| StoreError::Other(anyhow::anyhow!("TOTP: {e:?}")))
}

fn secret_of(store: &Store, enc: &str) -> Result<Vec<u8>> {
    let b32 = store.keys().decrypt(enc).map_err(StoreError::Other)?;
    Secret::try_from_base32(&b32)
        .map(|s| s.as_bytes().to_vec())
        .map_err(|e| StoreError::Other(anyhow::anyhow!("TOTP secret: {e:?}")))
}

/// A second factor being enrolled: the secret for manual entry and the `otpauth://`
/// address the enrolment page shows as a QR code.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub url: String,
}

/// The enrolment in progress for `p` (a new secret unless one is pending), to be
/// confirmed with its first code.
pub async fn enrolment(store: &Store, p: &Principal) -> Result<Enrolment> {
    let mut tx = store.begin().await?;
    let r = sqlx::query("SELECT totp_secret_enc, totp_enabled FROM users WHERE id = $1")
        .bind(p.user_id)
        .fetch_one(&mut *tx)
        .await?;
    if crate::flag(&r, 1)? {
        return Err(StoreError::Conflict {
            field: "code",
            message: "已启用动态口令；如需更换，请先停用后重新绑定".into(),
        });
    }
    let enc: Option<String> = r.try_get(0)?;
    let secret = match enc {
        Some(e) => secret_of(store, &e)?,
        None => {
            let mut b = vec![0u8; 20];
            getrandom::fill(&mut b).expect("the OS random source is available");
            let b32 = Secret::from(b.clone()).to_base32();
            sqlx::query("UPDATE users SET totp_secret_enc = $1 WHERE id = $2")
                .bind(store.keys().encrypt(&b32))
                .bind(p.user_id)
                .execute(&mut *tx)
                .await?;
            crate::seal::seal_user(&mut tx, store.keys(), p.user_id).await?;
            b
        }
    };
    tx.commit().await?;
    let t = totp(secret.clone(), &p.username)?;
    Ok(Enrolment {
        secret: Secret::from(secret).to_base32(),
        url: t
            .to_url()
            .map_err(|e| StoreError::Other(anyhow::anyhow!("TOTP url: {e:?}")))?,
    })
}

/// Recovery codes given at enrolment.
pub const RECOVERY_CODES: usize = 10;

fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut b = [0u8; 10];
    getrandom::fill(&mut b).expect("the OS random source is available");
    let s: String = b
        .iter()
        .map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &s[..5], &s[5..])
}

fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Confirms an enrolment with the authenticator's first code: the second factor is on,
/// and the recovery codes (shown once) are returned with where the member goes next.
/// A session at the `Enrol` stage moves on.
pub async fn confirm_enrolment(
    store: &Store,
    p: &Principal,
    code: &str,
    cookie: Option<&str>,
) -> Result<(Vec<String>, Stage)> {
    let code = six_digits(code)?;
    let mut tx = store.begin().await?;
    let enc: Option<String> =
        sqlx::query_scalar("SELECT totp_secret_enc FROM users WHERE id = $1 AND totp_enabled = 0")
            .bind(p.user_id)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
    let enc = enc.ok_or_else(|| StoreError::Conflict {
        field: "code",
        message: "没有待确认的动态口令绑定，请重新打开绑定页面".into(),
    })?;
    let t = totp(secret_of(store, &enc)?, &p.username)?;
    let step = t.check_current(&code).ok_or_else(|| {
        StoreError::invalid("code", "动态口令不正确：请输入验证器应用当前显示的6位数字")
    })?;
    sqlx::query("UPDATE users SET totp_enabled = 1, totp_last_step = $1 WHERE id = $2")
        .bind(step as i64)
        .bind(p.user_id)
        .execute(&mut *tx)
        .await?;
    crate::seal::seal_user(&mut tx, store.keys(), p.user_id).await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(p.user_id)
        .execute(&mut *tx)
        .await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    for c in &codes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_digest) VALUES ($1, $2)")
            .bind(p.user_id)
            .bind(store.keys().digest("recovery", &normalise_recovery(c)))
            .execute(&mut *tx)
            .await?;
    }
    account_event(&mut tx, store, &p.actor(), "user.totp_enable", &p.username).await?;
    let next = match cookie {
        Some(c) => {
            let next = stage_after_second_factor(&mut tx, p.user_id).await?;
            set_stage(&mut tx, c, next).await?;
            next
        }
        None => Stage::Full,
    };
    tx.commit().await?;
    Ok((codes, next))
}

fn six_digits(code: &str) -> Result<String> {
    let c: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if c.len() == 6 && c.chars().all(|x| x.is_ascii_digit()) {
        Ok(c)
    } else {
        Err(StoreError::invalid("code", "动态口令应为6位数字"))
    }
}

/// Checks the second factor of `p`: the authenticator's current code (each accepted
/// once) or an unused recovery code. Failures are throttled per account.
pub async fn check_second_factor(store: &Store, p: &Principal, code: &str) -> Result<()> {
    use crate::throttle::{self, LOGIN_PAIR};
    let key = format!("totp:user:{}", p.user_id);
    throttle::check(store, &[&key]).await?;
    let wrong = || StoreError::invalid("code", "动态口令或恢复码不正确");
    let mut tx = store.begin().await?;
    let ok = if let Ok(six) = six_digits(code) {
        let enc: Option<String> = sqlx::query_scalar(
            "SELECT totp_secret_enc FROM users WHERE id = $1 AND totp_enabled = 1",
        )
        .bind(p.user_id)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
        match enc {
            None => false,
            Some(enc) => match totp(secret_of(store, &enc)?, &p.username)?.check_current(&six) {
                // A code is accepted once: its step must be past the last one used.
                Some(step) => {
                    sqlx::query(
                        "UPDATE users SET totp_last_step = $1 WHERE id = $2 \
                         AND (totp_last_step IS NULL OR totp_last_step < $1)",
                    )
                    .bind(step as i64)
                    .bind(p.user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1
                }
                None => false,
            },
        }
    } else {
        let used = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_digest = $3 AND used_at IS NULL",
        )
        .bind(time::stamp(time::now()))
        .bind(p.user_id)
        .bind(store.keys().digest("recovery", &normalise_recovery(code)))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if used {
            account_event(
                &mut tx,
                store,
                &p.actor(),
                "user.recovery_code",
                &p.username,
            )
            .await?;
        }
        used
    };
    if !ok {
        drop(tx);
        throttle::fail(store, &key, LOGIN_PAIR).await?;
        return Err(wrong());
    }
    throttle::clear_in(&mut tx, &key).await?;
    tx.commit().await?;
    Ok(())
}

/// The second-factor step of a web sign-in: checks the code and moves the session on.
pub async fn pass_second_factor(
    store: &Store,
    p: &Principal,
    code: &str,
    cookie: &str,
) -> Result<Stage> {
    check_second_factor(store, p, code).await?;
    let mut tx = store.begin().await?;
    let next = stage_after_second_factor(&mut tx, p.user_id).await?;
    set_stage(&mut tx, cookie, next).await?;
    tx.commit().await?;
    Ok(next)
}

/// Whether `p` must change a password an administrator reset.
pub async fn must_change_password(store: &Store, p: &Principal) -> Result<bool> {
    Ok(security(&mut *store.reader().await?, p.user_id)
        .await?
        .must_change_password)
}

/// Whether `p` has a second factor.
pub async fn has_second_factor(store: &Store, p: &Principal) -> Result<bool> {
    Ok(security(&mut *store.reader().await?, p.user_id)
        .await?
        .totp_enabled)
}

/// Unused recovery codes left.
pub async fn recovery_codes_left(store: &Store, p: &Principal) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(p.user_id)
    .fetch_one(&mut *store.reader().await?)
    .await?)
}

// ---------------------------------------------------------------------------
// Lifecycle

async fn user_id(conn: &mut AnyConnection, username: &str) -> Result<(i64, Role)> {
    let r = sqlx::query("SELECT id, role FROM users WHERE username = $1")
        .bind(username.trim().to_ascii_lowercase())
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("账户“{username}”不存在")))?;
    let role: String = r.try_get(1)?;
    Ok((
        r.try_get(0)?,
        Role::parse(&role).unwrap_or(Role::Supervisor),
    ))
}

fn admin_only(actor: &Principal) -> Result<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(StoreError::Forbidden("只有系统管理员可以管理账户".into()))
    }
}

/// Ends every web session and API token of an account.
async fn revoke_all(conn: &mut AnyConnection, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM web_sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Disables or re-enables an account (administrators; not their own). Disabling ends
/// its sessions and tokens at once.
pub async fn set_active(store: &Store, actor: &Actor, username: &str, active: bool) -> Result<()> {
    let mut tx = store.begin().await?;
    let (id, _) = user_id(&mut tx, username).await?;
    if !active && actor.user_id == Some(id) {
        return Err(StoreError::Conflict {
            field: "username",
            message: "不能停用自己的账户".into(),
        });
    }
    sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
        .bind(active as i64)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    crate::seal::seal_user(&mut tx, store.keys(), id).await?;
    if !active {
        revoke_all(&mut tx, id).await?;
    }
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        if active {
            "user.enable"
        } else {
            "user.disable"
        },
        "user",
        &username.trim().to_ascii_lowercase(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    store.forget_tokens();
    Ok(())
}

/// [`set_active`] by a signed-in administrator.
pub async fn set_active_as(
    store: &Store,
    p: &Principal,
    username: &str,
    active: bool,
) -> Result<()> {
    admin_only(p)?;
    set_active(store, &p.actor(), username, active).await
}

fn temporary_password() -> String {
    const LETTERS: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const DIGITS: &[u8] = b"23456789";
    let mut b = [0u8; 12];
    getrandom::fill(&mut b).expect("the OS random source is available");
    b.iter()
        .enumerate()
        .map(|(i, x)| {
            if i % 3 == 2 {
                DIGITS[*x as usize % DIGITS.len()] as char
            } else {
                LETTERS[*x as usize % LETTERS.len()] as char
            }
        })
        .collect()
}

/// Resets a member's password to a temporary one (returned, to hand over once); it
/// must be changed at the next sign-in. Their sessions and tokens end.
pub async fn reset_password(store: &Store, actor: &Actor, username: &str) -> Result<String> {
    let temp = temporary_password();
    let hash = protect::hash_password(&temp).map_err(StoreError::Other)?;
    let mut tx = store.begin().await?;
    let (id, _) = user_id(&mut tx, username).await?;
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = 1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    crate::seal::seal_user(&mut tx, store.keys(), id).await?;
    revoke_all(&mut tx, id).await?;
    account_event(
        &mut tx,
        store,
        actor,
        "user.password_reset",
        &username.trim().to_ascii_lowercase(),
    )
    .await?;
    tx.commit().await?;
    store.forget_tokens();
    Ok(temp)
}

/// [`reset_password`] by a signed-in administrator.
pub async fn reset_password_as(store: &Store, p: &Principal, username: &str) -> Result<String> {
    admin_only(p)?;
    reset_password(store, &p.actor(), username).await
}

/// Removes a member's second factor (a lost phone): they enrol again at the next
/// sign-in if they must have one. Their sessions and tokens end.
pub async fn reset_second_factor(store: &Store, actor: &Actor, username: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    let (id, _) = user_id(&mut tx, username).await?;
    sqlx::query(
        "UPDATE users SET totp_enabled = 0, totp_secret_enc = NULL, totp_last_step = NULL WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    crate::seal::seal_user(&mut tx, store.keys(), id).await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    revoke_all(&mut tx, id).await?;
    account_event(
        &mut tx,
        store,
        actor,
        "user.totp_reset",
        &username.trim().to_ascii_lowercase(),
    )
    .await?;
    tx.commit().await?;
    store.forget_tokens();
    Ok(())
}

/// [`reset_second_factor`] by a signed-in administrator.
pub async fn reset_second_factor_as(store: &Store, p: &Principal, username: &str) -> Result<()> {
    admin_only(p)?;
    reset_second_factor(store, &p.actor(), username).await
}

/// A member changes their own password: the current one, then a new one under the
/// policy (not the old one, not containing the username). Their API tokens and other
/// sessions end; a session at the `NewPassword` stage is now signed in.
pub async fn change_password(
    store: &Store,
    p: &Principal,
    current: &str,
    new: &str,
    cookie: Option<&str>,
) -> Result<()> {
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(p.user_id)
        .fetch_one(&mut *store.reader().await?)
        .await?;
    if !protect::verify_password(current, &hash) {
        return Err(StoreError::invalid("current", "当前密码不正确"));
    }
    tongban_domain::org::check_new_password(new, &p.username)?;
    if new == current {
        return Err(StoreError::invalid("password", "新密码不能与当前密码相同"));
    }
    let hash = protect::hash_password(new).map_err(StoreError::Other)?;
    let mut tx = store.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = 0 WHERE id = $2")
        .bind(hash)
        .bind(p.user_id)
        .execute(&mut *tx)
        .await?;
    crate::seal::seal_user(&mut tx, store.keys(), p.user_id).await?;
    sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
        .bind(p.user_id)
        .execute(&mut *tx)
        .await?;
    match cookie {
        Some(c) => {
            sqlx::query("DELETE FROM web_sessions WHERE user_id = $1 AND id_hash <> $2")
                .bind(p.user_id)
                .bind(protect::sm3_hex(c.as_bytes()))
                .execute(&mut *tx)
                .await?;
            set_stage(&mut tx, c, Stage::Full).await?;
        }
        None => {
            sqlx::query("DELETE FROM web_sessions WHERE user_id = $1")
                .bind(p.user_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    account_event(
        &mut tx,
        store,
        &p.actor(),
        "user.password_change",
        &p.username,
    )
    .await?;
    tx.commit().await?;
    store.forget_tokens();
    Ok(())
}

/// Logout of an API client: the token it came with stops working.
pub async fn revoke_token(store: &Store, p: &Principal, token: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM api_tokens WHERE token_hash = $1 AND user_id = $2")
        .bind(protect::sm3_hex(token.as_bytes()))
        .bind(p.user_id)
        .execute(&mut *tx)
        .await?;
    account_event(&mut tx, store, &p.actor(), "token.revoke", &p.username).await?;
    tx.commit().await?;
    store.forget_tokens();
    Ok(())
}

/// Enrols a known secret directly (the demo's administrator, so a newcomer can sign
/// in with the printed secret); never used for real accounts.
pub async fn enrol_known_secret(
    conn: &mut AnyConnection,
    store: &Store,
    username: &str,
    secret_base32: &str,
) -> Result<()> {
    let id: i64 = sqlx::query_scalar(
        "UPDATE users SET totp_secret_enc = $1, totp_enabled = 1 WHERE username = $2 RETURNING id",
    )
    .bind(store.keys().encrypt(secret_base32))
    .bind(username)
    .fetch_one(&mut *conn)
    .await?;
    crate::seal::seal_user(conn, store.keys(), id).await
}

/// The code of a base32 secret at a Unix time, as an authenticator app shows it (for
/// tests).
pub fn code_at(secret_base32: &str, username: &str, unix_seconds: u64) -> Result<String> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|e| StoreError::Other(anyhow::anyhow!("TOTP secret: {e:?}")))?;
    Ok(totp(secret.as_bytes().to_vec(), username)?
        .generate(unix_seconds)
        .to_string())
}

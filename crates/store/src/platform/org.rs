//! Organisation and accounts: departments, service points, windows, staff with roles,
//! login with lockout, and API tokens. A `Principal` is who a request acts as; its
//! scope is applied in the queries of every other module.

use crate::audit::{self, Actor};
use crate::{Result, Store, StoreError, protect, time};
use chrono::Duration;
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use tongban_domain::org::{Attachment, PointKind, Role, check_password, parse_username};
use tongban_domain::required_text;

#[derive(Debug, Clone, Serialize)]
pub struct Department {
    #[serde(skip)]
    pub id: i64,
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub credit_code: Option<String>,
    pub stationed: bool,
    pub has_service_section: bool,
    pub member_unit: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    #[serde(skip)]
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: PointKind,
    pub kind_label: &'static str,
    pub division_code: String,
    pub address: String,
    /// 办公时间, as the public reads it.
    pub hours: String,
    /// 咨询电话.
    pub phone: String,
}

/// Who a request acts as.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    #[serde(skip)]
    pub department_id: Option<i64>,
    #[serde(skip)]
    pub point_id: Option<i64>,
    pub department: Option<String>,
    pub point: Option<String>,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user_id),
            name: format!("{}({})", self.username, self.display_name),
        }
    }
}

pub struct NewDepartment<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub short_name: &'a str,
    pub credit_code: Option<&'a str>,
    pub stationed: bool,
    pub has_service_section: bool,
    pub member_unit: bool,
    pub sort: i64,
}

fn check_code(field: &'static str, code: &str) -> Result<()> {
    let ok = !code.is_empty()
        && code.len() <= 16
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(field, "代码应为1至16位大写字母或数字"))
    }
}

pub(crate) fn unique_violation(e: sqlx::Error, field: &'static str, message: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict {
            field,
            message: message.to_string(),
        },
        _ => StoreError::Db(e),
    }
}

pub async fn insert_department(conn: &mut AnyConnection, d: &NewDepartment<'_>) -> Result<i64> {
    check_code("code", d.code)?;
    let name = required_text("name", "部门名称", d.name, 100)?;
    let short_name = match d.short_name.trim() {
        "" => name.clone(),
        s => required_text("short_name", "部门简称", s, 50)?,
    };
    let credit_code = match d.credit_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(
            tongban_domain::CreditCode::parse(c)
                .map_err(|e| StoreError::invalid("credit_code", e.to_string()))?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO departments (code, name, short_name, credit_code, stationed, has_service_section, member_unit, sort) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(d.code)
    .bind(name)
    .bind(short_name)
    .bind(credit_code)
    .bind(d.stationed as i64)
    .bind(d.has_service_section as i64)
    .bind(d.member_unit as i64)
    .bind(d.sort)
    .fetch_one(conn)
    .await
    .map_err(|e| unique_violation(e, "code", "部门代码已存在"))?;
    Ok(id)
}

pub async fn insert_point(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    kind: PointKind,
    division_code: &str,
    address: &str,
    sort: i64,
) -> Result<i64> {
    check_code("code", code)?;
    let name = required_text("name", "服务点名称", name, 100)?;
    let address = address.trim();
    if address.chars().count() > 200 {
        return Err(StoreError::invalid("address", "地址不能超过200个字"));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO points (code, name, kind, division_code, address, sort) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(kind.as_str())
    .bind(division_code)
    .bind(address)
    .bind(sort)
    .fetch_one(conn)
    .await
    .map_err(|e| unique_violation(e, "code", "服务点代码已存在"))?;
    Ok(id)
}

pub async fn insert_window(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    point_id: i64,
    department_id: Option<i64>,
) -> Result<i64> {
    check_code("code", code)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO windows (code, name, point_id, department_id, comprehensive) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(point_id)
    .bind(department_id)
    .bind(department_id.is_none() as i64)
    .fetch_one(conn)
    .await
    .map_err(|e| unique_violation(e, "code", "窗口编号已存在"))?;
    Ok(id)
}

fn department_from(r: &sqlx::any::AnyRow) -> Result<Department> {
    Ok(Department {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        short_name: r.try_get("short_name")?,
        credit_code: r.try_get("credit_code")?,
        stationed: crate::flag(r, "stationed")?,
        has_service_section: crate::flag(r, "has_service_section")?,
        member_unit: crate::flag(r, "member_unit")?,
    })
}

fn point_from(r: &sqlx::any::AnyRow) -> Result<Point> {
    let kind: String = r.try_get("kind")?;
    let kind = PointKind::parse(&kind).unwrap_or(PointKind::Center);
    Ok(Point {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        kind,
        kind_label: kind.label(),
        division_code: r.try_get("division_code")?,
        address: r.try_get("address")?,
        hours: r.try_get("hours")?,
        phone: r.try_get("phone")?,
    })
}

const DEPARTMENT_COLUMNS: &str =
    "id, code, name, short_name, credit_code, stationed, has_service_section, member_unit";
const POINT_COLUMNS: &str = "id, code, name, kind, division_code, address, hours, phone";

pub async fn departments(store: &Store) -> Result<Vec<Department>> {
    let mut c = store.reader().await?;
    let sql = format!("SELECT {DEPARTMENT_COLUMNS} FROM departments ORDER BY sort, code");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(department_from).collect()
}

pub async fn department_by_code(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Option<Department>> {
    let sql = format!("SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE code = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(department_from).transpose()
}

pub async fn points(store: &Store) -> Result<Vec<Point>> {
    let mut c = store.reader().await?;
    let sql = format!("SELECT {POINT_COLUMNS} FROM points ORDER BY sort, code");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(point_from).collect()
}

pub async fn point_by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<Point>> {
    let sql = format!("SELECT {POINT_COLUMNS} FROM points WHERE code = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(point_from).transpose()
}

pub async fn point_by_id(conn: &mut AnyConnection, id: i64) -> Result<Point> {
    let sql = format!("SELECT {POINT_COLUMNS} FROM points WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(conn)
        .await?;
    point_from(&row)
}

/// The main service center: where department window clerks without a point accept.
pub async fn center_point(conn: &mut AnyConnection) -> Result<Point> {
    let sql = format!(
        "SELECT {POINT_COLUMNS} FROM points WHERE kind = 'center' ORDER BY sort, id LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_optional(conn)
        .await?;
    row.as_ref()
        .map(point_from)
        .transpose()?
        .ok_or_else(|| StoreError::not_found("尚未设置政务服务中心服务点"))
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub department: Option<&'a str>,
    pub point: Option<&'a str>,
    pub password: &'a str,
}

/// Creates a staff account in its own transaction.
pub async fn create_user(store: &Store, u: &NewUser<'_>, actor: &Actor) -> Result<i64> {
    let mut tx = store.begin().await?;
    let id = insert_user(&mut tx, store, u, actor, true).await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates a staff account inside a transaction; `check` applies the password policy
/// (the demo seeds use known, simple passwords on purpose).
pub async fn insert_user(
    conn: &mut AnyConnection,
    store: &Store,
    u: &NewUser<'_>,
    actor: &Actor,
    check: bool,
) -> Result<i64> {
    let username = parse_username(u.username)?;
    let display_name = required_text("display_name", "姓名", u.display_name, 50)?;
    if check {
        check_password(u.password)?;
    }
    let department =
        match u.department {
            Some(code) => Some(department_by_code(&mut *conn, code).await?.ok_or_else(|| {
                StoreError::invalid("department", format!("部门代码“{code}”不存在"))
            })?),
            None => None,
        };
    let point =
        match u.point {
            Some(code) => Some(point_by_code(&mut *conn, code).await?.ok_or_else(|| {
                StoreError::invalid("point", format!("服务点代码“{code}”不存在"))
            })?),
            None => None,
        };
    match (u.role.attachment(), &department, &point) {
        (Attachment::Department, None, _) => {
            return Err(StoreError::invalid(
                "department",
                format!("{}须指定所属部门", u.role.label()),
            ));
        }
        (Attachment::Point, _, None) => {
            return Err(StoreError::invalid(
                "point",
                format!("{}须指定所属服务点", u.role.label()),
            ));
        }
        (Attachment::DepartmentOrPoint, None, None) => {
            return Err(StoreError::invalid(
                "department",
                "窗口受理人员须指定所属部门或服务点",
            ));
        }
        _ => {}
    }
    if u.role == Role::TownClerk
        && point
            .as_ref()
            .is_some_and(|p| !matches!(p.kind, PointKind::Town | PointKind::Substation))
    {
        return Err(StoreError::invalid(
            "point",
            "区镇窗口人员应属于区镇便民服务中心或派出所分理点",
        ));
    }
    let hash = protect::hash_password(u.password)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, department_id, point_id, password_hash, active, failed_logins, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, 0, $7) RETURNING id",
    )
    .bind(&username)
    .bind(&display_name)
    .bind(u.role.as_str())
    .bind(department.as_ref().map(|d| d.id))
    .bind(point.as_ref().map(|p| p.id))
    .bind(hash)
    .bind(time::stamp(time::now()))
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| unique_violation(e, "username", "用户名已存在"))?;
    crate::seal::seal_user(&mut *conn, store.keys(), id).await?;
    audit::append(
        conn,
        store.keys(),
        actor,
        "user.create",
        "user",
        &username,
        serde_json::json!({ "role": u.role.as_str(), "department": u.department, "point": u.point }),
    )
    .await?;
    Ok(id)
}

/// Checks a username and password from an address (the client's IP, as the web layer
/// sees it). Failures are throttled by address and account together, by address, and
/// by account (see [`crate::throttle`]): an attacker is slowed down, and cannot lock
/// the owner out from another address.
pub async fn login(store: &Store, username: &str, password: &str, from: &str) -> Result<Principal> {
    let bad = || StoreError::Unauthorized("用户名或密码错误".into());
    let username = username.trim().to_ascii_lowercase();
    if username.is_empty() || password.is_empty() || password.len() > 256 || username.len() > 100 {
        return Err(bad());
    }
    use crate::throttle::{self, LOGIN_ACCOUNT, LOGIN_ADDRESS, LOGIN_PAIR};
    let pair = format!("login:pair:{from}:{username}");
    let address = format!("login:addr:{from}");
    let account = format!("login:user:{username}");
    throttle::check(store, &[&pair, &address, &account]).await?;
    let mut conn = store.reader().await?;
    let row = sqlx::query("SELECT id, password_hash, active FROM users WHERE username = $1")
        .bind(&username)
        .fetch_optional(&mut *conn)
        .await?;
    drop(conn);
    let (ok, active, id) = match row {
        Some(row) => {
            let hash: String = row.try_get(1)?;
            (
                protect::verify_password(password, &hash),
                crate::flag(&row, 2)?,
                Some(row.try_get::<i64, _>(0)?),
            )
        }
        None => {
            // Spend the same time as a real check so timing does not reveal usernames.
            protect::verify_password(password, &DUMMY_HASH);
            (false, false, None)
        }
    };
    if let (true, true, Some(id)) = (ok, active, id) {
        let mut tx = store.begin().await?;
        throttle::clear_in(&mut tx, &pair).await?;
        tx.commit().await?;
        let mut conn = store.reader().await?;
        return principal_by_id(&mut conn, id).await;
    }
    let mut tx = store.begin().await?;
    throttle::fail_in(&mut tx, &pair, LOGIN_PAIR).await?;
    throttle::fail_in(&mut tx, &address, LOGIN_ADDRESS).await?;
    throttle::fail_in(&mut tx, &account, LOGIN_ACCOUNT).await?;
    let failures: i64 = sqlx::query_scalar("SELECT failures FROM throttle WHERE key = $1")
        .bind(&pair)
        .fetch_one(&mut *tx)
        .await?;
    if failures == LOGIN_PAIR.max {
        audit::append(
            &mut tx,
            store.keys(),
            &Actor::system("login"),
            "login.throttle",
            "user",
            &username,
            serde_json::json!({ "from": from }),
        )
        .await?;
    }
    tx.commit().await?;
    if ok && !active {
        return Err(StoreError::Unauthorized("账户已停用".into()));
    }
    Err(bad())
}

/// A real hash to check unknown usernames against, so they cost the same time.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| protect::hash_password("no such user 0").unwrap_or_default());

const PRINCIPAL_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.department_id, u.point_id, d.code AS dcode, p.code AS pcode \
     FROM users u LEFT JOIN departments d ON d.id = u.department_id LEFT JOIN points p ON p.id = u.point_id";

fn principal_from(r: &sqlx::any::AnyRow) -> Result<Principal> {
    let role: String = r.try_get(3)?;
    Ok(Principal {
        user_id: r.try_get(0)?,
        username: r.try_get(1)?,
        display_name: r.try_get(2)?,
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("unknown role {role}")))?,
        department_id: r.try_get(4)?,
        point_id: r.try_get(5)?,
        department: r.try_get(6)?,
        point: r.try_get(7)?,
    })
}

pub async fn principal_by_id(conn: &mut AnyConnection, id: i64) -> Result<Principal> {
    let sql = format!("{PRINCIPAL_SELECT} WHERE u.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(conn)
        .await?;
    principal_from(&row)
}

/// Hours an API token stays valid.
pub const TOKEN_HOURS: i64 = 12;

/// Issues a bearer token; only its SM3 hash is stored.
pub async fn issue_token(store: &Store, p: &Principal) -> Result<String> {
    let token = protect::random_token();
    let now = time::now();
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM api_tokens WHERE user_id = $1 AND expires_at < $2")
        .bind(p.user_id)
        .bind(time::stamp(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(protect::sm3_hex(token.as_bytes()))
        .bind(p.user_id)
        .bind(time::stamp(now))
        .bind(time::stamp(now + Duration::hours(TOKEN_HOURS)))
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "token.issue",
        "user",
        &p.username,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The principal a bearer token stands for.
pub async fn principal_for_token(store: &Store, token: &str) -> Result<Principal> {
    let unauthorized = || StoreError::Unauthorized("登录凭证无效或已过期，请重新登录".into());
    if token.len() > 100 {
        return Err(unauthorized());
    }
    if let Some(p) = store.token_cached(token) {
        return Ok(p);
    }
    let hash = protect::sm3_hex(token.as_bytes());
    let now = time::now();
    let mut conn = store.reader().await?;
    let sql = format!(
        "{PRINCIPAL_SELECT} JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1 AND t.expires_at > $2 AND u.active = 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&hash)
        .bind(time::stamp(now))
        .fetch_optional(&mut *conn)
        .await?;
    let p = row
        .as_ref()
        .map(principal_from)
        .transpose()?
        .ok_or_else(unauthorized)?;
    store.remember_token(token, &p);
    Ok(p)
}

#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub role_label: &'static str,
    pub department: Option<String>,
    pub point: Option<String>,
    pub active: bool,
    /// A second factor (TOTP) is enrolled.
    pub totp: bool,
    /// The password was reset and waits to be changed by its owner.
    pub reset_pending: bool,
}

pub async fn users(store: &Store) -> Result<Vec<UserRow>> {
    let mut c = store.reader().await?;
    let rows = sqlx::query(
        "SELECT u.username, u.display_name, u.role, d.code, p.code, u.active, u.totp_enabled, u.must_change_password FROM users u \
         LEFT JOIN departments d ON d.id = u.department_id LEFT JOIN points p ON p.id = u.point_id ORDER BY u.id",
    )
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            let role = Role::parse(&r.try_get::<String, _>(2)?).unwrap_or(Role::Supervisor);
            Ok(UserRow {
                username: r.try_get(0)?,
                display_name: r.try_get(1)?,
                role,
                role_label: role.label(),
                department: r.try_get(3)?,
                point: r.try_get(4)?,
                active: crate::flag(r, 5)?,
                totp: crate::flag(r, 6)?,
                reset_pending: crate::flag(r, 7)?,
            })
        })
        .collect()
}

/// Takes the next number of a named counter inside a transaction.
pub async fn next_counter(conn: &mut AnyConnection, name: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO counters (name, n) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET n = counters.n + 1 RETURNING n",
    )
    .bind(name)
    .fetch_one(conn)
    .await?)
}

const BODY_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A new unified social credit code for a registration: organisation code body
/// `MA` + six characters from the office's sequence, then both check characters;
/// never one an entity registered here holds.
pub async fn next_credit_code(
    store: &Store,
    authority: char,
    entity_type: char,
    division: &str,
    actor: &Actor,
) -> Result<tongban_domain::CreditCode> {
    let mut tx = store.begin().await?;
    let code = credit_code_in(&mut tx, authority, entity_type, division).await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "uscc.assign",
        "credit_code",
        code.as_str(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(code)
}

/// The next code of a division's sequence no registered entity holds, in the
/// caller's transaction (the sequence is shared by registrations and
/// `/api/v1/codes/uscc`, so no code is given twice).
pub(crate) async fn credit_code_in(
    tx: &mut AnyConnection,
    authority: char,
    entity_type: char,
    division: &str,
) -> Result<tongban_domain::CreditCode> {
    loop {
        let code = sequence_code(&mut *tx, authority, entity_type, division).await?;
        let held: Option<i64> =
            sqlx::query_scalar("SELECT id FROM entities WHERE credit_code = $1")
                .bind(code.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        if held.is_none() {
            return Ok(code);
        }
    }
}

/// The next code of a division's sequence.
async fn sequence_code(
    tx: &mut AnyConnection,
    authority: char,
    entity_type: char,
    division: &str,
) -> Result<tongban_domain::CreditCode> {
    // Checked before the sequence moves: a bad division takes no number.
    tongban_domain::CreditCode::generate(authority, entity_type, division, "MA000000")
        .map_err(|e| StoreError::invalid("division", e.to_string()))?;
    let n = next_counter(&mut *tx, &format!("uscc:{division}")).await?;
    let mut body = String::from("MA");
    let mut rest = n as u64;
    let mut tail = Vec::new();
    for _ in 0..6 {
        tail.push(BODY_ALPHABET[(rest % 31) as usize] as char);
        rest /= 31;
    }
    if rest > 0 {
        return Err(StoreError::Conflict {
            field: "division",
            message: "该行政区划的组织机构代码已用尽".into(),
        });
    }
    body.extend(tail.iter().rev());
    tongban_domain::CreditCode::generate(authority, entity_type, division, &body)
        .map_err(|e| StoreError::invalid("division", e.to_string()))
}

/// An administrator adds a department (own transaction, audited).
pub async fn create_department(
    store: &Store,
    d: &NewDepartment<'_>,
    actor: &Actor,
) -> Result<Department> {
    let mut tx = store.begin().await?;
    insert_department(&mut tx, d).await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "department.create",
        "department",
        d.code,
        serde_json::json!({ "name": d.name }),
    )
    .await?;
    let created = department_by_code(&mut tx, d.code).await?;
    tx.commit().await?;
    created.ok_or_else(|| StoreError::not_found("部门不存在"))
}

/// An administrator adds a service point (own transaction, audited).
#[allow(clippy::too_many_arguments)]
pub async fn create_point(
    store: &Store,
    code: &str,
    name: &str,
    kind: PointKind,
    division_code: &str,
    address: &str,
    (hours, phone): (&str, &str),
    actor: &Actor,
) -> Result<Point> {
    let mut tx = store.begin().await?;
    let sort = crate::count(&mut tx, "points").await?;
    insert_point(&mut tx, code, name, kind, division_code, address, sort).await?;
    set_point_contact(&mut tx, code, address, hours, phone).await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "point.create",
        "point",
        code,
        serde_json::json!({ "kind": kind.as_str() }),
    )
    .await?;
    let created = point_by_code(&mut tx, code).await?;
    tx.commit().await?;
    store.forget_places();
    created.ok_or_else(|| StoreError::not_found("服务点不存在"))
}

/// Hours a staff web session lasts.
pub const SESSION_HOURS: i64 = 10;

/// A staff web session: the cookie value to set and the CSRF token for its forms.
pub struct WebSession {
    pub cookie: String,
    pub csrf: String,
}

/// Opens a web session after a successful login.
/// Opens a web session at a sign-in stage (`Full` once every step is done).
pub async fn open_session(store: &Store, p: &Principal, stage: Stage) -> Result<WebSession> {
    let cookie = protect::random_token();
    let csrf = protect::random_token();
    let now = time::now();
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM web_sessions WHERE user_id = $1 AND expires_at < $2")
        .bind(p.user_id)
        .bind(time::stamp(now))
        .execute(&mut *tx)
        .await?;
    // A session still short of its second factor or new password lasts minutes.
    let lasts = if stage == Stage::Full {
        Duration::hours(SESSION_HOURS)
    } else {
        Duration::minutes(10)
    };
    sqlx::query("INSERT INTO web_sessions (id_hash, user_id, csrf, created_at, expires_at, stage) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(protect::sm3_hex(cookie.as_bytes()))
        .bind(p.user_id)
        .bind(&csrf)
        .bind(time::stamp(now))
        .bind(time::stamp(now + lasts))
        .bind(stage.as_str())
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "session.open",
        "user",
        &p.username,
        serde_json::json!({ "stage": stage.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(WebSession { cookie, csrf })
}

/// The principal and CSRF token of a session cookie, if it is live.
pub async fn session(store: &Store, cookie: &str) -> Result<Option<(Principal, String, Stage)>> {
    if cookie.len() > 100 {
        return Ok(None);
    }
    let mut conn = store.reader().await?;
    let row = sqlx::query(
        "SELECT s.csrf, u.id, s.stage FROM web_sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.active = 1",
    )
    .bind(protect::sm3_hex(cookie.as_bytes()))
    .bind(time::stamp(time::now()))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let csrf: String = row.try_get(0)?;
    let id: i64 = row.try_get(1)?;
    let stage: String = row.try_get(2)?;
    let Some(stage) = Stage::parse(&stage) else {
        return Ok(None);
    };
    Ok(Some((principal_by_id(&mut conn, id).await?, csrf, stage)))
}

/// Ends a session (logout).
pub async fn close_session(store: &Store, cookie: &str, p: &Principal) -> Result<()> {
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
        .bind(protect::sm3_hex(cookie.as_bytes()))
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "session.close",
        "user",
        &p.username,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The principal of an active account, for operators acting through the CLI.
pub async fn principal_by_username(store: &Store, username: &str) -> Result<Principal> {
    let mut conn = store.reader().await?;
    let sql = format!("{PRINCIPAL_SELECT} WHERE u.username = $1 AND u.active = 1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(username.trim().to_ascii_lowercase())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(principal_from)
        .transpose()?
        .ok_or_else(|| StoreError::not_found(format!("账户“{username}”不存在或已停用")))
}

/// A window (窗口) at a point: a department's own window, or a comprehensive one.
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    pub code: String,
    pub name: String,
    pub point: String,
    pub point_code: String,
    pub department: Option<String>,
    pub department_code: Option<String>,
    pub comprehensive: bool,
    /// Where in the building: floor, area, number (二楼B区12号窗口).
    pub location: String,
}

pub async fn windows(store: &Store) -> Result<Vec<Window>> {
    let mut c = store.reader().await?;
    let rows = sqlx::query(
        "SELECT w.code, w.name, p.name, d.name, w.comprehensive, w.location, p.code, d.code FROM windows w JOIN points p ON p.id = w.point_id \
         LEFT JOIN departments d ON d.id = w.department_id ORDER BY p.sort, w.code",
    )
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Window {
                code: r.try_get(0)?,
                name: r.try_get(1)?,
                point: r.try_get(2)?,
                department: r.try_get(3)?,
                comprehensive: crate::flag(r, 4)?,
                location: r.try_get(5)?,
                point_code: r.try_get(6)?,
                department_code: r.try_get(7)?,
            })
        })
        .collect()
}

/// A place the public can go to for an item: the point, its address, hours and
/// phone, and the windows there that accept it.
#[derive(Debug, Clone, Serialize)]
pub struct Place {
    pub name: String,
    pub address: String,
    pub hours: String,
    pub phone: String,
    pub windows: Vec<String>,
}

/// Where an item of `department` is accepted: at the center, the department's own
/// windows and the comprehensive windows; at the points it is delegated to, their
/// comprehensive windows.
pub fn places(
    points: &[Point],
    windows: &[Window],
    department: &str,
    accept_center: bool,
    accept_points: &[String],
) -> Vec<Place> {
    let mut out = vec![];
    for p in points {
        let here = match p.kind {
            PointKind::Center | PointKind::ComprehensiveWindow => accept_center,
            PointKind::Town | PointKind::Substation => accept_points.contains(&p.code),
        };
        if !here {
            continue;
        }
        let at: Vec<String> = windows
            .iter()
            .filter(|w| {
                w.point_code == p.code
                    && (w.comprehensive || w.department_code.as_deref() == Some(department))
            })
            .map(|w| match w.location.as_str() {
                "" => w.name.clone(),
                l => format!("{}（{l}）", w.name),
            })
            .collect();
        // A center whose windows are all other departments' sends people to the
        // comprehensive windows, listed as their own points.
        if at.is_empty()
            && p.kind == PointKind::Center
            && windows.iter().any(|w| w.point_code == p.code)
        {
            continue;
        }
        out.push(Place {
            name: p.name.clone(),
            address: p.address.clone(),
            hours: p.hours.clone(),
            phone: p.phone.clone(),
            windows: at,
        });
    }
    out
}

/// Sets what the public reads of a point (address, opening hours, phone), in the
/// caller's transaction.
pub async fn set_point_contact(
    conn: &mut AnyConnection,
    code: &str,
    address: &str,
    hours: &str,
    phone: &str,
) -> Result<()> {
    let address = address.trim();
    if address.chars().count() > 200 {
        return Err(StoreError::invalid("address", "地址不能超过200个字"));
    }
    let hours = hours.trim();
    if hours.chars().count() > 100 {
        return Err(StoreError::invalid("hours", "办公时间不能超过100个字"));
    }
    let phone = match phone.trim() {
        "" => String::new(),
        p => tongban_domain::codes::Phone::parse(p)
            .map_err(|_| {
                StoreError::invalid(
                    "phone",
                    "咨询电话格式不正确，应为手机号或区号加号码（如0512-57328999）",
                )
            })?
            .as_str()
            .to_string(),
    };
    let n = sqlx::query("UPDATE points SET address = $1, hours = $2, phone = $3 WHERE code = $4")
        .bind(address)
        .bind(hours)
        .bind(phone)
        .bind(code)
        .execute(conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::invalid(
            "point",
            format!("服务点代码“{code}”不存在"),
        ));
    }
    Ok(())
}

/// An administrator updates what the public reads of a point, audited.
pub async fn update_point_contact(
    store: &Store,
    code: &str,
    address: &str,
    hours: &str,
    phone: &str,
    actor: &Actor,
) -> Result<()> {
    let mut tx = store.begin().await?;
    set_point_contact(&mut tx, code, address, hours, phone).await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "point.update",
        "point",
        code,
        serde_json::json!({ "address": address.trim(), "hours": hours.trim() }),
    )
    .await?;
    tx.commit().await?;
    store.forget_places();
    Ok(())
}

/// Sets where a window is in the building, in the caller's transaction.
pub async fn set_window_location(
    conn: &mut AnyConnection,
    code: &str,
    location: &str,
) -> Result<()> {
    let location = location.trim();
    if location.chars().count() > 50 {
        return Err(StoreError::invalid("location", "窗口位置不能超过50个字"));
    }
    let n = sqlx::query("UPDATE windows SET location = $1 WHERE code = $2")
        .bind(location)
        .bind(code)
        .execute(conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::invalid(
            "window",
            format!("窗口编号“{code}”不存在"),
        ));
    }
    Ok(())
}

/// An administrator opens a window at a point (for a department, or comprehensive).
pub async fn create_window(
    store: &Store,
    code: &str,
    name: &str,
    point: &str,
    department: Option<&str>,
    location: &str,
    actor: &Actor,
) -> Result<()> {
    let name = required_text("name", "窗口名称", name, 50)?;
    let mut tx = store.begin().await?;
    let pt = point_by_code(&mut tx, point)
        .await?
        .ok_or_else(|| StoreError::invalid("point", format!("服务点代码“{point}”不存在")))?;
    let dept = match department {
        Some(d) => Some(
            department_by_code(&mut tx, d)
                .await?
                .ok_or_else(|| StoreError::invalid("department", format!("部门代码“{d}”不存在")))?
                .id,
        ),
        None => None,
    };
    insert_window(&mut tx, code, &name, pt.id, dept).await?;
    set_window_location(&mut tx, code, location).await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "window.create",
        "window",
        code,
        serde_json::json!({ "point": point, "department": department }),
    )
    .await?;
    tx.commit().await?;
    store.forget_places();
    Ok(())
}

tongban_domain::coded_enum! {
    /// How far a web session has got through the sign-in.
    Stage {
        /// Signed in.
        Full = ("full", "已登录"),
        /// Password accepted; the authenticator's code (or a recovery code) is due.
        SecondFactor = ("second_factor", "待输入动态口令"),
        /// An administrator without a second factor must enrol one first.
        Enrol = ("enrol", "待绑定动态口令"),
        /// The password was reset by an administrator and must be changed.
        NewPassword = ("new_password", "待修改密码"),
    }
}

impl Stage {
    /// The page a session at this stage is sent to.
    pub fn page(self) -> &'static str {
        match self {
            Self::Full => "/workbench",
            Self::SecondFactor => "/login/totp",
            Self::Enrol => "/me/totp",
            Self::NewPassword => "/me/password",
        }
    }
}

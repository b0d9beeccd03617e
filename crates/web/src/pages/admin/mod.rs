//! Administration (系统管理) for administrators: staff accounts, departments and
//! points, the catalog (versions, publication, xlsx import and export), the calendar
//! years, the SMS outbox, and the audit log with its verification.

use crate::AppState;
use crate::pages::{
    Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, field_errors, render,
};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::TimeUnit;
use tongban_domain::calendar::{Calendar, DayKind, SpecialDay};
use tongban_domain::catalog::{ItemContent, ItemStatus, Material, OnlineDepth, TimeLimit};
use tongban_domain::org::{PointKind, Role};
use tongban_store::StoreError;
use tongban_store::applicants::{self, OutboxMessage};
use tongban_store::audit::{self, Entry};
use tongban_store::catalog::{self, Item, VersionSummary};
use tongban_store::org::{self, Department, Point, Principal, UserRow};
use tongban_store::time;

mod reforms;
mod search;
mod settings;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(settings::router())
        .merge(reforms::router())
        .merge(search::router())
        .route("/admin", get(index))
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/{username}/actions", post(account_action))
        .route("/admin/org", get(organisation).post(create_org))
        .route("/admin/sms", get(sms))
        .route("/admin/audit", get(audit_log))
        .route("/admin/calendar", get(calendar).post(add_year))
        .route("/admin/catalog", get(catalog_list))
        .route("/admin/catalog/export.xlsx", get(catalog_export))
        .route(
            "/admin/catalog/import",
            post(catalog_import).layer(DefaultBodyLimit::max(MAX_CATALOG_BYTES)),
        )
        .route("/admin/catalog/{code}", get(item_editor).post(new_version))
        .route(
            "/admin/catalog/{code}/versions/{version}/publish",
            post(publish),
        )
}

fn admin(web: &Web) -> Result<&Principal, PageError> {
    web.staff_as(&[Role::Admin], "系统管理仅供系统管理员使用。")
}

pub(crate) use crate::pages::status_422;

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    layout: Layout,
}

async fn index(web: Web) -> PageResult {
    admin(&web)?;
    render(&IndexPage {
        layout: web.layout(),
    })
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    form: UserForm,
    errors: Errors,
    created: Option<String>,
    /// What an account action did (a temporary password is shown here once).
    done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    point: String,
    #[serde(default)]
    password: String,
}

fn roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect()
}

async fn users(State(s): State<AppState>, web: Web) -> PageResult {
    admin(&web)?;
    render(&UsersPage {
        layout: web.layout(),
        users: org::users(&s.store).await?,
        roles: roles(),
        form: UserForm::default(),
        errors: Errors::default(),
        created: None,
        done: None,
    })
}

#[derive(Deserialize)]
struct AccountAction {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
}

/// Disable or re-enable an account, reset its password (a temporary one, shown once)
/// or its second factor (a lost phone).
async fn account_action(
    State(s): State<AppState>,
    web: Web,
    Path(username): Path<String>,
    PageForm(f): PageForm<AccountAction>,
) -> PageResult {
    use tongban_store::accounts;
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    let r = match f.action.as_str() {
        "disable" => accounts::set_active_as(&s.store, p, &username, false)
            .await
            .map(|_| format!("已停用账户 {username}，其登录和接口凭证已失效。")),
        "enable" => accounts::set_active_as(&s.store, p, &username, true)
            .await
            .map(|_| format!("已启用账户 {username}。")),
        "reset_password" => accounts::reset_password_as(&s.store, p, &username)
            .await
            .map(|t| format!("已重置账户 {username} 的密码。临时密码：{t}（只显示这一次，请当面交给本人；登录后须立即修改）")),
        "reset_totp" => accounts::reset_second_factor_as(&s.store, p, &username)
            .await
            .map(|_| format!("已重置账户 {username} 的动态口令，本人下次登录时重新绑定。")),
        _ => Err(tongban_store::StoreError::invalid("action", "未知的账户操作")),
    };
    let (done, errors) = match r {
        Ok(m) => (Some(m), Errors::default()),
        Err(e) => (None, field_errors(e)?.into()),
    };
    let failed = !errors.is_empty();
    let r = render(&UsersPage {
        layout: web.layout(),
        users: org::users(&s.store).await?,
        roles: roles(),
        form: UserForm::default(),
        errors,
        created: None,
        done,
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn create_user(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<UserForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    let errors = match Role::parse(&f.role) {
        None => vec![FieldError::new("role", "请选择角色")],
        Some(role) => {
            let display = if f.display_name.trim().is_empty() {
                f.username.clone()
            } else {
                f.display_name.clone()
            };
            let new = org::NewUser {
                username: &f.username,
                display_name: &display,
                role,
                department: Some(f.department.trim()).filter(|d| !d.is_empty()),
                point: Some(f.point.trim()).filter(|d| !d.is_empty()),
                password: &f.password,
            };
            match org::create_user(&s.store, &new, &p.actor()).await {
                Ok(_) => vec![],
                Err(e) => field_errors(e)?,
            }
        }
    };
    let created = errors
        .is_empty()
        .then(|| f.username.trim().to_ascii_lowercase());
    let failed = !errors.is_empty();
    let page = UsersPage {
        layout: web.layout(),
        users: org::users(&s.store).await?,
        roles: roles(),
        form: if failed {
            UserForm {
                password: String::new(),
                ..f
            }
        } else {
            UserForm::default()
        },
        errors: errors.into(),
        created,
        done: None,
    };
    let r = render(&page)?;
    Ok(if failed { status_422(r) } else { r })
}

#[derive(Template)]
#[template(path = "admin/org.html")]
struct OrgPage {
    layout: Layout,
    departments: Vec<Department>,
    points: Vec<Point>,
    editing: Option<Point>,
    windows: Vec<org::Window>,
    kinds: Vec<(&'static str, &'static str)>,
    errors: Errors,
}

#[derive(Deserialize)]
struct OrgQuery {
    edit: Option<String>,
}

async fn organisation(
    State(s): State<AppState>,
    web: Web,
    Query(q): Query<OrgQuery>,
) -> PageResult {
    admin(&web)?;
    org_page(&s, &web, vec![], q.edit.as_deref()).await
}

async fn org_page(
    s: &AppState,
    web: &Web,
    errors: Vec<FieldError>,
    edit: Option<&str>,
) -> PageResult {
    let failed = !errors.is_empty();
    let points = org::points(&s.store).await?;
    let r = render(&OrgPage {
        layout: web.layout(),
        departments: org::departments(&s.store).await?,
        editing: edit.and_then(|c| points.iter().find(|p| p.code == c).cloned()),
        points,
        windows: org::windows(&s.store).await?,
        kinds: PointKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

#[derive(Debug, Default, Deserialize)]
struct OrgForm {
    #[serde(default)]
    csrf: String,
    /// department or point
    #[serde(default)]
    what: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    has_service_section: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    division_code: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    point: String,
    #[serde(default)]
    department: String,
}

async fn create_org(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<OrgForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    let r = if f.what == "window" {
        org::create_window(
            &s.store,
            f.code.trim(),
            &f.name,
            f.point.trim(),
            Some(f.department.trim()).filter(|d| !d.is_empty()),
            &f.location,
            &p.actor(),
        )
        .await
    } else if f.what == "point_contact" {
        org::update_point_contact(
            &s.store,
            f.point.trim(),
            &f.address,
            &f.hours,
            &f.phone,
            &p.actor(),
        )
        .await
    } else if f.what == "point" {
        match PointKind::parse(&f.kind) {
            None => Err(StoreError::invalid("kind", "请选择服务点类型")),
            Some(kind) => {
                let division = if f.division_code.trim().is_empty() {
                    "320583"
                } else {
                    f.division_code.trim()
                };
                org::create_point(
                    &s.store,
                    f.code.trim(),
                    &f.name,
                    kind,
                    division,
                    &f.address,
                    (&f.hours, &f.phone),
                    &p.actor(),
                )
                .await
                .map(|_| ())
            }
        }
    } else {
        let n = tongban_store::count(&mut *s.store.reader().await?, "departments").await?;
        org::create_department(
            &s.store,
            &org::NewDepartment {
                code: f.code.trim(),
                name: &f.name,
                short_name: "",
                credit_code: Some(f.credit_code.trim()).filter(|c| !c.is_empty()),
                stationed: true,
                has_service_section: !f.has_service_section.is_empty(),
                member_unit: true,
                sort: n,
            },
            &p.actor(),
        )
        .await
        .map(|_| ())
    };
    match r {
        Ok(()) => Ok(Redirect::to("/admin/org").into_response()),
        Err(e) => {
            let edit = (f.what == "point_contact").then_some(f.point.trim());
            org_page(&s, &web, field_errors(e)?, edit).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/sms.html")]
struct SmsPage {
    layout: Layout,
    messages: Vec<OutboxMessage>,
}

async fn sms(State(s): State<AppState>, web: Web) -> PageResult {
    admin(&web)?;
    render(&SmsPage {
        layout: web.layout(),
        messages: applicants::outbox(&s.store, 200).await?,
    })
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<Entry>,
    verified: Option<audit::Verification>,
}

#[derive(Deserialize)]
struct VerifyQuery {
    verify: Option<String>,
}

async fn audit_log(
    State(s): State<AppState>,
    web: Web,
    Query(q): Query<VerifyQuery>,
) -> PageResult {
    let p = web.staff()?;
    if !matches!(p.role, Role::Admin | Role::Supervisor) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "无权查看",
            "审计日志仅供系统管理员和督查人员查看。",
        ));
    }
    let verified = match q.verify.as_deref() {
        Some("1") => Some(audit::verify(&s.store, |_, _| {}).await?),
        _ => None,
    };
    render(&AuditPage {
        layout: web.layout(),
        entries: audit::recent(&s.store, 200).await?,
        verified,
    })
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    layout: Layout,
    years: Vec<i32>,
    year: String,
    days: String,
    errors: Errors,
}

async fn calendar(State(s): State<AppState>, web: Web) -> PageResult {
    admin(&web)?;
    let cal = tongban_store::calendar::current(&s.store).await?;
    render(&CalendarPage {
        layout: web.layout(),
        years: cal.known_years().collect(),
        year: String::new(),
        days: String::new(),
        errors: Errors::default(),
    })
}

#[derive(Debug, Default, Deserialize)]
struct YearForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    days: String,
}

/// Parses lines `YYYY-MM-DD,holiday|workday,节日` for one year.
fn parse_year(year: &str, days: &str) -> Result<(i32, Vec<SpecialDay>), FieldError> {
    let y: i32 = year
        .trim()
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| FieldError::new("year", "年份应在2000至2100之间"))?;
    let mut out = vec![];
    for (i, line) in days
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let f: Vec<&str> = line.split([',', '，']).map(str::trim).collect();
        let bad = |why: &str| FieldError::new("days", format!("第{}行“{line}”{why}", i + 1));
        let date = f
            .first()
            .and_then(|d| time::parse_day(d))
            .filter(|d| chrono::Datelike::year(d) == y)
            .ok_or_else(|| bad(&format!("日期无效或不在{y}年")))?;
        let kind = match f.get(1).copied() {
            Some("holiday") | Some("放假") => DayKind::Holiday,
            Some("workday") | Some("上班") => DayKind::Workday,
            _ => return Err(bad("类型应为“放假”或“上班”")),
        };
        out.push(SpecialDay {
            date,
            kind,
            festival: f.get(2).unwrap_or(&"").chars().take(20).collect(),
        });
    }
    if out.is_empty() {
        return Err(FieldError::new(
            "days",
            "请逐行填写该年的放假日和调休上班日",
        ));
    }
    Ok((y, out))
}

async fn add_year(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<YearForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    let errors = match parse_year(&f.year, &f.days) {
        Ok((y, days)) => {
            let cal = Calendar::new(days, [y]);
            match tongban_store::calendar_year::import(&s.store, &cal, "管理员录入", &p.actor())
                .await
            {
                Ok(_) => return Ok(Redirect::to("/admin/calendar").into_response()),
                Err(e) => field_errors(e)?,
            }
        }
        Err(e) => vec![e],
    };
    let cal = tongban_store::calendar::current(&s.store).await?;
    Ok(status_422(render(&CalendarPage {
        layout: web.layout(),
        years: cal.known_years().collect(),
        year: f.year,
        days: f.days,
        errors: errors.into(),
    })?))
}

#[derive(Template)]
#[template(path = "admin/catalog.html")]
struct CatalogPage {
    layout: Layout,
    q: String,
    items: Vec<Item>,
    total: i64,
    report: Option<String>,
    errors: Errors,
}

#[derive(Deserialize)]
struct CatalogQuery {
    q: Option<String>,
}

async fn catalog_list(
    State(s): State<AppState>,
    web: Web,
    Query(q): Query<CatalogQuery>,
) -> PageResult {
    admin(&web)?;
    catalog_page(&s, &web, q.q.unwrap_or_default(), None, vec![]).await
}

async fn catalog_page(
    s: &AppState,
    web: &Web,
    q: String,
    report: Option<String>,
    errors: Vec<FieldError>,
) -> PageResult {
    let (items, total) = catalog::list_items(
        &s.store,
        &catalog::ItemFilter {
            q: Some(q.clone()),
            per_page: Some(100),
            ..Default::default()
        },
        time::local_day(time::now()),
    )
    .await?;
    let failed = !errors.is_empty();
    let r = render(&CatalogPage {
        layout: web.layout(),
        q,
        items,
        total,
        report,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn catalog_export(State(s): State<AppState>, web: Web) -> PageResult {
    admin(&web)?;
    let (bytes, _) = tongban_store::catalog_xlsx::export(&s.store)
        .await
        .map_err(|e| {
            PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "导出失败", e.to_string())
        })?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"catalog.xlsx\""),
    );
    Ok(r)
}

/// The largest catalog workbook an administrator may upload.
const MAX_CATALOG_BYTES: usize = 20 * 1024 * 1024;

async fn catalog_import(State(s): State<AppState>, web: Web, mut form: Multipart) -> PageResult {
    admin(&web)?;
    // A workbook that cannot be read whole (over the limit, or cut off) is refused
    // with 413, not taken as no file chosen.
    let too_big = || {
        PageError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "文件过大",
            format!(
                "上传的事项清单文件不完整或过大（不超过{}MB），请返回重新选择文件。",
                MAX_CATALOG_BYTES / 1024 / 1024
            ),
        )
    };
    let (mut csrf, mut effective, mut file) = (String::new(), String::new(), Vec::new());
    while let Some(field) = form.next_field().await.map_err(|_| too_big())? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.map_err(|_| too_big())?,
            "effective" => effective = field.text().await.map_err(|_| too_big())?,
            "file" => file = field.bytes().await.map_err(|_| too_big())?.to_vec(),
            _ => {}
        }
    }
    web.check_csrf(&csrf)?;
    if file.is_empty() {
        return catalog_page(
            &s,
            &web,
            String::new(),
            None,
            vec![FieldError::new("file", "请选择要导入的 xlsx 文件")],
        )
        .await;
    }
    let effective = Some(effective.trim()).filter(|e| !e.is_empty());
    match tongban_store::catalog_xlsx::import(&s.store, &file, effective).await {
        Ok(report) => catalog_page(&s, &web, String::new(), Some(report), vec![]).await,
        Err(e) => {
            catalog_page(
                &s,
                &web,
                String::new(),
                None,
                vec![FieldError::new("file", format!("{e:#}"))],
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/item.html")]
struct ItemPage {
    layout: Layout,
    code: String,
    item: Item,
    versions: Vec<VersionSummary>,
    form: VersionForm,
    statuses: Vec<(&'static str, &'static str)>,
    depths: Vec<(&'static str, &'static str)>,
    registration_kinds: Vec<(&'static str, &'static str)>,
    errors: Errors,
}

/// The editable fields of a new version, as the form sends them.
#[derive(Debug, Default, Clone, Deserialize)]
struct VersionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    statutory_days: String,
    #[serde(default)]
    promised_days: String,
    #[serde(default)]
    instant: String,
    #[serde(default)]
    visits: String,
    #[serde(default)]
    online_depth: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    conditions: String,
    #[serde(default)]
    aliases: String,
    #[serde(default)]
    themes: String,
    #[serde(default)]
    materials: String,
    #[serde(default)]
    steps: String,
    #[serde(default)]
    accept_points: String,
    #[serde(default)]
    joint_handling: String,
    /// 商事登记业务: a registration kind's code, or empty.
    #[serde(default)]
    registration: String,
    /// 申请表字段, one per line: `name|label|kind|required`.
    #[serde(default)]
    fields: String,
    /// 秒批规则 as JSON (empty: none).
    #[serde(default)]
    auto_approval: String,
    #[serde(default)]
    extension_days: String,
    #[serde(default)]
    extension_basis: String,
    /// 告知承诺制: working days to verify the commitment (empty: not applicable).
    #[serde(default)]
    verify_days: String,
    #[serde(default)]
    effective_from: String,
    #[serde(default)]
    change_note: String,
}

impl VersionForm {
    fn from_content(c: &ItemContent) -> Self {
        Self {
            name: c.name.clone(),
            status: c.status.as_str().into(),
            statutory_days: c.statutory.days.to_string(),
            promised_days: c.promised.days.to_string(),
            instant: if c.instant { "1".into() } else { String::new() },
            visits: c.visits.to_string(),
            online_depth: c.online_depth.as_str().into(),
            legal_basis: c.legal_basis.clone(),
            conditions: c.conditions.clone(),
            aliases: c.aliases.join("、"),
            themes: c.themes.join("、"),
            materials: c
                .materials
                .iter()
                .map(Material::line)
                .collect::<Vec<_>>()
                .join("\n"),
            steps: c.steps.join("\n"),
            accept_points: c.accept_points.join(","),
            joint_handling: if c.joint_handling {
                "1".into()
            } else {
                String::new()
            },
            registration: c
                .registration
                .map(|k| k.as_str().to_string())
                .unwrap_or_default(),
            fields: c
                .fields
                .iter()
                .map(tongban_domain::auto_approval::FormField::line)
                .collect::<Vec<_>>()
                .join("\n"),
            auto_approval: c
                .auto_approval
                .as_ref()
                .and_then(|r| serde_json::to_string_pretty(r).ok())
                .unwrap_or_default(),
            extension_days: c
                .extension
                .as_ref()
                .map(|e| e.days.to_string())
                .unwrap_or_default(),
            extension_basis: c
                .extension
                .as_ref()
                .map(|e| e.legal_basis.clone())
                .unwrap_or_default(),
            verify_days: c
                .commitment
                .as_ref()
                .map(|r| r.verify_days.to_string())
                .unwrap_or_default(),
            ..Default::default()
        }
    }

    /// The content this form describes, on top of the version in force.
    fn apply(&self, base: &ItemContent) -> Result<ItemContent, FieldError> {
        let days = |v: &str, field: &str, label: &str| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| FieldError::new(field, format!("{label}应为整数天数")))
        };
        let mut c = base.clone();
        c.name = self.name.clone();
        c.status = ItemStatus::parse_code_or_label(&self.status)
            .ok_or_else(|| FieldError::new("status", "请选择事项状态"))?;
        c.statutory = TimeLimit {
            days: days(&self.statutory_days, "statutory_days", "法定时限")?,
            unit: base.statutory.unit,
        };
        c.promised = TimeLimit {
            days: days(&self.promised_days, "promised_days", "承诺时限")?,
            unit: base.promised.unit,
        };
        c.instant = !self.instant.is_empty();
        c.visits = days(&self.visits, "visits", "到办事现场次数")?;
        c.online_depth = OnlineDepth::parse_code_or_label(&self.online_depth)
            .ok_or_else(|| FieldError::new("online_depth", "请选择网办深度"))?;
        c.legal_basis = self.legal_basis.trim().to_string();
        c.conditions = self.conditions.trim().to_string();
        c.aliases = tongban_domain::catalog::split_tags(&self.aliases);
        c.themes = tongban_domain::catalog::split_tags(&self.themes);
        let flag = |v: Option<&str>| matches!(v.map(str::trim), Some("是") | Some("1"));
        c.materials = self
            .materials
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split('|').collect();
                Material {
                    name: f[0].trim().to_string(),
                    required: f.get(1).is_none() || flag(f.get(1).copied()),
                    original: flag(f.get(2).copied()),
                    electronic: f.get(3).is_none() || flag(f.get(3).copied()),
                    copies: f.get(4).and_then(|n| n.trim().parse().ok()).unwrap_or(1),
                    deferrable: flag(f.get(5).copied()),
                }
            })
            .collect();
        c.steps = self
            .steps
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        c.accept_points = self
            .accept_points
            .split([',', '，'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        c.joint_handling = !self.joint_handling.is_empty();
        c.fields = self
            .fields
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
            .map(|(i, l)| {
                tongban_domain::auto_approval::FormField::parse_line(l, i + 1)
                    .map_err(|e| FieldError::new("fields", e.message))
            })
            .collect::<Result<Vec<_>, _>>()?;
        c.auto_approval = match self.auto_approval.trim() {
            "" => None,
            v => Some(serde_json::from_str(v).map_err(|e| {
                FieldError::new("auto_approval", format!("秒批规则不是有效的规则 JSON：{e}"))
            })?),
        };
        c.registration = match self.registration.trim() {
            "" => None,
            v => Some(
                tongban_domain::registration::RegistrationKind::parse(v).ok_or_else(|| {
                    FieldError::new(
                        "registration",
                        "商事登记业务应为设立登记、变更登记或注销登记",
                    )
                })?,
            ),
        };
        c.extension = match self.extension_days.trim() {
            "" | "0" => None,
            _ => Some(tongban_domain::catalog::ExtensionRule {
                days: days(&self.extension_days, "extension_days", "延期天数")?,
                legal_basis: self.extension_basis.trim().to_string(),
            }),
        };
        c.commitment = match self.verify_days.trim() {
            "" | "0" => None,
            _ => Some(tongban_domain::catalog::CommitmentRule {
                verify_days: days(&self.verify_days, "verify_days", "告知承诺核查期限")?,
            }),
        };
        let _ = TimeUnit::Working;
        Ok(c)
    }
}

async fn item_page(
    s: &AppState,
    web: &Web,
    code: &str,
    form: Option<VersionForm>,
    errors: Vec<FieldError>,
) -> PageResult {
    let mut conn = s.store.reader().await?;
    let item = catalog::item_in_force(&mut conn, code, time::local_day(time::now()))
        .await?
        .ok_or_else(|| {
            PageError::new(
                StatusCode::NOT_FOUND,
                "未找到该事项",
                format!("事项“{code}”不存在或尚未生效。"),
            )
        })?;
    drop(conn);
    let versions = catalog::history(&s.store, code, false).await?;
    let form = match form {
        Some(f) => f,
        None => VersionForm::from_content(item.content()?),
    };
    let failed = !errors.is_empty();
    let r = render(&ItemPage {
        layout: web.layout(),
        code: code.to_string(),
        item,
        versions,
        form,
        statuses: ItemStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        depths: OnlineDepth::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        registration_kinds: tongban_domain::registration::RegistrationKind::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn item_editor(State(s): State<AppState>, web: Web, Path(code): Path<String>) -> PageResult {
    admin(&web)?;
    item_page(&s, &web, &code, None, vec![]).await
}

async fn new_version(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    PageForm(f): PageForm<VersionForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    let mut conn = s.store.reader().await?;
    let item = catalog::item_in_force(&mut conn, &code, time::local_day(time::now()))
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "未找到该事项", "事项不存在"))?;
    drop(conn);
    let content = match f.apply(item.content()?) {
        Ok(c) => c,
        Err(e) => return item_page(&s, &web, &code, Some(f), vec![e]).await,
    };
    let Some(eff) = time::parse_day(f.effective_from.trim()) else {
        return item_page(
            &s,
            &web,
            &code,
            Some(f),
            vec![FieldError::new("effective_from", "请填写生效日期")],
        )
        .await;
    };
    match catalog::new_version(&s.store, &code, content, eff, &f.change_note, &p.actor()).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/catalog/{code}")).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            item_page(&s, &web, &code, Some(f), errors).await
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn publish(
    State(s): State<AppState>,
    web: Web,
    Path((code, version)): Path<(String, String)>,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    let version: i64 = version
        .parse()
        .map_err(|_| PageError::new(StatusCode::NOT_FOUND, "未找到", "版本不存在"))?;
    match catalog::publish(
        &s.store,
        &code,
        version,
        time::local_day(time::now()),
        &p.actor(),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/catalog/{code}")).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            item_page(&s, &web, &code, None, errors).await
        }
    }
}

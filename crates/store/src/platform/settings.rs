//! The office's own settings (机构设置): its name, the bodies its written decisions
//! name for appeal, and the local rules its figures follow. Administrators change
//! them; every change is in the audit chain.

use crate::audit;
use crate::org::Principal;
use crate::{Result, Store, StoreError, put_setting};
use serde::{Deserialize, Serialize};
use tongban_domain::org::Role;

/// Setting keys.
pub const OFFICE_NAME: &str = "office_name";
pub const RECONSIDERATION_BODY: &str = "reconsideration_body";
pub const COURT: &str = "court";
pub const OFFICE_PHONE: &str = "office_phone";
pub use crate::metrics::BASIC_COUNTS_SATISFIED;

/// The settings as they stand (an empty body or court: derived from the office's
/// name when a notice is printed).
#[derive(Debug, Clone, Serialize)]
pub struct OfficeSettings {
    pub office_name: String,
    pub reconsideration_body: String,
    pub court: String,
    /// 咨询电话: the office's phone for applicants, printed on notices and guides.
    pub phone: String,
    /// 12345 满意率 counts 基本满意 (the local rule; on by default).
    pub hotline_basic_satisfied: bool,
    /// The division code new credit codes carry (统一社会信用代码第3—8位).
    pub registration_division: String,
}

/// The settings as a form or the API gives them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OfficeSettingsInput {
    pub office_name: Option<String>,
    pub reconsideration_body: Option<String>,
    pub court: Option<String>,
    pub phone: Option<String>,
    pub hotline_basic_satisfied: Option<bool>,
    /// Empty or absent: unchanged.
    #[serde(default)]
    pub registration_division: Option<String>,
}

pub async fn office_settings(store: &Store) -> Result<OfficeSettings> {
    Ok(OfficeSettings {
        office_name: store.office_name().await?,
        reconsideration_body: store
            .setting(RECONSIDERATION_BODY)
            .await?
            .unwrap_or_default(),
        court: store.setting(COURT).await?.unwrap_or_default(),
        phone: store.setting(OFFICE_PHONE).await?.unwrap_or_default(),
        hotline_basic_satisfied: store.setting(BASIC_COUNTS_SATISFIED).await?.as_deref()
            != Some("0"),
        registration_division: store
            .setting(crate::registration::DIVISION_SETTING)
            .await?
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| crate::registration::DEFAULT_DIVISION.into()),
    })
}

/// Saves the settings, every fault named at once; administrators only.
pub async fn save_office_settings(
    store: &Store,
    p: &Principal,
    input: &OfficeSettingsInput,
) -> Result<OfficeSettings> {
    if p.role != Role::Admin {
        return Err(StoreError::Forbidden(
            "只有系统管理员可以修改机构设置".into(),
        ));
    }
    let mut faults = tongban_domain::Faults::default();
    let name = faults.take(tongban_domain::required_text(
        "office_name",
        "机构名称",
        input.office_name.as_deref().unwrap_or(""),
        60,
    ));
    let optional = |field: &'static str, label: &str, v: Option<&str>| match v.map(str::trim) {
        Some(t) if !t.is_empty() => tongban_domain::required_text(field, label, t, 60),
        _ => Ok(String::new()),
    };
    let body = faults.take(optional(
        "reconsideration_body",
        "行政复议机关",
        input.reconsideration_body.as_deref(),
    ));
    let court = faults.take(optional(
        "court",
        "行政诉讼管辖法院",
        input.court.as_deref(),
    ));
    // Landlines as offices write them (0512-57xxxxxx), or a mobile or hotline.
    let phone = match input
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => Some(String::new()),
        Some(p) => faults.take(
            if p.chars().count() <= 20
                && p.chars().filter(char::is_ascii_digit).count() >= 5
                && p.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')'))
            {
                Ok(p.to_string())
            } else {
                Err(tongban_domain::Invalid::new(
                    "phone",
                    "咨询电话应为电话号码，如 0512-57368800 或 12345",
                ))
            },
        ),
    };
    // A six-digit division of GB/T 2260 (not a province or prefecture's own).
    let division = match input
        .registration_division
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => Some(None),
        Some(d) => faults
            .take(
                if d.len() == 6 && d.bytes().all(|b| b.is_ascii_digit()) && !d.ends_with("00") {
                    Ok(d.to_string())
                } else {
                    Err(tongban_domain::Invalid::new(
                        "registration_division",
                        "登记机关行政区划代码应为六位县级行政区划代码，如 320583",
                    ))
                },
            )
            .map(Some),
    };
    let (name, body, court, phone, division) =
        faults.finish(match (name, body, court, phone, division) {
            (Some(n), Some(b), Some(c), Some(p), Some(d)) => Some((n, b, c, p, d)),
            _ => None,
        })?;
    let basic = input.hotline_basic_satisfied.unwrap_or(false);
    let mut tx = store.begin().await?;
    put_setting(&mut tx, OFFICE_NAME, &name).await?;
    for (key, value) in [
        (RECONSIDERATION_BODY, &body),
        (COURT, &court),
        (OFFICE_PHONE, &phone),
    ] {
        if value.is_empty() {
            sqlx::query("DELETE FROM settings WHERE key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        } else {
            put_setting(&mut tx, key, value).await?;
        }
    }
    put_setting(
        &mut tx,
        BASIC_COUNTS_SATISFIED,
        if basic { "1" } else { "0" },
    )
    .await?;
    if let Some(d) = &division {
        put_setting(&mut tx, crate::registration::DIVISION_SETTING, d).await?;
    }
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "settings.office",
        "settings",
        "office",
        serde_json::json!({ "office_name": name, "reconsideration_body": body, "court": court,
            "phone": phone, "hotline_basic_satisfied": basic, "registration_division": division }),
    )
    .await?;
    tx.commit().await?;
    store.forget_office_name();
    store.forget_places();
    office_settings(store).await
}

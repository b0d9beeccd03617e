//! "One thing" bundles (一件事一次办): several catalog items a citizen or an
//! enterprise needs for one event of life or business (a birth, opening a
//! business), kept by administrators in versions like the catalog and applied for
//! once — one form whose fields are the items' fields joined, each material asked
//! once, one number and one result for the applicant — while each department works
//! its own case with its own clock.

use crate::auto_approval::FormField;
use crate::case::{ApplicantInput, ApplicationInput};
use crate::catalog::Material;
use crate::registration::EstablishInput;
use crate::{Faults, Invalid};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most items one bundle may join.
pub const MAX_ITEMS: usize = 12;

/// The kind of event a bundle serves, as the portal groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// 个人生活事件: a birth, a marriage, retirement…
    Life,
    /// 企业经营事件: opening a business, a restaurant, a change…
    Enterprise,
}

impl Event {
    pub const ALL: &'static [Event] = &[Event::Life, Event::Enterprise];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Life => "life",
            Self::Enterprise => "enterprise",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Life => "个人生活事件",
            Self::Enterprise => "企业经营事件",
        }
    }

    /// From its code or its label.
    pub fn parse(s: &str) -> Option<Event> {
        Self::ALL
            .iter()
            .copied()
            .find(|e| e.as_str() == s || e.label() == s)
    }
}

/// A bundle's code: 2 to 32 capital letters, digits or hyphens, starting with a
/// letter (e.g. `YJS-KBQY`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct BundleCode(String);

impl BundleCode {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim().to_ascii_uppercase();
        let ok = (2..=32).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_uppercase())
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(s))
        } else {
            Err(Invalid::new(
                "code",
                "一件事编码应为2至32位大写字母、数字或连字符，以字母开头（如 YJS-KBQY）",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BundleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bundle version as an administrator types it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BundleInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    /// `life` or `enterprise` (or their labels).
    #[serde(default)]
    pub event: String,
    /// What the portal shows it under: 出生, 开办企业, 开餐馆…
    #[serde(default)]
    pub theme: String,
    #[serde(default)]
    pub description: String,
    /// Catalog item codes, two or more.
    #[serde(default)]
    pub items: Vec<String>,
    /// `YYYY-MM-DD`, today or later (published before it takes effect).
    #[serde(default)]
    pub effective_from: String,
    /// `false` stops the bundle from that day (停用); `true` when left out.
    #[serde(default)]
    pub in_use: Option<bool>,
}

/// A checked bundle version.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    pub code: BundleCode,
    pub name: String,
    pub event: Event,
    pub theme: String,
    pub description: String,
    pub items: Vec<String>,
    pub effective_from: NaiveDate,
    pub in_use: bool,
}

fn text(
    f: &mut Faults,
    field: &'static str,
    label: &str,
    v: &str,
    max: usize,
    need: bool,
) -> String {
    let v = v.trim();
    if need && v.is_empty() {
        f.push(Invalid::new(field, format!("请填写{label}")));
    } else if v.chars().count() > max {
        f.push(Invalid::new(field, format!("{label}不能超过{max}个字")));
    }
    v.to_string()
}

impl BundleInput {
    /// Every fault at once: a code, a name and a theme, the kind of event, two to
    /// twelve items each named once, a day not in the past.
    pub fn check(&self, today: NaiveDate) -> Result<Bundle, Vec<Invalid>> {
        let mut f = Faults::default();
        let code = f.take(BundleCode::parse(&self.code));
        let name = text(&mut f, "name", "一件事名称", &self.name, 60, true);
        let theme = text(&mut f, "theme", "主题", &self.theme, 20, true);
        let description = text(
            &mut f,
            "description",
            "说明",
            &self.description,
            1000,
            false,
        );
        let event = f.take(Event::parse(self.event.trim()).ok_or_else(|| {
            Invalid::new(
                "event",
                "事件类型应为 life（个人生活事件）或 enterprise（企业经营事件）",
            )
        }));
        let items = crate::item_codes(&self.items, &mut f);
        if items.len() < 2 {
            f.push(Invalid::new("items", "一件事至少联办两个事项"));
        } else if items.len() > MAX_ITEMS {
            f.push(Invalid::new(
                "items",
                format!("一件事的事项不能超过{MAX_ITEMS}个"),
            ));
        }
        let effective = f.take(crate::effective_day(&self.effective_from, today, "一件事"));
        let bundle = match (code, event, effective) {
            (Some(code), Some(event), Some(effective_from)) => Some(Bundle {
                code,
                name,
                event,
                theme,
                description,
                items,
                effective_from,
                in_use: self.in_use.unwrap_or(true),
            }),
            _ => None,
        };
        f.finish(bundle)
    }
}

/// The items' application forms joined: each field once, in the order met; a field
/// several items ask for is required when any of them requires it. A field named
/// alike with another type is a fault naming both items.
pub fn union_fields<'a>(
    items: impl IntoIterator<Item = (&'a str, &'a [FormField])>,
) -> Result<Vec<FormField>, Invalid> {
    let mut out: Vec<(FormField, &str)> = vec![];
    for (item, fields) in items {
        for field in fields {
            match out.iter_mut().find(|(x, _)| x.name == field.name) {
                Some((x, first)) if x.kind != field.kind => {
                    return Err(Invalid::new(
                        "items",
                        format!(
                            "申请表字段“{}”在“{first}”中为{}，在“{item}”中为{}，请先统一两事项的申请表",
                            field.name,
                            x.kind.label(),
                            field.kind.label()
                        ),
                    ));
                }
                Some((x, _)) => x.required |= field.required,
                None => out.push((field.clone(), item)),
            }
        }
    }
    Ok(out.into_iter().map(|(f, _)| f).collect())
}

/// Whether a bundle that opens a business supplies a material itself: the business
/// license it issues (营业执照, in any wording of the catalog's materials), which the
/// bundle's other items then ask of no one.
pub fn supplied_by_establishment(material: &str) -> bool {
    material.contains("营业执照")
}

/// A material asked once for the whole bundle, with the items that need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedMaterial {
    pub name: String,
    /// Required by at least one item.
    pub required: bool,
    /// The names of the items that use it.
    pub items: Vec<String>,
}

/// The items' materials joined: each material once (by name), required when any
/// item requires it.
pub fn union_materials<'a>(
    items: impl IntoIterator<Item = (&'a str, &'a [Material])>,
) -> Vec<SharedMaterial> {
    let mut out: Vec<SharedMaterial> = vec![];
    for (item, materials) in items {
        for m in materials {
            match out.iter_mut().find(|x| x.name == m.name) {
                Some(x) => {
                    x.required |= m.required;
                    if !x.items.iter().any(|i| i == item) {
                        x.items.push(item.to_string());
                    }
                }
                None => out.push(SharedMaterial {
                    name: m.name.clone(),
                    required: m.required,
                    items: vec![item.to_string()],
                }),
            }
        }
    }
    out
}

/// A bundle application as the window, the API or the portal gives it: one
/// applicant, one form, one set of materials for all the bundle's items, and the
/// establishment's particulars when the bundle opens a business.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BundleApplicationInput {
    /// `window` (a clerk) or `online`; the portal always files online.
    #[serde(default)]
    pub channel: Option<String>,
    /// Who applies (left out when a registration names the legal representative).
    #[serde(default)]
    pub applicant: Option<ApplicantInput>,
    /// The materials handed in at a window, each named once.
    #[serde(default)]
    pub materials: Option<Vec<String>>,
    /// The joined form's answers, by field name.
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    #[serde(default)]
    pub note: Option<String>,
    /// 设立登记 when the bundle holds the establishment item.
    #[serde(default)]
    pub registration: Option<EstablishInput>,
    /// The portal's draft whose files are the materials.
    #[serde(skip)]
    pub draft: Option<String>,
}

impl BundleApplicationInput {
    /// The ordinary application for one of the bundle's items: the same applicant,
    /// the materials and form answers that item asks for, accepted at once at a
    /// window, the bundle named in the note.
    pub fn for_item(
        &self,
        item_code: &str,
        fields: &[FormField],
        materials: &[Material],
        applicant: Option<ApplicantInput>,
        note: String,
    ) -> ApplicationInput {
        ApplicationInput {
            item_code: Some(item_code.to_string()),
            channel: self.channel.clone(),
            applicant,
            materials: self.materials.as_ref().map(|given| {
                materials
                    .iter()
                    .filter(|m| given.contains(&m.name))
                    .map(|m| m.name.clone())
                    .collect()
            }),
            accept: Some(true),
            draft: self.draft.clone(),
            note: Some(note),
            form: Some(
                self.form
                    .iter()
                    .filter(|(k, v)| !v.trim().is_empty() && fields.iter().any(|f| &f.name == *k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            ..ApplicationInput::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auto_approval::FieldKind;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn input() -> BundleInput {
        BundleInput {
            code: "yjs-kbqy".into(),
            name: "开办企业一件事".into(),
            event: "enterprise".into(),
            theme: "开办企业".into(),
            description: String::new(),
            items: vec!["A".into(), "B".into()],
            effective_from: "2026-03-01".into(),
            in_use: None,
        }
    }

    #[test]
    fn a_bundle_is_checked_field_by_field() {
        let b = input().check(day("2026-03-01")).unwrap();
        assert_eq!(b.code.as_str(), "YJS-KBQY");
        assert_eq!(b.event, Event::Enterprise);
        assert!(b.in_use);
        let bad = BundleInput {
            code: "1x".into(),
            name: " ".into(),
            event: "party".into(),
            items: vec!["A".into(), "A".into()],
            effective_from: "2026-02-28".into(),
            ..input()
        };
        let faults = bad.check(day("2026-03-01")).unwrap_err();
        let fields: Vec<&str> = faults.iter().map(|f| f.field).collect();
        for want in ["code", "name", "event", "items", "effective_from"] {
            assert!(fields.contains(&want), "{want} missing in {fields:?}");
        }
        assert!(faults.iter().any(|f| f.message.contains("重复")));
    }

    fn field(name: &str, kind: FieldKind, required: bool) -> FormField {
        FormField {
            name: name.into(),
            label: name.into(),
            kind,
            required,
        }
    }

    #[test]
    fn forms_join_each_field_once_and_a_clash_names_both_items() {
        let a = vec![
            field("birth_date", FieldKind::Date, false),
            field("name", FieldKind::Text, true),
        ];
        let b = vec![
            field("birth_date", FieldKind::Date, true),
            field("hospital", FieldKind::Text, false),
        ];
        let u = union_fields([("出生医学证明", a.as_slice()), ("户口登记", b.as_slice())]).unwrap();
        let names: Vec<&str> = u.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["birth_date", "name", "hospital"]);
        assert!(u[0].required, "required when any item requires it");
        let c = vec![field("birth_date", FieldKind::Number, false)];
        let e = union_fields([("出生医学证明", a.as_slice()), ("医保", c.as_slice())]).unwrap_err();
        assert!(e.message.contains("出生医学证明") && e.message.contains("医保"));
    }

    #[test]
    fn materials_are_asked_once_with_the_items_needing_them() {
        let m = |n: &str, r: bool| Material {
            name: n.into(),
            required: r,
            original: false,
            electronic: true,
            copies: 1,
            deferrable: false,
        };
        let a = vec![m("身份证", true), m("出生证明", false)];
        let b = vec![m("身份证", false), m("出生证明", true), m("户口簿", true)];
        let u = union_materials([("甲", a.as_slice()), ("乙", b.as_slice())]);
        assert_eq!(u.len(), 3);
        assert_eq!(u[0].items, ["甲", "乙"]);
        assert!(u[1].required);
        assert_eq!(u[2].items, ["乙"]);
        assert!(supplied_by_establishment("营业执照副本复印件"));
        assert!(!supplied_by_establishment("身份证"));
    }
}

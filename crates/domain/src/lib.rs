//! The rules of a county-level government service office, free of IO: the catalog of
//! approval items, cases and their legal clocks, the working-day calendar, identity
//! codes, organisation and roles. Storage and HTTP layers build on these types.

/// An enum whose values have a stable code (stored in the database, sent over the
/// API) and a Chinese label (shown to people): `ALL`, `as_str`, `label`, `parse`
/// (the code or the label, trimmed) and `choices` (for error messages). Serde uses
/// the snake_case variant names. The one way every coded enum is made (the store's
/// too: `tongban_domain::coded_enum!`).
#[macro_export]
macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$(Self::$v),+];
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $code),+ }
            }
            pub fn label(self) -> &'static str {
                match self { $(Self::$v => $label),+ }
            }
            /// The value of a code, exactly (the API, the database).
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
            /// The value of a code or a Chinese label, trimmed (a workbook, a form
            /// people type into).
            pub fn parse_code_or_label(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label() == s)
            }
            /// `code（label）` list for error messages.
            pub fn choices() -> String {
                Self::ALL
                    .iter()
                    .map(|v| format!("{}（{}）", v.as_str(), v.label()))
                    .collect::<Vec<_>>()
                    .join("、")
            }
        }
    };
}

pub mod acceptance;
pub mod auto_approval;
pub mod bundle;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod codes;
pub mod enterprise;
pub mod hotline;
pub mod intermediary;
pub mod metrics;
pub mod org;
pub mod project;
pub mod public;
pub mod rating;
pub mod reform;
pub mod registration;
pub mod stage;
pub mod supervision;
pub mod survey;
pub mod topics;
pub mod trading;

pub use calendar::{Calendar, CalendarError, DayKind, Pause, TimeUnit};
pub use codes::{CodeError, CreditCode, IdNumber, Mobile};

/// A rule broken by input: the field it concerns and a Chinese message for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// The faults of one input gathered field by field, so a form or an API client hears
/// of all of them at once instead of one per try.
#[derive(Debug, Default)]
pub struct Faults(Vec<Invalid>);

impl Faults {
    /// The value, or `None` with its fault kept.
    pub fn take<T>(&mut self, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
    pub fn push(&mut self, e: Invalid) {
        self.0.push(e);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The value when nothing was at fault, otherwise every fault (at least one).
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<Invalid>> {
        match value {
            Some(v) if self.0.is_empty() => Ok(v),
            _ if !self.0.is_empty() => Err(self.0),
            _ => Err(vec![Invalid::new("input", "输入无效")]),
        }
    }
}

/// Money in fen (分); never a float.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl std::fmt::Display for Fen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:02}元", self.0 / 100, (self.0 % 100).abs())
    }
}

/// Parses a non-empty trimmed text of at most `max` characters.
pub fn required_text(
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::new(field, format!("{label}不能为空")));
    }
    if v.chars().count() > max {
        return Err(Invalid::new(field, format!("{label}不能超过{max}个字")));
    }
    Ok(v.to_string())
}

/// A day a catalog definition takes effect: `YYYY-MM-DD`, today or later (published
/// before it takes effect, 施行前公布); `what` names the definition in the message.
pub fn effective_day(
    s: &str,
    today: chrono::NaiveDate,
    what: &str,
) -> Result<chrono::NaiveDate, Invalid> {
    let s = s.trim();
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        Invalid::new(
            "effective_from",
            format!("生效日期“{s}”无效，应为 YYYY-MM-DD"),
        )
    })?;
    if d < today {
        return Err(Invalid::new(
            "effective_from",
            format!("生效日期不能早于今天（{what}须在施行前公布）"),
        ));
    }
    Ok(d)
}

/// Catalog item codes as listed in a definition: trimmed, blanks skipped, each once
/// (a repeat is a fault of `items`).
pub fn item_codes(listed: &[String], f: &mut Faults) -> Vec<String> {
    let mut items: Vec<String> = vec![];
    for i in listed {
        let i = i.trim();
        if i.is_empty() {
            continue;
        }
        if items.iter().any(|x| x == i) {
            f.push(Invalid::new("items", format!("事项“{i}”重复")));
        } else {
            items.push(i.to_string());
        }
    }
    items
}

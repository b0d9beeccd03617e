//! Time as stored: UTC instants as fixed-width text, legal days as local dates in
//! Asia/Shanghai (UTC+8, no daylight saving).

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};

pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// `2026-11-27T03:27:49.123Z`
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The local (China) day of an instant: the legal day it falls on.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

/// Nine in the morning, local time, of a day: when a history's event of that day is
/// taken to have happened.
pub fn morning_of(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(9, 0, 0)
        .and_then(|t| t.and_local_timezone(china()).single())
        .map_or_else(now, |t| t.with_timezone(&Utc))
}

pub fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// An instant shown to people: local time with offset.
pub fn display(s: &str) -> String {
    parse_stamp(s)
        .map(|t| {
            t.with_timezone(&china())
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        })
        .unwrap_or_else(|| s.to_string())
}

/// A day as documents and reports write it: `2026年11月20日`, from a day
/// (`2026-11-20`) or an instant (its Beijing day); anything else as it is.
pub fn cn_date(s: &str) -> String {
    use chrono::Datelike;
    let day = parse_stamp(s)
        .map(local_day)
        .or_else(|| parse_day(s.get(..10).unwrap_or(s)));
    match day {
        Some(d) => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        None => s.to_string(),
    }
}

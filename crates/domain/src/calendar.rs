//! The official working-day calendar: public holidays and weekend days made working
//! days (调休) from the State Council's yearly notices, and the legal clocks counted
//! on it in working or natural days, with pauses that stop the clock.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// What the official calendar says of a special day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday: not a working day even on a weekday.
    Holiday,
    /// A weekend day made a working day (调休).
    Workday,
}

/// Unit of a time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// 工作日.
    Working,
    /// 自然日.
    Natural,
}

/// A stop of the clock: days `d` with `from < d <= to` are not counted; `to == None`
/// means the clock is still stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pause {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Pause {
    fn covers(&self, d: NaiveDate) -> bool {
        self.from < d && self.to.is_none_or(|to| d <= to)
    }
}

/// A day whose status differs from the weekday rule, or a holiday falling on a weekend.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpecialDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// Name of the festival the arrangement belongs to, e.g. 国庆节.
    pub festival: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "{date}所在年份（{}年）的节假日安排尚未录入，无法计算工作日",
        .date.year()
    )]
    OutOfRange { date: NaiveDate },
    #[error("节假日数据第{line}行有误：{message}")]
    Parse { line: usize, message: String },
}

/// Working-day flags of one year, bit `i` for the day with `ordinal0() == i`.
type YearBits = [u64; 6];

/// The working-day calendar of the known years.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, SpecialDay>,
    years: BTreeMap<i32, YearBits>,
}

/// Whether a date is paused, and until when.
enum PauseState {
    Running,
    /// Paused through the given date (the latest end of the closed pauses covering it).
    Until(NaiveDate),
    /// Covered by a pause that is still open.
    Open,
}

fn pause_state(pauses: &[Pause], d: NaiveDate) -> PauseState {
    let mut state = PauseState::Running;
    for p in pauses.iter().filter(|p| p.covers(d)) {
        match p.to {
            None => return PauseState::Open,
            Some(to) => match state {
                PauseState::Until(u) if u >= to => {}
                _ => state = PauseState::Until(to),
            },
        }
    }
    state
}

/// A holiday fixed by date in every year's schedule: 元旦, 劳动节, 国庆's first three days.
fn is_fixed_holiday(d: NaiveDate) -> bool {
    matches!((d.month(), d.day()), (1, 1) | (5, 1) | (10, 1..=3))
}

fn is_weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Looks days up, caching the bitset of the current year.
struct Lookup<'a> {
    calendar: &'a Calendar,
    year: i32,
    bits: Option<&'a YearBits>,
}

impl<'a> Lookup<'a> {
    fn new(calendar: &'a Calendar) -> Self {
        Self {
            calendar,
            year: i32::MIN,
            bits: None,
        }
    }

    fn is_working(&mut self, d: NaiveDate) -> Result<bool, CalendarError> {
        let year = d.year();
        if year != self.year {
            self.year = year;
            self.bits = self.calendar.years.get(&year);
        }
        let bits = self.bits.ok_or(CalendarError::OutOfRange { date: d })?;
        let i = d.ordinal0() as usize;
        Ok(bits[i / 64] >> (i % 64) & 1 == 1)
    }
}

fn next_day(d: NaiveDate) -> Result<NaiveDate, CalendarError> {
    d.succ_opt().ok_or(CalendarError::OutOfRange { date: d })
}

fn parse_error(line: usize, message: String) -> CalendarError {
    CalendarError::Parse { line, message }
}

impl Calendar {
    /// A calendar answering for `known_years`; special days of other years are kept
    /// (see [`Calendar::special_days`]) but those years stay unanswerable. A later
    /// special day replaces an earlier one of the same date.
    pub fn new(
        days: impl IntoIterator<Item = SpecialDay>,
        known_years: impl IntoIterator<Item = i32>,
    ) -> Self {
        let days: BTreeMap<NaiveDate, SpecialDay> = days.into_iter().map(|d| (d.date, d)).collect();
        let years = known_years
            .into_iter()
            .filter_map(|y| Some((y, Self::year_bits(y, &days)?)))
            .collect();
        Self { days, years }
    }

    fn year_bits(year: i32, days: &BTreeMap<NaiveDate, SpecialDay>) -> Option<YearBits> {
        let first = NaiveDate::from_yo_opt(year, 1)?;
        let mut bits = YearBits::default();
        for d in first.iter_days().take_while(|d| d.year() == year) {
            let working = match days.get(&d) {
                Some(s) => s.kind == DayKind::Workday,
                None => is_weekday(d),
            };
            if working {
                let i = d.ordinal0() as usize;
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        Some(bits)
    }

    /// Reads `date,kind,festival` lines (header first; `kind` is `holiday` or
    /// `workday`); the known years are those that appear in the file.
    pub fn from_csv(text: &str) -> Result<Self, CalendarError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
        match lines.next() {
            Some((_, "date,kind,festival")) => {}
            _ => {
                return Err(parse_error(1, "表头应为“date,kind,festival”".to_owned()));
            }
        }
        let mut days = Vec::new();
        let mut seen = BTreeSet::new();
        for (line, text) in lines.filter(|(_, l)| !l.is_empty()) {
            let mut fields = text.splitn(3, ',').map(str::trim);
            let (Some(date), Some(kind), Some(festival)) =
                (fields.next(), fields.next(), fields.next())
            else {
                return Err(parse_error(
                    line,
                    "应有3列：日期、类型、节日名称".to_owned(),
                ));
            };
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
                parse_error(
                    line,
                    format!("日期“{date}”无效，应为YYYY-MM-DD格式的实际日期"),
                )
            })?;
            let kind = match kind {
                "holiday" => DayKind::Holiday,
                "workday" => DayKind::Workday,
                other => {
                    return Err(parse_error(
                        line,
                        format!("类型“{other}”无效，应为holiday或workday"),
                    ));
                }
            };
            if !seen.insert(date) {
                return Err(parse_error(line, format!("日期{date}重复出现")));
            }
            days.push(SpecialDay {
                date,
                kind,
                festival: festival.to_owned(),
            });
        }
        let years: BTreeSet<i32> = seen.iter().map(|d| d.year()).collect();
        Ok(Self::new(days, years))
    }

    /// The years the calendar can answer for, ascending.
    pub fn known_years(&self) -> impl Iterator<Item = i32> {
        self.years.keys().copied()
    }

    /// All special days, by date.
    pub fn special_days(&self) -> impl Iterator<Item = &SpecialDay> {
        self.days.values()
    }

    /// The special day on `d`, if any.
    pub fn special_day(&self, d: NaiveDate) -> Option<&SpecialDay> {
        self.days.get(&d)
    }

    /// Whether the year of `d` is a known year.
    pub fn is_known(&self, d: NaiveDate) -> bool {
        self.years.contains_key(&d.year())
    }

    /// A special day's kind decides; otherwise Monday to Friday are working days.
    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        Lookup::new(self).is_working(d)
    }

    /// The n-th working day after `start` from the calendar, or estimated where it
    /// runs past the known years.
    pub fn deadline_or_estimate(&self, start: NaiveDate, n: u32) -> NaiveDate {
        self.deadline(start, n)
            .unwrap_or_else(|_| Self::estimate_deadline(start, n))
    }

    /// 期限: the n-th working day after `start` (start itself not counted). n = 0
    /// returns start.
    pub fn deadline(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut lookup = Lookup::new(self);
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = next_day(d)?;
            if lookup.is_working(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// Deadline of a time limit of `n` days in `unit` after `start`, not counting the
    /// paused days. `Ok(None)` when the clock is stopped by an open pause before the
    /// limit is reached: the deadline is not determined yet. Natural days need no
    /// holiday data, so they never give `OutOfRange` (short of chrono's date range).
    pub fn due_date(
        &self,
        start: NaiveDate,
        n: u32,
        unit: TimeUnit,
        pauses: &[Pause],
    ) -> Result<Option<NaiveDate>, CalendarError> {
        let due = self.count_to(start, n, unit, pauses)?;
        // A period in natural days whose last day is a rest day ends on the next
        // working day (民法典第二百零三条). Past the known years it stays as counted.
        match due {
            Some(mut d) if unit == TimeUnit::Natural && n > 0 => {
                while let Ok(false) = self.is_working_day(d) {
                    d = next_day(d)?;
                }
                Ok(Some(d))
            }
            other => Ok(other),
        }
    }

    /// The day on which `n` counted days after `start` are used up, skipping paused
    /// days, without moving a natural-day period off a rest day.
    pub fn count_to(
        &self,
        start: NaiveDate,
        n: u32,
        unit: TimeUnit,
        pauses: &[Pause],
    ) -> Result<Option<NaiveDate>, CalendarError> {
        if pauses.is_empty() {
            return match unit {
                TimeUnit::Working => self.deadline(start, n).map(Some),
                TimeUnit::Natural => start
                    .checked_add_days(Days::new(u64::from(n)))
                    .map(Some)
                    .ok_or(CalendarError::OutOfRange { date: start }),
            };
        }
        let mut lookup = Lookup::new(self);
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = next_day(d)?;
            match pause_state(pauses, d) {
                PauseState::Open => return Ok(None),
                PauseState::Until(to) => {
                    d = to;
                    continue;
                }
                PauseState::Running => {}
            }
            if unit == TimeUnit::Natural || lookup.is_working(d)? {
                left -= 1;
            }
        }
        Ok(Some(d))
    }

    /// Counted days in (start, end] in `unit`, not counting the paused days (an open
    /// pause runs to `end`). 0 if `end <= start`.
    pub fn elapsed(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        unit: TimeUnit,
        pauses: &[Pause],
    ) -> Result<u32, CalendarError> {
        if end <= start {
            return Ok(0);
        }
        if unit == TimeUnit::Natural && pauses.is_empty() {
            // At most about 1.9e8 days between any two chrono dates.
            return Ok(u32::try_from((end - start).num_days()).unwrap_or(u32::MAX));
        }
        let mut lookup = Lookup::new(self);
        let mut d = start;
        let mut count = 0u32;
        while d < end {
            d = next_day(d)?;
            match pause_state(pauses, d) {
                PauseState::Open => break,
                PauseState::Until(to) => {
                    d = to;
                    continue;
                }
                PauseState::Running => {}
            }
            if unit == TimeUnit::Natural || lookup.is_working(d)? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// Working days in (from, to]; 0 if `to <= from`.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        self.elapsed(from, to, TimeUnit::Working, &[])
    }

    /// Working days in (from, to]; where the calendar does not know a year yet, its
    /// days are estimated as `estimate_deadline` does (weekdays, less the holidays
    /// fixed by date).
    pub fn working_days_or_estimate(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        self.working_days_between(from, to).unwrap_or_else(|_| {
            from.iter_days()
                .skip(1)
                .take_while(|d| *d <= to)
                .filter(|d| is_weekday(*d) && !is_fixed_holiday(*d))
                .count() as u32
        })
    }

    /// Estimate for dates past the known years (the caller flags it as an estimate):
    /// the n-th working day after `start`, counting Monday to Friday and skipping the
    /// holidays fixed by date every year (元旦 1 January, 劳动节 1 May, 国庆 1–3
    /// October; the lunar festivals and 调休 wait for the year's notice); n = 0
    /// returns start. Saturates at chrono's last date.
    pub fn estimate_deadline(start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            let Some(next) = d.succ_opt() else {
                return NaiveDate::MAX;
            };
            d = next;
            if is_weekday(d) && !is_fixed_holiday(d) {
                left -= 1;
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = include_str!("../../../assets/cn-calendar.csv");

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn cal() -> Calendar {
        Calendar::from_csv(CSV).unwrap()
    }

    #[test]
    fn loads_the_real_file() {
        let c = cal();
        assert_eq!(
            c.known_years().collect::<Vec<_>>(),
            (2004..=2026).collect::<Vec<_>>()
        );
        let days: Vec<&SpecialDay> = c.special_days().collect();
        assert_eq!(days.len(), CSV.lines().count() - 1);
        assert!(days.windows(2).all(|w| w[0].date < w[1].date));
        let s = c.special_day(date(2024, 9, 29)).unwrap();
        assert_eq!((s.kind, s.festival.as_str()), (DayKind::Workday, "国庆节"));
        assert!(c.is_known(date(2004, 1, 1)));
        assert!(c.is_known(date(2026, 12, 31)));
        assert!(!c.is_known(date(2027, 1, 1)));
        assert!(!c.is_known(date(2003, 12, 31)));
    }

    #[test]
    fn national_day_2024() {
        let c = cal();
        for day in 1..=7 {
            assert!(!c.is_working_day(date(2024, 10, day)).unwrap(), "10-{day}");
        }
        // Sunday 09-29 and Saturday 10-12 are 调休 working days.
        assert_eq!(date(2024, 9, 29).weekday(), Weekday::Sun);
        assert_eq!(date(2024, 10, 12).weekday(), Weekday::Sat);
        assert!(c.is_working_day(date(2024, 9, 29)).unwrap());
        assert!(c.is_working_day(date(2024, 10, 12)).unwrap());
        // Ordinary days follow the weekday rule.
        assert!(c.is_working_day(date(2024, 10, 8)).unwrap());
        assert!(!c.is_working_day(date(2024, 9, 28)).unwrap());
        assert!(!c.is_working_day(date(2024, 10, 13)).unwrap());
        // Friday 09-27 → Sunday 09-29 (Saturday 09-28 is a rest day).
        assert_eq!(c.deadline(date(2024, 9, 27), 1).unwrap(), date(2024, 9, 29));
        // Monday 09-30 → Tuesday 10-08, after the 10-01..07 holiday.
        assert_eq!(c.deadline(date(2024, 9, 30), 1).unwrap(), date(2024, 10, 8));
        // 10-08 .. 10-12 are five working days in a row (10-12 is a Saturday).
        assert_eq!(
            c.deadline(date(2024, 9, 30), 5).unwrap(),
            date(2024, 10, 12)
        );
        assert_eq!(c.deadline(date(2024, 9, 30), 0).unwrap(), date(2024, 9, 30));
        // 20 working days of 行政许可法 Art. 42 from 2024-09-20: 09-23..27 (5), 09-29,
        // 09-30 (7), 10-08..12 (12), 10-14..18 (17), 10-21..23 (20).
        assert_eq!(
            c.deadline(date(2024, 9, 20), 20).unwrap(),
            date(2024, 10, 23)
        );
    }

    #[test]
    fn out_of_range() {
        let c = cal();
        // 2026-12-31 (Thursday) is the only working day left in 2026.
        let e = c.deadline(date(2026, 12, 30), 5).unwrap_err();
        assert_eq!(
            e,
            CalendarError::OutOfRange {
                date: date(2027, 1, 1)
            }
        );
        assert_eq!(
            e.to_string(),
            "2027-01-01所在年份（2027年）的节假日安排尚未录入，无法计算工作日"
        );
        assert_eq!(
            c.deadline(date(2026, 12, 30), 1).unwrap(),
            date(2026, 12, 31)
        );
        assert!(c.is_working_day(date(2027, 1, 4)).is_err());
        assert!(c.is_working_day(date(2003, 6, 2)).is_err());
        assert!(
            c.working_days_between(date(2026, 12, 1), date(2027, 1, 5))
                .is_err()
        );
        // An empty calendar knows nothing.
        assert!(
            Calendar::default()
                .is_working_day(date(2024, 1, 2))
                .is_err()
        );
    }

    #[test]
    fn year_added_via_new() {
        let c = cal();
        let mut days: Vec<SpecialDay> = c.special_days().cloned().collect();
        days.push(SpecialDay {
            date: date(2027, 1, 1),
            kind: DayKind::Holiday,
            festival: "元旦".into(),
        });
        let c = Calendar::new(days, c.known_years().chain([2027]));
        assert!(c.is_known(date(2027, 6, 1)));
        assert!(!c.is_working_day(date(2027, 1, 1)).unwrap());
        // 12-31 (1), 2027-01-01 holiday, 01-04..07 (5).
        assert_eq!(c.deadline(date(2026, 12, 30), 5).unwrap(), date(2027, 1, 7));
        // Special days of a year not declared known do not make it answerable.
        let c = Calendar::new(
            [SpecialDay {
                date: date(2030, 1, 1),
                kind: DayKind::Holiday,
                festival: "元旦".into(),
            }],
            [],
        );
        assert_eq!(c.special_days().count(), 1);
        assert!(!c.is_known(date(2030, 1, 2)));
    }

    #[test]
    fn pauses() {
        let c = cal();
        let start = date(2024, 11, 4); // Monday, no special days in November 2024
        let plain = c.due_date(start, 5, TimeUnit::Working, &[]).unwrap();
        assert_eq!(plain, Some(date(2024, 11, 11)));
        // Stopped on 11-06, 11-07, 11-08 (three working days).
        let p = [Pause {
            from: date(2024, 11, 5),
            to: Some(date(2024, 11, 8)),
        }];
        let paused = c.due_date(start, 5, TimeUnit::Working, &p).unwrap();
        assert_eq!(paused, Some(c.deadline(date(2024, 11, 11), 3).unwrap()));
        assert_eq!(paused, Some(date(2024, 11, 14)));
        assert_eq!(
            c.elapsed(start, date(2024, 11, 14), TimeUnit::Working, &p),
            Ok(5)
        );
        // Overlapping pauses count each day once.
        let p2 = [
            p[0],
            Pause {
                from: date(2024, 11, 6),
                to: Some(date(2024, 11, 7)),
            },
        ];
        assert_eq!(
            c.due_date(start, 5, TimeUnit::Working, &p2).unwrap(),
            paused
        );
        // An open pause leaves the deadline undetermined ...
        let open = [Pause {
            from: date(2024, 11, 6),
            to: None,
        }];
        assert_eq!(c.due_date(start, 5, TimeUnit::Working, &open), Ok(None));
        assert_eq!(c.due_date(start, 5, TimeUnit::Natural, &open), Ok(None));
        // ... and elapsed counts up to its start: 11-05, 11-06.
        assert_eq!(
            c.elapsed(start, date(2024, 11, 30), TimeUnit::Working, &open),
            Ok(2)
        );
        // An open pause after the deadline was reached does not change it.
        let late = [Pause {
            from: date(2024, 11, 20),
            to: None,
        }];
        assert_eq!(c.due_date(start, 5, TimeUnit::Working, &late), Ok(plain));
        // A pause over rest days only changes nothing for working days.
        let weekend = [Pause {
            from: date(2024, 11, 8),
            to: Some(date(2024, 11, 10)),
        }];
        assert_eq!(c.due_date(start, 5, TimeUnit::Working, &weekend), Ok(plain));
        assert_eq!(
            c.due_date(start, 5, TimeUnit::Natural, &weekend),
            Ok(Some(date(2024, 11, 11)))
        );
    }

    #[test]
    fn natural_periods_ending_on_a_rest_day_move_to_the_next_working_day() {
        let c = cal();
        // 2024-09-25 + 7 natural days = 10-02, inside the National Day holiday.
        assert_eq!(
            c.count_to(date(2024, 9, 25), 7, TimeUnit::Natural, &[]),
            Ok(Some(date(2024, 10, 2)))
        );
        assert_eq!(
            c.due_date(date(2024, 9, 25), 7, TimeUnit::Natural, &[]),
            Ok(Some(date(2024, 10, 8)))
        );
        // A Saturday that is a make-up working day ends the period where it falls.
        assert_eq!(
            c.due_date(date(2024, 10, 2), 10, TimeUnit::Natural, &[]),
            Ok(Some(date(2024, 10, 12)))
        );
    }

    #[test]
    fn natural_days() {
        let c = cal();
        let start = date(2024, 9, 30);
        assert_eq!(
            c.due_date(start, 10, TimeUnit::Natural, &[]),
            Ok(Some(date(2024, 10, 10)))
        );
        assert_eq!(
            c.elapsed(start, date(2024, 10, 10), TimeUnit::Natural, &[]),
            Ok(10)
        );
        // Natural days need no holiday data.
        assert_eq!(
            c.due_date(date(2026, 12, 30), 5, TimeUnit::Natural, &[]),
            Ok(Some(date(2027, 1, 4)))
        );
        let p = [Pause {
            from: date(2024, 10, 1),
            to: Some(date(2024, 10, 3)),
        }];
        // Days 10-02 and 10-03 are paused (the day a pause starts still counts).
        assert_eq!(
            c.due_date(start, 10, TimeUnit::Natural, &p),
            Ok(Some(date(2024, 10, 12)))
        );
    }

    #[test]
    fn elapsed_is_the_inverse_of_due_date() {
        let c = cal();
        let mut start = date(2023, 12, 1);
        while start < date(2025, 2, 1) {
            let pause_sets = [
                vec![],
                vec![Pause {
                    from: start + Days::new(2),
                    to: Some(start + Days::new(9)),
                }],
                vec![
                    Pause {
                        from: start - Days::new(3),
                        to: Some(start + Days::new(1)),
                    },
                    Pause {
                        from: start + Days::new(4),
                        to: Some(start + Days::new(5)),
                    },
                    Pause {
                        from: start + Days::new(5),
                        to: Some(start + Days::new(20)),
                    },
                ],
            ];
            for pauses in &pause_sets {
                for unit in [TimeUnit::Working, TimeUnit::Natural] {
                    for n in [0, 1, 2, 5, 13, 20, 45] {
                        let due = c.count_to(start, n, unit, pauses).unwrap().unwrap();
                        assert_eq!(c.elapsed(start, due, unit, pauses), Ok(n));
                        if n > 0 {
                            let before = due.pred_opt().unwrap();
                            assert_eq!(c.elapsed(start, before, unit, pauses), Ok(n - 1));
                        }
                    }
                }
            }
            start = start.succ_opt().unwrap();
        }
    }

    #[test]
    fn working_days_between() {
        let c = cal();
        // (09-30, 10-12]: 10-08, 09, 10, 11, 12.
        assert_eq!(
            c.working_days_between(date(2024, 9, 30), date(2024, 10, 12)),
            Ok(5)
        );
        assert_eq!(
            c.working_days_between(date(2024, 9, 27), date(2024, 9, 29)),
            Ok(1)
        );
        assert_eq!(
            c.working_days_between(date(2024, 10, 12), date(2024, 9, 30)),
            Ok(0)
        );
        assert_eq!(
            c.working_days_between(date(2024, 10, 8), date(2024, 10, 8)),
            Ok(0)
        );
        let in_2024 = c.working_days_between(date(2023, 12, 31), date(2024, 12, 31));
        let by_days = date(2024, 1, 1)
            .iter_days()
            .take_while(|d| d.year() == 2024)
            .filter(|&d| c.is_working_day(d).unwrap())
            .count() as u32;
        assert_eq!(in_2024, Ok(by_days));
        assert_eq!(by_days, 251);
    }

    #[test]
    fn working_days_known_or_estimated() {
        let c = cal();
        // 2024-09-27 (Fri) to 2024-10-08 (Tue): 9-29 is a make-up working day,
        // 10-1..7 the National Day holiday.
        assert_eq!(
            c.working_days_or_estimate(date(2024, 9, 27), date(2024, 10, 8)),
            c.working_days_between(date(2024, 9, 27), date(2024, 10, 8))
                .unwrap()
        );
        assert_eq!(
            c.working_days_or_estimate(date(2024, 9, 27), date(2024, 10, 8)),
            3
        );
        // A year not yet known: weekdays less the fixed holidays (2027-01-01 is one).
        assert_eq!(
            c.working_days_or_estimate(date(2026, 12, 31), date(2027, 1, 8)),
            5
        );
        assert_eq!(
            c.working_days_or_estimate(date(2027, 1, 8), date(2027, 1, 8)),
            0
        );
    }

    #[test]
    fn estimate_deadline() {
        let fri = date(2027, 1, 1);
        assert_eq!(Calendar::estimate_deadline(fri, 0), fri);
        assert_eq!(Calendar::estimate_deadline(fri, 1), date(2027, 1, 4));
        assert_eq!(Calendar::estimate_deadline(fri, 5), date(2027, 1, 8));
        assert_eq!(Calendar::estimate_deadline(fri, 6), date(2027, 1, 11));
        // The holidays fixed by date are skipped even before the year's notice.
        assert_eq!(
            Calendar::estimate_deadline(date(2027, 9, 30), 1),
            date(2027, 10, 4)
        );
        assert_eq!(
            Calendar::estimate_deadline(date(2028, 4, 28), 1),
            date(2028, 5, 2)
        );
        assert_eq!(
            Calendar::estimate_deadline(date(2028, 12, 29), 1),
            date(2029, 1, 2)
        );
        assert_eq!(
            Calendar::estimate_deadline(date(2027, 9, 29), 3),
            date(2027, 10, 5)
        );
        // Agrees with a calendar of weekdays only.
        let plain = Calendar::new([], [2030, 2031]);
        let mut start = date(2030, 1, 1);
        while start < date(2030, 3, 1) {
            for n in 0..30 {
                assert_eq!(
                    Calendar::estimate_deadline(start, n),
                    plain.deadline(start, n).unwrap()
                );
            }
            start = start.succ_opt().unwrap();
        }
        assert_eq!(
            Calendar::estimate_deadline(NaiveDate::MAX, 3),
            NaiveDate::MAX
        );
    }

    #[test]
    fn parse_errors_name_the_line() {
        let e = Calendar::from_csv(
            "date,kind,festival\n2024-10-01,holiday,国庆节\n2024-13-01,holiday,x\n",
        )
        .unwrap_err();
        assert!(matches!(e, CalendarError::Parse { line: 3, .. }), "{e:?}");
        assert!(e.to_string().starts_with("节假日数据第3行有误："), "{e}");
        let e = Calendar::from_csv("date,kind,festival\n\n2024-10-01,rest,国庆节\n").unwrap_err();
        assert!(matches!(e, CalendarError::Parse { line: 3, .. }), "{e:?}");
        let e = Calendar::from_csv("date,kind,festival\n2024-10-01\n").unwrap_err();
        assert!(matches!(e, CalendarError::Parse { line: 2, .. }), "{e:?}");
        let e =
            Calendar::from_csv("date,kind,festival\n2024-10-01,holiday,a\n2024-10-01,holiday,b\n")
                .unwrap_err();
        assert!(matches!(e, CalendarError::Parse { line: 3, .. }), "{e:?}");
        let e = Calendar::from_csv("日期,类型,节日\n").unwrap_err();
        assert!(matches!(e, CalendarError::Parse { line: 1, .. }), "{e:?}");
        // A BOM and CRLF line ends are accepted.
        let c = Calendar::from_csv("\u{feff}date,kind,festival\r\n2024-10-01,holiday,国庆节\r\n")
            .unwrap();
        assert!(!c.is_working_day(date(2024, 10, 1)).unwrap());
        assert_eq!(c.known_years().collect::<Vec<_>>(), [2024]);
    }

    #[test]
    fn serde_names() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error as DeError, StrDeserializer};
        let de: StrDeserializer<'_, DeError> = "workday".into_deserializer();
        assert_eq!(DayKind::deserialize(de), Ok(DayKind::Workday));
        let de: StrDeserializer<'_, DeError> = "natural".into_deserializer();
        assert_eq!(TimeUnit::deserialize(de), Ok(TimeUnit::Natural));
    }
}

//! 好差评: the national five-level service rating (国办发〔2019〕51号). A bad rating
//! opens a follow-up (整改) that the department must answer within a time limit.
//! One scale for every satisfaction the platform records, 好差评 and the 12345
//! callback alike: 5 = 非常满意 … 1 = 非常不满意.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingLevel(u8);

impl RatingLevel {
    /// 5 = 非常满意 … 1 = 非常不满意.
    pub fn new(level: i64) -> Result<Self, crate::Invalid> {
        if (1..=5).contains(&level) {
            Ok(Self(level as u8))
        } else {
            Err(crate::Invalid::new("level", LEVEL_FAULT))
        }
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn label(self) -> &'static str {
        LABELS[(self.0 - 1) as usize]
    }

    /// 差评: 不满意 or 非常不满意, which must be checked, rectified and answered.
    pub fn is_bad(self) -> bool {
        self.0 <= BAD_AT_MOST
    }

    /// Satisfaction score used in averages: 100 (非常满意), 80, 60, 40, 20.
    pub fn score(self) -> u32 {
        u32::from(self.0) * 20
    }
}

/// The fault of a level out of the scale.
pub const LEVEL_FAULT: &str =
    "满意度等级应为1至5：5非常满意、4满意、3基本满意、2不满意、1非常不满意";

/// The highest level that is bad (不满意).
pub const BAD_AT_MOST: u8 = 2;

/// 基本满意, which local rules count as satisfied or not.
pub const BASIC: u8 = 3;

/// Whether a level counts as satisfied: 满意 and 非常满意, and 基本满意 where the local
/// rule counts it (setting `basic_counts_satisfied`).
pub fn counts_satisfied(level: u8, basic_counts: bool) -> bool {
    level > BASIC || (basic_counts && level == BASIC)
}

/// The levels best first, as a form offers them.
pub fn levels_best_first() -> Vec<(i64, &'static str)> {
    (1..=5)
        .rev()
        .map(|l| (l, LABELS[(l - 1) as usize]))
        .collect()
}

/// Calendar days after a case ends within which the applicant may rate it (一事一评),
/// as local 好差评 rules set it.
pub const RATING_WINDOW_DAYS: i64 = 30;

/// The labels by level: `LABELS[level - 1]`.
pub const LABELS: [&str; 5] = ["非常不满意", "不满意", "基本满意", "满意", "非常满意"];

/// Working days a department has to answer a bad rating (local rules: 5–15).
pub const FOLLOW_UP_WORKING_DAYS: u32 = 10;

coded_enum! {
    /// 核实: what the department found of a bad rating before rectifying.
    Finding {
        Founded = ("founded", "属实"),
        PartlyFounded = ("partly_founded", "部分属实"),
        Unfounded = ("unfounded", "不属实"),
    }
}

coded_enum! {
    /// 复核: the service management office's decision on a rater's appeal.
    ReviewOutcome {
        /// The department's answer stands.
        Upheld = ("upheld", "维持部门答复"),
        /// The department must rectify and answer again, within a new time limit.
        Redo = ("redo", "责令重新整改"),
    }
}

/// Calendar days after the department's answer within which the rater may appeal.
pub const APPEAL_DAYS: i64 = 15;

/// Longest comment kept with a rating.
pub const MAX_COMMENT_CHARS: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert!(RatingLevel::new(0).is_err());
        assert!(RatingLevel::new(6).is_err());
        let l = RatingLevel::new(2).unwrap();
        assert!(l.is_bad());
        assert_eq!(l.label(), "不满意");
        assert!(!RatingLevel::new(3).unwrap().is_bad());
        assert_eq!(RatingLevel::new(5).unwrap().score(), 100);
        assert_eq!(RatingLevel::new(5).unwrap().label(), "非常满意");
        assert!(counts_satisfied(3, true) && !counts_satisfied(3, false));
        assert!(counts_satisfied(4, false) && !counts_satisfied(2, true));
        assert_eq!(levels_best_first()[0], (5, "非常满意"));
    }
}

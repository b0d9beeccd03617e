//! 好差评: the national five-level service rating (国办发〔2019〕51号). A bad rating
//! opens a follow-up (整改) that the department must answer within a time limit.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingLevel(u8);

impl RatingLevel {
    /// 1 = 非常满意 … 5 = 非常不满意.
    pub fn new(level: i64) -> Result<Self, crate::Invalid> {
        if (1..=5).contains(&level) {
            Ok(Self(level as u8))
        } else {
            Err(crate::Invalid::new(
                "level",
                "评价等级应为1（非常满意）至5（非常不满意）",
            ))
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
        self.0 >= 4
    }

    /// Satisfaction score used in averages: 100, 80, 60, 40, 20.
    pub fn score(self) -> u32 {
        (6 - self.0 as u32) * 20
    }
}

/// Calendar days after a case ends within which the applicant may rate it (一事一评),
/// as local 好差评 rules set it.
pub const RATING_WINDOW_DAYS: i64 = 30;

pub const LABELS: [&str; 5] = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"];

/// Working days a department has to answer a bad rating (local rules: 5–15).
pub const FOLLOW_UP_WORKING_DAYS: u32 = 10;

/// Longest comment kept with a rating.
pub const MAX_COMMENT_CHARS: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert!(RatingLevel::new(0).is_err());
        assert!(RatingLevel::new(6).is_err());
        let l = RatingLevel::new(4).unwrap();
        assert!(l.is_bad());
        assert_eq!(l.label(), "不满意");
        assert!(!RatingLevel::new(3).unwrap().is_bad());
        assert_eq!(RatingLevel::new(1).unwrap().score(), 100);
    }
}

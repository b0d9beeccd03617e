//! Work that spans areas and so sits above them: importing a calendar year, which the
//! cases' deadlines and the kept counters then follow. Nothing below imports this.

pub mod backup;
pub mod calendar_year;

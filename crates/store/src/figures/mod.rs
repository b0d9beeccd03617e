//! Figures: the counters kept per day and month in the writing transaction, the
//! metrics computed from them for any period, the dashboards and the work report.

pub mod dashboards;
pub mod displays;
pub mod metrics;
pub mod report;
pub mod stats;

//! The enterprise complaint center (企业投诉处理中心): the key projects hooked to it
//! (挂钩项目), tracked weekly, summarised monthly and analysed quarterly
//! (`tracking`).

mod tracking;

pub use tracking::*;

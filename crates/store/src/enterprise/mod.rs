//! The enterprise complaint center (企业投诉处理中心): the key projects hooked to it
//! (挂钩项目), tracked weekly, summarised monthly and analysed quarterly
//! (`key_projects`).

mod key_projects;

pub use key_projects::*;

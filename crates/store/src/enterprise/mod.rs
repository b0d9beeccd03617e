//! The enterprise complaint center (企业投诉处理中心): enterprises signing in
//! (`contacts`), their complaints (`complaints`), and the key projects hooked to it
//! (挂钩项目), tracked weekly, summarised monthly and analysed quarterly
//! (`key_projects`), and the quarterly satisfaction survey of departments
//! (`survey`).

mod complaints;
mod contacts;
mod key_projects;
mod survey;

pub use complaints::*;
pub use contacts::*;
pub use key_projects::*;
pub use survey::*;

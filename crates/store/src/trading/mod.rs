//! 公共资源交易: the announcements the three trading systems feed (`feed`), the
//! public site's search and project timelines (`announcements`), bidders' credit
//! information (`credit`), and their OCDS 1.1 publication (`ocds`).

pub mod announcements;
pub mod credit;
pub mod feed;
pub mod ocds;

pub use announcements::{NoticePage, NoticeQuery, NoticeView, ProjectView, project, search};
pub use credit::{CreditView, in_force, ingest_credit};
pub use feed::{
    Batch, FeedReport, Rejected, ingest, new_key, parse_csv, parse_json, parse_json_as,
    source_of_key,
};

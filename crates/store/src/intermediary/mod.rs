//! 涉审中介 and the 中介超市: the registry of agencies with their qualifications,
//! decoupling and credit (`agencies`), and the market where owners publish service
//! requests, agencies quote, one is selected by rule, delivers and is rated
//! (`market`).

pub mod agencies;
pub mod market;

pub use agencies::{AgencyQuery, AgencyView, PenaltyView, QualificationView, ServiceNeed};
pub use market::{Party, QuoteView, RequestQuery, RequestView};

//! The service center (政务服务中心): the catalog of items with its versions and
//! workbook, cases from application to license with their clocks, applicants of the
//! portal, and electronic licenses.

pub mod applicants;
pub mod cases;
pub mod catalog;
pub mod catalog_xlsx;
pub mod licenses;
pub mod reforms;

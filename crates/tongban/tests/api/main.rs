//! The integration tests: one binary (it links once), a module per area. Each test starts
//! the real app on port 0 with a fresh database, on SQLite and on PostgreSQL.
// Tests read top to bottom as a story of one capability; they are exempt from the
// function-length limit the rest of the code keeps.
#![allow(clippy::too_many_lines)]

#[macro_use]
mod common;

mod acceptances;
mod accounts;
mod admin;
mod api_v1;
mod apply;
mod auto_approval;
mod backup;
mod bundles;
mod calls;
mod cli;
mod complaints;
mod config_file;
mod dashboard;
mod disk;
mod dispatch;
mod enterprise;
mod export_orders;
mod figures;
mod files_s3;
mod hotline;
mod hotline_pages;
mod hotline_rates;
mod intake;
mod intermediary;
mod kb;
mod licenses;
mod modes;
mod nodes;
mod observe;
mod paging;
mod procedure;
mod project_stages;
mod projects;
mod rating_loop;
mod reading;
mod reforms;
mod registration;
mod rules;
mod search;
mod security;
mod sms;
mod staff_pages;
mod stats;
mod supervision;
mod surveys;
mod topics;
mod trading;
mod upgrade;
mod views;
mod web;

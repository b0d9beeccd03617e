//! `tongban case`, `catalog` and `license`: cases worked from the command line as a
//! staff account, the catalog's workbook, and license files checked offline.

use super::{DbArgs, open, staff};
use anyhow::Context;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum CaseCommand {
    /// Print a case with its events as JSON.
    Show {
        #[command(flatten)]
        db: DbArgs,
        /// The staff account whose view is used (scoping applies).
        #[arg(long = "as")]
        user: String,
        case_no: String,
    },
    /// Accept (window) or register (online) an application; prints the case.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long = "as")]
        user: String,
        #[arg(long)]
        item: String,
        /// window or online
        #[arg(long, default_value = "window")]
        channel: String,
        #[arg(long)]
        point: Option<String>,
        /// person or organisation
        #[arg(long, default_value = "person")]
        kind: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        id_number: Option<String>,
        #[arg(long)]
        credit_code: Option<String>,
        #[arg(long)]
        phone: String,
        /// Register a window application without accepting it yet.
        #[arg(long)]
        register_only: bool,
    },
    /// Take an action on a case (accept, refuse, request_supplement, supplement,
    /// approve, reject, suspend, resume, extend, withdraw, halt, restart, terminate,
    /// lapse, close, deliver); prints the case.
    Act {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long = "as")]
        user: String,
        case_no: String,
        action: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        document_no: Option<String>,
        /// suspend: the special procedure (hearing, tender, auction, inspection,
        /// testing, quarantine, appraisal, expert_review).
        #[arg(long)]
        procedure: Option<String>,
        /// suspend: its expected duration in days.
        #[arg(long)]
        expected_days: Option<i64>,
        /// request_supplement: working days given to supply (default 10).
        #[arg(long)]
        supply_days: Option<i64>,
        /// deliver: window, post or electronic.
        #[arg(long)]
        delivery_method: Option<String>,
        /// deliver: who received the decision.
        #[arg(long)]
        recipient: Option<String>,
        /// deliver: the post's tracking number.
        #[arg(long)]
        tracking_no: Option<String>,
        /// deliver: the day delivered (YYYY-MM-DD, today by default).
        #[arg(long)]
        delivered_on: Option<String>,
    },
    /// End the cases whose supplement deadline has passed (视为撤回 before
    /// acceptance, 终止 after), as the server does every hour; prints how many.
    Lapse {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn case(command: CaseCommand) -> anyhow::Result<ExitCode> {
    let view = match command {
        CaseCommand::Show { db, user, case_no } => {
            let store = open(&db.db, &db.key_file).await?;
            let p = staff(&store, &user).await?;
            match tongban_domain::case::CaseNo::parse(&case_no) {
                Ok(no) => tongban_store::cases::get(&store, &p, &no).await,
                Err(e) => Err(e.into()),
            }
        }
        CaseCommand::Create {
            db,
            user,
            item,
            channel,
            point,
            kind,
            name,
            id_number,
            credit_code,
            phone,
            register_only,
        } => {
            let store = open(&db.db, &db.key_file).await?;
            let p = staff(&store, &user).await?;
            let input = tongban_store::cases::NewCase {
                item_code: Some(item),
                channel: Some(channel),
                point,
                applicant: Some(tongban_domain::case::ApplicantInput {
                    kind: Some(kind),
                    name: Some(name),
                    id_number,
                    credit_code,
                    phone: Some(phone),
                    ..Default::default()
                }),
                accept: register_only.then_some(false),
                ..Default::default()
            };
            let today = tongban_store::time::local_day(tongban_store::time::now());
            match tongban_domain::case::Application::parse(
                &input,
                tongban_domain::case::Filer::Clerk,
                today,
            ) {
                Ok(app) => tongban_store::cases::create(&store, &p, &app).await,
                Err(all) => Err(all.into()),
            }
        }
        CaseCommand::Act {
            db,
            user,
            case_no,
            action,
            note,
            document_no,
            procedure,
            expected_days,
            supply_days,
            delivery_method,
            recipient,
            tracking_no,
            delivered_on,
        } => {
            let store = open(&db.db, &db.key_file).await?;
            let p = staff(&store, &user).await?;
            let input = tongban_store::cases::ActionInput {
                action: Some(action),
                note,
                document_no,
                procedure,
                expected_days,
                supply_days,
                delivery_method,
                recipient,
                tracking_no,
                delivered_on,
            };
            match tongban_domain::case::CaseNo::parse(&case_no) {
                Ok(no) => tongban_store::cases::act(&store, &p, &no, &input).await,
                Err(e) => Err(e.into()),
            }
        }
        CaseCommand::Lapse { db } => {
            let store = open(&db.db, &db.key_file).await?;
            let n = tongban_store::cases::lapse_due(&store).await?;
            println!("逾期未补正、已按视为撤回或终止审查办结的办件：{n} 件");
            return Ok(ExitCode::SUCCESS);
        }
    };
    match view {
        Ok(v) => println!("{}", serde_json::to_string_pretty(&v)?),
        Err(tongban_store::StoreError::Faults(all)) => {
            for i in all {
                eprintln!("错误（{}）：{}", i.field, i.message);
            }
            return Ok(ExitCode::from(2));
        }
        Err(e) => {
            let field = match &e {
                tongban_store::StoreError::Invalid(i) => format!("（{}）", i.field),
                _ => String::new(),
            };
            eprintln!("错误{field}：{e}");
            return Ok(ExitCode::from(2));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Subcommand)]
pub enum CatalogCommand {
    /// Write the catalog in force today to an xlsx file.
    Export {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        out: String,
    },
    /// Import items from an xlsx file (same columns as the export): new items are
    /// added, changed ones get a new version effective on --effective.
    Import {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        file: String,
        /// Effective date of new versions (YYYY-MM-DD, default tomorrow); they are published at once.
        #[arg(long)]
        effective: Option<String>,
    },
}

pub async fn catalog(command: CatalogCommand) -> anyhow::Result<()> {
    match command {
        CatalogCommand::Export { db, out } => {
            let store = open(&db.db, &db.key_file).await?;
            let (bytes, n) = tongban_store::catalog_xlsx::export(&store).await?;
            std::fs::write(&out, bytes).with_context(|| format!("无法写入 {out}"))?;
            println!("已导出 {n} 个事项到 {out}");
        }
        CatalogCommand::Import {
            db,
            file,
            effective,
        } => {
            let store = open(&db.db, &db.key_file).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("无法打开 {file}"))?;
            let report =
                tongban_store::catalog_xlsx::import(&store, &bytes, effective.as_deref()).await?;
            println!("{report}");
        }
    }
    Ok(())
}

#[derive(clap::Subcommand)]
pub enum LicenseCommand {
    /// Check an exported license file (/licenses/{no}.json) offline; exits 2 if it
    /// is not valid.
    Verify {
        file: String,
        /// The department keys as published at /api/v1/license-keys: also checks that
        /// the file's key is its issuing department's.
        #[arg(long)]
        keys: Option<String>,
    },
}

pub fn license(command: LicenseCommand) -> anyhow::Result<ExitCode> {
    let LicenseCommand::Verify { file, keys } = command;
    crate::license::verify(&file, keys.as_deref())
}

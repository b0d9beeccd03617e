//! `tongban case`, `catalog` and `license`: cases worked from the command line as a
//! staff account, the catalog's workbook, and license files checked offline.

use super::{DbArgs, open, staff};
use anyhow::Context;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum CaseCommand {
    /// 以 JSON 格式输出办件及其事件
    Show {
        #[command(flatten)]
        db: DbArgs,
        /// 以哪个工作人员账户的视角查看（受该账户的权限范围限制）
        #[arg(long = "as")]
        user: String,
        /// 办件编号
        case_no: String,
    },
    /// 受理窗口申请（window）或登记网上申请（online），并输出办件
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// 以哪个工作人员账户办理
        #[arg(long = "as")]
        user: String,
        /// 事项编码
        #[arg(long)]
        item: String,
        /// window 或 online
        #[arg(long, default_value = "window")]
        channel: String,
        /// 受理的服务点代码（默认：该账户所在的服务点）
        #[arg(long)]
        point: Option<String>,
        /// person（个人）或 organisation（单位）
        #[arg(long, default_value = "person")]
        kind: String,
        /// 申请人姓名或单位名称
        #[arg(long)]
        name: String,
        /// 个人申请人的身份证号
        #[arg(long)]
        id_number: Option<String>,
        /// 单位申请人的统一社会信用代码
        #[arg(long)]
        credit_code: Option<String>,
        /// 联系电话（手机或固定电话）
        #[arg(long)]
        phone: String,
        /// 只登记窗口申请，暂不受理
        #[arg(long)]
        register_only: bool,
    },
    /// 对办件执行一项操作，并输出办件
    ///
    /// 操作：accept、refuse、request_supplement、supplement、approve、reject、suspend、resume、extend、withdraw、halt、restart、terminate、lapse、close、deliver
    Act {
        #[command(flatten)]
        db: DbArgs,
        /// 以哪个工作人员账户办理
        #[arg(long = "as")]
        user: String,
        /// 办件编号
        case_no: String,
        /// 操作（见上）
        action: String,
        /// 办理意见或说明
        #[arg(long)]
        note: Option<String>,
        /// 文书文号（不填则自动编号）
        #[arg(long)]
        document_no: Option<String>,
        /// suspend（启动特别程序）时：程序类型，为 hearing、tender、auction、inspection、testing、quarantine、appraisal 或 expert_review
        #[arg(long)]
        procedure: Option<String>,
        /// suspend 时：预计所需天数
        #[arg(long)]
        expected_days: Option<i64>,
        /// request_supplement（补正告知）时：补正期限，按工作日计（默认 10）
        #[arg(long)]
        supply_days: Option<i64>,
        /// deliver（送达）时：送达方式，为 window、post 或 electronic
        #[arg(long)]
        delivery_method: Option<String>,
        /// deliver 时：签收人
        #[arg(long)]
        recipient: Option<String>,
        /// deliver 时：邮件单号
        #[arg(long)]
        tracking_no: Option<String>,
        /// deliver 时：送达日期（YYYY-MM-DD，默认今天）
        #[arg(long)]
        delivered_on: Option<String>,
    },
    /// 办结补正期限已过的办件，并输出件数
    ///
    /// 受理前的视为撤回，受理后的终止审查；服务器每小时自动执行一次
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
    /// 将今天生效的事项清单写入 xlsx 文件
    Export {
        #[command(flatten)]
        db: DbArgs,
        /// 写入的 xlsx 文件
        #[arg(long)]
        out: String,
    },
    /// 从 xlsx 文件导入事项（列与导出文件相同）
    ///
    /// 新事项直接添加；有改动的事项生成新版本，自 --effective 指定的日期起生效
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// 要导入的 xlsx 文件
        #[arg(long)]
        file: String,
        /// 新版本的生效日期（YYYY-MM-DD，默认明天）；新版本立即发布
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
    /// 离线校验导出的电子证照文件（/licenses/{no}.json）；无效时以退出码 2 结束
    Verify {
        /// 电子证照文件（JSON）
        file: String,
        /// 部门密钥文件（即 /api/v1/license-keys 公布的内容）：同时核对证照所用密钥确属其发证部门
        #[arg(long)]
        keys: Option<String>,
    },
}

pub fn license(command: LicenseCommand) -> anyhow::Result<ExitCode> {
    let LicenseCommand::Verify { file, keys } = command;
    crate::license::verify(&file, keys.as_deref())
}

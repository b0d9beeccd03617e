//! `tongban admin`: accounts and the keys of outside systems.

use super::{DbArgs, open};
use anyhow::Context;
use std::process::ExitCode;
use tongban_domain::org::Role;
use tongban_store::audit::Actor;

#[derive(clap::Subcommand)]
pub enum AdminCommand {
    /// 创建工作人员账户；密码取自 TONGBAN_PASSWORD，未设置时提示输入
    CreateUser {
        #[command(flatten)]
        db: DbArgs,
        /// 登录用户名（字母、数字、点、下划线或连字符）
        #[arg(long)]
        username: String,
        /// 角色：window_clerk、town_clerk、approver、department_head、hotline_agent、unit_handler、supervisor、admin
        #[arg(long)]
        role: String,
        /// 所属部门代码（窗口、审批、部门负责人和成员单位账户需要）
        #[arg(long)]
        department: Option<String>,
        /// 所在服务点代码（窗口和乡镇账户需要）
        #[arg(long)]
        point: Option<String>,
        /// 记录中显示的姓名（默认：用户名）
        #[arg(long)]
        name: Option<String>,
    },
    /// 停用账户：其登录会话和接口令牌立即失效
    DisableUser {
        #[command(flatten)]
        db: DbArgs,
        /// 账户的用户名
        #[arg(long)]
        username: String,
    },
    /// 重新启用已停用的账户
    EnableUser {
        #[command(flatten)]
        db: DbArgs,
        /// 账户的用户名
        #[arg(long)]
        username: String,
    },
    /// 将账户密码重置为临时密码（只显示一次）；下次登录时必须修改
    ResetPassword {
        #[command(flatten)]
        db: DbArgs,
        /// 账户的用户名
        #[arg(long)]
        username: String,
    },
    /// 清除账户的动态口令（如手机丢失）；按要求须使用动态口令的，下次登录时重新绑定
    ResetTotp {
        #[command(flatten)]
        db: DbArgs,
        /// 账户的用户名
        #[arg(long)]
        username: String,
    },
    /// 为外部系统签发 Open311 接口密钥并打印（系统只保留其摘要）
    CreateApiKey {
        #[command(flatten)]
        db: DbArgs,
        /// 外部系统名称
        #[arg(long)]
        name: String,
    },
    /// 为渠道（wechat、email、other）签发12345热线接入密钥并打印
    ///
    /// 调用 /api/v1/intake/{channel} 时以请求头 X-Channel-Key 发送该密钥（系统只保留其摘要）
    #[command(name = "create-channel-key")]
    ChannelKey {
        #[command(flatten)]
        db: DbArgs,
        /// wechat、email 或 other
        #[arg(long)]
        channel: String,
        /// 发送方名称（微信公众号、邮件网关等）
        #[arg(long)]
        name: String,
    },
}

pub async fn run(command: AdminCommand) -> anyhow::Result<ExitCode> {
    match command {
        AdminCommand::CreateUser {
            db,
            username,
            role,
            department,
            point,
            name,
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!(
                    "未知角色“{role}”，应为：{}",
                    Role::ALL
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                )
            })?;
            let password = match std::env::var("TONGBAN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    let p = rpassword::prompt_password("密码：")?;
                    let again = rpassword::prompt_password("再次输入密码：")?;
                    anyhow::ensure!(p == again, "两次输入的密码不一致");
                    p
                }
            };
            // The first administrator of a new database: this may create it.
            let store = super::open_with(&db.db, &db.key_file, &Default::default()).await?;
            let display = name.unwrap_or_else(|| username.clone());
            tongban_store::org::create_user(
                &store,
                &tongban_store::org::NewUser {
                    username: &username,
                    display_name: &display,
                    role,
                    department: department.as_deref(),
                    point: point.as_deref(),
                    password: &password,
                },
                &Actor::system("cli"),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("已创建账户 {username}（{}）", role.label());
        }
        AdminCommand::DisableUser { db, username } => {
            let store = open(&db.db, &db.key_file).await?;
            tongban_store::accounts::set_active(&store, &Actor::system("cli"), &username, false)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("已停用账户 {username}，其登录和接口凭证已失效");
        }
        AdminCommand::EnableUser { db, username } => {
            let store = open(&db.db, &db.key_file).await?;
            tongban_store::accounts::set_active(&store, &Actor::system("cli"), &username, true)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("已启用账户 {username}");
        }
        AdminCommand::ResetPassword { db, username } => {
            let store = open(&db.db, &db.key_file).await?;
            let temp =
                tongban_store::accounts::reset_password(&store, &Actor::system("cli"), &username)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{temp}");
            eprintln!("以上为账户 {username} 的临时密码（只显示这一次）：本人登录后须立即修改");
        }
        AdminCommand::ResetTotp { db, username } => {
            let store = open(&db.db, &db.key_file).await?;
            tongban_store::accounts::reset_second_factor(&store, &Actor::system("cli"), &username)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("已重置账户 {username} 的动态口令，本人下次登录时重新绑定");
        }
        AdminCommand::CreateApiKey { db, name } => {
            let store = open(&db.db, &db.key_file).await?;
            let key = tongban_store::hotline::create_api_key(&store, &name, &Actor::system("cli"))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{key}");
            eprintln!(
                "已为“{}”签发 Open311 接入密钥：请妥善保存，系统只保留其摘要",
                name.trim()
            );
        }
        AdminCommand::ChannelKey { db, channel, name } => {
            let store = open(&db.db, &db.key_file).await?;
            let key =
                tongban_store::intake::create_key(&store, &channel, &name, &Actor::system("cli"))
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{key}");
            eprintln!(
                "已为“{}”签发{}渠道接入密钥（请求头 X-Channel-Key）：请妥善保存，系统只保留其摘要",
                name.trim(),
                channel.trim()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

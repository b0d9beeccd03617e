//! The command line's own words in Chinese, like the rest of the product: clap's
//! headings ("Usage", "Options", "Commands") and its help and version flags, on every
//! subcommand.

use clap::{Arg, ArgAction, Command};

/// The command with Chinese headings and help flags, all the way down.
pub fn localized(cmd: Command) -> Command {
    let name = cmd.get_name().to_string();
    localized_at(cmd, &name)
}

/// An argument's default and environment variable said in Chinese after its help,
/// instead of clap's `[default: …]` and `[env: …]`.
fn with_chinese_notes(a: Arg) -> Arg {
    let mut notes = vec![];
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if !defaults.is_empty() && a.get_action().takes_values() {
        notes.push(format!("默认：{}", defaults.join("，")));
    }
    if let Some(env) = a.get_env() {
        notes.push(format!("环境变量：{}", env.to_string_lossy()));
    }
    if notes.is_empty() {
        return a;
    }
    let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
    a.help(format!("{help}（{}）", notes.join("；")))
        .hide_default_value(true)
        .hide_env(true)
}

fn localized_at(cmd: Command, path: &str) -> Command {
    // The usage line in Chinese: `tongban serve [选项]`, positional arguments by name,
    // `<命令>` where a subcommand must follow.
    let mut usage = path.to_string();
    // Every command has at least -h.
    usage.push_str(" [选项]");
    for a in cmd.get_arguments().filter(|a| a.is_positional()) {
        let name = a
            .get_value_names()
            .and_then(|n| n.first())
            .map(|n| n.to_string())
            .unwrap_or_else(|| a.get_id().to_string().to_uppercase());
        if a.is_required_set() {
            usage.push_str(&format!(" <{name}>"));
        } else {
            usage.push_str(&format!(" [{name}]"));
        }
    }
    if cmd.has_subcommands() {
        usage.push_str(" <命令>");
    }
    let cmd = cmd
        .help_template("{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}")
        .override_usage(usage)
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("显示帮助"),
        )
        .mut_args(|a| {
            let a = with_chinese_notes(a);
            if a.get_help_heading().is_none() && !a.is_positional() {
                a.help_heading("选项")
            } else if a.is_positional() && a.get_help_heading().is_none() {
                a.help_heading("参数")
            } else {
                a
            }
        });
    let cmd = if cmd.get_version().is_some() {
        cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本")
                .help_heading("选项"),
        )
    } else {
        cmd
    };
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let mut cmd = cmd;
    for n in names {
        let sub_path = format!("{path} {n}");
        cmd = cmd.mut_subcommand(&n, |c| localized_at(c, &sub_path));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_command_speaks_chinese() {
        let mut cmd = localized(crate::cli::Cli::command());
        cmd.build();
        let mut all = vec![cmd.clone()];
        let mut i = 0;
        while i < all.len() {
            let subs: Vec<Command> = all[i].get_subcommands().cloned().collect();
            all.extend(subs);
            i += 1;
        }
        let mut missing = vec![];
        for mut c in all {
            let help = c.render_help().to_string();
            assert!(help.contains("用法："), "{help}");
            assert!(!help.contains("Usage:"), "{help}");
            assert!(!help.contains("Print help"), "{help}");
            assert!(!help.contains("Options:"), "{help}");
            assert!(!help.contains("[OPTIONS]"), "{help}");
            assert!(!help.contains("[default:"), "{help}");
            assert!(!help.contains("[env:"), "{help}");
            assert!(!help.contains("Arguments:"), "{help}");
            for a in c.get_arguments().filter(|a| !a.is_hide_set()) {
                // A help that is only the default and environment note says nothing.
                if !a
                    .get_help()
                    .is_some_and(|h| !h.to_string().is_empty() && !h.to_string().starts_with('（'))
                {
                    missing.push(format!("{} --{}", c.get_name(), a.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "参数没有说明：{missing:#?}");
    }
}

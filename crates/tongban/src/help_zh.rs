//! The command line's own words in Chinese, like the rest of the product: clap's
//! headings ("Usage", "Options", "Commands") and its help and version flags, on every
//! subcommand.

use clap::{Arg, ArgAction, Command};

/// The command with Chinese headings and help flags, all the way down.
pub fn localized(cmd: Command) -> Command {
    let cmd = cmd
        .help_template("{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}")
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
    cmd.mut_subcommands(localized)
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
        for mut c in all {
            let help = c.render_help().to_string();
            assert!(help.contains("用法："), "{help}");
            assert!(!help.contains("Usage:"), "{help}");
            assert!(!help.contains("Print help"), "{help}");
            assert!(!help.contains("Options:"), "{help}");
        }
    }
}

//! `tongban`: the government service platform in one binary. Subcommands run the
//! server, the demo, migrations, seeding, accounts, audit verification and exports
//! (`cli/`, one module per group); `demo/` writes the demo data.

mod bench;
mod cli;
mod config;
mod demo;
mod help_zh;
mod license;

use clap::{CommandFactory, FromArgMatches};

/// See [`allocator_settings`].
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // The configuration file's settings become the arguments' defaults (flags and
    // environment variables still win); `config check` reports a bad file itself.
    let args: Vec<String> = std::env::args().collect();
    #[cfg(target_os = "linux")]
    allocator_settings(&args);
    let checking = args.iter().any(|a| a == "config");
    let mut command = help_zh::localized(cli::Cli::command());
    if let Some((path, _)) = cli::settings_file::locate(&args).filter(|_| !checking) {
        match cli::settings_file::read(&path) {
            Ok(settings) => command = cli::settings_file::apply(command, &settings),
            Err(e) => {
                eprintln!("错误：{e:#}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    let matches = command.get_matches();
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TONGBAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cli.log_format == "json" {
        // One JSON object a line, with the request's span (id, method, route).
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        logs.init();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("无法启动运行时：{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The process allocates through mimalloc (for Rust and, overriding `malloc`, for
/// SQLite's C code alike): against glibc's allocator it took a quarter to a third off
/// the server's processor time per request (`tongban bench`), the locks of glibc's
/// shared arenas and its consolidation of freed chunks having been a tenth of a
/// lookup's time. Built without transparent huge pages (`no_thp`), and — for the
/// long-running commands — returning freed memory to the system at once rather than
/// a second later (`MIMALLOC_PURGE_DELAY=0`): with mimalloc's defaults the server
/// held 230 MB after a bench run, with these 149 MB, at the same speed. mimalloc
/// reads its settings when a process starts, so `serve` and `demo` start themselves
/// again, once, with the variable set — unless the operator has set it (to any value)
/// already.
#[cfg(target_os = "linux")]
fn allocator_settings(args: &[String]) {
    use std::os::unix::process::CommandExt;
    const SETTING: &str = "MIMALLOC_PURGE_DELAY";
    let long_running = args.iter().skip(1).any(|a| a == "serve" || a == "demo");
    if !long_running || std::env::var_os(SETTING).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    // `exec` returns only if the process could not be replaced: carry on as we are.
    let _ = std::process::Command::new(exe)
        .args(&args[1..])
        .env(SETTING, "0")
        .exec();
}

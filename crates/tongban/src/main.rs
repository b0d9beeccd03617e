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

fn main() -> std::process::ExitCode {
    // The configuration file's settings become the arguments' defaults (flags and
    // environment variables still win); `config check` reports a bad file itself.
    let args: Vec<String> = std::env::args().collect();
    #[cfg(target_os = "linux")]
    two_malloc_arenas(&args);
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

/// glibc's allocator gives threads that allocate at once arenas of their own (up to
/// eight per core), and the server allocates on tokio's workers, the writer's thread
/// and each SQLite connection's thread: at a Kunshan-sized year that held 200 MB
/// resident against 174 MB with two arenas, at the same speed (`tongban bench`). The
/// allocator reads its setting only when a process starts, so the long-running
/// commands start themselves again, once, with `MALLOC_ARENA_MAX=2` — unless the
/// operator has set it (to any value) already.
#[cfg(target_os = "linux")]
fn two_malloc_arenas(args: &[String]) {
    use std::os::unix::process::CommandExt;
    const SETTING: &str = "MALLOC_ARENA_MAX";
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
        .env(SETTING, "2")
        .exec();
}

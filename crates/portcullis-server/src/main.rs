#![forbid(unsafe_code)]
//! The `portcullis` binary: `serve` runs the auth server; `users` and `roles` manage accounts
//! (the counterpart of `flask users` / `flask roles`).

mod cli;
mod commands;
mod logging;
mod secrets;
mod serve;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let config = match commands::load_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let logs = logging::init(&config.log_format);
    let outcome = commands::run(args, config).await;
    // Every queued log line is written before the process says anything else.
    drop(logs);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

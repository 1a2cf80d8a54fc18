use clap::Parser;
use profilegen::cli::{Cli, Command};
use profilegen::commands::{self, Ctx};
use profilegen::preset::{Lang, Registry};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Ctx {
        lang: cli.global.lang.unwrap_or_else(Lang::from_env),
        quiet: cli.global.quiet,
    };
    let result = Registry::load(cli.global.carriers.as_deref())
        .map_err(profilegen::Error::from)
        .and_then(|registry| match cli.command {
            Command::New(args) => commands::new::run(*args, &registry, &ctx),
            Command::Carriers(args) => commands::carriers::run(args, &registry, &ctx),
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(help) = e.help() {
                eprintln!("help: {help}");
            }
            ExitCode::from(1)
        }
    }
}

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
    let lang = ctx.lang;
    profilegen::i18n::set_lang(lang);
    let registry =
        || Registry::load(cli.global.carriers.as_deref()).map_err(profilegen::Error::from);
    let result = match cli.command {
        Command::New(args) => registry()
            .and_then(|r| commands::new::run(*args, &r, &ctx))
            .map(|()| 0),
        Command::Carriers(args) => registry()
            .and_then(|r| commands::carriers::run(args, &r, &ctx))
            .map(|()| 0),
        Command::Sign(args) => commands::sign::run(args, &ctx).map(|()| 0),
        Command::Completions { target, dir } => completions(&target, dir.as_deref()),
        Command::Serve(args) => registry()
            .and_then(|r| commands::serve::run(*args, r, &ctx))
            .map(|()| 0),
        Command::Bulk(args) => registry()
            .and_then(|r| commands::bulk::run(*args, &r, &ctx))
            .map(|o| match o {
                commands::bulk::Outcome::AllGood => 0,
                commands::bulk::Outcome::SomeFailed => 1,
            }),
        Command::Probe(args) => match registry().and_then(|r| commands::probe::run(args, &r, &ctx))
        {
            Ok(commands::probe::Outcome::Clean) => Ok(0),
            Ok(commands::probe::Outcome::Findings) => Ok(1),
            Err(e) => {
                report(&e, lang);
                return ExitCode::from(2);
            }
        },
        Command::Lint(args) => match registry().and_then(|r| commands::lint::run(args, &r, &ctx)) {
            Ok(commands::lint::Outcome::Clean) => Ok(0),
            Ok(commands::lint::Outcome::Findings) => Ok(1),
            // Lint: 2 = could not run.
            Err(e) => {
                report(&e, lang);
                return ExitCode::from(2);
            }
        },
        Command::Inspect(args) => match commands::inspect::run(args, &ctx) {
            Ok(commands::inspect::Verdict::Verified) => Ok(0),
            Ok(commands::inspect::Verdict::NotVerified) => Ok(1),
            // Inspect: 2 = could not read the file.
            Err(e) => {
                report(&e, lang);
                return ExitCode::from(2);
            }
        },
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`| head`): nothing to say.
        Err(profilegen::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            report(&e, lang);
            ExitCode::from(1)
        }
    }
}

/// Shell completions or the man page, from the clap definitions (so they never disagree with
/// `--help`).
fn completions(target: &str, dir: Option<&std::path::Path>) -> Result<u8, profilegen::Error> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    if let (true, Some(dir)) = (target == "man", dir) {
        // Every page the top page names: profilegen.1 and profilegen-SUB.1.
        std::fs::create_dir_all(dir).map_err(|e| profilegen::Error::io(dir, e))?;
        clap_mangen::generate_to(cmd, dir).map_err(|e| profilegen::Error::io(dir, e))?;
        return Ok(0);
    }
    if dir.is_some() {
        return Err(profilegen::Error::input(
            "completions",
            "a directory is only for \"man\" (every man page)",
        ));
    }
    let mut out = std::io::stdout().lock();
    if target == "man" {
        clap_mangen::Man::new(cmd)
            .render(&mut out)
            .map_err(|e| profilegen::Error::io("<stdout>", e))?;
        return Ok(0);
    }
    let shell: clap_complete::Shell = target.parse().map_err(|_| {
        profilegen::Error::input(
            "completions",
            format!("{target:?} is not a shell: use bash, zsh, fish, elvish, powershell or man"),
        )
    })?;
    clap_complete::generate(shell, &mut cmd, "profilegen", &mut out);
    Ok(0)
}

fn report(e: &profilegen::Error, lang: profilegen::preset::Lang) {
    use profilegen::i18n::Msg;
    eprintln!("{}: {e}", Msg::ErrorLabel.text(lang));
    if let Some(help) = e.help() {
        eprintln!("{}: {help}", Msg::HelpLabel.text(lang));
    }
}

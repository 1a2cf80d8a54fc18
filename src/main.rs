use profilegen::cli::{Cli, Command};
use profilegen::commands::{self, Ctx};
use profilegen::preset::{Lang, Registry};
use std::process::ExitCode;

// Bulk and lint allocate many small values per profile on several threads; mimalloc makes that
// about a quarter of the CPU cheaper than glibc's allocator (scripts/bench-throughput.sh).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    // The language is needed before parsing: `--help` and usage errors speak it too.
    let early = lang_from_args().unwrap_or_else(Lang::from_env);
    profilegen::i18n::set_lang(early);
    let cli = match parse(early) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
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
        Command::Discover(args) => {
            match registry().and_then(|r| commands::discover::run(args, &r, &ctx)) {
                Ok(true) => Ok(0),
                Ok(false) => Ok(1),
                Err(e) => {
                    report(&e, lang);
                    return ExitCode::from(2);
                }
            }
        }
        Command::Mdm(args) => commands::mdm::run(args, &ctx).map(|()| 0),
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
        Command::Lint(args) => {
            match registry().and_then(|r| commands::lint::run(*args, &r, &ctx)) {
                Ok(commands::lint::Outcome::Clean) => Ok(0),
                Ok(commands::lint::Outcome::Findings) => Ok(1),
                // Lint: 2 = could not run.
                Err(e) => {
                    report(&e, lang);
                    return ExitCode::from(2);
                }
            }
        }
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

/// `--lang ja|en` (or `--lang=…`) from the raw arguments, before clap has parsed them.
fn lang_from_args() -> Option<Lang> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut found = None;
    for (i, a) in args.iter().enumerate() {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        let v = match a.strip_prefix("--lang") {
            Some(rest) if rest.starts_with('=') => rest[1..].to_string(),
            Some("") => args
                .get(i + 1)
                .map(|v| v.to_string_lossy().into_owned())
                .unwrap_or_default(),
            _ => continue,
        };
        match v.as_str() {
            "ja" => found = Some(Lang::Ja),
            "en" => found = Some(Lang::En),
            _ => {}
        }
    }
    found
}

/// The command line, with help and usage errors in `lang`; on `--help`, `--version` or an
/// error, the exit status to end with.
fn parse(lang: Lang) -> Result<Cli, ExitCode> {
    use clap::{CommandFactory, FromArgMatches};
    let cmd = profilegen::cli_ja::localize(Cli::command(), lang);
    let matches = cmd.try_get_matches();
    match matches.and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(cli) => Ok(cli),
        Err(e) => {
            use clap::error::ErrorKind as K;
            let is_error = !matches!(
                e.kind(),
                K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
            );
            if lang == Lang::Ja && is_error {
                eprintln!(
                    "{}: {}",
                    profilegen::i18n::Msg::ErrorLabel.text(lang),
                    profilegen::cli_ja::usage_error(&e)
                );
                return Err(ExitCode::from(2));
            }
            let _ = e.print();
            Err(ExitCode::from(e.exit_code() as u8))
        }
    }
}

/// Shell completions or the man page, from the clap definitions (so they never disagree with
/// `--help`).
fn completions(target: &str, dir: Option<&std::path::Path>) -> Result<u8, profilegen::Error> {
    use clap::CommandFactory;
    let mut cmd = profilegen::cli_ja::localize(Cli::command(), profilegen::i18n::lang());
    if let (true, Some(dir)) = (target == "man", dir) {
        // Every page the top page names: profilegen.1 and profilegen-SUB.1.
        std::fs::create_dir_all(dir).map_err(|e| profilegen::Error::io(dir, e))?;
        clap_mangen::generate_to(cmd, dir).map_err(|e| profilegen::Error::io(dir, e))?;
        return Ok(0);
    }
    if dir.is_some() {
        return Err(profilegen::Error::input(
            "completions",
            profilegen::i18n::tr(
                "a directory is only for \"man\" (every man page)",
                "フォルダを指定できるのは \"man\"(すべての man ページ)だけです",
            ),
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
            profilegen::i18n::tr(
                format!("{target:?} is not a shell: use bash, zsh, fish, elvish, powershell or man"),
                format!("{target:?} はシェルではありません。bash、zsh、fish、elvish、powershell、man のどれかにしてください"),
            ),
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

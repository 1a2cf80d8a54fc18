//! `profilegen bulk`: a CSV of users into many profiles.

use super::Ctx;
use crate::bulk::{self, Options, Status};
use crate::cli::BulkArgs;
use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::preset::Registry;
use crate::render::{self, Request, ServerOverrides, Templates, UuidMode};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// Whether every row went through.
pub enum Outcome {
    AllGood,
    SomeFailed,
}

pub fn run(args: BulkArgs, registry: &Registry, ctx: &Ctx) -> Result<Outcome> {
    // `bulk -`: the list comes on standard input; it is kept in a private temporary file (the
    // reader reads the file twice, once for line numbers) and named <stdin> in messages.
    let mut args = args;
    let mut shown_csv = args.csv.clone();
    let _spool;
    if args.csv == std::path::Path::new("-") {
        let mut tmp = tempfile::NamedTempFile::new().map_err(|e| Error::io("<temp>", e))?;
        let copied = std::io::copy(
            &mut std::io::Read::take(std::io::stdin().lock(), 1 << 30),
            tmp.as_file_mut(),
        )
        .map_err(|e| Error::io("<stdin>", e))?;
        if copied >= 1 << 30 {
            return Err(Error::input(
                "<stdin>",
                crate::i18n::tr(
                    "more than 1 GiB of CSV; give a file",
                    "CSVが1 GiBを超えています。ファイルで指定してください",
                ),
            ));
        }
        args.csv = tmp.path().to_path_buf();
        shown_csv = std::path::PathBuf::from("<stdin>");
        _spool = tmp;
    }
    if let Some(n) = args.jobs {
        if n == 0 {
            return Err(Error::input(
                "--jobs",
                tr("must be at least 1", "1 以上にしてください"),
            ));
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.min(1024))
            .build_global()
            .map_err(|e| {
                Error::Other(tr(
                    format!("cannot start {n} threads: {e}"),
                    format!("{n} 個のスレッドを起動できません: {e}"),
                ))
            })?;
    }
    let templates = Templates::load(args.templates.as_deref())?;
    // The public-roots verdict on the signer is found out while the first rows are signed.
    let (signer, mut trust) = super::load_signer_checking_later(&args.sign, ctx)?;
    if args.format == render::OutputFormat::Ddm && signer.is_some() {
        return Err(Error::input(
            "--format ddm",
            tr(
                "declarations are not signed (the MDM delivers them); leave out the signing options",
                "宣言には署名しません(MDM が届けます)。署名のオプションを外してください",
            ),
        ));
    }
    let mut base = Request::new(String::new());
    base.carrier = args.carrier;
    base.protocol = args.protocol;
    base.account = args.account;
    base.platform = args.platform;
    if let Some(w) = &args.with {
        base.with = render::parse_extras(w).map_err(|e| Error::input("--with", e))?;
    }
    base.organization = args.org;
    base.identifier_prefix = args.identifier_prefix;
    base.uuids = UuidMode::Derived;
    base.lang = ctx.lang;
    base.servers = ServerOverrides::from(args.servers);
    let cache = args
        .discover
        .then(|| crate::discover::Cache::new(args.discovery.settings()));
    let opts = Options {
        out_dir: args.out_dir,
        base,
        strict: args.strict,
        force: args.force,
        manifest: args.manifest,
        sync: args.sync,
        registry,
        templates: &templates,
        signer: signer.as_ref(),
        ddm: (args.format == render::OutputFormat::Ddm).then(|| crate::ddm::DdmOptions {
            credential_url: args.credential_url.clone(),
        }),
        discovery: cache.as_ref(),
    };

    let size = std::fs::metadata(&args.csv)
        .map_err(|e| Error::io(&args.csv, e))?
        .len();
    let bar = if std::io::stderr().is_terminal() && !ctx.quiet {
        let b = ProgressBar::with_draw_target(Some(size.max(1)), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} rows {msg}",
            )
            .expect("template")
            .progress_chars("=> "),
        );
        b.set_length(0);
        Some(b)
    } else {
        None
    };
    let csv = shown_csv.clone();
    let start = Instant::now();
    let mut rows = 0u64;
    let summary = bulk::run_named(&args.csv, &shown_csv.display().to_string(), &opts, |r| {
        rows += 1;
        // The signer's public-roots verdict, said as soon as it is in (with the first rows).
        if let Some(verdict) = trust.take_if(|t| t.ready()) {
            for w in verdict.warnings() {
                let line = ctx.warning_line(&w);
                match &bar {
                    Some(b) => b.println(line),
                    None => eprintln!("{line}"),
                }
            }
        }
        if let Status::Failed(e) = &r.status {
            // The row's address, cut for the message (the error itself quotes it cut too).
            let who = if r.email.is_empty() || e.starts_with(&format!("{}: ", r.email)) {
                String::new()
            } else if r.email.chars().count() > 60 {
                format!("{}: ", crate::text::shown(&r.email))
            } else {
                format!("{}: ", r.email)
            };
            let msg = format!(
                "{}: {}: {who}{e}",
                crate::i18n::Msg::ErrorLabel.text(ctx.lang),
                bulk::location(&csv, r.line)
            );
            match &bar {
                Some(b) => b.println(msg),
                None => eprintln!("{msg}"),
            }
        }
        if let Some(b) = &bar {
            b.set_length(rows);
            b.set_position(rows);
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(trust) = trust {
        trust.say(ctx);
    }
    let summary = summary?;
    let secs = start.elapsed().as_secs_f64();
    if let Some(cache) = &cache {
        discovery_summary(cache, ctx);
    }
    if summary.with_password > 0 {
        ctx.warn(ctx.lang.pick(
            &format!(
                "{}件のプロファイルにパスワードが平文で入っています(ファイルのモードは0600)",
                summary.with_password
            ),
            &format!(
                "{} profile{} a password in clear text (files are 0600)",
                summary.with_password,
                if summary.with_password == 1 {
                    " holds"
                } else {
                    "s hold"
                }
            ),
        ));
    }
    let ja = ctx.lang == crate::preset::Lang::Ja;
    let done = match (args.strict && summary.failed > 0, ja) {
        (true, false) => "nothing written (--strict)".to_string(),
        (true, true) => "何も書き込みませんでした(--strict)".to_string(),
        (false, false) => format!(
            "{} written, {} unchanged",
            summary.written, summary.unchanged
        ),
        (false, true) => format!(
            "書き込み {}件、変更なし {}件",
            summary.written, summary.unchanged
        ),
    };
    let line = if ja {
        format!(
            "{}行: {done}、失敗 {}件、{secs:.2} 秒{}",
            summary.rows,
            summary.failed,
            if signer.is_some() {
                "(署名付き)"
            } else {
                ""
            }
        )
    } else {
        format!(
            "{} rows: {done}, {} failed, in {secs:.2} s{}",
            summary.rows,
            summary.failed,
            if signer.is_some() { " (signed)" } else { "" }
        )
    };
    if summary.failed > 0 {
        eprintln!("{line}");
    } else {
        ctx.info(&line);
    }
    Ok(if summary.failed > 0 {
        Outcome::SomeFailed
    } else {
        Outcome::AllGood
    })
}

/// One line per domain looked up: where its settings came from, or why there are none.
fn discovery_summary(cache: &crate::discover::Cache, ctx: &Ctx) {
    use crate::discover::Outcome;
    let all = cache.summary();
    if all.is_empty() {
        return;
    }
    ctx.info(&tr(
        format!("discovery: {} domain(s)", all.len()),
        format!("設定の検索: {} ドメイン", all.len()),
    ));
    for (domain, outcome) in all {
        let line = match outcome {
            Outcome::Found {
                source,
                asked,
                found,
            } => format!(
                "  {domain}: {source} ({asked}): {}",
                super::discover::summary(&found)
            ),
            Outcome::Nothing(why) => format!("  {domain}: {why}"),
        };
        ctx.info(&line);
    }
}

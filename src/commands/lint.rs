//! `profilegen lint`: lint files, directories or stdin, and report.

use super::Ctx;
use crate::cli::{Color, LintArgs, LintFormat};
use crate::container::{Trust, MAX_SIZE};
use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::lint::{self, report, Finding, Linted, Options, Severity};
use crate::preset::Registry;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Outcome of a run: findings at or above the failing level, or none.
pub enum Outcome {
    Clean,
    Findings,
}

pub fn run(args: LintArgs, registry: &Registry, ctx: &Ctx) -> Result<Outcome> {
    if args.list_rules {
        print(&report::list(ctx.lang))?;
        return Ok(Outcome::Clean);
    }
    if let Some(id) = &args.explain {
        let r = lint::rule(id).ok_or_else(|| unknown_rule("--explain", id))?;
        print(&report::explain(r, ctx.lang))?;
        return Ok(Outcome::Clean);
    }
    if args.paths.is_empty() {
        return Err(Error::input(
            "lint",
            crate::i18n::tr(
                "give at least one file or directory, or '-' for stdin",
                "ファイルかフォルダを1つ以上、または標準入力なら '-' を指定してください",
            ),
        ));
    }
    let mut overrides: BTreeMap<String, Option<Severity>> = BTreeMap::new();
    for id in &args.ignore {
        let r = lint::rule(id).ok_or_else(|| unknown_rule("--ignore", id))?;
        overrides.insert(r.id.to_string(), None);
    }
    for spec in &args.severity {
        let (id, level) = spec.split_once('=').ok_or_else(|| {
            Error::input(
                "--severity",
                tr(
                    format!("{spec:?} is not ID=LEVEL"),
                    format!("{spec:?} は ID=LEVEL の形ではありません"),
                ),
            )
        })?;
        let r = lint::rule(id).ok_or_else(|| unknown_rule("--severity", id))?;
        let level = match level.to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            "off" | "ignore" => None,
            other => {
                return Err(Error::input(
                    "--severity",
                    tr(
                        format!("{other:?} is not error, warning, info or off"),
                        format!(
                            "{other:?} ではなく error、warning、info、off のどれかにしてください"
                        ),
                    ),
                ))
            }
        };
        overrides.insert(r.id.to_string(), level);
    }
    let trust = match &args.ca {
        Some(p) => Trust::from_file(p)?,
        None => Trust::System,
    };
    let verifier =
        crate::container::Verifier::from_trust(&trust).map_err(|e| super::trust_store_error(&e))?;
    let mdm = match args.mdm.as_deref() {
        None => None,
        Some("generic") => {
            return Err(Error::input(
                "--mdm",
                tr(
                    "generic has no variables to check: name the MDM (`profilegen mdm`)",
                    "generic には検査できる変数がありません。MDM の名前を指定してください(`profilegen mdm`)",
                ),
            ))
        }
        Some(id) => Some(crate::mdm::Mdm::get(id).ok_or_else(|| crate::mdm::unknown(id))?),
    };
    let mut inputs = Vec::new();
    // Whether each input was found by walking a directory (and is known to be a regular file).
    let mut walked = Vec::new();
    let mut results: Vec<(String, Linted)> = Vec::new();
    let mut skipped = Skipped::default();
    for path in &args.paths {
        let (files, found) = expand(path, &args.extension, &mut results, &mut skipped);
        walked.extend(std::iter::repeat_n(found, files.len()));
        inputs.extend(files);
    }
    // --discover: standard input is read once, here, and linted from memory below.
    let mut stdin_bytes: Option<Result<Vec<u8>>> = None;
    let discovered;
    let registry = if args.discover {
        let mut wanted = Vec::new();
        for file in &inputs {
            let bytes = if file == Path::new("-") {
                let b = crate::output::read_limited(file, MAX_SIZE);
                let ok = b.as_ref().ok().cloned();
                stdin_bytes = Some(b);
                ok
            } else {
                crate::output::read_limited(file, MAX_SIZE).ok()
            };
            for address in lint::addresses(&bytes.unwrap_or_default(), &verifier) {
                let mut req = crate::render::Request::new(address.clone());
                req.lang = ctx.lang;
                if let Some(domain) = crate::discover::wanted(&req, registry) {
                    wanted.push((domain, address));
                }
            }
        }
        discovered = discovered_registry(registry, wanted, &args.discovery, ctx)?;
        &discovered
    } else {
        registry
    };
    let opts = Options {
        presets: registry,
        verifier: &verifier,
        overrides: overrides.clone(),
        now: now(),
        mdm: mdm.as_ref(),
    };

    let fixing = args.fix || args.diff;
    if args.unsafe_fixes && !fixing {
        return Err(Error::input(
            "--unsafe-fixes",
            tr(
                "give it with --fix or --diff",
                "--fix か --diff と一緒に指定してください",
            ),
        ));
    }
    if args.unsign && !args.fix {
        return Err(Error::input(
            "--unsign",
            tr("give it with --fix", "--fix と一緒に指定してください"),
        ));
    }
    let mut fixer = if fixing {
        Some(super::fix::Fixer {
            allow: if args.unsafe_fixes {
                lint::fix::Applicability::Unsafe
            } else {
                lint::fix::Applicability::Safe
            },
            diff: args.diff,
            unsign: args.unsign,
            signer: if args.diff {
                None
            } else {
                super::load_signer(&args.sign, ctx)?
            },
            output: args.output.clone(),
            fixed: 0,
            files_changed: 0,
            unsafe_left: 0,
            held_back: 0,
            diff_text: String::new(),
        })
    } else {
        None
    };
    if fixing {
        let to_stdin = inputs.iter().any(|f| f == Path::new("-"));
        if args.output.is_some() && (inputs.len() != 1 || args.diff) {
            return Err(Error::input(
                "--output",
                tr(
                    "with --fix, -o names the fixed file of one input (and --diff writes nothing)",
                    "--fix での -o は、入力1つの修正後のファイル名です(--diff では何も書きません)",
                ),
            ));
        }
        if to_stdin && args.output.is_none() && !args.diff {
            return Err(Error::input(
                "--fix",
                tr(
                    "standard input cannot be fixed in place: give -o FILE or --diff",
                    "標準入力はその場で直せません。-o FILE か --diff を指定してください",
                ),
            ));
        }
    }
    let shown_name = |file: &Path| {
        if file == Path::new("-") {
            "<stdin>".to_string()
        } else {
            file.display().to_string()
        }
    };
    let read = |file: &Path, stdin: &mut Option<Result<Vec<u8>>>| match stdin
        .take()
        .filter(|_| file == Path::new("-"))
    {
        Some(b) => b,
        None => crate::output::read_limited(file, MAX_SIZE),
    };
    let unreadable_file = |e: Error| Linted {
        findings: vec![unreadable(e.to_string())],
        ..Linted::default()
    };
    // The report is written as files are checked, in their order: memory holds the files being
    // checked, not the run. With --diff it is not shown; with -o (not fixing) it goes to a file
    // that appears complete at the end.
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let format = match args.format {
        LintFormat::Text => report::Format::Text,
        LintFormat::Json => report::Format::Json,
        LintFormat::Sarif => report::Format::Sarif,
    };
    // With --fix, -o names the fixed file, not the report.
    let report_file = (!fixing)
        .then_some(args.output.as_deref())
        .flatten()
        .filter(|p| *p != Path::new("-"));
    let destination = match report_file {
        _ if args.diff => Destination::Other(Box::new(std::io::sink())),
        Some(p) => Destination::File(crate::output::AtomicFile::create(
            p,
            "give a file name (or -o - for standard output)",
        )?),
        None => Destination::Other(Box::new(std::io::BufWriter::new(std::io::stdout()))),
    };
    let report_error =
        |e: std::io::Error| Error::io(report_file.unwrap_or(Path::new("<stdout>")), e);
    let mut stream =
        report::Stream::new(destination, format, color, ctx.lang).map_err(report_error)?;
    let mut cross = lint::CrossFile::new(&overrides, inputs.len());
    let run_lang = crate::i18n::lang();
    let mut emit = |name: String, linted: Linted| -> Result<()> {
        // It may run on a worker thread: the cross-file findings speak the run's language.
        crate::i18n::set_lang(run_lang);
        for ready in cross.add(name, linted) {
            put(&mut stream, ready).map_err(report_error)?;
        }
        Ok(())
    };
    // Directories that could not be walked come first, as found.
    for (name, l) in results {
        emit(name, l)?;
    }
    match fixer.as_mut() {
        // Fixing rewrites files one after the other (and may sign them).
        Some(f) => {
            for file in inputs {
                let shown = file.display().to_string();
                let linted = match read(&file, &mut stdin_bytes) {
                    // A file that cannot be written (or signed) is said, and the others go on.
                    Ok(bytes) => f
                        .file(&shown, &file, &bytes, &opts, ctx)
                        .unwrap_or_else(|e| {
                            f.held_back += 1;
                            ctx.warn(&e.to_string());
                            lint::lint(&bytes, &opts)
                        }),
                    Err(e) => unreadable_file(e),
                };
                emit(shown_name(&file), linted)?;
            }
        }
        // Checking runs on every core, a batch of files at a time, and the report keeps the
        // order of the inputs.
        None => {
            let jobs = match args.jobs {
                Some(0) => {
                    return Err(Error::input(
                        "--jobs",
                        tr("must be at least 1", "1 以上にしてください"),
                    ))
                }
                Some(n) => n,
                None => std::thread::available_parallelism().map_or(1, |n| n.get()),
            }
            // No more workers than files (nor than a machine can sensibly run).
            .min(inputs.len().max(1))
            .min(1024);
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(jobs)
                .build()
                .map_err(|e| {
                    Error::Other(tr(
                        format!("cannot start {jobs} threads: {e}"),
                        format!("{jobs} 個のスレッドを起動できません: {e}"),
                    ))
                })?;
            // Standard input is read here, once, before the workers start.
            if inputs.iter().any(|f| f == Path::new("-")) && stdin_bytes.is_none() {
                stdin_bytes = Some(crate::output::read_limited(Path::new("-"), MAX_SIZE));
            }
            let stdin = std::sync::Mutex::new(stdin_bytes.take());
            use rayon::prelude::*;
            // Enough files per batch to keep every worker busy, few enough that a batch's
            // findings are small.
            let batch = 256 * jobs;
            let lint_batch = |files: &[PathBuf], walked: &[bool]| -> Vec<(String, Linted)> {
                files
                    .par_iter()
                    .zip(walked.par_iter())
                    .map(|(file, walked)| {
                        crate::i18n::set_lang(run_lang);
                        let bytes = if file == Path::new("-") {
                            let mut s = stdin.lock().unwrap_or_else(|p| p.into_inner());
                            read(file, &mut s)
                        } else if *walked {
                            crate::output::read_walked(file, MAX_SIZE)
                        } else {
                            crate::output::read_limited(file, MAX_SIZE)
                        };
                        let linted = match bytes {
                            Ok(bytes) => lint::lint(&bytes, &opts),
                            Err(e) => unreadable_file(e),
                        };
                        (shown_name(file), linted)
                    })
                    .collect()
            };
            // A batch is reported while the next is checked.
            let mut checked: Vec<(String, Linted)> = Vec::new();
            for (files, walked) in inputs.chunks(batch).zip(walked.chunks(batch)) {
                let report = std::mem::take(&mut checked);
                let (next, reported) = pool.install(|| {
                    rayon::join(
                        || lint_batch(files, walked),
                        || report.into_iter().try_for_each(|(n, l)| emit(n, l)),
                    )
                });
                reported?;
                checked = next;
            }
            for (name, l) in checked {
                emit(name, l)?;
            }
        }
    }
    for held in cross.finish() {
        put(&mut stream, held).map_err(report_error)?;
    }
    let counts = stream.counts();
    let failing = counts[args.fail_on as usize..].iter().any(|n| *n > 0);
    let said = skipped.said();
    if !said.is_empty() {
        ctx.info(&tr(
            format!("lint: skipped {}", said.join(", ")),
            format!("lint: {} を飛ばしました", said.join("、")),
        ));
    }
    if let Some(f) = &fixer {
        if f.diff {
            print(&f.diff_text)?;
        }
        ctx.info(&f.summary(counts.iter().sum()));
    }
    match stream.finish().map_err(report_error)? {
        Destination::File(f) => f.commit(true)?,
        Destination::Other(mut out) => out.flush().map_err(report_error)?,
    }
    Ok(if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// One file's findings into the report.
fn put(
    stream: &mut report::Stream<Destination>,
    (file, l): (String, Linted),
) -> std::io::Result<()> {
    stream.file(&report::FileReport {
        file,
        findings: l.findings,
    })
}

/// Where the report goes: a file put in place when complete, or a stream.
enum Destination {
    File(crate::output::AtomicFile),
    Other(Box<dyn Write + Send>),
}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Destination::File(f) => f.write(buf),
            Destination::Other(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Destination::File(f) => f.flush(),
            Destination::Other(w) => w.flush(),
        }
    }
}

fn unknown_rule(flag: &str, id: &str) -> Error {
    let ids: Vec<&str> = lint::rules::ALL.iter().map(|r| r.id).collect();
    let names: Vec<&str> = lint::rules::ALL.iter().map(|r| r.name).collect();
    let hint = crate::schema::closest_key(id, ids.iter().chain(names.iter()).copied())
        .map(|s| format!("; did you mean {s}?"))
        .unwrap_or_default();
    Error::input(
        flag,
        crate::i18n::tr(
            format!("no rule {id:?}{hint} (`profilegen lint --list-rules` lists them)"),
            format!("ルール {id:?} はありません{hint}(`profilegen lint --list-rules` で一覧を表示できます)"),
        ),
    )
}

fn unreadable(message: String) -> Finding {
    Finding {
        rule: lint::UNREADABLE,
        name: "unreadable",
        severity: Severity::Error,
        path: String::new(),
        message,
        help: None,
        fix: None,
    }
}

/// Files skipped while walking directories, by reason.
#[derive(Default)]
struct Skipped {
    not_profiles: usize,
    other_extension: usize,
    unreadable: usize,
}

impl Skipped {
    /// What was skipped, in words, one item per reason.
    fn said(&self) -> Vec<String> {
        let mut said = Vec::new();
        if self.not_profiles > 0 {
            said.push(tr(
                format!(
                    "{} that {} not a profile (neither a property list nor a signed profile)",
                    crate::certs::plural(self.not_profiles, "file", "files"),
                    if self.not_profiles == 1 {
                        "is"
                    } else {
                        "are"
                    }
                ),
                format!(
                    "プロファイルでない(プロパティリストでも署名付きプロファイルでもない)ファイル {} 件",
                    self.not_profiles
                ),
            ));
        }
        if self.other_extension > 0 {
            said.push(tr(
                format!(
                    "{} with another extension than --extension",
                    crate::certs::plural(self.other_extension, "file", "files")
                ),
                format!(
                    "--extension と違う拡張子のファイル {} 件",
                    self.other_extension
                ),
            ));
        }
        if self.unreadable > 0 {
            said.push(tr(
                format!(
                    "{} that could not be opened",
                    crate::certs::plural(self.unreadable, "file", "files")
                ),
                format!("開けなかったファイル {} 件", self.unreadable),
            ));
        }
        said
    }
}

/// True when the first bytes of a file are those of a profile in any of its forms: an XML
/// property list (or a template of one), a binary plist, or CMS SignedData in DER or PEM.
fn looks_like_profile(head: &[u8]) -> bool {
    use crate::container::Form;
    if lint::declaration::looks_like(head) {
        return true;
    }
    match crate::container::sniff(head) {
        Form::BinaryPlist | Form::SignedDer | Form::SignedPem => true,
        // Any XML: only a property list (the DOCTYPE or the root element names it).
        Form::XmlPlist => {
            let text = String::from_utf8_lossy(head);
            text.contains("<plist") || text.contains("DTD PLIST")
        }
        Form::Unknown => false,
    }
}

/// A path as the files to lint: itself, or the profiles under a directory (sorted), recognised by
/// their content whatever their extension (`--extension` narrows the walk to some extensions).
/// Errors walking a directory become findings. True with the files when they were found by
/// walking a directory.
fn expand(
    path: &Path,
    extensions: &[String],
    results: &mut Vec<(String, Linted)>,
    skipped: &mut Skipped,
) -> (Vec<PathBuf>, bool) {
    if path == Path::new("-") || !path.is_dir() {
        return (vec![path.to_path_buf()], false);
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(path)
        .follow_links(false)
        .sort_by_file_name()
    {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let ext = e
                    .path()
                    .extension()
                    .map(|x| x.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                if !extensions.is_empty()
                    && !extensions
                        .iter()
                        .any(|x| x.trim_start_matches('.').eq_ignore_ascii_case(&ext))
                {
                    skipped.other_extension += 1;
                    continue;
                }
                // A .mobileconfig is linted whatever it holds (a broken one is a finding).
                if ext == "mobileconfig" {
                    files.push(e.into_path());
                    continue;
                }
                let mut head = vec![0u8; 4096];
                let n = std::fs::File::open(e.path()).and_then(|mut f| {
                    let mut n = 0;
                    while n < head.len() {
                        let r = std::io::Read::read(&mut f, &mut head[n..])?;
                        if r == 0 {
                            break;
                        }
                        n += r;
                    }
                    Ok(n)
                });
                match n {
                    Ok(n) if looks_like_profile(&head[..n]) => files.push(e.into_path()),
                    Ok(_) => skipped.not_profiles += 1,
                    Err(_) => skipped.unreadable += 1,
                }
            }
            Ok(_) => {}
            Err(e) => {
                let shown = e
                    .path()
                    .map_or_else(|| path.display().to_string(), |p| p.display().to_string());
                results.push((
                    shown,
                    Linted {
                        findings: vec![unreadable(format!("cannot read: {e}"))],
                        ..Linted::default()
                    },
                ));
            }
        }
    }
    (files, true)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn print(s: &str) -> Result<()> {
    let mut o = std::io::stdout().lock();
    o.write_all(s.as_bytes())
        .and_then(|_| o.flush())
        .map_err(|e| Error::io("<stdout>", e))
}

/// The presets plus, for each domain no preset owns, what discovery found for it (named after
/// the domain and the source), so that the stale-settings rule compares with the domain's word.
fn discovered_registry(
    registry: &Registry,
    wanted: Vec<(String, String)>,
    net: &crate::cli::DiscoverNet,
    ctx: &Ctx,
) -> Result<Registry> {
    use crate::discover::{Cache, Outcome};
    let cache = Cache::new(net.settings());
    cache.prepare(wanted, registry);
    let mut extra = Vec::new();
    for (domain, outcome) in cache.summary() {
        match outcome {
            Outcome::Found {
                source,
                asked,
                found,
            } => {
                ctx.info(&tr(
                    format!(
                        "{domain}: compared with {source} ({asked}): {}",
                        super::discover::summary(&found)
                    ),
                    format!(
                        "{domain}: {source}({asked})と比べます: {}",
                        super::discover::summary(&found)
                    ),
                ));
                extra.extend(crate::discover::preset_of(&domain, &source, &asked, &found));
            }
            Outcome::Nothing(why) => ctx.info(&tr(
                format!("{domain}: nothing to compare with: {why}"),
                format!("{domain}: 比べる設定がありません: {why}"),
            )),
        }
    }
    registry
        .with(extra)
        .map_err(|e| Error::Other(e.to_string()))
}

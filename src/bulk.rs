//! `bulk`: one profile per CSV row, rendered and signed in parallel, each file written
//! atomically, with per-row errors and a manifest.
//!
//! The CSV is read in chunks (memory stays flat as rows grow). Each chunk is rendered in
//! parallel, then checked in line order (duplicate addresses, two rows writing one file), then
//! signed and written in parallel; the manifest is streamed in line order.

use crate::der;
use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::output::{self, Mode};
use crate::preset::Registry;
use crate::profile::Secret;
use crate::render::{self, Request, Templates};
use crate::sign::Signer;
use rayon::prelude::*;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The columns a CSV may have.
pub const COLUMNS: &[&str] = &[
    "email",
    "name",
    "carrier",
    "username",
    "description",
    "organization",
    "password",
    "account",
    "with",
];

/// The number of columns.
const NCOL: usize = 9;

/// Rows rendered per parallel batch.
const CHUNK: usize = 512;

/// Options of a bulk run (besides the per-row values).
pub struct Options<'a> {
    pub out_dir: PathBuf,
    /// Applied to every row: identifier prefix, protocol, organisation, language, servers.
    pub base: Request,
    pub strict: bool,
    pub force: bool,
    pub manifest: Option<PathBuf>,
    /// fsync each file before renaming it (survives power loss, not only a crash).
    pub sync: bool,
    pub registry: &'a Registry,
    pub templates: &'a Templates,
    pub signer: Option<&'a Signer>,
    /// `--format ddm`: each row's declarations as one JSON array instead of a profile.
    pub ddm: Option<crate::ddm::DdmOptions>,
    /// `--discover`: settings for the domains no preset owns, one lookup per domain.
    pub discovery: Option<&'a crate::discover::Cache>,
}

/// What happened to one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Written,
    /// An identical file was already there.
    Unchanged,
    /// Checked only (`--strict` first pass).
    Checked,
    Failed(String),
}

/// One manifest line.
#[derive(Debug, Clone)]
pub struct RowResult {
    pub line: u64,
    pub email: String,
    pub file: Option<String>,
    pub identifier: Option<String>,
    pub uuid: Option<String>,
    pub sha256: Option<String>,
    pub signed: bool,
    pub has_password: bool,
    pub status: Status,
}

/// Totals of a run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub rows: u64,
    pub written: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub with_password: u64,
}

/// A CSV row, validated against the header.
struct Row {
    line: u64,
    fields: [Option<String>; NCOL],
}

/// Reads the header: the index of each known column; unknown columns are an error.
fn header_map(csv_name: &str, header: &csv::StringRecord) -> Result<[Option<usize>; NCOL]> {
    let mut map = [None; NCOL];
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
        match COLUMNS.iter().position(|c| *c == h) {
            Some(c) if map[c].is_some() => {
                return Err(Error::input(
                    format!("{csv_name}:1"),
                    tr(
                        format!("column {h:?} appears twice"),
                        format!("列 {h:?} が2回あります"),
                    ),
                ))
            }
            Some(c) => map[c] = Some(i),
            None => {
                return Err(Error::input(
                    format!("{csv_name}:1"),
                    tr(
                        format!(
                            "unknown column {h:?}; the columns are {}",
                            COLUMNS.join(", ")
                        ),
                        format!(
                            "列 {h:?} は使えません。使える列は {} です",
                            COLUMNS.join(", ")
                        ),
                    ),
                ))
            }
        }
    }
    if map[0].is_none() {
        return Err(Error::input(
            format!("{csv_name}:1"),
            tr(
                format!(
                    "no \"email\" column; the columns are {} (email is required)",
                    COLUMNS.join(", ")
                ),
                format!(
                    "\"email\" 列がありません。使える列は {} です(email は必須)",
                    COLUMNS.join(", ")
                ),
            ),
        ));
    }
    Ok(map)
}

/// Longest line of a user list: a row is a few hundred bytes; a "line" of megabytes is not a
/// user list (a binary file, /dev/zero), and is refused before it is held in memory.
pub const MAX_LINE: u64 = 64 * 1024;

/// A reader that fails once a line grows past [`MAX_LINE`] bytes.
struct LineLimited<R> {
    inner: R,
    since_newline: u64,
}

impl<R: std::io::Read> std::io::Read for LineLimited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Never hand out more than the line may still grow by, so the check is exact.
        let room = (MAX_LINE + 1 - self.since_newline.min(MAX_LINE)) as usize;
        let want = buf.len().min(room.max(1));
        let n = self.inner.read(&mut buf[..want])?;
        for b in &buf[..n] {
            if *b == b'\n' {
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
            }
        }
        if self.since_newline > MAX_LINE {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                LINE_TOO_LONG,
            ));
        }
        Ok(n)
    }
}

const LINE_TOO_LONG: &str = "a line longer than 64 KiB: this is not a CSV list of users";

fn open_csv(path: &Path) -> Result<csv::Reader<LineLimited<std::fs::File>>> {
    if !output::regular_or_absent(path, "give the CSV file")? {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::None)
        .from_reader(LineLimited {
            inner: file,
            since_newline: 0,
        }))
}

/// Line numbers from byte offsets, counted on a second reader of the same file (the csv crate's
/// own line count is off by one on CRLF files).
struct LineCounter {
    reader: std::io::BufReader<std::fs::File>,
    pos: u64,
    line: u64,
}

impl LineCounter {
    fn new(path: &Path) -> Result<LineCounter> {
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Ok(LineCounter {
            reader: std::io::BufReader::with_capacity(1 << 16, f),
            pos: 0,
            line: 1,
        })
    }

    /// The line on which byte `offset` lies. Offsets must not decrease between calls.
    fn line_at(&mut self, offset: u64) -> u64 {
        use std::io::BufRead;
        while self.pos < offset {
            let Ok(buf) = self.reader.fill_buf() else {
                break;
            };
            if buf.is_empty() {
                break;
            }
            let take = usize::try_from(offset - self.pos)
                .unwrap_or(usize::MAX)
                .min(buf.len());
            self.line += buf[..take].iter().filter(|b| **b == b'\n').count() as u64;
            self.pos += take as u64;
            self.reader.consume(take);
        }
        // A record starts after its line break; the csv crate may point at the break's '\n'.
        while let Ok(buf) = self.reader.fill_buf() {
            match buf.first() {
                Some(b'\n') => self.line += 1,
                Some(b'\r') => {}
                _ => break,
            }
            self.pos += 1;
            self.reader.consume(1);
        }
        self.line
    }
}

/// The outcome of the render stage for one row.
struct Rendered {
    line: u64,
    email: String,
    result: std::result::Result<(render::Rendered, Vec<u8>), String>,
}

fn request_for(row: &Row, base: &Request) -> std::result::Result<Request, String> {
    let get = |i: usize| {
        row.fields[i]
            .as_ref()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let email = get(0).ok_or("email is empty")?;
    let mut req = base.clone();
    req.email = email;
    req.name = get(1);
    if let Some(c) = get(2) {
        req.carrier = Some(c);
    }
    req.username = get(3);
    if let Some(d) = get(4) {
        req.description = Some(d);
    }
    if let Some(o) = get(5) {
        req.organization = Some(o);
    }
    // A password is taken as given (not trimmed: spaces may be part of it).
    req.password = row.fields[6]
        .clone()
        .filter(|p| !p.is_empty())
        .map(Secret::new);
    if let Some(a) = get(7) {
        req.account = Some(a.parse().map_err(|e| format!("account: {e}"))?);
    }
    if let Some(w) = get(8) {
        req.with = render::parse_extras(&w).map_err(|e| format!("with: {e}"))?;
    }
    Ok(req)
}

fn render_row(row: &Row, opts: &Options<'_>) -> Rendered {
    let email = row.fields[0].as_deref().unwrap_or("").trim().to_string();
    let result = request_for(row, &opts.base).and_then(|mut req| {
        if let Some(cache) = opts.discovery {
            discovered(&mut req, cache, opts.registry)?;
        }
        let r = render::render(&req, opts.registry, opts.templates).map_err(|e| {
            let mut msg = e.to_string();
            // Name the CSV column, not the command-line flag.
            for (flag, column) in [
                ("--name: ", "name: "),
                ("--org: ", "organization: "),
                ("--username: ", "username: "),
                ("--description: ", "description: "),
                ("--carrier: ", "carrier: "),
                ("--account: ", "account: "),
                ("--with: ", "with: "),
            ] {
                if let Some(rest) = msg.strip_prefix(flag) {
                    msg = format!("{column}{rest}");
                }
            }
            match e.help() {
                Some(h) => format!("{msg} ({h})"),
                None => msg,
            }
        })?;
        match &opts.ddm {
            Some(d) => {
                let set =
                    crate::ddm::declarations(&r.profile, d, None).map_err(|e| e.to_string())?;
                let mut r = r;
                r.file_name = match r.file_name.strip_suffix(".mobileconfig") {
                    Some(stem) => format!("{stem}.json"),
                    None => format!("{}.json", r.file_name),
                };
                Ok((r, crate::ddm::to_json_array(&set)))
            }
            None => {
                let xml = r.profile.to_xml();
                Ok((r, xml))
            }
        }
    });
    Rendered {
        line: row.line,
        email,
        result,
    }
}

/// A row at a domain no preset owns gets its domain's discovered settings, or the reason there
/// are none.
fn discovered(
    req: &mut Request,
    cache: &crate::discover::Cache,
    registry: &Registry,
) -> std::result::Result<(), String> {
    match crate::discover::wanted(req, registry) {
        Some(domain) => cache.apply_to(req, &domain),
        None => Ok(()),
    }
}

fn key_hash(s: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// A row that passed the claim check: its profile, XML, line and address.
type Claimed = (render::Rendered, Vec<u8>, u64, String);

/// A row rendered, or the line and reason it could not be read.
type RenderedRow = std::result::Result<Rendered, (u64, String)>;

/// The claims made so far: addresses, file names and identifiers, by the line that made them.
struct Claims {
    emails: ClaimTable,
    files: ClaimTable,
    identifiers: ClaimTable,
}

/// A claim table: a key's hash and the line that has it first. Its memory comes from the system
/// allocator, which gives a large block back as soon as it is freed; jemalloc, the program's
/// allocator, kept every smaller table the map grew out of to the end of the run (10 MB more at
/// 200 000 rows).
type ClaimTable = hashbrown::HashMap<u64, u64, hashbrown::DefaultHashBuilder, std::alloc::System>;

impl Default for Claims {
    fn default() -> Claims {
        Claims {
            emails: ClaimTable::new_in(std::alloc::System),
            files: ClaimTable::new_in(std::alloc::System),
            identifiers: ClaimTable::new_in(std::alloc::System),
        }
    }
}

/// The existing file at `path`, and whether it already holds `xml` (plain, or signed by
/// `signer`); `Ok(None)` when there is no file. Anything but a regular file there, or a file that
/// cannot be read, is an error: it is never compared by reading it whole, nor replaced unseen.
fn existing(
    path: &Path,
    xml: &[u8],
    signer: Option<&Signer>,
) -> std::result::Result<Option<(Vec<u8>, bool)>, String> {
    match output::regular_or_absent(path, "profilegen replaces only regular files") {
        Ok(false) => return Ok(None),
        Ok(true) => {}
        Err(e) => return Err(e.to_string()),
    }
    let existing = output::read_limited(path, crate::container::MAX_SIZE).map_err(|e| {
        format!("{e}; cannot compare it with the new profile (--force replaces it)")
    })?;
    let same = match signer {
        None => existing == xml,
        Some(s) => der::parse_signed_data(&existing).is_some_and(|info| {
            info.content.as_deref() == Some(xml)
                && info.certificates.iter().any(|c| *c == s.cert_der())
        }),
    };
    Ok(Some((existing, same)))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// What is already at a row's path, checked before writing over it: `None` to go on (nothing
/// there, or `--force` may replace it), or the row's final status.
fn check_existing(
    path: &Path,
    xml: &[u8],
    opts: &Options<'_>,
    res: &mut RowResult,
) -> Option<Status> {
    match existing(path, xml, opts.signer) {
        Ok(None) => None,
        Ok(Some((bytes, true))) => {
            if opts.manifest.is_some() {
                res.sha256 = Some(hex(&openssl::sha::sha256(&bytes)));
            }
            Some(Status::Unchanged)
        }
        Ok(Some((_, false))) if !opts.force => Some(Status::Failed(tr(
            format!("{} exists and differs; --force replaces it", path.display()),
            format!(
                "{} は既にあり、内容が違います。置き換えるには --force を付けてください",
                path.display()
            ),
        ))),
        Ok(Some(_)) => None,
        // A regular file that cannot be read is replaced only with --force; anything else
        // (a FIFO, a device, a directory) never.
        Err(e) if !opts.force || std::fs::metadata(path).is_ok_and(|m| !m.is_file()) => {
            Some(Status::Failed(e))
        }
        Err(_) => None,
    }
}

/// Signs (when asked) and writes one claimed row. A name that was not in the output directory
/// when the pass began is written with no look first (create, write, close, rename without
/// replacing); only a name that was there, or that appears meanwhile, is read and compared.
fn write_row(
    r: render::Rendered,
    xml: Vec<u8>,
    line: u64,
    email: String,
    opts: &Options<'_>,
    write: bool,
    present: &std::collections::HashSet<std::ffi::OsString>,
) -> RowResult {
    // A worker thread's messages speak the run's language.
    crate::i18n::set_lang(opts.base.lang);
    let mut res = RowResult {
        line,
        email,
        file: Some(r.file_name.clone()),
        identifier: Some(r.profile.identifier.clone()),
        uuid: Some(r.profile.uuid.clone()),
        sha256: None,
        signed: opts.signer.is_some(),
        has_password: r.profile.holds_secret(),
        status: Status::Checked,
    };
    let path = opts.out_dir.join(&r.file_name);
    let known = present.contains(std::ffi::OsStr::new(&r.file_name));
    if known {
        if let Some(status) = check_existing(&path, &xml, opts, &mut res) {
            res.status = status;
            return res;
        }
    }
    if !write {
        return res;
    }
    let signed = match opts.signer.map(|s| s.sign(&xml)) {
        Some(Ok(b)) => Some(b),
        Some(Err(e)) => {
            res.status = Status::Failed(e.to_string());
            return res;
        }
        None => None,
    };
    let bytes: &[u8] = signed.as_deref().unwrap_or(&xml);
    let mode = if res.has_password {
        Mode::Secret
    } else {
        Mode::Public
    };
    let written = if known {
        output::write_atomic_checked(&path, bytes, mode, opts.sync)
    } else {
        match output::write_new(&path, bytes, mode, opts.sync) {
            Ok(true) => Ok(()),
            // Another writer put a file there since the pass began: as for a known name.
            Ok(false) => match check_existing(&path, &xml, opts, &mut res) {
                Some(status) => {
                    res.status = status;
                    return res;
                }
                None => output::write_atomic_checked(&path, bytes, mode, opts.sync),
            },
            Err(e) => Err(e),
        }
    };
    match written {
        Ok(()) => {
            // The digest is for the manifest only.
            if opts.manifest.is_some() {
                res.sha256 = Some(hex(&openssl::sha::sha256(bytes)));
            }
            res.status = Status::Written;
        }
        Err(e) => res.status = Status::Failed(e.to_string()),
    }
    res
}

/// The names in the output directory (one listing per pass, instead of a look per file).
fn listing(dir: &Path) -> std::collections::HashSet<std::ffi::OsString> {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default()
}

/// Streams manifest lines, in line order, to a temporary file renamed into place at the end.
struct Manifest {
    path: PathBuf,
    json: bool,
    out: output::AtomicFile,
    first: bool,
}

impl Manifest {
    fn create(path: &Path) -> Result<Manifest> {
        // The manifest can live outside --out-dir: a killed run's temporary there is removed.
        let out = output::AtomicFile::create(path, "give a file name for the manifest")?;
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let mut m = Manifest {
            path: path.to_path_buf(),
            json,
            out,
            first: true,
        };
        let head: &[u8] = if json {
            b"[\n"
        } else {
            b"line,email,file,payload_identifier,payload_uuid,sha256,signed,status,error\n"
        };
        m.out.write_all(head).map_err(|e| Error::io(path, e))?;
        Ok(m)
    }

    fn row(&mut self, r: &RowResult) -> Result<()> {
        let (status, error) = match &r.status {
            Status::Written => ("written", None),
            Status::Unchanged => ("unchanged", None),
            Status::Checked => ("checked", None),
            Status::Failed(e) => ("error", Some(e.as_str())),
        };
        let io = |e| Error::io(&self.path, e);
        if self.json {
            let v = serde_json::json!({
                "line": r.line,
                "email": r.email,
                "file": r.file,
                "payload_identifier": r.identifier,
                "payload_uuid": r.uuid,
                "sha256": r.sha256,
                "signed": r.signed,
                "status": status,
                "error": error,
            });
            let sep = if self.first { "  " } else { ",\n  " };
            self.first = false;
            write!(self.out, "{sep}{v}").map_err(io)
        } else {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            w.write_record([
                r.line.to_string(),
                r.email.clone(),
                r.file.clone().unwrap_or_default(),
                r.identifier.clone().unwrap_or_default(),
                r.uuid.clone().unwrap_or_default(),
                r.sha256.clone().unwrap_or_default(),
                r.signed.to_string(),
                status.to_string(),
                error.unwrap_or("").to_string(),
            ])
            .map_err(|e| Error::Other(e.to_string()))?;
            let bytes = w.into_inner().map_err(|e| Error::Other(e.to_string()))?;
            self.out.write_all(&bytes).map_err(io)
        }
    }

    fn finish(mut self) -> Result<()> {
        if self.json {
            let tail: &[u8] = if self.first { b"]\n" } else { b"\n]\n" };
            self.out
                .write_all(tail)
                .map_err(|e| Error::io(&self.path, e))?;
        }
        self.out.commit(false)
    }
}

/// Reads and checks every row of a CSV as a run would, writing nothing (what `--strict` does
/// first). `report` is called for every row, in line order.
pub fn check(
    csv_path: &Path,
    opts: &Options<'_>,
    mut report: impl FnMut(&RowResult),
) -> Result<Summary> {
    let csv_name = csv_path.display().to_string();
    pass(csv_path, &csv_name, opts, false, &mut None, &mut report)
}

/// Runs a bulk job. `report` is called for every row (in line order), for progress and errors.
pub fn run(csv_path: &Path, opts: &Options<'_>, report: impl FnMut(&RowResult)) -> Result<Summary> {
    run_named(csv_path, &csv_path.display().to_string(), opts, report)
}

/// [`run`], naming the CSV `csv_name` in messages (`<stdin>`).
pub fn run_named(
    csv_path: &Path,
    csv_name: &str,
    opts: &Options<'_>,
    mut report: impl FnMut(&RowResult),
) -> Result<Summary> {
    let csv_name = csv_name.to_string();
    match std::fs::metadata(&opts.out_dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Error::input(
                "--out-dir",
                tr(
                    format!(
                        "{} is a file, not a directory; give a directory for the profiles",
                        opts.out_dir.display()
                    ),
                    format!(
                        "{} はフォルダではなくファイルです。プロファイルを書くフォルダを指定してください",
                        opts.out_dir.display()
                    ),
                ),
            ))
        }
        Err(_) => {
            std::fs::create_dir_all(&opts.out_dir).map_err(|e| Error::io(&opts.out_dir, e))?
        }
    }
    // One error before any row, rather than the same one for every row.
    let probe = opts.out_dir.join(output::temp_name(999_999_999));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
        }
        Err(e) => {
            return Err(Error::input(
                "--out-dir",
                tr(
                    format!(
                        "cannot write in {}: {}",
                        opts.out_dir.display(),
                        crate::error::io_words(&e)
                    ),
                    format!(
                        "{} に書き込めません: {}",
                        opts.out_dir.display(),
                        crate::error::io_words(&e)
                    ),
                ),
            ))
        }
    }
    output::remove_abandoned_temporaries(&opts.out_dir);
    if opts.strict {
        // First pass: check every row, write nothing.
        let mut failed = Vec::new();
        let s = pass(csv_path, &csv_name, opts, false, &mut None, &mut |r| {
            if matches!(r.status, Status::Failed(_)) {
                failed.push(r.clone());
            }
        })?;
        if s.failed > 0 {
            for r in &failed {
                report(r);
            }
            return Ok(Summary {
                written: 0,
                unchanged: 0,
                ..s
            });
        }
    }
    let mut manifest = match &opts.manifest {
        Some(p) => Some(Manifest::create(p)?),
        None => None,
    };
    let summary = pass(csv_path, &csv_name, opts, true, &mut manifest, &mut report)?;
    if let Some(m) = manifest {
        m.finish()?;
    }
    Ok(summary)
}

fn pass(
    csv_path: &Path,
    csv_name: &str,
    opts: &Options<'_>,
    write: bool,
    manifest: &mut Option<Manifest>,
    report: &mut dyn FnMut(&RowResult),
) -> Result<Summary> {
    let mut reader = open_csv(csv_path)?;
    let header = reader
        .headers()
        .map_err(|e| Error::input(format!("{csv_name}:1"), csv_error(&e)))?
        .clone();
    let map = header_map(csv_name, &header)?;
    let mut claims = Claims::default();
    let mut summary = Summary::default();
    let present = listing(&opts.out_dir);
    let mut lines = LineCounter::new(csv_path)?;
    let mut records = reader.into_records();
    let mut stop = false;
    // Rows claimed in line order and waiting to be signed and written: they are written while the
    // next chunk renders, so that no core waits at the step between the two.
    let mut pending: Vec<std::result::Result<Claimed, RowResult>> = Vec::new();
    // Signing makes each row costly and its output small: larger batches, fewer barriers.
    let chunk = if opts.signer.is_some() {
        4 * CHUNK
    } else {
        CHUNK
    };
    // Reads the next chunk of rows (none once the file has ended or failed).
    let mut read_chunk = || {
        let mut rows: Vec<std::result::Result<Row, (u64, String)>> = Vec::with_capacity(chunk);
        for rec in records.by_ref().take(if stop { 0 } else { chunk }) {
            match rec {
                Ok(r) => {
                    let line = lines.line_at(r.position().map_or(0, |p| p.byte()));
                    let mut fields: [Option<String>; NCOL] = Default::default();
                    for (c, idx) in map.iter().enumerate() {
                        fields[c] = idx.and_then(|i| r.get(i)).map(str::to_string);
                    }
                    rows.push(Ok(Row { line, fields }));
                }
                Err(e) => {
                    let line = lines.line_at(e.position().map_or(0, |p| p.byte()));
                    rows.push(Err((line, csv_error(&e))));
                    // A read error ends the file: the rows before it are still written.
                    if e.is_io_error() {
                        stop = true;
                        break;
                    }
                }
            }
        }
        rows
    };
    let mut rows = read_chunk();
    loop {
        // Discovery first: each domain of the chunk not yet known, once.
        if let Some(cache) = opts.discovery {
            let wanted: Vec<(String, String)> = rows
                .iter()
                .flatten()
                .filter_map(|row| {
                    let req = request_for(row, &opts.base).ok()?;
                    let domain = crate::discover::wanted(&req, opts.registry)?;
                    Some((domain, req.email))
                })
                .collect();
            cache.prepare(wanted, opts.registry);
        }
        // Sign and write the previous chunk while this one renders and the next is read, all
        // at once.
        let to_write = std::mem::take(&mut pending);
        let ended = rows.is_empty();
        let (results, (rendered, next)): (Vec<RowResult>, (Vec<RenderedRow>, _)) = rayon::join(
            || {
                to_write
                    .into_par_iter()
                    .map(|c| match c {
                        Ok((r, xml, line, email)) => {
                            write_row(r, xml, line, email, opts, write, &present)
                        }
                        Err(res) => res,
                    })
                    .collect()
            },
            || {
                rayon::join(
                    || {
                        rows.par_iter()
                            .map(|r| match r {
                                Ok(row) => Ok(render_row(row, opts)),
                                Err(e) => Err(e.clone()),
                            })
                            .collect()
                    },
                    || {
                        if ended {
                            Vec::new()
                        } else {
                            read_chunk()
                        }
                    },
                )
            },
        );
        // The report and the manifest keep line order.
        for res in &results {
            summary.rows += 1;
            match res.status {
                Status::Written => summary.written += 1,
                Status::Unchanged => summary.unchanged += 1,
                Status::Failed(_) => summary.failed += 1,
                Status::Checked => {}
            }
            if res.has_password && matches!(res.status, Status::Written | Status::Unchanged) {
                summary.with_password += 1;
            }
            if let Some(m) = manifest.as_mut() {
                m.row(res)?;
            }
            report(res);
        }
        if ended {
            break;
        }
        // Claim addresses and file names in line order.
        let mut claimed: Vec<std::result::Result<Claimed, RowResult>> =
            Vec::with_capacity(rendered.len());
        for r in rendered {
            let failed = |line: u64, email: String, msg: String| RowResult {
                line,
                email,
                file: None,
                identifier: None,
                uuid: None,
                sha256: None,
                signed: false,
                has_password: false,
                status: Status::Failed(msg),
            };
            match r {
                Err((line, msg)) => claimed.push(Err(failed(line, String::new(), msg))),
                Ok(Rendered {
                    line,
                    email,
                    result: Err(msg),
                }) => claimed.push(Err(failed(line, email, msg))),
                Ok(Rendered {
                    line,
                    email,
                    result: Ok((r, xml)),
                }) => {
                    let address = r.profile.email_address().unwrap_or_default().to_lowercase();
                    if let Some(first) = claims.emails.get(&key_hash(&address)) {
                        claimed.push(Err(failed(
                            line,
                            email,
                            tr(
                                format!("duplicate address {address}: line {first} has it already"),
                                format!(
                                    "アドレス {address} が重複しています: {first}行目にもあります"
                                ),
                            ),
                        )));
                        continue;
                    }
                    let file_key = key_hash(&r.file_name.to_lowercase());
                    if let Some(first) = claims.files.get(&file_key) {
                        claimed.push(Err(failed(
                            line,
                            email,
                            tr(
                                format!(
                                    "file name {} is already written by line {first}",
                                    r.file_name
                                ),
                                format!(
                                    "ファイル名 {} は{first}行目で既に書き込まれます",
                                    r.file_name
                                ),
                            ),
                        )));
                        continue;
                    }
                    // Two profiles with one PayloadIdentifier replace each other on the phone.
                    let id_key = key_hash(&r.profile.identifier);
                    if let Some(first) = claims.identifiers.get(&id_key) {
                        claimed.push(Err(failed(
                            line,
                            email,
                            tr(
                                format!(
                                    "PayloadIdentifier {} is already the identifier of line {first}'s profile; installing one would replace the other",
                                    r.profile.identifier
                                ),
                                format!(
                                    "PayloadIdentifier {} は{first}行目のプロファイルと同じです。一方を入れるともう一方が置き換わります",
                                    r.profile.identifier
                                ),
                            ),
                        )));
                        continue;
                    }
                    claims.emails.insert(key_hash(&address), line);
                    claims.files.insert(file_key, line);
                    claims.identifiers.insert(id_key, line);
                    claimed.push(Ok((r, xml, line, email)));
                }
            }
        }
        pending = claimed;
        rows = next;
    }
    Ok(summary)
}

fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) if io.to_string() == LINE_TOO_LONG => tr(
            LINE_TOO_LONG,
            "64 KiBを超える行があります。ユーザ一覧のCSVではありません",
        ),
        csv::ErrorKind::Io(io) => crate::error::io_words(io),
        csv::ErrorKind::Utf8 { .. } => tr(
            "the row is not valid UTF-8; save the CSV as UTF-8",
            "この行は UTF-8 ではありません。CSVを UTF-8 で保存してください",
        ),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            tr(
                format!("the row has {len} fields, the header {expected_len}; quote fields that contain commas"),
                format!("この行の項目は{len}個、見出しは{expected_len}個です。カンマを含む項目は引用符で囲んでください"),
            )
        }
        _ => e.to_string(),
    }
}

/// For messages: `USERS.csv:LINE`.
pub fn location(csv: &Path, line: u64) -> String {
    format!("{}:{line}", csv.display())
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn f<T: Send + Sync>() {}
    f::<Signer>();
    f::<Templates>();
    f::<Registry>();
}

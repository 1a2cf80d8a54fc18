//! `profilegen lint`: what is wrong with a profile, and what the phone shows because of it.
//!
//! Rules live in [`rules`], one small unit each, with a stable ID, a default severity and their
//! documentation (the text `--explain` prints). The engine reads the bytes (unwrapping and
//! verifying a signed file), parses the plist with a depth limit, and runs every rule.

pub mod declaration;
pub mod fix;
pub mod ja;
pub mod report;
pub mod rules;

use crate::container::{self, Opened};
use crate::i18n::tr;
use crate::preset::{Preset, Registry};
use crate::text::Address;
use plist::{Dictionary, Value};
use serde::Serialize;
use std::collections::BTreeMap;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

named!(
    Severity,
    "a severity",
    Info = "info",
    Warning = "warning",
    Error = "error"
);

impl Severity {
    /// The word for the severity in a message, in `lang` ("error" / "エラー").
    pub fn word(self, lang: crate::preset::Lang) -> &'static str {
        use crate::i18n::Msg;
        match self {
            Severity::Info => Msg::SeverityInfo,
            Severity::Warning => Msg::SeverityWarning,
            Severity::Error => Msg::SeverityError,
        }
        .text(lang)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One rule: its identity, its documentation and its check.
pub struct Rule {
    /// Stable ID, e.g. `PG201`.
    pub id: &'static str,
    /// Short kebab-case name, e.g. `ssl-off`.
    pub name: &'static str,
    pub severity: Severity,
    /// One line: what it finds.
    pub summary: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// What the phone shows, in Japanese and English (empty when it shows nothing).
    pub phone_ja: &'static str,
    pub phone_en: &'static str,
    /// A snippet that triggers the rule.
    pub example: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    pub check: fn(&Ctx<'_>, &mut Sink<'_>),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.id, self.name)
    }
}

/// A problem found in a file.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// Where in the profile: a key path such as `PayloadContent[0].IncomingMailServerPortNumber`,
    /// or empty for the file as a whole.
    pub path: String,
    pub message: String,
    pub help: Option<String>,
    /// The change that removes the finding, when the rule knows one (`lint --fix`).
    #[serde(skip)]
    pub fix: Option<fix::Edit>,
}

/// Collects findings for one rule.
pub struct Sink<'a> {
    rule: &'static Rule,
    out: &'a mut Vec<Finding>,
}

impl Sink<'_> {
    /// A finding at a severity below the rule's default (the rule's weaker case).
    pub fn emit_at(
        &mut self,
        severity: Severity,
        path: impl Into<String>,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.emit(path, message, help);
        if let Some(f) = self.out.last_mut() {
            f.severity = severity.min(self.rule.severity);
        }
    }

    /// Attaches a fix to the finding just emitted.
    pub fn fix(&mut self, edit: fix::Edit) {
        if let Some(f) = self.out.last_mut().filter(|f| f.rule == self.rule.id) {
            f.fix = Some(edit);
        }
    }

    pub fn emit(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.out.push(Finding {
            rule: self.rule.id,
            name: self.rule.name,
            severity: self.rule.severity,
            path: path.into(),
            message: message.into(),
            // Every finding says what to do: the rule's own fix when the check has nothing
            // more specific.
            help: help.or_else(|| Some(self.rule.fix.to_string())),
            fix: None,
        });
    }
}

/// One mail account payload, with what the linter knows about its address.
pub struct Mail<'a> {
    pub index: usize,
    pub dict: &'a Dictionary,
    pub address: Option<Address>,
    /// The preset for the address's domain.
    pub preset: Option<&'a Preset>,
}

impl Mail<'_> {
    pub fn path(&self, key: &str) -> String {
        format!("PayloadContent[{}].{key}", self.index)
    }
    pub fn string(&self, key: &str) -> Option<&str> {
        self.dict.get(key).and_then(Value::as_string)
    }
    pub fn port(&self, key: &str) -> Option<i64> {
        self.dict.get(key).and_then(|v| {
            v.as_signed_integer()
                .or_else(|| v.as_real().map(|r| r as i64))
        })
    }
    pub fn flag(&self, key: &str) -> Option<bool> {
        self.dict.get(key).and_then(Value::as_boolean)
    }
    pub fn is_pop(&self) -> bool {
        self.string("EmailAccountType") == Some("EmailTypePOP")
    }
}

/// A mail server of a payload: its keys, and the values found.
pub struct ServerKeys {
    pub label: &'static str,
    pub host: &'static str,
    pub port: &'static str,
    pub ssl: &'static str,
    pub username: &'static str,
    pub auth: &'static str,
    pub password: &'static str,
}

pub const INCOMING: ServerKeys = ServerKeys {
    label: "incoming",
    host: "IncomingMailServerHostName",
    port: "IncomingMailServerPortNumber",
    ssl: "IncomingMailServerUseSSL",
    username: "IncomingMailServerUsername",
    auth: "IncomingMailServerAuthentication",
    password: "IncomingPassword",
};

pub const OUTGOING: ServerKeys = ServerKeys {
    label: "outgoing",
    host: "OutgoingMailServerHostName",
    port: "OutgoingMailServerPortNumber",
    ssl: "OutgoingMailServerUseSSL",
    username: "OutgoingMailServerUsername",
    auth: "OutgoingMailServerAuthentication",
    password: "OutgoingPassword",
};

/// Everything a rule can look at.
pub struct Ctx<'a> {
    pub opened: &'a Opened,
    /// The top-level dictionary, when the file parsed into one.
    pub root: &'a Dictionary,
    pub presets: &'a Registry,
    pub mails: Vec<Mail<'a>>,
    /// Seconds since the Unix epoch.
    pub now: i64,
    /// Leading bytes before the XML declaration (whitespace, blank lines).
    pub junk_before_declaration: bool,
    /// Key paths given twice in one dictionary.
    pub duplicate_keys: Vec<String>,
    /// The schema check, made once and shared by the rules that report from it.
    pub schema_check: std::cell::OnceCell<Vec<(String, Vec<crate::schema::Problem>)>>,
    /// The MDM whose variables the profile may hold (`lint --mdm`).
    pub mdm: Option<&'a crate::mdm::Mdm>,
}

impl<'a> Ctx<'a> {
    /// `PayloadContent` entries that are dictionaries, with their index.
    pub fn payloads(&self) -> impl Iterator<Item = (usize, &'a Dictionary)> + 'a {
        self.root
            .get("PayloadContent")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, v)| v.as_dictionary().map(|d| (i, d)))
    }

    /// The preset whose servers include `host`.
    pub fn preset_of_host(&self, host: &str) -> Option<&'a Preset> {
        let host = host.trim().to_ascii_lowercase();
        self.presets.iter().find(|p| {
            [&p.imap, &p.pop, &p.smtp]
                .into_iter()
                .flatten()
                .any(|s| s.host == host)
        })
    }
}

/// Options of a lint run.
pub struct Options<'a> {
    pub presets: &'a Registry,
    pub verifier: &'a container::Verifier,
    /// Rule ID → severity override; `None` turns the rule off.
    pub overrides: BTreeMap<String, Option<Severity>>,
    pub now: i64,
    /// The MDM whose variables profiles may hold (`lint --mdm`).
    pub mdm: Option<&'a crate::mdm::Mdm>,
}

/// The rule for files that cannot be read or parsed.
pub const UNREADABLE: &str = "PG100";

/// Maximum nesting of arrays and dictionaries; real profiles stay below 10.
pub const MAX_DEPTH: usize = 64;

/// The result of linting one file.
#[derive(Debug, Clone, Default)]
pub struct Linted {
    pub findings: Vec<Finding>,
    /// The top-level PayloadIdentifier, when there is one.
    pub identifier: Option<String>,
    /// Every PayloadUUID with its key path, for the cross-file check.
    pub uuids: Vec<(String, String)>,
    /// A declaration file's identifier, type and references, for the cross-file check.
    pub declaration: Option<declaration::Refs>,
}

/// Lints one file's bytes.
pub fn lint_bytes(bytes: &[u8], opts: &Options<'_>) -> Vec<Finding> {
    lint(bytes, opts).findings
}

/// Lints one file's bytes, keeping what the cross-file checks need.
pub fn lint(bytes: &[u8], opts: &Options<'_>) -> Linted {
    // A Declarative Device Management declaration (JSON) is checked against its own schema.
    if declaration::looks_like(bytes) {
        let refs = serde_json::from_slice::<serde_json::Value>(
            bytes.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(bytes),
        )
        .ok()
        .filter(|v| v.is_object())
        .and_then(|v| declaration::references(&v));
        return Linted {
            findings: apply_overrides(declaration::lint(bytes), &opts.overrides),
            declaration: refs,
            ..Linted::default()
        };
    }
    let opened = container::open(bytes, opts.verifier);
    let mut findings = Vec::new();
    let mut duplicates = Vec::new();
    let unreadable = |msg: String, out: &mut Vec<Finding>| {
        out.push(Finding {
            rule: UNREADABLE,
            name: "unreadable",
            severity: Severity::Error,
            path: String::new(),
            message: msg,
            help: Some("the phone refuses a file it cannot read: \"The profile could not be installed\" (プロファイルをインストールできません)".into()),
            fix: None,
        })
    };
    let parsed = match (&opened.error, &opened.content) {
        (Some(e), _) => Err(e.clone()),
        (None, None) => Err(tr(
            "the signed file's content could not be extracted",
            "署名済みファイルの中身を取り出せませんでした",
        )),
        (None, Some(content)) => parse_plist_full(content).map(|p| {
            duplicates = p.duplicates;
            (p.value, p.junk)
        }),
    };
    // A generator's template does not parse; its template syntax is reported line by line, and
    // when the template with its expressions blanked out parses, the rules run on that skeleton.
    let mut templated = false;
    let parsed = match (parsed, &opened.content) {
        (Err(e), Some(content)) if opened.signature.is_none() => {
            let lines = template_lines(content);
            if lines.is_empty() {
                Err(e)
            } else {
                findings.extend(lines);
                match skeleton(content).and_then(|s| parse_plist(&s).ok()) {
                    Some(p) => {
                        templated = true;
                        unreadable(
                            tr(
                                format!("the file is a template, not a profile ({e}); the other findings come from the template with its expressions blanked out"),
                                format!("このファイルはプロファイルではなくテンプレートです({e})。ほかの指摘は、式を空にしたテンプレートについてのものです"),
                            ),
                            &mut findings,
                        );
                        Ok(p)
                    }
                    None => Err(e),
                }
            }
        }
        (p, _) => p,
    };
    let mut root_holder = Dictionary::new();
    let (root_ok, junk) = match parsed {
        Ok((Value::Dictionary(d), junk)) => {
            root_holder = d;
            (true, junk)
        }
        Ok((_, _)) => {
            unreadable(
                tr(
                    "the property list's top level is not a dictionary",
                    "プロパティリストの最上位が辞書ではありません",
                ),
                &mut findings,
            );
            (false, false)
        }
        Err(e) => {
            unreadable(e, &mut findings);
            (false, false)
        }
    };
    let mut ctx = Ctx {
        opened: &opened,
        root: &root_holder,
        presets: opts.presets,
        mails: Vec::new(),
        now: opts.now,
        junk_before_declaration: junk,
        duplicate_keys: duplicates,
        schema_check: std::cell::OnceCell::new(),
        mdm: opts.mdm,
    };
    let mails: Vec<Mail<'_>> = if root_ok {
        mails_of(&ctx, opts.presets)
    } else {
        Vec::new()
    };
    ctx.mails = mails;
    for rule in rules::ALL {
        // A file that is not a readable profile gets PG100 and what its signature says; "not
        // signed" says nothing useful about it.
        let is_signing_rule = rule.id.starts_with("PG3") && rule.id != rules::signing::UNSIGNED.id;
        if !root_ok && !is_signing_rule {
            continue;
        }
        let mut sink = Sink {
            rule,
            out: &mut findings,
        };
        (rule.check)(&ctx, &mut sink);
    }
    let identifier = ctx
        .root
        .get("PayloadIdentifier")
        .and_then(Value::as_string)
        .map(str::to_string);
    let mut uuids = Vec::new();
    if let Some(u) = ctx.root.get("PayloadUUID").and_then(Value::as_string) {
        uuids.push(("PayloadUUID".to_string(), u.to_string()));
    }
    for (i, d) in ctx.payloads() {
        if let Some(u) = d.get("PayloadUUID").and_then(Value::as_string) {
            uuids.push((format!("PayloadContent[{i}].PayloadUUID"), u.to_string()));
        }
    }
    if templated {
        // Findings about the blanked-out expressions themselves say nothing about the template.
        // Findings about the blanked-out expressions themselves say nothing about the template;
        // the others name the expression as such.
        findings.retain(|f| {
            let blanked = value_at(ctx.root, &f.path)
                .and_then(Value::as_string)
                .is_some_and(|v| v.contains(TEMPLATE_TOKEN));
            !blanked && f.rule != rules::signing::UNSIGNED.id
        });
        for f in &mut findings {
            if f.message.contains(TEMPLATE_TOKEN) {
                f.message = f.message.replace(TEMPLATE_TOKEN, "{{…}}");
            }
        }
    }
    Linted {
        findings: apply_overrides(findings, &opts.overrides),
        identifier,
        uuids,
        declaration: None,
    }
}

/// The mail payloads of a profile, with the preset of each address's domain.
fn mails_of<'a>(ctx: &Ctx<'a>, presets: &'a Registry) -> Vec<Mail<'a>> {
    ctx.payloads()
        .filter(|(_, d)| {
            d.get("PayloadType").and_then(Value::as_string)
                == Some(crate::profile::MAIL_PAYLOAD_TYPE)
        })
        .map(|(index, dict)| {
            let address = dict
                .get("EmailAddress")
                .and_then(Value::as_string)
                .and_then(|s| Address::parse(s).ok());
            let preset = address.as_ref().and_then(|a| presets.for_domain(&a.domain));
            Mail {
                index,
                dict,
                address,
                preset,
            }
        })
        .collect()
}

/// The file rules on a profile about to be written (by `new`, `bulk` or `serve`): every rule
/// but the signature's, so that the generator and the linter cannot disagree. Info findings are
/// left out.
pub fn check_profile(
    root: &Dictionary,
    presets: &Registry,
    mdm: Option<&crate::mdm::Mdm>,
) -> Vec<Finding> {
    let opened = Opened {
        form: container::Form::XmlPlist,
        content: None,
        signature: None,
        error: None,
    };
    let mut ctx = Ctx {
        opened: &opened,
        root,
        presets,
        mails: Vec::new(),
        now: crate::sign::now_unix(),
        junk_before_declaration: false,
        duplicate_keys: Vec::new(),
        schema_check: std::cell::OnceCell::new(),
        mdm,
    };
    ctx.mails = mails_of(&ctx, presets);
    let mut findings = Vec::new();
    for rule in rules::ALL {
        if rule.id.starts_with("PG3") || rule.severity == Severity::Info {
            continue;
        }
        let mut sink = Sink {
            rule,
            out: &mut findings,
        };
        (rule.check)(&ctx, &mut sink);
    }
    findings.retain(|f| f.severity > Severity::Info);
    findings
}

/// The checks across the files of a run, fed the files in order: a PayloadUUID shared with an
/// earlier file whose profile has another identifier (installing one replaces the other, PG604),
/// and declarations whose references do not resolve within the run (PG117).
///
/// A file is handed back for the report as soon as it is checked, so a run holds one small entry
/// per UUID rather than every file's findings; only from the first declaration on are files held
/// to the end (PG117 needs the whole set; declaration sets are small).
pub struct CrossFile<'o> {
    overrides: &'o BTreeMap<String, Option<Severity>>,
    /// Each UUID's first file (its index in `ends`) and a hash of that profile's identifier:
    /// 32 bytes a UUID.
    seen: std::collections::HashMap<u128, (u32, u64)>,
    /// The same for a PayloadUUID that is not a UUID (rare).
    seen_text: std::collections::HashMap<Box<str>, (u32, u64)>,
    /// The names of the files that were first to use a UUID, one after the other in `names`,
    /// each ending at its offset in `ends`.
    names: String,
    ends: Vec<usize>,
    held: Option<Vec<(String, Linted)>>,
}

fn identifier_hash(id: &Option<String>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

impl<'o> CrossFile<'o> {
    /// For a run of about `files` files.
    pub fn new(overrides: &'o BTreeMap<String, Option<Severity>>, files: usize) -> Self {
        CrossFile {
            overrides,
            // Two UUIDs a profile, room made at once: growing a large table leaves the old one
            // to the allocator, and the run would hold both.
            seen: std::collections::HashMap::with_capacity(files.saturating_mul(2)),
            seen_text: Default::default(),
            names: String::new(),
            ends: Vec::new(),
            held: None,
        }
    }

    fn name(&self, j: u32) -> &str {
        let j = j as usize;
        let start = if j == 0 { 0 } else { self.ends[j - 1] };
        &self.names[start..self.ends[j]]
    }

    /// Checks the next file against those before it; gives back the files ready for the report.
    pub fn add(&mut self, name: String, mut linted: Linted) -> Vec<(String, Linted)> {
        let id = identifier_hash(&linted.identifier);
        let mut first_use = false;
        let mut extra = Vec::new();
        for (path, u) in &linted.uuids {
            let key = u.trim().to_ascii_lowercase();
            if key.is_empty()
                || rules::identifiers::KNOWN_COPIED_UUIDS
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(&key))
            {
                continue;
            }
            // Only the hyphenated form has 36 characters.
            let number = match uuid::Uuid::try_parse(&key) {
                Ok(u) if key.len() == 36 => Some(u.as_u128()),
                _ => None,
            };
            let this = self.ends.len() as u32;
            let before = match number {
                Some(n) => self.seen.get(&n),
                None => self.seen_text.get(key.as_str()),
            };
            match before.copied() {
                Some((j, other)) if j != this && other != id => extra.push(Finding {
                    rule: rules::identifiers::COPIED_UUID.id,
                    name: rules::identifiers::COPIED_UUID.name,
                    severity: rules::identifiers::COPIED_UUID.severity,
                    path: path.clone(),
                    message: tr(
                        format!(
                            "{u} is also a PayloadUUID in {}, a different profile",
                            self.name(j)
                        ),
                        format!(
                            "{u} は別のプロファイル {} の PayloadUUID でもあります",
                            self.name(j)
                        ),
                    ),
                    help: Some(tr(
                        "give each profile its own UUIDs, or installing one replaces the other",
                        "プロファイルごとに別の UUID にしてください。同じだと一方を入れるともう一方が置き換わります",
                    )),
                    fix: None,
                }),
                Some(_) => {}
                None => {
                    match number {
                        Some(n) => self.seen.insert(n, (this, id)),
                        None => self.seen_text.insert(key.into(), (this, id)),
                    };
                    first_use = true;
                }
            }
        }
        if first_use {
            self.names.push_str(&name);
            self.ends.push(self.names.len());
        }
        linted.uuids = Vec::new();
        linted
            .findings
            .extend(apply_overrides(extra, self.overrides));
        if linted.declaration.is_some() && self.held.is_none() {
            self.held = Some(Vec::new());
        }
        match &mut self.held {
            Some(held) => {
                held.push((name, linted));
                Vec::new()
            }
            None => vec![(name, linted)],
        }
    }

    /// The files held back, with the declarations' unresolved references.
    pub fn finish(self) -> Vec<(String, Linted)> {
        let Some(mut files) = self.held else {
            return Vec::new();
        };
        // Declarations in separate files refer to each other: with two or more in the run,
        // every reference must resolve within it (PG117).
        let decls: Vec<(usize, declaration::Refs)> = files
            .iter()
            .enumerate()
            .filter_map(|(i, (_, l))| l.declaration.clone().map(|r| (i, r)))
            .collect();
        if decls.len() >= 2 {
            for (i, f) in declaration::unresolved(&decls, &decls) {
                let kept = apply_overrides(vec![f], self.overrides);
                // Before the file's PG604 findings, as a whole-run check has always put them.
                let findings = &mut files[i].1.findings;
                let at = findings
                    .iter()
                    .position(|f| f.rule == rules::identifiers::COPIED_UUID.id)
                    .unwrap_or(findings.len());
                findings.splice(at..at, kept);
            }
        }
        files
    }
}

fn apply_overrides(
    findings: Vec<Finding>,
    overrides: &BTreeMap<String, Option<Severity>>,
) -> Vec<Finding> {
    findings
        .into_iter()
        .filter_map(|mut f| match overrides.get(f.rule) {
            Some(None) => None,
            Some(Some(s)) => {
                f.severity = *s;
                Some(f)
            }
            None => Some(f),
        })
        .collect()
}

/// The mail addresses of a profile's IMAP/POP payloads (for `lint --discover`); none when the file
/// does not open or parse.
pub fn addresses(bytes: &[u8], verifier: &container::Verifier) -> Vec<String> {
    let opened = container::open(bytes, verifier);
    let Some(content) = opened.content.as_ref().filter(|_| opened.error.is_none()) else {
        return Vec::new();
    };
    let Ok((value, _)) = parse_plist(content) else {
        return Vec::new();
    };
    let payloads = value
        .as_dictionary()
        .and_then(|d| d.get("PayloadContent"))
        .and_then(Value::as_array)
        .map(|a| a.as_slice())
        .unwrap_or_default();
    payloads
        .iter()
        .filter_map(Value::as_dictionary)
        .filter(|p| {
            p.get("PayloadType").and_then(Value::as_string) == Some("com.apple.mail.managed")
        })
        .filter_map(|p| p.get("EmailAddress").and_then(Value::as_string))
        .map(|a| a.trim().to_string())
        .collect()
}

/// Parses a plist with a nesting limit. Returns the value and whether there were bytes before
/// the XML declaration.
pub fn parse_plist(content: &[u8]) -> Result<(Value, bool), String> {
    parse_plist_full(content).map(|p| (p.value, p.junk))
}

/// A parsed property list and what the parse noticed on the way.
pub struct Parsed {
    pub value: Value,
    /// Bytes before the XML declaration.
    pub junk: bool,
    /// Key paths given twice in one dictionary (the value kept is the last one).
    pub duplicates: Vec<String>,
}

/// [`parse_plist`], with the keys that appear twice in a dictionary.
pub fn parse_plist_full(content: &[u8]) -> Result<Parsed, String> {
    let mut duplicates = Vec::new();
    let mut junk = false;
    let utf8;
    let mut bytes: &[u8] = content;
    // UTF-16 with a byte-order mark: transcode.
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        let le = bytes[0] == 0xff;
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        let s = String::from_utf16(&units).map_err(|_| "invalid UTF-16".to_string())?;
        utf8 = s
            .replacen("encoding=\"UTF-16\"", "encoding=\"UTF-8\"", 1)
            .replacen("encoding=\"utf-16\"", "encoding=\"UTF-8\"", 1)
            .into_bytes();
        bytes = &utf8;
    }
    if !bytes.starts_with(b"bplist") {
        let no_bom = bytes.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(bytes);
        let start = no_bom
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(no_bom.len());
        junk = start > 0 && no_bom[start..].starts_with(b"<?xml");
        bytes = &no_bom[start..];
    }
    if !bytes.starts_with(b"bplist") {
        if let Some((offset, what)) = xml_not_well_formed(bytes) {
            let (line, col) = line_col(bytes, offset);
            return Err(format!(
                "not well-formed XML: {what} at line {line}, column {col} (XML 1.0 forbids it, and strict parsers such as the phone's refuse the file)"
            ));
        }
    }
    // Build the value from the event stream with an explicit stack and a depth limit, so that no
    // input can exhaust the stack (here, or in the recursive drop of a deep value).
    use plist::stream::Event;
    enum Open {
        Array(Vec<Value>),
        Dict(Dictionary, Option<String>),
    }
    let mut stack: Vec<Open> = Vec::new();
    // The key path of the innermost open collection, spelt out only for a duplicate key: each
    // ancestor still holds the key (or the index) of the child being built.
    let path_of = |stack: &[Open]| -> String {
        let mut p = String::new();
        for open in stack.iter().take(stack.len().saturating_sub(1)) {
            match open {
                Open::Array(a) => p.push_str(&format!("[{}]", a.len())),
                Open::Dict(_, Some(k)) => {
                    if !p.is_empty() {
                        p.push('.');
                    }
                    p.push_str(k);
                }
                Open::Dict(_, None) => {}
            }
        }
        p
    };
    let mut root: Option<Value> = None;
    // XML is read straight from the bytes (the general reader copies them through a buffer
    // first); anything else, or XML whose first event fails, goes to the general reader, which
    // tells binary, XML and the old ASCII form apart and words the error.
    let mut xml = plist::stream::XmlReader::new(bytes);
    let first = bytes.starts_with(b"<").then(|| xml.next());
    let events: Box<dyn Iterator<Item = Result<plist::stream::OwnedEvent, plist::Error>>> =
        match first {
            Some(first @ (Some(Ok(_)) | None)) => Box::new(first.into_iter().chain(xml)),
            _ => Box::new(plist::stream::Reader::new(std::io::Cursor::new(bytes))),
        };
    for event in events {
        let event = event.map_err(|e| plist_error(&e, bytes))?;
        let value = match event {
            Event::StartArray(_) | Event::StartDictionary(_) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(tr(
                        format!("nested more than {MAX_DEPTH} levels deep; not a profile"),
                        format!("入れ子が{MAX_DEPTH}段を超えています。プロファイルではありません"),
                    ));
                }
                stack.push(if matches!(event, Event::StartArray(_)) {
                    Open::Array(Vec::new())
                } else {
                    Open::Dict(Dictionary::new(), None)
                });
                continue;
            }
            Event::EndCollection => match stack.pop() {
                Some(Open::Array(a)) => Value::Array(a),
                Some(Open::Dict(d, None)) => Value::Dictionary(d),
                Some(Open::Dict(_, Some(k))) => {
                    return Err(invalid(
                        format!("key {k:?} has no value"),
                        format!("キー {k:?} に値がありません"),
                    ))
                }
                None => {
                    return Err(invalid(
                        "unbalanced collection".into(),
                        "配列か辞書の開始と終了が対応していません".into(),
                    ))
                }
            },
            Event::Boolean(b) => Value::Boolean(b),
            Event::Data(d) => Value::Data(d.into_owned()),
            Event::Date(d) => Value::Date(d),
            Event::Integer(i) => Value::Integer(i),
            Event::Real(r) => Value::Real(r),
            Event::String(s) => {
                if let Some(Open::Dict(_, key @ None)) = stack.last_mut() {
                    *key = Some(s.into_owned());
                    continue;
                }
                Value::String(s.into_owned())
            }
            Event::Uid(u) => Value::Uid(u),
            _ => {
                return Err(invalid(
                    "unknown element".into(),
                    "不明な要素があります".into(),
                ))
            }
        };
        let mut duplicate = None;
        match stack.last_mut() {
            None => {
                if root.is_some() {
                    return Err(invalid(
                        "more than one top-level value".into(),
                        "最上位の値が2つ以上あります".into(),
                    ));
                }
                root = Some(value);
            }
            Some(Open::Array(a)) => a.push(value),
            Some(Open::Dict(d, key)) => match key.take() {
                Some(k) => {
                    // One lookup: an occupied entry is a key given twice (the last value is kept,
                    // as the phone does).
                    match d.entry(k) {
                        plist::dictionary::Entry::Occupied(mut o) => {
                            if duplicates.len() < 100 {
                                duplicate = Some(o.key().clone());
                            }
                            o.insert(value);
                        }
                        plist::dictionary::Entry::Vacant(v) => {
                            v.insert(value);
                        }
                    }
                }
                None => {
                    return Err(invalid(
                        "a dictionary key is not a string".into(),
                        "辞書のキーが文字列ではありません".into(),
                    ))
                }
            },
        }
        if let Some(k) = duplicate {
            let p = path_of(&stack);
            duplicates.push(if p.is_empty() { k } else { format!("{p}.{k}") });
        }
    }
    match (root, stack.is_empty()) {
        (Some(value), true) => Ok(Parsed {
            value,
            junk,
            duplicates,
        }),
        _ => Err(invalid(
            "it ends early".into(),
            "途中で終わっています".into(),
        )),
    }
}

/// The value at a finding's key path (`PayloadContent[0].EmailAddress`, `a.b[2].c`).
pub(crate) fn value_at<'v>(root: &'v Dictionary, path: &str) -> Option<&'v Value> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut cur: Option<&Value> = None;
    for (n, part) in std::iter::once(first).chain(parts).enumerate() {
        let (key, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        let dict = if n == 0 { root } else { cur?.as_dictionary()? };
        let mut v = dict.get(key)?;
        for idx in indexes.split('[').filter(|s| !s.is_empty()) {
            let i: usize = idx.trim_end_matches(']').parse().ok()?;
            v = v.as_array()?.get(i)?;
        }
        cur = Some(v);
    }
    cur
}

/// What a template expression is replaced with in a template's skeleton.
const TEMPLATE_TOKEN: &str = "PGTEMPLATEVALUE";

/// PG501 findings for each line of a text file that holds template syntax.
fn template_lines(content: &[u8]) -> Vec<Finding> {
    let Ok(text) = std::str::from_utf8(content) else {
        return Vec::new();
    };
    let rule = &rules::leftovers::TEMPLATE_SYNTAX;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(kind) = rules::leftovers::template_syntax(line) else {
            continue;
        };
        let shown: String = line.trim().chars().take(120).collect();
        out.push(Finding {
            rule: rule.id,
            name: rule.name,
            severity: rule.severity,
            path: format!("line {}", n + 1),
            message: tr(
                format!("template syntax {kind}: {shown}"),
                format!("テンプレートの記法 {kind}: {shown}"),
            ),
            help: Some(tr(
                "this file is a template, not a profile: render it, then lint the output",
                "このファイルはプロファイルではなくテンプレートです。テンプレートを埋めてから、その出力を検査してください",
            )),
            fix: None,
        });
        if out.len() >= 200 {
            break;
        }
    }
    out
}

/// The template with each expression replaced: `{{ … }}`, `<?php … ?>`, `${ … }` by a token (or
/// `1` inside `<integer>`/`<real>`); control tags (`{% … %}`, Go's `{{ if }}`, Handlebars'
/// `{{#if}}`) removed, keeping the first branch of each conditional.
fn skeleton(content: &[u8]) -> Option<Vec<u8>> {
    #[derive(PartialEq)]
    enum Tag {
        Value,
        Open,
        Else,
        Close,
        Other,
    }
    fn classify(open: &str, inner: &str) -> Tag {
        let inner = inner.trim_matches('-').trim();
        let word = inner
            .trim_start_matches(['#', '/', '^', '~'])
            .split_whitespace()
            .next()
            .unwrap_or("");
        let control = open == "{%"
            || (open == "{{"
                && (inner.starts_with(['#', '/', '^'])
                    || matches!(
                        word,
                        "if" | "else"
                            | "elif"
                            | "elseif"
                            | "end"
                            | "range"
                            | "with"
                            | "define"
                            | "block"
                            | "template"
                    )));
        if !control {
            return Tag::Value;
        }
        if inner.starts_with('/') || word.starts_with("end") {
            Tag::Close
        } else if matches!(word, "else" | "elif" | "elseif" | "empty") {
            Tag::Else
        } else if matches!(
            word,
            "if" | "for"
                | "range"
                | "with"
                | "unless"
                | "each"
                | "block"
                | "macro"
                | "raw"
                | "filter"
        ) || inner.starts_with(['#', '^'])
        {
            Tag::Open
        } else {
            Tag::Other
        }
    }
    let text = std::str::from_utf8(content).ok()?;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Inside an else branch: how many control blocks deeper than its own.
    let mut skipping: Option<usize> = None;
    loop {
        let next = [("{{", "}}"), ("{%", "%}"), ("<?php", "?>"), ("${", "}")]
            .iter()
            .filter_map(|(open, close)| rest.find(open).map(|i| (i, *open, *close)))
            .min_by_key(|(i, _, _)| *i);
        let Some((i, open, close)) = next else {
            if skipping.is_none() {
                out.push_str(rest);
            }
            break;
        };
        if skipping.is_none() {
            out.push_str(&rest[..i]);
        }
        let after = &rest[i + open.len()..];
        let end = after.find(close)?;
        let tag = classify(open, &after[..end]);
        rest = &after[end + close.len()..];
        match (skipping, tag) {
            (Some(d), Tag::Open) => skipping = Some(d + 1),
            (Some(0), Tag::Close) => skipping = None,
            (Some(d), Tag::Close) => skipping = Some(d - 1),
            (Some(_), _) => {}
            (None, Tag::Else) => skipping = Some(0),
            (None, Tag::Value) => {
                let numeric = out.ends_with("<integer>") || out.ends_with("<real>");
                out.push_str(if numeric { "1" } else { TEMPLATE_TOKEN });
            }
            (None, _) => {}
        }
    }
    Some(out.into_bytes())
}

/// What XML 1.0 forbids that the plist crate's reader lets through, and where: characters
/// outside XML's set (raw or as character references), `--` inside a comment or a comment ending
/// in `-`, `]]>` in text, and an XML declaration that is not at the start.
pub fn xml_not_well_formed(bytes: &[u8]) -> Option<(usize, &'static str)> {
    let forbidden =
        |c: u32| (c < 0x20 && !matches!(c, 0x09 | 0x0a | 0x0d)) || matches!(c, 0xfffe | 0xffff);
    // Only these bytes can start what is looked for; the rest is skipped in one go.
    let interesting = |b: &u8| {
        (*b < 0x20 && !matches!(*b, b'\t' | b'\n' | b'\r')) || matches!(*b, b'<' | b']' | b'&')
    };
    // Forbidden control characters are rare: one pass (that the compiler vectorises) says whether
    // there are any; without them, the scan jumps from one '<', ']' or '&' to the next.
    let controls = bytes.iter().fold(false, |any, b| {
        any | ((*b < 0x20) & (*b != b'\t') & (*b != b'\n') & (*b != b'\r'))
    });
    let mut i = 0;
    while i < bytes.len() {
        let next = if controls {
            bytes[i..].iter().position(interesting)
        } else {
            memchr::memchr3(b'<', b']', b'&', &bytes[i..])
        };
        match next {
            Some(p) => i += p,
            None => break,
        }
        let b = bytes[i];
        if u32::from(b) < 0x20 && forbidden(u32::from(b)) {
            return Some((i, "a control character XML cannot hold"));
        }
        let rest = &bytes[i..];
        if rest.starts_with(b"<!--") {
            let body_start = i + 4;
            let end = find(&bytes[body_start..], b"-->").map(|e| body_start + e);
            let body = &bytes[body_start..end.unwrap_or(bytes.len())];
            if let Some(p) = find(body, b"--") {
                return Some((body_start + p, "\"--\" inside a comment"));
            }
            if body.ends_with(b"-") {
                return Some((body_start + body.len() - 1, "a comment ending in \"--->\""));
            }
            i = end.map_or(bytes.len(), |e| e + 3);
            continue;
        }
        if rest.starts_with(b"<![CDATA[") {
            i = find(rest, b"]]>").map_or(bytes.len(), |e| i + e + 3);
            continue;
        }
        if rest.starts_with(b"]]>") {
            return Some((i, "\"]]>\" in text"));
        }
        if i > 0 && (rest.starts_with(b"<?xml ") || rest.starts_with(b"<?xml?")) {
            return Some((i, "an XML declaration that is not at the start of the file"));
        }
        if rest.starts_with(b"&#") {
            let digits: Vec<u8> = rest[2..]
                .iter()
                .take_while(|c| **c != b';')
                .take(10)
                .copied()
                .collect();
            let text = String::from_utf8_lossy(&digits);
            let value = match text.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => text.parse::<u32>().ok(),
            };
            if value.is_some_and(|c| forbidden(c) || c == 0 || (0xd800..0xe000).contains(&c)) {
                return Some((i, "a character reference to a character XML cannot hold"));
            }
        }
        i += 1;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// 1-based line and column of a byte offset.
fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before.len()
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, col)
}

/// The plist crate's error names (`ObjectOffsetTooLarge`) as words a person reads ("object
/// offset too large"); other text is kept.
fn words(name: &str) -> String {
    if name.contains(' ') || !name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len() + 8);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push(' ');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out.replace("xml", "XML").replace("utf8", "UTF-8")
}

/// "not a valid property list: DETAIL" in the message language.
fn invalid(en: String, ja: String) -> String {
    tr(
        format!("not a valid property list: {en}"),
        format!("プロパティリストとして正しくありません: {ja}"),
    )
}

/// A plist error with its byte offset turned into a line and column.
fn plist_error(e: &plist::Error, bytes: &[u8]) -> String {
    let text = e.to_string();
    let Some((what, rest)) = text.split_once(" (offset ") else {
        return invalid(words(&text), words(&text));
    };
    let Some(offset) = rest
        .trim_end_matches(')')
        .parse::<usize>()
        .ok()
        .filter(|o| *o <= bytes.len())
    else {
        return invalid(text.clone(), text);
    };
    let what = words(what);
    if bytes.starts_with(b"bplist") {
        return invalid(
            format!("{what} (byte {offset} of a binary plist)"),
            format!("{what}(バイナリplistの{offset}バイト目)"),
        );
    }
    let (line, col) = line_col(bytes, offset);
    invalid(
        format!("{what} at line {line}, column {col}"),
        format!("{what}({line}行{col}列)"),
    )
}

/// Looks a rule up by ID or name.
pub fn rule(key: &str) -> Option<&'static Rule> {
    rules::ALL
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(key) || r.name == key)
}

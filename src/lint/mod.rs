//! `profilegen lint`: what is wrong with a profile, and what the phone shows because of it.
//!
//! Rules live in [`rules`], one small unit each, with a stable ID, a default severity and their
//! documentation (the text `--explain` prints). The engine reads the bytes (unwrapping and
//! verifying a signed file), parses the plist with a depth limit, and runs every rule.

pub mod report;
pub mod rules;

use crate::container::{self, Opened};
use crate::preset::{Preset, Registry};
use crate::text::Address;
use plist::{Dictionary, Value};
use serde::Serialize;
use std::collections::BTreeMap;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
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
}

/// Collects findings for one rule.
pub struct Sink<'a> {
    rule: &'static Rule,
    out: &'a mut Vec<Finding>,
}

impl Sink<'_> {
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
            help,
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
}

/// Lints one file's bytes.
pub fn lint_bytes(bytes: &[u8], opts: &Options<'_>) -> Vec<Finding> {
    lint(bytes, opts).findings
}

/// Lints one file's bytes, keeping what the cross-file checks need.
pub fn lint(bytes: &[u8], opts: &Options<'_>) -> Linted {
    let opened = container::open(bytes, opts.verifier);
    let mut findings = Vec::new();
    let unreadable = |msg: String, out: &mut Vec<Finding>| {
        out.push(Finding {
            rule: UNREADABLE,
            name: "unreadable",
            severity: Severity::Error,
            path: String::new(),
            message: msg,
            help: Some("the phone refuses a file it cannot read: \"The profile could not be installed\" (プロファイルをインストールできません)".into()),
        })
    };
    let parsed = match (&opened.error, &opened.content) {
        (Some(e), _) => Err(e.clone()),
        (None, None) => Err("the signed file's content could not be extracted".into()),
        (None, Some(content)) => parse_plist(content),
    };
    let mut root_holder = Dictionary::new();
    let (root_ok, junk) = match parsed {
        Ok((Value::Dictionary(d), junk)) => {
            root_holder = d;
            (true, junk)
        }
        Ok((_, _)) => {
            unreadable(
                "the property list's top level is not a dictionary".into(),
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
    };
    let mails: Vec<Mail<'_>> = if root_ok {
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
                let preset = address
                    .as_ref()
                    .and_then(|a| opts.presets.for_domain(&a.domain));
                Mail {
                    index,
                    dict,
                    address,
                    preset,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    ctx.mails = mails;
    for rule in rules::ALL {
        let is_signing_rule = rule.id.starts_with("PG3");
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
    Linted {
        findings: apply_overrides(findings, &opts.overrides),
        identifier,
        uuids,
    }
}

/// Finds PayloadUUIDs shared between files whose profiles have different identifiers: installing
/// one replaces the other (PG604). `files` holds (file name, lint result).
pub fn cross_file(files: &mut [(String, Linted)], overrides: &BTreeMap<String, Option<Severity>>) {
    let mut seen: BTreeMap<String, (usize, Option<String>)> = BTreeMap::new();
    let mut extra: Vec<(usize, Finding)> = Vec::new();
    for (i, (_, l)) in files.iter().enumerate() {
        for (path, u) in &l.uuids {
            let key = u.trim().to_ascii_lowercase();
            if key.is_empty()
                || rules::identifiers::KNOWN_COPIED_UUIDS
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(&key))
            {
                continue;
            }
            match seen.get(&key) {
                Some((j, id)) if *j != i && *id != l.identifier => extra.push((
                    i,
                    Finding {
                        rule: rules::identifiers::COPIED_UUID.id,
                        name: rules::identifiers::COPIED_UUID.name,
                        severity: rules::identifiers::COPIED_UUID.severity,
                        path: path.clone(),
                        message: format!(
                            "{u} is also a PayloadUUID in {}, a different profile",
                            files[*j].0
                        ),
                        help: Some(
                            "give each profile its own UUIDs, or installing one replaces the other"
                                .into(),
                        ),
                    },
                )),
                Some(_) => {}
                None => {
                    seen.insert(key, (i, l.identifier.clone()));
                }
            }
        }
    }
    for (i, f) in extra {
        let kept = apply_overrides(vec![f], overrides);
        files[i].1.findings.extend(kept);
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

/// Parses a plist with a nesting limit. Returns the value and whether there were bytes before
/// the XML declaration.
pub fn parse_plist(content: &[u8]) -> Result<(Value, bool), String> {
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
    // Build the value from the event stream with an explicit stack and a depth limit, so that no
    // input can exhaust the stack (here, or in the recursive drop of a deep value).
    use plist::stream::Event;
    enum Open {
        Array(Vec<Value>),
        Dict(Dictionary, Option<String>),
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Value> = None;
    let reader = plist::stream::Reader::new(std::io::Cursor::new(bytes));
    for event in reader {
        let event = event.map_err(|e| plist_error(&e, bytes))?;
        let value = match event {
            Event::StartArray(_) | Event::StartDictionary(_) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "nested more than {MAX_DEPTH} levels deep; not a profile"
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
                    return Err(format!("not a valid property list: key {k:?} has no value"))
                }
                None => return Err("not a valid property list: unbalanced collection".into()),
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
            _ => return Err("not a valid property list: unknown element".into()),
        };
        match stack.last_mut() {
            None => {
                if root.is_some() {
                    return Err("not a valid property list: more than one top-level value".into());
                }
                root = Some(value);
            }
            Some(Open::Array(a)) => a.push(value),
            Some(Open::Dict(d, key)) => match key.take() {
                Some(k) => {
                    d.insert(k, value);
                }
                None => {
                    return Err(
                        "not a valid property list: a dictionary key is not a string".into(),
                    )
                }
            },
        }
    }
    match (root, stack.is_empty()) {
        (Some(v), true) => Ok((v, junk)),
        _ => Err("not a valid property list: it ends early".into()),
    }
}

/// A plist error with its byte offset turned into a line and column.
fn plist_error(e: &plist::Error, bytes: &[u8]) -> String {
    let text = e.to_string();
    let Some((what, rest)) = text.split_once(" (offset ") else {
        return format!("not a valid property list: {text}");
    };
    let Some(offset) = rest
        .trim_end_matches(')')
        .parse::<usize>()
        .ok()
        .filter(|o| *o <= bytes.len())
    else {
        return format!("not a valid property list: {text}");
    };
    let before = &bytes[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = offset
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    format!("not a valid property list: {what} at line {line}, column {col}")
}

/// Looks a rule up by ID or name.
pub fn rule(key: &str) -> Option<&'static Rule> {
    rules::ALL
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(key) || r.name == key)
}

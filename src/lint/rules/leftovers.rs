//! Leftovers from templates and examples: placeholder syntax, ALL-CAPS tokens, example domains,
//! host names without a dot.

use crate::i18n::tr;
use crate::lint::{Ctx, Rule, Severity, INCOMING, OUTGOING};
use plist::Value;

/// One step of a key path: a dictionary key or an array index.
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Where a string sits, as the steps that lead to it; spelt (`PayloadContent[0].Host`) only when
/// a finding needs it.
pub(crate) struct KeyPath<'s, 'a>(&'s [Step<'a>]);

impl std::fmt::Display for KeyPath<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if n == 0 => f.write_str(k)?,
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// Calls `f` with every string value of the profile and where it sits. Most strings are fine
/// and this runs on every profile `new`, `bulk` and `serve` write, so the path is a list of
/// borrowed steps, spelt only when `f` asks.
pub(crate) fn each_string<'a>(ctx: &Ctx<'a>, f: &mut dyn FnMut(&KeyPath<'_, 'a>, &'a str)) {
    fn walk<'a>(
        v: &'a Value,
        path: &mut Vec<Step<'a>>,
        f: &mut dyn FnMut(&KeyPath<'_, 'a>, &'a str),
    ) {
        match v {
            Value::String(s) => f(&KeyPath(path), s),
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    path.push(Step::Index(i));
                    walk(x, path, f);
                    path.pop();
                }
            }
            Value::Dictionary(d) => {
                for (k, x) in d {
                    // Never quote a secret in a message.
                    if k.ends_with("Password") || k.ends_with("Passphrase") {
                        continue;
                    }
                    path.push(Step::Key(k));
                    walk(x, path, f);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut path = Vec::with_capacity(8);
    for (k, v) in ctx.root {
        path.clear();
        path.push(Step::Key(k));
        walk(v, &mut path, f);
    }
}

/// True when `s` is a template or placeholder leftover; other rules then stay quiet about it,
/// so one mistake is reported once.
pub fn is_leftover(s: &str) -> bool {
    template_syntax(s).is_some() || placeholder(s).is_some()
}

/// The template syntax in `s`, if any.
pub fn template_syntax(s: &str) -> Option<&'static str> {
    // Most values hold none of the characters template syntax starts with: one pass decides.
    let b = s.as_bytes();
    if memchr::memchr3(b'{', b'<', b'$', b).is_none() && memchr::memchr2(b'!', b'%', b).is_none() {
        return None;
    }
    for (needle, name) in [
        ("{{", "{{ }}"),
        ("{%", "{% %}"),
        ("<?php", "<?php ?>"),
        ("${", "${ }"),
        ("$(", "$( )"),
        ("!!!", "!!! !!!"),
    ] {
        if s.contains(needle) {
            return Some(name);
        }
    }
    // %name% (Plesk, cPanel style)
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let mut j = i + 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j < b.len() && b[j] == b'%' && j > i + 1 && b[i + 1].is_ascii_alphabetic() {
                return Some("%name%");
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

pub static TEMPLATE_SYNTAX: Rule = Rule {
    id: "PG501",
    name: "template-syntax",
    severity: Severity::Error,
    summary: "Template syntax left in a value ({{ }}, {% %}, %name%, <?php ?>, ${ })",
    why: "The profile was served before its template was filled in; the phone gets the literal text as a host name, address or identifier.",
    phone_ja: "サーバに接続できません / アカウントエラー",
    phone_en: "Cannot connect to the server / Account Error",
    example: "<key>EmailAddress</key><string>{{ email }}</string>",
    fix: "Fill in the template (or generate the profile with `profilegen new`).",
    check: |ctx, sink| {
        each_string(ctx, &mut |path, s| {
            // The MDM's own variables (`lint --mdm`) are not leftovers.
            let blanked = ctx.mdm.map(|m| m.blank_known(s));
            let s = blanked.as_deref().unwrap_or(s);
            if let Some(kind) = template_syntax(s) {
                sink.emit(path.to_string(), tr(format!("{s:?} contains template syntax {kind}"), format!("{s:?} にテンプレートの記法 {kind} が含まれています")), Some(tr("fill in the template before the profile is served", "配る前にテンプレートを埋めてください")));
            }
        });
    },
};

const PLACEHOLDER_WORDS: &[&str] = &[
    "HOSTNAME",
    "MAILADDR",
    "DISPLAYNAME",
    "USERNAME",
    "EMAIL",
    "DOMAIN",
    "PASSWORD",
    "COMPANY",
    "COMPANYNAME",
    "COMPANYLOWERCASENAME",
    "YOURDOMAIN",
    "SERVER",
    "ORGANIZATION",
    "USER",
];

/// A placeholder token in `s` (UUID1, PRIMARY_HOSTNAME, XXXX, …).
pub fn placeholder(s: &str) -> Option<&str> {
    // Every placeholder has a capital letter; most values (hosts, addresses) have none, and a
    // UUID (hex digits and hyphens, one token) cannot be one.
    if !s.bytes().any(|b| b.is_ascii_uppercase()) || super::identifiers::canonical_uuid(s) {
        return None;
    }
    for tok in s.split(['.', '@', '/', ':', ' ']) {
        if tok.contains("XXXX") {
            return Some(tok);
        }
        let upper = !tok.is_empty()
            && tok
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !upper {
            continue;
        }
        let uuid_n = tok
            .strip_prefix("UUID")
            .is_some_and(|r| r.chars().all(|c| c.is_ascii_digit()));
        let snake = tok.contains('_')
            && tok.len() >= 4
            && tok.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        if uuid_n || snake || PLACEHOLDER_WORDS.contains(&tok) {
            return Some(tok);
        }
    }
    None
}

/// Where a value sits: a top-level key, or a key of a payload. Spelt out only for a finding.
enum At<'a> {
    Top(&'static str),
    Payload(usize, &'a str),
}

impl At<'_> {
    fn path(&self) -> String {
        match self {
            At::Top(key) => key.to_string(),
            At::Payload(i, key) => format!("PayloadContent[{i}].{key}"),
        }
    }
}

/// How the names of a payload's host, username, URL and server keys end.
const IDENTITY_KEY_ENDS: [&str; 6] = ["HostName", "Host", "Username", "UserName", "URL", "Server"];

/// The values where placeholders hide: hosts, addresses, usernames, identifiers and UUIDs.
fn identity_values<'a>(ctx: &Ctx<'a>) -> Vec<(At<'a>, &'a str)> {
    let mut out = Vec::new();
    for key in ["PayloadIdentifier", "PayloadUUID"] {
        if let Some(s) = ctx.root.get(key).and_then(Value::as_string) {
            out.push((At::Top(key), s));
        }
    }
    for (i, d) in ctx.payloads() {
        for (key, v) in d {
            // The mail payload's hosts and usernames (Incoming/OutgoingMailServerHostName, …)
            // and the same kinds of value in other account payloads (CalDAVHostName, Host,
            // UserName, LDAPAccountUserName, PrincipalURL, …) end in one of these.
            let named = matches!(
                key.as_str(),
                "PayloadIdentifier" | "PayloadUUID" | "EmailAddress"
            ) || IDENTITY_KEY_ENDS.iter().any(|end| key.ends_with(end));
            if let (true, Some(s)) = (named, v.as_string()) {
                out.push((At::Payload(i, key.as_str()), s));
            }
        }
    }
    out
}

pub static PLACEHOLDER: Rule = Rule {
    id: "PG502",
    name: "placeholder",
    severity: Severity::Warning,
    summary: "A placeholder token (UUID1, PRIMARY_HOSTNAME, MAILADDR, XXXX) in a host, address, username or identifier",
    why: "sed- and PHP-style templates mark values with ALL-CAPS tokens; when substitution fails the token ships (mail-in-a-box's PRIMARY_HOSTNAME, a literal MAILADDR as the address).",
    phone_ja: "サーバに接続できません / アカウントエラー",
    phone_en: "Cannot connect to the server / Account Error",
    example: "<key>PayloadUUID</key><string>UUID1</string>",
    fix: "Substitute the real value.",
    check: |ctx, sink| {
        for (at, s) in identity_values(ctx) {
            let blanked = ctx.mdm.map(|m| m.blank_known(s));
            let s = blanked.as_deref().unwrap_or(s);
            if let Some(tok) = placeholder(s) {
                sink.emit(at.path(), tr(format!("{s:?} contains the placeholder {tok}"), format!("{s:?} にプレースホルダ {tok} が含まれています")), Some(tr("substitute the real value", "本当の値に置き換えてください")));
            }
        }
    },
};

const EXAMPLE_SUFFIXES: &[&str] = &[
    "example.com",
    "example.net",
    "example.org",
    "example.jp",
    "example.co.jp",
    "example",
    "test",
    "invalid",
];

fn is_example(domain: &str) -> bool {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    EXAMPLE_SUFFIXES
        .iter()
        .any(|s| d == *s || d.strip_suffix(s).is_some_and(|head| head.ends_with('.')))
}

pub static EXAMPLE_DOMAIN: Rule = Rule {
    id: "PG503",
    name: "example-domain",
    severity: Severity::Warning,
    summary: "An example domain (example.com, *.test, *.invalid) in a host name or address",
    why: "Documentation samples use reserved example domains; a profile that still has them cannot reach a mail server.",
    phone_ja: "サーバに接続できません",
    phone_en: "Cannot connect to the server",
    example: "<key>IncomingMailServerHostName</key><string>mail.example.com</string>",
    fix: "Use the real server and address.",
    check: |ctx, sink| {
        for m in &ctx.mails {
            for key in [INCOMING.host, OUTGOING.host] {
                if let Some(h) = m.string(key) {
                    if is_example(h) {
                        sink.emit(m.path(key), tr(format!("{h} is an example domain"), format!("{h} は例示用のドメインです")), None);
                    }
                }
            }
            if let Some(a) = m.string("EmailAddress") {
                if a.rsplit_once('@').is_some_and(|(_, d)| is_example(d)) {
                    sink.emit(m.path("EmailAddress"), tr(format!("{a} is an example address"), format!("{a} は例示用のアドレスです")), None);
                }
            }
        }
    },
};

pub static HOST_WITHOUT_DOT: Rule = Rule {
    id: "PG504",
    name: "host-without-dot",
    severity: Severity::Warning,
    summary: "A server host name without a dot",
    why: "A bare name (mail, ads, HOSTNAME) only resolves inside one network, never on a phone's mobile data; it is usually a placeholder or a typo.",
    phone_ja: "サーバに接続できません",
    phone_en: "Cannot connect to the server",
    example: "<string>mailserver</string>",
    fix: "Write the full host name (imap.example.jp).",
    check: |ctx, sink| {
        for m in &ctx.mails {
            for key in [INCOMING.host, OUTGOING.host] {
                if let Some(h) = m.string(key) {
                    let t = h.trim();
                    if !is_leftover(t) && !t.is_empty() && !t.contains('.') && !t.contains(':') && !t.eq_ignore_ascii_case("localhost") && !t.chars().any(char::is_whitespace) {
                        sink.emit(m.path(key), tr(format!("{t:?} has no dot; the phone cannot resolve a bare name"), format!("{t:?} に点がなく、iPhoneは解決できません")), None);
                    }
                }
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_payloads_hosts_and_usernames_are_identity_keys() {
        for key in [
            INCOMING.host,
            OUTGOING.host,
            INCOMING.username,
            OUTGOING.username,
        ] {
            assert!(
                IDENTITY_KEY_ENDS.iter().any(|end| key.ends_with(end)),
                "{key}"
            );
        }
    }
}

//! What Apple's schema says about each payload key: its plist type, whether it is required, the
//! values it allows and its default. Transcribed from `apple/device-management`
//! (`mdm/profiles/TopLevel.yaml`, `CommonPayloadKeys.yaml`, `com.apple.mail.managed.yaml`).
//!
//! This is the one place that knows about keys. The typed model in [`crate::profile`] is checked
//! against it (every profile `new` writes goes through [`check_dict`]), and the linter reports
//! what [`check_dict`] finds in files made by others.

use plist::{Dictionary, Value};

/// A plist value type as Apple's schema names it (`<string>`, `<integer>`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlistType {
    String,
    Integer,
    Boolean,
    Real,
    Date,
    Data,
    Array,
    Dictionary,
    /// `<any>` in Apple's schema: not checked.
    Any,
}

impl PlistType {
    pub fn of(value: &Value) -> Option<PlistType> {
        Some(match value {
            Value::String(_) => PlistType::String,
            Value::Integer(_) => PlistType::Integer,
            Value::Boolean(_) => PlistType::Boolean,
            Value::Real(_) => PlistType::Real,
            Value::Date(_) => PlistType::Date,
            Value::Data(_) => PlistType::Data,
            Value::Array(_) => PlistType::Array,
            Value::Dictionary(_) => PlistType::Dictionary,
            _ => return None,
        })
    }

    /// The tag used in XML plists, e.g. `<integer>`.
    pub fn tag(self) -> &'static str {
        match self {
            PlistType::String => "<string>",
            PlistType::Integer => "<integer>",
            PlistType::Boolean => "<true/> or <false/>",
            PlistType::Real => "<real>",
            PlistType::Date => "<date>",
            PlistType::Data => "<data>",
            PlistType::Array => "<array>",
            PlistType::Dictionary => "<dict>",
            PlistType::Any => "any value",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
}

/// The values a key allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    Any,
    Strings(&'static [&'static str]),
    Integers(&'static [i64]),
    /// An inclusive integer range; not in Apple's schema but implied (TCP ports).
    Range(i64, i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    None,
    Bool(bool),
    Integer(i64),
}

/// One key of a payload.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    pub name: &'static str,
    pub ty: PlistType,
    pub presence: Presence,
    pub allowed: Allowed,
    pub default: Default,
    /// Deprecated or ignored by current OS versions.
    pub deprecated: Option<(&'static str, &'static str)>,
    /// Holds a secret (password); never printed.
    pub secret: bool,
    /// The keys of a dictionary value, or the one element specification of an array value.
    pub sub: &'static [KeySpec],
}

const fn key(name: &'static str, ty: PlistType) -> KeySpec {
    KeySpec {
        name,
        ty,
        presence: Presence::Optional,
        allowed: Allowed::Any,
        default: Default::None,
        deprecated: None,
        secret: false,
        sub: &[],
    }
}

const fn required(mut k: KeySpec) -> KeySpec {
    k.presence = Presence::Required;
    k
}

const fn one_of(mut k: KeySpec, values: &'static [&'static str]) -> KeySpec {
    k.allowed = Allowed::Strings(values);
    k
}

const fn flag(name: &'static str) -> KeySpec {
    let mut k = key(name, PlistType::Boolean);
    k.default = Default::Bool(false);
    k
}

const fn port(name: &'static str) -> KeySpec {
    let mut k = key(name, PlistType::Integer);
    k.allowed = Allowed::Range(1, 65535);
    k
}

const fn secret(mut k: KeySpec) -> KeySpec {
    k.secret = true;
    k
}

/// A key the OS ignores or replaced: why, in English and Japanese.
const fn deprecated(mut k: KeySpec, en: &'static str, ja: &'static str) -> KeySpec {
    k.deprecated = Some((en, ja));
    k
}

const fn version(name: &'static str) -> KeySpec {
    let mut k = required(key(name, PlistType::Integer));
    k.allowed = Allowed::Integers(&[1]);
    k
}

/// A payload type and its keys.
#[derive(Debug)]
pub struct PayloadSchema {
    pub payload_type: &'static str,
    pub title: &'static str,
    pub keys: &'static [KeySpec],
}

impl PayloadSchema {
    pub fn get(&self, name: &str) -> Option<&'static KeySpec> {
        self.keys.iter().find(|k| k.name == name)
    }
}

/// Keys of the top-level profile dictionary.
pub static TOP_LEVEL: PayloadSchema = PayloadSchema {
    payload_type: "Configuration",
    title: "Configuration profile",
    keys: &[
        required(key("PayloadIdentifier", PlistType::String)),
        required(key("PayloadUUID", PlistType::String)),
        one_of(
            required(key("PayloadType", PlistType::String)),
            &["Configuration"],
        ),
        version("PayloadVersion"),
        flag("IsEncrypted"),
        required(key("PayloadContent", PlistType::Array)),
        key("EncryptedPayloadContent", PlistType::Data),
        key("PayloadDescription", PlistType::String),
        key("PayloadDisplayName", PlistType::String),
        flag("HasRemovalPasscode"),
        key("PayloadOrganization", PlistType::String),
        flag("PayloadRemovalDisallowed"),
        one_of(key("PayloadScope", PlistType::String), &["System", "User"]),
        key("RemovalDate", PlistType::Date),
        key("DurationUntilRemoval", PlistType::Real),
        key("PayloadExpirationDate", PlistType::Date),
        KeySpec {
            allowed: Allowed::Integers(&[0, 1, 2, 3, 4, 5, 6]),
            default: Default::Integer(0),
            ..key("TargetDeviceType", PlistType::Integer)
        },
        key("ConsentText", PlistType::Dictionary),
    ],
};

/// Keys every payload inside `PayloadContent` has.
pub static COMMON: &[KeySpec] = &[
    required(key("PayloadIdentifier", PlistType::String)),
    required(key("PayloadUUID", PlistType::String)),
    required(key("PayloadType", PlistType::String)),
    version("PayloadVersion"),
    key("PayloadDescription", PlistType::String),
    key("PayloadDisplayName", PlistType::String),
    key("PayloadOrganization", PlistType::String),
];

const AUTH: &[&str] = &[
    "EmailAuthNone",
    "EmailAuthPassword",
    "EmailAuthCRAMMD5",
    "EmailAuthNTLM",
    "EmailAuthHTTPMD5",
];

/// `com.apple.mail.managed`: an IMAP or POP account.
pub static MAIL: PayloadSchema = PayloadSchema {
    payload_type: "com.apple.mail.managed",
    title: "Mail (IMAP/POP)",
    keys: &[
        key("EmailAccountDescription", PlistType::String),
        key("EmailAccountName", PlistType::String),
        one_of(
            required(key("EmailAccountType", PlistType::String)),
            &["EmailTypeIMAP", "EmailTypePOP"],
        ),
        key("EmailAddress", PlistType::String),
        one_of(
            required(key("IncomingMailServerAuthentication", PlistType::String)),
            AUTH,
        ),
        required(key("IncomingMailServerHostName", PlistType::String)),
        port("IncomingMailServerPortNumber"),
        flag("IncomingMailServerUseSSL"),
        key("IncomingMailServerUsername", PlistType::String),
        secret(key("IncomingPassword", PlistType::String)),
        secret(key("OutgoingPassword", PlistType::String)),
        flag("OutgoingPasswordSameAsIncomingPassword"),
        one_of(
            required(key("OutgoingMailServerAuthentication", PlistType::String)),
            AUTH,
        ),
        required(key("OutgoingMailServerHostName", PlistType::String)),
        port("OutgoingMailServerPortNumber"),
        flag("OutgoingMailServerUseSSL"),
        key("OutgoingMailServerUsername", PlistType::String),
        flag("PreventMove"),
        flag("PreventAppSheet"),
        deprecated(
            flag("SMIMEEnabled"),
            "ignored since iOS 10; use SMIMESigningEnabled and SMIMEEncryptionEnabled",
            "iOS 10 から無視されます。SMIMESigningEnabled と SMIMEEncryptionEnabled を使ってください",
        ),
        flag("SMIMESigningEnabled"),
        key("SMIMESigningCertificateUUID", PlistType::String),
        flag("SMIMEEncryptionEnabled"),
        key("SMIMEEncryptionCertificateUUID", PlistType::String),
        deprecated(
            flag("SMIMEEnablePerMessageSwitch"),
            "deprecated since iOS 12; use SMIMEEnableEncryptionPerMessageSwitch",
            "iOS 12 から非推奨です。SMIMEEnableEncryptionPerMessageSwitch を使ってください",
        ),
        flag("disableMailRecentsSyncing"),
        flag("allowMailDrop"),
        key("IncomingMailServerIMAPPathPrefix", PlistType::String),
        flag("SMIMESigningUserOverrideable"),
        flag("SMIMESigningCertificateUUIDUserOverrideable"),
        flag("SMIMEEncryptByDefault"),
        flag("SMIMEEncryptByDefaultUserOverrideable"),
        flag("SMIMEEncryptionCertificateUUIDUserOverrideable"),
        flag("SMIMEEnableEncryptionPerMessageSwitch"),
        key("VPNUUID", PlistType::String),
    ],
};

/// Keys outside Apple's schema that Apple's own tools write and the system accepts
/// (`PayloadEnabled` from Profile Manager, `IdentificationUUID` on macOS): not reported as unknown.
pub static TOLERATED: &[&str] = &["PayloadEnabled", "IdentificationUUID", "PayloadDate"];

// Every other payload type of Apple's schema, generated by build.rs from
// `schema/apple/profiles/*.yaml` (apple/device-management, MIT): `GENERATED`.
include!(concat!(env!("OUT_DIR"), "/apple_schema.rs"));

/// The payload schema for a PayloadType: the hand-written mail table, or Apple's from the YAML.
pub fn payload_schema(payload_type: &str) -> Option<&'static PayloadSchema> {
    if payload_type == MAIL.payload_type {
        return Some(&MAIL);
    }
    GENERATED
        .binary_search_by(|s| s.payload_type.cmp(payload_type))
        .ok()
        .map(|i| &GENERATED[i])
}

/// The schema of a Declarative Device Management declaration type
/// (`com.apple.configuration.account.mail`, `com.apple.asset.credential.userpassword`, …): the
/// keys of its `Payload`.
pub fn declaration_schema(ty: &str) -> Option<&'static PayloadSchema> {
    DECLARATIONS
        .binary_search_by(|s| s.payload_type.cmp(ty))
        .ok()
        .map(|i| &DECLARATIONS[i])
}

/// Every declaration type Apple's schema defines.
pub fn declaration_types() -> impl Iterator<Item = &'static str> {
    DECLARATIONS.iter().map(|s| s.payload_type)
}

/// The keys every declaration has (Apple's DeclarationBase).
pub static DECLARATION_BASE: &[KeySpec] = &[
    required(key("Type", PlistType::String)),
    required(key("Identifier", PlistType::String)),
    required(key("ServerToken", PlistType::String)),
    required(key("Payload", PlistType::Dictionary)),
];

/// Every payload type Apple's schema defines.
pub fn payload_types() -> impl Iterator<Item = &'static str> {
    std::iter::once(MAIL.payload_type).chain(GENERATED.iter().map(|s| s.payload_type))
}

/// Looks a key up among a payload's own keys and the common keys.
pub fn payload_key(schema: &PayloadSchema, name: &str) -> Option<&'static KeySpec> {
    schema
        .get(name)
        .or_else(|| COMMON.iter().find(|k| k.name == name))
}

/// What is wrong with one key of a dictionary, measured against the schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Missing {
        key: String,
    },
    WrongType {
        key: String,
        expected: PlistType,
        found: Option<PlistType>,
    },
    NotAllowed {
        key: String,
        allowed: Allowed,
        found: String,
    },
    Unknown {
        key: String,
        suggestion: Option<&'static str>,
    },
    Deprecated {
        key: &'static str,
        why: (&'static str, &'static str),
    },
}

impl Problem {
    /// The key path the problem is about.
    pub fn key(&self) -> &str {
        match self {
            Problem::Missing { key } => key,
            Problem::WrongType { key, .. }
            | Problem::NotAllowed { key, .. }
            | Problem::Unknown { key, .. } => key,
            Problem::Deprecated { key, .. } => key,
        }
    }
}

/// Checks a dictionary against a set of key specifications: required keys, types, allowed values
/// and unknown keys. `keys` is searched first, then `extra` (the common payload keys). Nested
/// dictionaries and arrays are checked against their subkeys; problems inside them name the key
/// path (`EAPClientConfiguration.TLSTrustedServerNames`).
pub fn check_dict(dict: &Dictionary, keys: &[KeySpec], extra: &[KeySpec]) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_in(dict, keys, extra, "", &mut problems, 0);
    problems
}

/// Nesting below which subkeys are no longer followed (Apple's deepest schema has 6 levels).
const MAX_SCHEMA_DEPTH: usize = 16;

fn check_in(
    dict: &Dictionary,
    keys: &[KeySpec],
    extra: &[KeySpec],
    prefix: &str,
    problems: &mut Vec<Problem>,
    depth: usize,
) {
    let lookup = |name: &str| {
        keys.iter()
            .chain(extra.iter())
            .find(|k| k.name == name)
            .copied()
    };
    // A dictionary whose schema has an `ANY` key takes keys of any name.
    let open = keys.iter().any(|k| k.name == "ANY");
    for spec in keys.iter().chain(extra.iter()) {
        if spec.presence == Presence::Required
            && spec.name != "ANY"
            && !dict.contains_key(spec.name)
        {
            problems.push(Problem::Missing {
                key: format!("{prefix}{}", spec.name),
            });
        }
    }
    for (name, value) in dict {
        let Some(spec) = lookup(name) else {
            if !open {
                let suggestion = closest_key(name, keys.iter().chain(extra.iter()).map(|k| k.name));
                problems.push(Problem::Unknown {
                    key: format!("{prefix}{name}"),
                    suggestion,
                });
            }
            continue;
        };
        check_value(&spec, value, prefix, name, problems, depth);
    }
}

/// Checks one value; its key path is `prefix` + `name`, put together only when a problem needs
/// it (most values have none, and this runs for every key of every generated profile).
fn check_value(
    spec: &KeySpec,
    value: &Value,
    prefix: &str,
    name: &str,
    problems: &mut Vec<Problem>,
    depth: usize,
) {
    let path = || format!("{prefix}{name}");
    if let Some(why) = spec.deprecated {
        problems.push(Problem::Deprecated {
            key: spec.name,
            why,
        });
    }
    if spec.ty == PlistType::Any {
        return;
    }
    let found = PlistType::of(value);
    // A <real> key given an <integer> reads the same number.
    let compatible =
        found == Some(spec.ty) || (spec.ty == PlistType::Real && found == Some(PlistType::Integer));
    if !compatible {
        problems.push(Problem::WrongType {
            key: path(),
            expected: spec.ty,
            found,
        });
        return;
    }
    let allowed = match (spec.allowed, value) {
        (Allowed::Any, _) => true,
        (Allowed::Strings(set), Value::String(s)) => set.contains(&s.as_str()),
        (Allowed::Integers(set), Value::Integer(i)) => {
            i.as_signed().is_some_and(|i| set.contains(&i))
        }
        (Allowed::Range(lo, hi), Value::Integer(i)) => {
            i.as_signed().is_some_and(|i| (lo..=hi).contains(&i))
        }
        _ => true,
    };
    if !allowed {
        let found = match value {
            Value::String(s) => format!("{s:?}"),
            Value::Integer(i) => i.to_string(),
            _ => String::from("?"),
        };
        problems.push(Problem::NotAllowed {
            key: path(),
            allowed: spec.allowed,
            found,
        });
    }
    if spec.sub.is_empty() || depth >= MAX_SCHEMA_DEPTH {
        return;
    }
    match value {
        Value::Dictionary(d) => check_in(
            d,
            spec.sub,
            &[],
            &format!("{}.", path()),
            problems,
            depth + 1,
        ),
        Value::Array(items) => {
            let element = &spec.sub[0];
            let base = path();
            for (i, item) in items.iter().enumerate() {
                check_value(element, item, &base, &format!("[{i}]"), problems, depth + 1);
            }
        }
        _ => {}
    }
}

/// The known key closest to `name`, if it is close enough to be a typo: the same key in another
/// case or without underscores (`hidden_network`), one a few edits away (case-insensitive), or
/// one that `name` is the start of (`Hidden` for `HIDDEN_NETWORK`).
pub fn closest_key<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    };
    let lower = name.to_ascii_lowercase();
    let wanted = norm(name);
    let mut best: Option<(usize, &'a str)> = None;
    let mut prefix: Option<&'a str> = None;
    for k in known {
        let nk = norm(k);
        if nk == wanted {
            return Some(k);
        }
        let d = edit_distance(&lower, &k.to_ascii_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
        if wanted.chars().count() >= 5
            && nk.starts_with(&wanted)
            && prefix.is_none_or(|p| k.len() < p.len())
        {
            prefix = Some(k);
        }
    }
    let limit = (name.chars().count() / 4).clamp(1, 4);
    best.filter(|&(d, _)| d <= limit).map(|(_, k)| k).or(prefix)
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_keys_are_unique() {
        for schema in [&TOP_LEVEL, &MAIL] {
            let mut names: Vec<_> = schema.keys.iter().map(|k| k.name).collect();
            names.sort();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "{}", schema.payload_type);
        }
    }

    #[test]
    fn ssl_defaults_to_false_as_apple_says() {
        let k = MAIL.get("IncomingMailServerUseSSL").unwrap();
        assert_eq!(k.default, Default::Bool(false));
        let k = MAIL.get("OutgoingMailServerUseSSL").unwrap();
        assert_eq!(k.default, Default::Bool(false));
    }

    #[test]
    fn check_dict_finds_each_kind_of_problem() {
        let mut d = Dictionary::new();
        d.insert(
            "EmailAccountType".into(),
            Value::String("EmailTypeIMAP4".into()),
        );
        d.insert("IncomingMailServerPortNumber".into(), Value::Real(993.0));
        d.insert(
            "IncomingMailServerHostname".into(),
            Value::String("x".into()),
        );
        d.insert("SMIMEEnabled".into(), Value::Boolean(false));
        let p = check_dict(&d, MAIL.keys, COMMON);
        assert!(p.contains(&Problem::Missing {
            key: "IncomingMailServerHostName".into()
        }));
        assert!(p.iter().any(|p| matches!(p, Problem::WrongType { key, expected: PlistType::Integer, found: Some(PlistType::Real) } if key == "IncomingMailServerPortNumber")));
        assert!(p
            .iter()
            .any(|p| matches!(p, Problem::NotAllowed { key, .. } if key == "EmailAccountType")));
        assert!(p.iter().any(|p| matches!(p, Problem::Unknown { key, suggestion: Some("IncomingMailServerHostName") } if key == "IncomingMailServerHostname")));
        assert!(p.iter().any(|p| matches!(
            p,
            Problem::Deprecated {
                key: "SMIMEEnabled",
                ..
            }
        )));
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("imap.softbank.jp", "imap.sofbank.jp"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}

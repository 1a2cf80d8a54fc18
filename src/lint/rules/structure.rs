//! Structure: is it a profile, and do its keys have the types and values Apple's schema allows.

use crate::i18n::tr;
use crate::lint::fix::{self, Applicability, Change, Edit};
use crate::lint::{Ctx, Rule, Severity, Sink};
use crate::schema::{self, Allowed, Problem};
use plist::Value;

pub static UNREADABLE: Rule = Rule {
    id: "PG100",
    name: "unreadable",
    severity: Severity::Error,
    summary: "The file is not a readable profile (not a plist, not a dictionary, damaged, too large or too deeply nested)",
    why: "iOS cannot install a file it cannot parse. This also covers files with bytes that break the XML, signed files whose content is not a property list, and files larger than 16 MiB.",
    phone_ja: "プロファイルをインストールできません",
    phone_en: "The profile could not be installed",
    example: "<string>account.</</string>",
    fix: "Regenerate the profile with a tool that writes XML through a serializer (`profilegen new`).",
    check: |_, _| {},
};

pub static DECLARATION_REFERENCE: Rule = Rule {
    id: "PG117",
    name: "declaration-reference",
    severity: Severity::Error,
    summary: "A declaration that refers to one the set does not have, or to one of the wrong type",
    why: "A configuration finds its user identity and credentials, and an activation its configurations, by Identifier. A reference the device cannot resolve leaves the account unconfigured, and the status report names the declaration as invalid.",
    phone_ja: "(アカウントが設定されません)",
    phone_en: "(the account is not set up)",
    example: "\"UserIdentityAssetReference\": \"com.example.asset.identty\"",
    fix: "Refer to the Identifier of a declaration of the right type that the MDM also sends.",
    check: |_, _| {},
};

pub static JUNK_BEFORE_DECLARATION: Rule = Rule {
    id: "PG113",
    name: "junk-before-declaration",
    severity: Severity::Warning,
    summary: "White space or blank lines before the `<?xml` declaration",
    why: "XML forbids anything before the declaration. Strict parsers (Python's plistlib among them) refuse such a file; the phone may too.",
    phone_ja: "(厳密なパーサでは)プロファイルをインストールできません",
    phone_en: "(with a strict parser) The profile could not be installed",
    example: "\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    fix: "Remove everything before `<?xml`.",
    check: |ctx, sink| {
        if ctx.junk_before_declaration {
            sink.emit("", tr("bytes before the XML declaration", "XML宣言の前にバイトがあります"), Some(tr("remove the leading white space", "先頭の空白を削除してください")));
            sink.fix(Edit::safe(vec![Change::Rewrite]));
        }
    },
};

pub static TOP_PAYLOAD_TYPE: Rule = Rule {
    id: "PG101",
    name: "not-a-configuration",
    severity: Severity::Error,
    summary: "The top-level PayloadType is missing or is not `Configuration`",
    why: "A profile's top-level dictionary must have PayloadType `Configuration`; a bare payload or a preferences file is not installable.",
    phone_ja: "プロファイルをインストールできません",
    phone_en: "The profile could not be installed",
    example: "<key>PayloadType</key><string>com.apple.mail.managed</string> (at the top level)",
    fix: "Wrap the payload in a Configuration profile: PayloadContent, PayloadIdentifier, PayloadType=Configuration, PayloadUUID, PayloadVersion=1.",
    check: |ctx, sink| match ctx.root.get("PayloadType") {
        None => sink.emit("PayloadType", tr("the top-level PayloadType is missing", "最上位の PayloadType がありません"), Some(tr("add <key>PayloadType</key><string>Configuration</string>", "<key>PayloadType</key><string>Configuration</string> を追加してください"))),
        Some(Value::String(s)) if s == "Configuration" => {}
        Some(v) => sink.emit("PayloadType", tr(format!("the top-level PayloadType is {}, not \"Configuration\"", describe(v)), format!("最上位の PayloadType が {} で、\"Configuration\" ではありません", describe(v))), Some("a profile's top level has PayloadType Configuration; the payload goes inside PayloadContent".into())),
    },
};

pub static PAYLOAD_VERSION: Rule = Rule {
    id: "PG102",
    name: "payload-version",
    severity: Severity::Error,
    summary: "PayloadVersion is missing or is not the integer 1",
    why: "Apple's schema requires PayloadVersion = <integer>1</integer> at the top and in every payload. `<real>1.0</real>` and `<string>1</string>` are copied between templates and are not valid.",
    phone_ja: "プロファイルをインストールできません",
    phone_en: "The profile could not be installed",
    example: "<key>PayloadVersion</key><real>1.0</real>",
    fix: "Write <key>PayloadVersion</key><integer>1</integer>.",
    check: |ctx, sink| {
        let mut check = |path: String, d: &plist::Dictionary| {
            match d.get("PayloadVersion") {
                None => sink.emit(path.clone(), tr("PayloadVersion is missing", "PayloadVersion がありません"), Some(tr("add <key>PayloadVersion</key><integer>1</integer>", "<key>PayloadVersion</key><integer>1</integer> を追加してください"))),
                Some(Value::Integer(i)) if i.as_signed() == Some(1) => return,
                Some(v) => sink.emit(path.clone(), tr(format!("PayloadVersion is {}, not <integer>1</integer>", describe(v)), format!("PayloadVersion が {} で、<integer>1</integer> ではありません", describe(v))), Some(tr("write <integer>1</integer>", "<integer>1</integer> と書いてください"))),
            }
            sink.fix(Edit::set(Applicability::Safe, path, Value::Integer(1.into())));
        };
        check("PayloadVersion".into(), ctx.root);
        for (i, d) in ctx.payloads() {
            check(format!("PayloadContent[{i}].PayloadVersion"), d);
        }
    },
};

pub static UUID_MISSING: Rule = Rule {
    id: "PG103",
    name: "uuid-missing",
    severity: Severity::Error,
    summary: "PayloadUUID is missing or empty",
    why: "Every profile and payload needs a PayloadUUID; iOS uses it with PayloadIdentifier to replace an installed profile.",
    phone_ja: "プロファイルをインストールできません",
    phone_en: "The profile could not be installed",
    example: "<key>PayloadUUID</key><string></string>",
    fix: "Give each a unique UUID (profilegen derives them from the account).",
    check: |ctx, sink| {
        let profile_id = ctx.root.get("PayloadIdentifier").and_then(Value::as_string).unwrap_or("");
        let mut check = |path: String, d: &plist::Dictionary| {
            match d.get("PayloadUUID") {
                None => sink.emit(path.clone(), tr("PayloadUUID is missing", "PayloadUUID がありません"), None),
                Some(Value::String(s)) if s.trim().is_empty() => sink.emit(path.clone(), tr("PayloadUUID is empty", "PayloadUUID が空です"), None),
                _ => return,
            }
            let id = d.get("PayloadIdentifier").and_then(Value::as_string).unwrap_or("");
            sink.fix(Edit::set(Applicability::Unsafe, path.clone(), Value::String(fix::derived_uuid(profile_id, &path, id))));
        };
        check("PayloadUUID".into(), ctx.root);
        for (i, d) in ctx.payloads() {
            check(format!("PayloadContent[{i}].PayloadUUID"), d);
        }
    },
};

pub static UUID_DUPLICATE: Rule = Rule {
    id: "PG104",
    name: "uuid-duplicate",
    severity: Severity::Error,
    summary: "The same PayloadUUID is used twice in one profile",
    why: "iOS and macOS refuse the profile: \"The PayloadUUID … is used more than once in the profile\". It happens when a template's placeholder was never replaced or the top level and a payload share one.",
    phone_ja: "プロファイルをインストールできません(PayloadUUIDが重複しています)",
    phone_en: "Invalid profile: the PayloadUUID is used more than once in the profile",
    example: "top-level and PayloadContent[0] both have PayloadUUID 5A1E…",
    fix: "Give every PayloadUUID in the profile its own value.",
    check: |ctx, sink| {
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut all = vec![("PayloadUUID".to_string(), ctx.root)];
        all.extend(ctx.payloads().map(|(i, d)| (format!("PayloadContent[{i}].PayloadUUID"), d)));
        for (path, d) in all {
            if let Some(u) = d.get("PayloadUUID").and_then(Value::as_string) {
                if u.trim().is_empty() {
                    continue;
                }
                let key = u.trim().to_ascii_lowercase();
                if let Some((first, _)) = seen.iter().find(|(_, k)| *k == key) {
                    sink.emit(path.clone(), tr(format!("PayloadUUID {u:?} is also used at {first}"), format!("PayloadUUID {u:?} は {first} でも使われています")), Some(tr("give every payload its own UUID", "ペイロードごとに別の UUID を付けてください")));
                    let profile_id = ctx.root.get("PayloadIdentifier").and_then(Value::as_string).unwrap_or("");
                    let id = d.get("PayloadIdentifier").and_then(Value::as_string).unwrap_or("");
                    sink.fix(Edit::set(Applicability::Unsafe, path.clone(), Value::String(fix::derived_uuid(profile_id, &path, id))));
                } else {
                    seen.push((path, key));
                }
            }
        }
    },
};

pub static IDENTIFIER_MISSING: Rule = Rule {
    id: "PG105",
    name: "identifier-missing",
    severity: Severity::Error,
    summary: "PayloadIdentifier is missing or empty",
    why: "iOS decides from the top-level PayloadIdentifier whether a profile replaces an installed one; payloads need one too.",
    phone_ja: "プロファイルをインストールできません",
    phone_en: "The profile could not be installed",
    example: "a payload dictionary without <key>PayloadIdentifier</key>",
    fix: "Give the profile a reverse-DNS identifier (com.example.mail.taro) and each payload that identifier plus a suffix.",
    check: |ctx, sink| {
        let mut check = |path: String, d: &plist::Dictionary| match d.get("PayloadIdentifier") {
            None => sink.emit(path, tr("PayloadIdentifier is missing", "PayloadIdentifier がありません"), None),
            Some(Value::String(s)) if s.trim().is_empty() => sink.emit(path, tr("PayloadIdentifier is empty", "PayloadIdentifier が空です"), None),
            _ => {}
        };
        check("PayloadIdentifier".into(), ctx.root);
        for (i, d) in ctx.payloads() {
            check(format!("PayloadContent[{i}].PayloadIdentifier"), d);
        }
    },
};

pub static IDENTIFIER_DUPLICATE: Rule = Rule {
    id: "PG106",
    name: "identifier-duplicate",
    severity: Severity::Error,
    summary: "Two payloads share a PayloadIdentifier",
    why: "Apple's schema says a payload identifier must be unique within the profile; on replacement the system matches payloads by it.",
    phone_ja: "プロファイルをインストールできません",
    phone_en: "The profile could not be installed",
    example: "PayloadContent[0] and PayloadContent[1] both com.example.mail",
    fix: "Append a distinct component to each payload's identifier (.mail, .caldav, …).",
    check: |ctx, sink| {
        let mut seen: Vec<(usize, &str)> = Vec::new();
        for (i, d) in ctx.payloads() {
            if let Some(id) = d.get("PayloadIdentifier").and_then(Value::as_string) {
                if let Some((j, _)) = seen.iter().find(|(_, s)| *s == id) {
                    sink.emit(format!("PayloadContent[{i}].PayloadIdentifier"), tr(format!("{id:?} is also the identifier of PayloadContent[{j}]"), format!("{id:?} は PayloadContent[{j}] の識別子でもあります")), None);
                } else {
                    seen.push((i, id));
                }
            }
        }
    },
};

pub static UNKNOWN_KEY: Rule = Rule {
    id: "PG107",
    name: "unknown-key",
    severity: Severity::Warning,
    summary: "A key Apple's schema does not define (often a typo)",
    why: "iOS ignores keys it does not know. A misspelt key (IncomingMailServerHostname for …HostName) is silently lost, and the phone then asks for, or goes without, that setting.",
    phone_ja: "(設定が反映されず、サーバ名などを手入力するよう求められます)",
    phone_en: "(the setting is ignored; the phone asks for it or goes without it)",
    example: "<key>IncomingMailServerHostname</key>",
    fix: "Use the key's exact name from Apple's schema; `help:` names the closest one.",
    check: |ctx, sink| schema_problems(ctx, sink, |p| matches!(p, Problem::Unknown { .. })),
};

pub static WRONG_TYPE: Rule = Rule {
    id: "PG108",
    name: "wrong-type",
    severity: Severity::Error,
    summary: "A value has the wrong plist type (a port as <real> or <string>, a boolean as a string)",
    why: "iOS reads each key with the type Apple's schema gives; a port written as <real>443</real> or a flag as <string>true</string> is rejected or ignored.",
    phone_ja: "プロファイルをインストールできません / 設定が反映されません",
    phone_en: "The profile could not be installed, or the setting is ignored",
    example: "<key>IncomingMailServerPortNumber</key><string>993</string>",
    fix: "Write the value with the schema's type: <integer>993</integer>, <true/>.",
    check: |ctx, sink| schema_problems(ctx, sink, |p| matches!(p, Problem::WrongType { .. })),
};

pub static NOT_ALLOWED: Rule = Rule {
    id: "PG109",
    name: "value-not-allowed",
    severity: Severity::Error,
    summary: "A value outside the set Apple's schema allows (EmailAccountType, authentication, ports, TargetDeviceType, …)",
    why: "Values outside the allowed set make the payload invalid, or leave the account with a setting the phone cannot use (port 0, EmailTypeIMAP4).",
    phone_ja: "プロファイルをインストールできません",
    phone_en: "The profile could not be installed",
    example: "<key>EmailAccountType</key><string>IMAP</string>",
    fix: "Use one of the allowed values; `help:` lists them.",
    check: |ctx, sink| schema_problems(ctx, sink, |p| matches!(p, Problem::NotAllowed { allowed, .. } if !is_port_range(*allowed))),
};

fn is_port_range(a: Allowed) -> bool {
    a == Allowed::Range(1, 65535)
}

pub static PORT_RANGE: Rule = Rule {
    id: "PG115",
    name: "port-out-of-range",
    severity: Severity::Error,
    summary: "A port number outside 1–65535 (any payload: mail, CalDAV, CardDAV, Exchange, LDAP, VPN, …)",
    why: "TCP ports run from 1 to 65535; the phone cannot connect to port 0 or 98765, and the account fails with a connection error.",
    phone_ja: "サーバに接続できません",
    phone_en: "Cannot connect to the server",
    example: "<key>CalDAVPort</key><integer>98765</integer>",
    fix: "Use the server's real port (CalDAV 443, CardDAV 443, IMAP 993, SMTP 465/587), or remove the key for the default.",
    check: |ctx, sink| schema_problems(ctx, sink, |p| matches!(p, Problem::NotAllowed { allowed, .. } if is_port_range(*allowed))),
};

pub static DUPLICATE_KEY: Rule = Rule {
    id: "PG116",
    name: "duplicate-key",
    severity: Severity::Error,
    summary: "A key given twice in one dictionary",
    why: "A property list dictionary holds each key once. The phone's parser keeps one of the two values — not necessarily the one the author meant — and an editor shows the other; a second IncomingPassword or host name hides what the profile really does.",
    phone_ja: "(どちらか一方の値だけが使われます)",
    phone_en: "(only one of the two values is used)",
    example: "<key>IncomingMailServerHostName</key><string>a</string> … <key>IncomingMailServerHostName</key><string>b</string>",
    fix: "Keep one of the two keys, with the value you mean.",
    check: |ctx, sink| {
        for path in &ctx.duplicate_keys {
            sink.emit(path.clone(), tr(format!("{path} is given twice in the same dictionary; only one value is used"), format!("{path} が同じ辞書に2回あります。使われるのは一方の値だけです")), Some(tr("remove one of them", "どちらか一方を削除してください")));
            sink.fix(Edit::unsafe_(vec![Change::Rewrite]));
        }
    },
};

pub static UNKNOWN_PAYLOAD_TYPE: Rule = Rule {
    id: "PG114",
    name: "unknown-payload-type",
    severity: Severity::Warning,
    summary: "A PayloadType Apple's schema does not define (a typo, or an app's own preference domain)",
    why: "The phone refuses a profile with a payload type it does not know (\"The profile could not be installed\"). On macOS an app's preference domain (com.microsoft.Outlook) is a valid payload type for managed preferences; elsewhere a misspelt type (com.apple.mail.manged) is the usual cause.",
    phone_ja: "プロファイルをインストールできません(ペイロードの種類が不明です)",
    phone_en: "The profile could not be installed (unknown payload type)",
    example: "<key>PayloadType</key><string>com.apple.mail.manged</string>",
    fix: "Use Apple's payload type (`help:` names the closest one); an app's preference domain is fine for macOS only.",
    check: |ctx, sink| {
        for (i, d) in ctx.payloads() {
            let Some(ty) = d.get("PayloadType").and_then(Value::as_string) else { continue };
            if schema::payload_schema(ty).is_some() {
                continue;
            }
            let suggestion = schema::closest_key(ty, schema::payload_types());
            let path = format!("PayloadContent[{i}].PayloadType");
            let close = suggestion.is_some_and(|s| schema::edit_distance(ty, s) <= 2);
            match suggestion.filter(|_| close) {
                Some(s) => sink.emit(path, tr(format!("{ty:?} is not a payload type of Apple's schema"), format!("{ty:?} はAppleのスキーマにないペイロードの種類です")), Some(tr(format!("did you mean {s}?"), format!("{s} のことですか?")))),
                // Not close to any of Apple's types: an app's (or Apple's own) preference domain,
                // legitimate as managed preferences on macOS, so say so rather than call it wrong.
                None => sink.emit_at(Severity::Info, path, tr(format!("{ty:?} is not a payload type of Apple's schema"), format!("{ty:?} はAppleのスキーマにないペイロードの種類です")), Some(tr("fine as an app's managed preferences on macOS; iOS refuses a payload type it does not know", "macOSのアプリの管理された設定としては有効です。iOSは知らない種類のペイロードを拒否します"))),
            }
        }
    },
};

pub static REQUIRED_MISSING: Rule = Rule {
    id: "PG110",
    name: "required-key-missing",
    severity: Severity::Error,
    summary: "A key Apple's schema requires is missing (a mail payload without host names or authentication, a profile without PayloadContent)",
    why: "Without its required keys a payload cannot be installed, or the phone asks the user for values they rarely know.",
    phone_ja: "プロファイルをインストールできません",
    phone_en: "The profile could not be installed",
    example: "a com.apple.mail.managed payload without OutgoingMailServerHostName",
    fix: "Add the key; `profilegen new` writes every required key.",
    check: |ctx, sink| schema_problems(ctx, sink, |p| {
        matches!(p, Problem::Missing { key } if !matches!(key.as_str(), "PayloadUUID" | "PayloadIdentifier" | "PayloadVersion"))
    }),
};

pub static DEPRECATED_KEY: Rule = Rule {
    id: "PG111",
    name: "deprecated-key",
    severity: Severity::Info,
    summary: "A key current iOS versions ignore (SMIMEEnabled, SMIMEEnablePerMessageSwitch)",
    why: "The key does nothing on current iOS; it suggests an old template.",
    phone_ja: "",
    phone_en: "",
    example: "<key>SMIMEEnabled</key><false/>",
    fix: "Remove it, or use its replacement named in the message.",
    check: |ctx, sink| schema_problems(ctx, sink, |p| matches!(p, Problem::Deprecated { .. })),
};

pub static CONTENT_SHAPE: Rule = Rule {
    id: "PG112",
    name: "payload-content",
    severity: Severity::Error,
    summary: "PayloadContent is not an array of dictionaries",
    why: "Each payload must be a dictionary inside the PayloadContent array.",
    phone_ja: "プロファイルをインストールできません",
    phone_en: "The profile could not be installed",
    example: "<key>PayloadContent</key><dict>…</dict> at the top level",
    fix: "Make PayloadContent an <array> of payload <dict>s.",
    check: |ctx, sink| match ctx.root.get("PayloadContent") {
        Some(Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                if v.as_dictionary().is_none() {
                    sink.emit(
                        format!("PayloadContent[{i}]"),
                        tr(
                            format!("is {}, not a dictionary", describe(v)),
                            format!("{} で、辞書ではありません", describe(v)),
                        ),
                        None,
                    );
                }
            }
        }
        Some(v) if !matches!(v, Value::Array(_)) => {
            sink.emit(
                "PayloadContent",
                tr(
                    format!("is {}, not an array", describe(v)),
                    format!("{} で、配列ではありません", describe(v)),
                ),
                None,
            );
        }
        _ => {}
    },
};

/// A value's type and (for scalars) content, for messages.
pub fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("<string>{s}</string>"),
        Value::Integer(i) => format!("<integer>{i}</integer>"),
        Value::Real(r) => format!("<real>{r}</real>"),
        Value::Boolean(b) => format!("<{b}/>"),
        Value::Date(_) => "a <date>".into(),
        Value::Data(_) => "<data>".into(),
        Value::Array(_) => "an <array>".into(),
        Value::Dictionary(_) => "a <dict>".into(),
        _ => "an unknown value".into(),
    }
}

fn allowed_text(a: Allowed) -> String {
    match a {
        Allowed::Any => "any value".into(),
        Allowed::Strings(s) => s.join(", "),
        Allowed::Integers(i) => i
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        Allowed::Range(lo, hi) => format!("{lo}–{hi}"),
    }
}

/// Runs the schema check on the top level and each known payload, emitting the problems `pick`
/// selects.
fn schema_problems(ctx: &Ctx<'_>, sink: &mut Sink<'_>, pick: impl Fn(&Problem) -> bool) {
    // Six rules report from one schema check, made once per file.
    for (prefix, problems) in ctx.schema_check.get_or_init(|| check_schema(ctx)) {
        emit_problems(ctx, sink, prefix, problems.clone(), &pick);
    }
}

/// The schema check of the top level and every payload, as (key-path prefix, problems).
pub fn check_schema(ctx: &Ctx<'_>) -> Vec<(String, Vec<Problem>)> {
    let mut out = Vec::new();
    // An encrypted profile carries EncryptedPayloadContent instead of PayloadContent; Apple's
    // iPhone Configuration Utility wrote it without IsEncrypted.
    let encrypted = ctx.root.get("IsEncrypted").and_then(Value::as_boolean) == Some(true)
        || ctx.root.contains_key("EncryptedPayloadContent");
    // A top level that is not a Configuration is PG101's; its other keys mean nothing here.
    let configuration =
        ctx.root.get("PayloadType").and_then(Value::as_string) == Some("Configuration");
    let top: Vec<_> = schema::check_dict(ctx.root, schema::TOP_LEVEL.keys, &[])
        .into_iter()
        .filter(|p| !(encrypted && matches!(p, Problem::Missing { key } if key == "PayloadContent")))
        .filter(|_| configuration)
        .filter(|p| !matches!(p, Problem::Unknown { key, .. } if schema::TOLERATED.contains(&key.as_str())))
        .collect();
    out.push((String::new(), top));
    for (i, d) in ctx.payloads() {
        let ty = d
            .get("PayloadType")
            .and_then(Value::as_string)
            .unwrap_or("");
        let problems: Vec<Problem> = match schema::payload_schema(ty) {
            Some(s) => schema::check_dict(d, s.keys, schema::COMMON),
            // Payload types profilegen does not model: check the common keys, and no unknown keys.
            None => schema::check_dict(d, schema::COMMON, &[])
                .into_iter()
                .filter(|p| !matches!(p, Problem::Unknown { .. }))
                .collect(),
        };
        let problems: Vec<Problem> = problems
            .into_iter()
            .filter(|p| !matches!(p, Problem::Unknown { key, .. } if schema::TOLERATED.contains(&key.as_str())))
            .collect();
        if !problems.is_empty() {
            out.push((format!("PayloadContent[{i}]."), problems));
        }
    }
    out
}

fn emit_problems(
    ctx: &Ctx<'_>,
    sink: &mut Sink<'_>,
    prefix: &str,
    problems: Vec<Problem>,
    pick: &impl Fn(&Problem) -> bool,
) {
    for p in problems.into_iter().filter(|p| pick(p)) {
        match p {
            Problem::Missing { key } => {
                // The top-level PayloadType has its own rule.
                if prefix.is_empty() && key == "PayloadType" {
                    continue;
                }
                sink.emit(
                    format!("{prefix}{key}"),
                    tr(
                        format!("required key {key} is missing"),
                        format!("必須のキー {key} がありません"),
                    ),
                    None,
                )
            }
            Problem::WrongType {
                key,
                expected,
                found,
            } => {
                // PayloadVersion and the DAV ports have their own rules.
                if matches!(
                    key.as_str(),
                    "PayloadVersion" | "CalDAVPort" | "CardDAVPort"
                ) {
                    continue;
                }
                let found = found.map_or("an unknown type", |t| t.tag());
                sink.emit(
                    format!("{prefix}{key}"),
                    tr(
                        format!(
                            "{key} is {found}, but Apple's schema says {}",
                            expected.tag()
                        ),
                        format!(
                            "{key} が {found} ですが、Appleのスキーマは {} です",
                            expected.tag()
                        ),
                    ),
                    Some(tr(
                        format!("write it as {}", expected.tag()),
                        format!("{} で書いてください", expected.tag()),
                    )),
                );
                let path = format!("{prefix}{key}");
                if let Some(v) =
                    crate::lint::value_at(ctx.root, &path).and_then(|v| converted(v, expected))
                {
                    sink.fix(Edit::set(Applicability::Safe, path, v));
                }
            }
            Problem::NotAllowed {
                key,
                allowed,
                found,
            } => {
                if key == "PayloadVersion" || (prefix.is_empty() && key == "PayloadType") {
                    continue;
                }
                sink.emit(
                    format!("{prefix}{key}"),
                    tr(
                        format!("{key} is {found}, which is not allowed"),
                        format!("{key} が {found} で、認められていません"),
                    ),
                    Some(tr(
                        format!("allowed: {}", allowed_text(allowed)),
                        format!("認められる値: {}", allowed_text(allowed)),
                    )),
                );
            }
            Problem::Unknown { key, suggestion } => sink.emit(
                format!("{prefix}{key}"),
                tr(
                    format!("{key} is not a key of Apple's schema; the phone ignores it"),
                    format!("{key} はAppleのスキーマにないキーで、iPhoneは無視します"),
                ),
                suggestion.map(|s| tr(format!("did you mean {s}?"), format!("{s} のことですか?"))),
            ),
            Problem::Deprecated { key, why } => sink.emit(
                format!("{prefix}{key}"),
                format!("{key}: {}", tr(why.0, why.1)),
                None,
            ),
        }
    }
}

/// `v` written with the schema's type, when that loses nothing: "993" or 993.0 → 993,
/// "true" / "false" → a boolean, 1 / 0 → a boolean, 993 → "993" where a string is wanted.
fn converted(v: &Value, expected: crate::schema::PlistType) -> Option<Value> {
    use crate::schema::PlistType as T;
    match (expected, v) {
        (T::Integer, Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .ok()
            .map(|i| Value::Integer(i.into())),
        (T::Integer, Value::Real(r)) if r.fract() == 0.0 && r.abs() < 1e15 => {
            Some(Value::Integer((*r as i64).into()))
        }
        (T::Boolean, Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" => Some(Value::Boolean(true)),
            "false" | "no" => Some(Value::Boolean(false)),
            _ => None,
        },
        (T::Boolean, Value::Integer(i)) => match i.as_signed() {
            Some(1) => Some(Value::Boolean(true)),
            Some(0) => Some(Value::Boolean(false)),
            _ => None,
        },
        (T::String, Value::Integer(i)) => Some(Value::String(i.to_string())),
        (T::Real, Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite())
            .map(Value::Real),
        _ => None,
    }
}

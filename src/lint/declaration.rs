//! Declarative Device Management declarations (JSON): `Type`, `Identifier`, `ServerToken` and
//! `Payload`, checked against Apple's schema for the declaration's type — the same rules (and
//! IDs) that check a profile's payloads.

use super::rules::structure;
use super::{Finding, Rule};
use crate::i18n::tr;
use crate::schema::{self, Problem};
use plist::{Dictionary, Value};

/// True when `bytes` look like a declaration: a JSON object naming an Apple declaration type.
pub fn looks_like(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(bytes);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let head = &b[start..b.len().min(start + 4096)];
    matches!(head.first(), Some(b'{') | Some(b'['))
        && head.windows(6).any(|w| w == b"\"Type\"")
        && head.windows(10).any(|w| w == b"com.apple.")
}

/// A JSON value as a plist value (integers stay integers, other numbers become reals).
fn to_plist(v: &serde_json::Value, depth: usize) -> Option<Value> {
    if depth > super::MAX_DEPTH {
        return None;
    }
    Some(match v {
        serde_json::Value::Null => Value::String(String::new()),
        serde_json::Value::Bool(b) => Value::Boolean(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Integer(i.into()),
            (None, Some(u)) => Value::Integer(u.into()),
            _ => Value::Real(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| to_plist(x, depth + 1))
                .collect::<Option<Vec<_>>>()?,
        ),
        serde_json::Value::Object(o) => {
            let mut d = Dictionary::new();
            for (k, x) in o {
                d.insert(k.clone(), to_plist(x, depth + 1)?);
            }
            Value::Dictionary(d)
        }
    })
}

fn finding(rule: &'static Rule, path: String, message: String, help: Option<String>) -> Finding {
    Finding {
        rule: rule.id,
        name: rule.name,
        severity: rule.severity,
        path,
        message,
        help: help.or_else(|| Some(rule.fix.to_string())),
        fix: None,
    }
}

/// Lints a declaration's bytes.
pub fn lint(bytes: &[u8]) -> Vec<Finding> {
    let text = bytes.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(bytes);
    let json: serde_json::Value =
        match serde_json::from_slice(text) {
            Ok(v) => v,
            Err(e) => {
                return vec![finding(
                &structure::UNREADABLE,
                String::new(),
                tr(format!("not valid JSON: {e}"), format!("JSON として正しくありません: {e}")),
                Some(tr(
                    "a declaration is a JSON object with Type, Identifier, ServerToken and Payload",
                    "宣言は Type、Identifier、ServerToken、Payload を持つ JSON オブジェクトです",
                )),
            )]
            }
        };
    match &json {
        // A declaration set in one file: each checked, and their references to each other.
        serde_json::Value::Array(items) => {
            let mut out = Vec::new();
            let mut refs = Vec::new();
            for (i, item) in items.iter().enumerate() {
                for mut f in lint_value(item) {
                    f.path = if f.path.is_empty() {
                        format!("[{i}]")
                    } else {
                        format!("[{i}].{}", f.path)
                    };
                    out.push(f);
                }
                if let Some(r) = references(item) {
                    refs.push((i, r));
                }
            }
            for (i, mut f) in unresolved(&refs, &refs) {
                f.path = format!("[{i}].{}", f.path);
                out.push(f);
            }
            out
        }
        _ => lint_value(&json),
    }
}

/// A declaration's identifier and type, and the declarations it refers to.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    pub identifier: String,
    pub ty: String,
    /// (key path, identifier referred to, the type prefix it must have)
    pub refs: Vec<(String, String, &'static str)>,
}

/// What a declaration refers to: `…AssetReference` keys and an activation's configurations.
pub fn references(json: &serde_json::Value) -> Option<Refs> {
    let o = json.as_object()?;
    let mut r = Refs {
        identifier: o.get("Identifier")?.as_str()?.to_string(),
        ty: o.get("Type")?.as_str()?.to_string(),
        refs: Vec::new(),
    };
    fn walk(
        v: &serde_json::Value,
        path: &str,
        out: &mut Vec<(String, String, &'static str)>,
        depth: usize,
    ) {
        if depth > 16 {
            return;
        }
        if let Some(o) = v.as_object() {
            for (k, x) in o {
                let p = format!("{path}.{k}");
                match (k.as_str(), x) {
                    ("StandardConfigurations", serde_json::Value::Array(ids)) => {
                        for (i, id) in ids.iter().enumerate() {
                            if let Some(id) = id.as_str() {
                                out.push((
                                    format!("{p}[{i}]"),
                                    id.to_string(),
                                    "com.apple.configuration.",
                                ));
                            }
                        }
                    }
                    (k, serde_json::Value::String(id)) if k.ends_with("AssetReference") => {
                        let want = match k {
                            "UserIdentityAssetReference" => "com.apple.asset.useridentity",
                            "AuthenticationCredentialsAssetReference" => {
                                "com.apple.asset.credential.userpassword"
                            }
                            _ => "com.apple.asset.",
                        };
                        out.push((p, id.clone(), want));
                    }
                    _ => walk(x, &p, out, depth + 1),
                }
            }
        }
    }
    if let Some(p) = o.get("Payload") {
        walk(p, "Payload", &mut r.refs, 0);
    }
    Some(r)
}

/// References of `from` that no declaration of `set` resolves (or resolves to the wrong type).
pub fn unresolved<T>(from: &[(T, Refs)], set: &[(T, Refs)]) -> Vec<(T, Finding)>
where
    T: Copy,
{
    let mut out = Vec::new();
    for (at, r) in from {
        for (path, target, want) in &r.refs {
            let msg = match set.iter().find(|(_, d)| &d.identifier == target) {
                None => tr(
                    format!("refers to {target:?}, which no declaration of the set has"),
                    format!("{target:?} を参照していますが、その宣言がありません"),
                ),
                Some((_, d)) if !d.ty.starts_with(want) => tr(
                    format!("refers to {target:?}, a {}, where a {want} is needed", d.ty),
                    format!(
                        "{target:?}({})を参照していますが、必要なのは {want} です",
                        d.ty
                    ),
                ),
                Some(_) => continue,
            };
            out.push((
                *at,
                finding(&structure::DECLARATION_REFERENCE, path.clone(), msg, None),
            ));
        }
    }
    out
}

fn lint_value(json: &serde_json::Value) -> Vec<Finding> {
    let Some(Value::Dictionary(root)) = to_plist(json, 0) else {
        return vec![finding(
            &structure::UNREADABLE,
            String::new(),
            crate::i18n::tr(
                "the declaration is not a JSON object, or is nested too deeply",
                "宣言がJSONオブジェクトではないか、入れ子が深すぎます",
            ),
            None,
        )];
    };
    let mut out = Vec::new();
    let mut emit = |problems: Vec<Problem>, prefix: &str| {
        for p in problems {
            let (rule, path, message, help): (&'static Rule, String, String, Option<String>) =
                match p {
                    Problem::Missing { key } => (
                        &structure::REQUIRED_MISSING,
                        format!("{prefix}{key}"),
                        tr(
                            format!("required key {key} is missing"),
                            format!("必須のキー {key} がありません"),
                        ),
                        None,
                    ),
                    Problem::WrongType {
                        key,
                        expected,
                        found,
                    } => (
                        &structure::WRONG_TYPE,
                        format!("{prefix}{key}"),
                        tr(
                            format!(
                                "{key} is {}, but Apple's schema says {}",
                                found.map_or("an unknown type", |t| t.tag()),
                                expected.tag()
                            ),
                            format!(
                                "{key} が {} ですが、Appleのスキーマは {} です",
                                found.map_or("不明な型", |t| t.tag()),
                                expected.tag()
                            ),
                        ),
                        Some(tr(
                            format!("write it as {}", expected.tag()),
                            format!("{} で書いてください", expected.tag()),
                        )),
                    ),
                    Problem::NotAllowed {
                        key,
                        allowed,
                        found,
                    } => {
                        let rule = if allowed == schema::Allowed::Range(1, 65535) {
                            &structure::PORT_RANGE
                        } else {
                            &structure::NOT_ALLOWED
                        };
                        (
                            rule,
                            format!("{prefix}{key}"),
                            tr(
                                format!("{key} is {found}, which is not allowed"),
                                format!("{key} が {found} で、認められていません"),
                            ),
                            None,
                        )
                    }
                    Problem::Unknown { key, suggestion } => (
                        &structure::UNKNOWN_KEY,
                        format!("{prefix}{key}"),
                        tr(
                            format!("{key} is not a key of Apple's schema; the device ignores it"),
                            format!("{key} はAppleのスキーマにないキーで、デバイスは無視します"),
                        ),
                        suggestion.map(|s| {
                            tr(format!("did you mean {s}?"), format!("{s} のことですか?"))
                        }),
                    ),
                    Problem::Deprecated { key, why } => (
                        &structure::DEPRECATED_KEY,
                        format!("{prefix}{key}"),
                        format!("{key}: {}", crate::i18n::tr(why.0, why.1)),
                        None,
                    ),
                };
            out.push(finding(rule, path, message, help));
        }
    };
    emit(schema::check_dict(&root, schema::DECLARATION_BASE, &[]), "");
    let ty = root.get("Type").and_then(Value::as_string).unwrap_or("");
    match schema::declaration_schema(ty) {
        Some(s) => {
            if let Some(Value::Dictionary(payload)) = root.get("Payload") {
                emit(schema::check_dict(payload, s.keys, &[]), "Payload.");
            }
        }
        None if !ty.is_empty() => {
            let suggestion = schema::closest_key(ty, schema::declaration_types());
            out.push(finding(
                &structure::UNKNOWN_PAYLOAD_TYPE,
                "Type".into(),
                crate::i18n::tr(
                    format!("{ty:?} is not a declaration type of Apple's schema"),
                    format!("{ty:?} はAppleのスキーマにない宣言の種類です"),
                ),
                suggestion.map(|s| tr(format!("did you mean {s}?"), format!("{s} のことですか?"))),
            ));
        }
        None => {}
    }
    out
}

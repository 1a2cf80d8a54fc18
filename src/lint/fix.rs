//! `lint --fix`: the changes that remove findings, and how safe each is.
//!
//! A rule that knows the repair attaches an [`Edit`] to its finding (the knowledge stays where
//! the rule computed it: the host it suggests, the cleaned text, the provider's port). [`fix`]
//! applies the edits the caller allows to the parsed profile, lints again, and repeats while
//! something changes, so that a fix uncovering another finding (a host corrected, then its
//! port) is followed through. Everything else in the file — unknown keys, other payloads, data,
//! dates, the order of keys — is carried over as parsed.

use super::{Finding, Options};
use crate::i18n::tr;
use plist::{Dictionary, Value};
use serde::Serialize;

/// How much a fix may change what the account does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Makes the account work as it was evidently meant to: nothing it connects to changes.
    Safe,
    /// Changes meaning (another host, port or username, new UUIDs, a removed password or
    /// removal date): applied only with `--unsafe-fixes`.
    Unsafe,
}

impl Applicability {
    pub fn word(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// One change at a key path (`PayloadContent[0].IncomingMailServerUseSSL`).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Set(String, Value),
    Remove(String),
    /// Writing the file again is the fix (white space before the XML declaration, a key given
    /// twice): nothing in the parsed profile changes.
    Rewrite,
}

/// The repair of one finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub applicability: Applicability,
    pub changes: Vec<Change>,
}

impl Edit {
    pub fn safe(changes: Vec<Change>) -> Edit {
        Edit {
            applicability: Applicability::Safe,
            changes,
        }
    }
    pub fn unsafe_(changes: Vec<Change>) -> Edit {
        Edit {
            applicability: Applicability::Unsafe,
            changes,
        }
    }
    pub fn set(applicability: Applicability, path: impl Into<String>, v: Value) -> Edit {
        Edit {
            applicability,
            changes: vec![Change::Set(path.into(), v)],
        }
    }
}

/// The rules that can fix their findings, with the most a fix of theirs changes and what it
/// does (for `--explain` and `--list-rules`).
pub const FIXABLE: &[(&str, Applicability, &str, &str)] = &[
    ("PG102", Applicability::Safe, "sets PayloadVersion to the integer 1", "PayloadVersion を整数 1 にします"),
    ("PG103", Applicability::Unsafe, "writes a new PayloadUUID derived from the identifier", "識別子から導いた新しい PayloadUUID を書きます"),
    ("PG104", Applicability::Unsafe, "gives the payload a new PayloadUUID derived from its identifier", "ペイロードに識別子から導いた新しい PayloadUUID を付けます"),
    ("PG108", Applicability::Safe, "writes the value with the schema's type when it converts exactly (\"993\" or 993.0 → 993, \"true\" → <true/>)", "値が正確に変換できるとき、スキーマの型で書き直します(\"993\" や 993.0 → 993、\"true\" → <true/>)"),
    ("PG113", Applicability::Safe, "writes the file again, starting with the XML declaration", "XML 宣言から始まるようにファイルを書き直します"),
    ("PG116", Applicability::Unsafe, "keeps the last of the repeated keys, the one the phone reads", "繰り返されたキーのうち、iPhone が読む最後のものを残します"),
    ("PG201", Applicability::Safe, "sets UseSSL to true (safe on the standard ports 993/995/465/587/143/110/25; unsafe on others)", "UseSSL を true にします(標準のポート 993/995/465/587/143/110/25 では安全、それ以外では unsafe)"),
    ("PG202", Applicability::Safe, "sets UseSSL to true", "UseSSL を true にします"),
    ("PG203", Applicability::Unsafe, "uses the provider's port with UseSSL on", "プロバイダのポートを UseSSL オンで使います"),
    ("PG204", Applicability::Safe, "removes white space, a scheme, a path or a stray dot from the host name", "ホスト名から空白、スキーム、パス、余分なドットを取り除きます"),
    ("PG205", Applicability::Safe, "writes the host name in lowercase", "ホスト名を小文字にします"),
    ("PG206", Applicability::Unsafe, "replaces the host with the provider's host it is a typo of", "ホストを、打ち間違えたと思われるプロバイダのホストに置き換えます"),
    ("PG207", Applicability::Unsafe, "replaces the host or port with the provider's current one", "ホストまたはポートをプロバイダの現在の設定に置き換えます"),
    ("PG208", Applicability::Unsafe, "writes the username in the form the provider expects", "ユーザ名をプロバイダの求める形にします"),
    ("PG209", Applicability::Unsafe, "sets the authentication to EmailAuthPassword", "認証を EmailAuthPassword にします"),
    ("PG210", Applicability::Unsafe, "removes the clear-text password (the phone asks for it)", "平文のパスワードを削除します(iPhone が入力を求めます)"),
    ("PG211", Applicability::Unsafe, "replaces the host with the address's provider's server", "ホストをアドレスのプロバイダのサーバに置き換えます"),
    ("PG212", Applicability::Safe, "removes the empty key, so that the phone asks for the value", "空のキーを削除し、iPhone が値を尋ねるようにします"),
    ("PG213", Applicability::Unsafe, "writes the provider's port", "プロバイダのポートを書きます"),
    ("PG215", Applicability::Unsafe, "uses a port of the right protocol (the provider's, or 993/995 incoming and 587 outgoing)", "正しいプロトコルのポートにします(プロバイダのもの。なければ受信 993/995、送信 587)"),
    ("PG216", Applicability::Safe, "writes the text in half-width characters without invisible ones", "文字を半角にし、見えない文字を取り除きます"),
    ("PG217", Applicability::Safe, "removes the Password that OAuth does not use", "OAuth では使われない Password を削除します"),
    ("PG219", Applicability::Unsafe, "sets TargetDeviceType to the platform the payload is for", "TargetDeviceType をペイロードのプラットフォームにします"),
    ("PG220", Applicability::Safe, "writes the port as an <integer> (an empty or unreadable one is removed, which is unsafe)", "ポートを <integer> で書きます(空や読めないものは削除し、これは unsafe です)"),
    ("PG221", Applicability::Safe, "sets UseSSL to true (safe on 443 or with no port; unsafe on others)", "UseSSL を true にします(443 かポート指定なしなら安全、それ以外は unsafe)"),
    ("PG401", Applicability::Unsafe, "removes the past RemovalDate", "過去の RemovalDate を削除します"),
    ("PG402", Applicability::Unsafe, "removes PayloadRemovalDisallowed", "PayloadRemovalDisallowed を削除します"),
    ("PG602", Applicability::Unsafe, "removes the white space from the PayloadIdentifier", "PayloadIdentifier から空白を取り除きます"),
    ("PG603", Applicability::Unsafe, "writes the PayloadUUID in the canonical form (or a new one derived from the identifier)", "PayloadUUID を標準の形で書きます(読めなければ識別子から導いた新しいもの)"),
    ("PG604", Applicability::Unsafe, "writes a new PayloadUUID derived from the identifier", "識別子から導いた新しい PayloadUUID を書きます"),
];

/// Whether `rule` has a fix, how safe, and what it does in the thread's language.
pub fn fixable(rule: &str) -> Option<(Applicability, String)> {
    FIXABLE
        .iter()
        .find(|(id, ..)| *id == rule)
        .map(|(_, a, en, ja)| (*a, tr(*en, *ja)))
}

/// A fix applied to a file.
#[derive(Debug, Clone)]
pub struct Applied {
    pub rule: &'static str,
    pub path: String,
    pub applicability: Applicability,
    /// What changed, e.g. `false → true`.
    pub what: String,
}

/// The result of fixing one profile.
#[derive(Debug, Clone)]
pub struct Fixed {
    /// The profile after the fixes.
    pub root: Dictionary,
    pub applied: Vec<Applied>,
    /// Findings whose fix was not applied because it is unsafe.
    pub unsafe_left: usize,
}

/// At most this many rounds of lint-then-fix (each round fixes what the previous one uncovered).
const MAX_ROUNDS: usize = 4;

/// Applies the fixes `allow` admits to `root`, linting `lint_input` first and the fixed profile
/// after each round. `lint_input` is the file's own bytes, so that findings about its form
/// (junk before the declaration) count.
pub fn fix(
    root: Dictionary,
    first: Vec<Finding>,
    opts: &Options<'_>,
    allow: Applicability,
) -> Fixed {
    let mut root = root;
    let mut applied = Vec::new();
    let mut findings = first;
    let mut unsafe_left;
    let mut round = 0;
    loop {
        unsafe_left = 0;
        let mut changed = false;
        for f in &findings {
            let Some(edit) = &f.fix else { continue };
            if edit.applicability > allow {
                unsafe_left += 1;
                continue;
            }
            let mut what = Vec::new();
            for c in &edit.changes {
                if let Some(w) = apply(&mut root, c) {
                    what.push(w);
                    changed = true;
                }
            }
            if edit.changes.iter().all(|c| *c == Change::Rewrite) {
                what.push(tr("the file is written again", "ファイルを書き直します"));
            }
            if !what.is_empty() {
                applied.push(Applied {
                    rule: f.rule,
                    path: f.path.clone(),
                    applicability: edit.applicability,
                    what: what.join("; "),
                });
            }
        }
        round += 1;
        if !changed || round == MAX_ROUNDS {
            break;
        }
        let mut xml = Vec::new();
        if Value::Dictionary(root.clone())
            .to_writer_xml(&mut xml)
            .is_err()
        {
            break;
        }
        findings = super::lint_bytes(&xml, opts);
    }
    Fixed {
        root,
        applied,
        unsafe_left,
    }
}

/// Applies one change; `None` when it changes nothing (the value is already so).
fn apply(root: &mut Dictionary, change: &Change) -> Option<String> {
    match change {
        Change::Rewrite => None,
        Change::Set(path, v) => {
            let (dict, key) = parent_mut(root, path)?;
            let old = dict.get(&key).cloned();
            if old.as_ref() == Some(v) {
                return None;
            }
            dict.insert(key.clone(), v.clone());
            Some(match old {
                Some(o) => format!("{} → {}", shown(&o), shown(v)),
                None => tr(
                    format!("added {}", shown(v)),
                    format!("{} を追加", shown(v)),
                ),
            })
        }
        Change::Remove(path) => {
            let (dict, key) = parent_mut(root, path)?;
            dict.remove(&key)?;
            Some(tr("removed", "削除"))
        }
    }
}

/// A value as it reads in a one-line summary (a password is never shown).
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => format!("{r:?}"),
        Value::Date(_) => "<date>".into(),
        Value::Data(_) => "<data>".into(),
        Value::Array(_) => "<array>".into(),
        Value::Dictionary(_) => "<dict>".into(),
        _ => "?".into(),
    }
}

/// The dictionary holding the last key of `path`, and that key.
fn parent_mut<'a>(root: &'a mut Dictionary, path: &str) -> Option<(&'a mut Dictionary, String)> {
    let parts: Vec<&str> = path.split('.').collect();
    let (last, walk) = parts.split_last()?;
    if last.contains('[') {
        return None;
    }
    let mut dict = root;
    for part in walk {
        let (key, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (*part, ""),
        };
        let mut v = dict.get_mut(key)?;
        for idx in indexes.split('[').filter(|s| !s.is_empty()) {
            let i: usize = idx.trim_end_matches(']').parse().ok()?;
            v = v.as_array_mut()?.get_mut(i)?;
        }
        dict = v.as_dictionary_mut()?;
    }
    Some((dict, last.to_string()))
}

/// A PayloadUUID derived from what identifies the payload (the profile's identifier and the
/// payload's path and identifier), so that fixing the same file twice gives the same UUID.
pub fn derived_uuid(profile_identifier: &str, path: &str, payload_identifier: &str) -> String {
    let name = format!("lint-fix\u{0}{profile_identifier}\u{0}{path}\u{0}{payload_identifier}");
    crate::render::derived_uuid(name.as_bytes())
        .hyphenated()
        .encode_upper(&mut uuid::Uuid::encode_buffer())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixable_rule_exists_and_says_what_it_does_in_both_languages() {
        for (id, _, en, ja) in FIXABLE {
            assert!(super::super::rule(id).is_some(), "{id}");
            assert!(!en.is_empty() && ja.chars().any(|c| c > '\u{3000}'), "{id}");
        }
    }

    #[test]
    fn paths_reach_nested_keys_and_refuse_what_is_not_there() {
        let mut root = Dictionary::new();
        let mut mail = Dictionary::new();
        mail.insert("A".into(), Value::Boolean(false));
        root.insert(
            "PayloadContent".into(),
            Value::Array(vec![Value::Dictionary(mail)]),
        );
        let set = Change::Set("PayloadContent[0].A".into(), Value::Boolean(true));
        assert!(apply(&mut root, &set).is_some());
        assert!(apply(&mut root, &set).is_none(), "already so");
        let missing = Change::Set("PayloadContent[3].A".into(), Value::Boolean(true));
        assert!(apply(&mut root, &missing).is_none());
        let removed = Change::Remove("PayloadContent[0].A".into());
        assert!(apply(&mut root, &removed).is_some());
        assert!(root["PayloadContent"].as_array().unwrap()[0]
            .as_dictionary()
            .unwrap()
            .is_empty());
    }
}

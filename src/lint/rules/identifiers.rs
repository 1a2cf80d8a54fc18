//! Identifiers and UUIDs: shapes, reuse, collisions.

use crate::i18n::tr;
use crate::lint::fix::{self, Applicability, Edit};
use crate::lint::{Rule, Severity};
use plist::Value;

/// UUIDs seen copied between unrelated projects (FINDINGS A6) and obvious hand-typed ones.
pub const KNOWN_COPIED_UUIDS: &[&str] = &[
    "48C88203-4DB9-49E8-B593-4831903605A0",
    "7A981A9E-D5D0-4EF8-87FE-39FD6A506FAC",
    "12345678-1234-1234-1234-123456789012",
    "A1B2C3D4-E5F6-7890-ABCD-EF1234567890",
    "00000000-0000-0000-0000-000000000000",
];

/// The canonical 8-4-4-4-12 hex shape (any version or variant: non-RFC-4122 UUIDs install fine).
pub fn canonical_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `key` of the profile (`None`) or of its payload `i`, where each is a string.
fn strings_at<'a, 'k>(
    ctx: &crate::lint::Ctx<'a>,
    key: &'k str,
) -> impl Iterator<Item = (Option<usize>, &'a str)> + use<'a, 'k> {
    let top = ctx.root.get(key).and_then(Value::as_string);
    let payloads = ctx
        .payloads()
        .filter_map(move |(i, d)| d.get(key).and_then(Value::as_string).map(|s| (Some(i), s)));
    top.map(|s| (None, s)).into_iter().chain(payloads)
}

/// The key path of `key` in the profile (`None`) or in its payload `i`.
fn spelt(at: Option<usize>, key: &str) -> String {
    match at {
        None => key.to_string(),
        Some(i) => format!("PayloadContent[{i}].{key}"),
    }
}

pub static SAME_AS_PROFILE: Rule = Rule {
    id: "PG601",
    name: "identifier-same-as-profile",
    severity: Severity::Warning,
    summary: "A payload's PayloadIdentifier equals the profile's",
    why: "Apple's schema expects a payload identifier to be the profile's plus a component; equal identifiers confuse replacement of installed profiles (seen in cPanel output).",
    phone_ja: "(再インストール時に古い設定が置き換わらないことがあります)",
    phone_en: "(reinstalling may not replace the old settings)",
    example: "profile and payload both com.example.mail",
    fix: "Append a component to the payload's identifier: com.example.mail.imap.",
    check: |ctx, sink| {
        let Some(top) = ctx.root.get("PayloadIdentifier").and_then(Value::as_string) else { return };
        for (i, d) in ctx.payloads() {
            if d.get("PayloadIdentifier").and_then(Value::as_string) == Some(top) {
                sink.emit(format!("PayloadContent[{i}].PayloadIdentifier"), tr(format!("{top:?} is also the profile's identifier"), format!("{top:?} はプロファイルの識別子と同じです")), Some(tr(format!("use {top}.mail"), format!("{top}.mail を使ってください"))));
            }
        }
    },
};

pub static WHITESPACE_IDENTIFIER: Rule = Rule {
    id: "PG602",
    name: "identifier-whitespace",
    severity: Severity::Warning,
    summary: "White space in a PayloadIdentifier",
    why: "Identifiers are reverse-DNS strings; spaces and line breaks (from pretty-printed templates) make a different identifier than intended, so the profile does not replace its predecessor.",
    phone_ja: "(古いプロファイルが置き換わらず重複します)",
    phone_en: "(the old profile is not replaced; accounts are duplicated)",
    example: "<string>\n    com.example.mail</string>",
    fix: "Remove the white space: letters, digits, '-' and '.' only.",
    check: |ctx, sink| {
        for (at, id) in strings_at(ctx, "PayloadIdentifier") {
            if id.chars().any(char::is_whitespace) && !id.trim().is_empty() && !super::leftovers::is_leftover(id) {
                let path = spelt(at, "PayloadIdentifier");
                sink.emit(path.clone(), tr(format!("{id:?} contains white space"), format!("{id:?} に空白が含まれています")), Some(tr(format!("write {:?}", id.split_whitespace().collect::<Vec<_>>().join("")), format!("{:?} と書いてください", id.split_whitespace().collect::<Vec<_>>().join("")))));
                sink.fix(Edit::set(Applicability::Unsafe, path.clone(), Value::String(id.split_whitespace().collect())));
            }
        }
    },
};

pub static UUID_SHAPE: Rule = Rule {
    id: "PG603",
    name: "uuid-shape",
    severity: Severity::Info,
    summary: "A PayloadUUID that is not in the 8-4-4-4-12 hexadecimal form",
    why: "Apple's schema gives PayloadUUID no format (its content is unimportant, only its uniqueness), so any unique value installs. Other shapes than 8-4-4-4-12 hex (32 digits without hyphens, trailing characters) hint at a hand-made or broken generator; an empty or reused UUID is an error of its own (PG103, PG104, PG604).",
    phone_ja: "",
    phone_en: "",
    example: "<string>b8fd6fd7-a55e-4eb1-96af-d9c4d8562e38'</string>",
    fix: "Use a canonical UUID (uuidgen; profilegen derives them).",
    check: |ctx, sink| {
        for (at, u) in strings_at(ctx, "PayloadUUID") {
            if !canonical_uuid(u) && !u.trim().is_empty() && !super::leftovers::is_leftover(u) {
                let path = spelt(at, "PayloadUUID");
                sink.emit(path.clone(), tr(format!("{u:?} is not a UUID of the form 8-4-4-4-12 hex digits"), format!("{u:?} は 8-4-4-4-12 の16進形式の UUID ではありません")), Some(tr("fine while it is unique; a canonical UUID (uuidgen) is clearer", "一意なら問題ありません。標準形式の UUID(uuidgen)の方が分かりやすくなります")));
                let canonical = uuid::Uuid::parse_str(u.trim()).map(|x| x.hyphenated().encode_upper(&mut uuid::Uuid::encode_buffer()).to_string());
                let profile_id = ctx.root.get("PayloadIdentifier").and_then(Value::as_string).unwrap_or("");
                let new = canonical.unwrap_or_else(|_| fix::derived_uuid(profile_id, &path, u));
                sink.fix(Edit::set(Applicability::Unsafe, path.clone(), Value::String(new)));
            }
        }
    },
};

pub static COPIED_UUID: Rule = Rule {
    id: "PG604",
    name: "uuid-copied",
    severity: Severity::Warning,
    summary: "A PayloadUUID known to be copied between unrelated profiles, or shared with another file in this run",
    why: "Profiles that share a UUID (or identifier) replace each other on the phone: installing the second silently removes the first account.",
    phone_ja: "(別のアカウントのプロファイルが上書きされます)",
    phone_en: "(installing one profile silently replaces another)",
    example: "<string>48C88203-4DB9-49E8-B593-4831903605A0</string>",
    fix: "Generate per-account UUIDs (profilegen derives them from the account).",
    check: |ctx, sink| {
        for (at, u) in strings_at(ctx, "PayloadUUID") {
            if KNOWN_COPIED_UUIDS.iter().any(|k| k.eq_ignore_ascii_case(u.trim())) {
                let path = spelt(at, "PayloadUUID");
                sink.emit(path.clone(), tr(format!("{u} is a UUID copied between unrelated profiles"), format!("{u} は無関係のプロファイル間でコピーされた UUID です")), Some(tr("generate a fresh, per-account UUID", "アカウントごとに新しい UUID を作ってください")));
                let profile_id = ctx.root.get("PayloadIdentifier").and_then(Value::as_string).unwrap_or("");
                sink.fix(Edit::set(Applicability::Unsafe, path.clone(), Value::String(fix::derived_uuid(profile_id, &path, u))));
            }
        }
    },
};

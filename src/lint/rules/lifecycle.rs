//! Lifecycle: removal dates and removal restrictions.

use crate::i18n::tr;
use crate::lint::fix::{Change, Edit};
use crate::lint::{Rule, Severity};
use plist::Value;

pub static REMOVAL_DATE_PAST: Rule = Rule {
    id: "PG401",
    name: "removal-date-past",
    severity: Severity::Error,
    summary: "RemovalDate is in the past",
    why: "The system removes the profile at RemovalDate; one in the past removes the account as soon as it is installed.",
    phone_ja: "(インストール直後にアカウントが消えます)",
    phone_en: "(the account disappears right after installation)",
    example: "<key>RemovalDate</key><date>2019-01-01T00:00:00Z</date>",
    fix: "Remove RemovalDate, or set a future date.",
    check: |ctx, sink| {
        if let Some(Value::Date(d)) = ctx.root.get("RemovalDate") {
            let t: std::time::SystemTime = (*d).into();
            let secs = t.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
            if secs < ctx.now {
                sink.emit("RemovalDate", tr(format!("RemovalDate {} is in the past", d.to_xml_format()), format!("RemovalDate {} は過去の日付です", d.to_xml_format())), Some(tr("remove it or set a future date", "削除するか、将来の日付にしてください")));
                sink.fix(Edit::unsafe_(vec![Change::Remove("RemovalDate".into())]));
            }
        }
    },
};

pub static REMOVAL_DISALLOWED: Rule = Rule {
    id: "PG402",
    name: "removal-disallowed",
    severity: Severity::Warning,
    summary: "PayloadRemovalDisallowed in a profile meant for manual installation",
    why: "On iOS the key needs a supervised device; in a profile a person installs by hand it does not stop removal, or it blocks the user from removing a stale account later.",
    phone_ja: "(古いプロファイルを削除できず、新しい設定と重複します)",
    phone_en: "(the stale profile cannot be removed and clashes with the new one)",
    example: "<key>PayloadRemovalDisallowed</key><true/>",
    fix: "Leave PayloadRemovalDisallowed out of mail profiles that users install themselves.",
    check: |ctx, sink| {
        // Mail profiles are installed by hand; MDM-delivered macOS profiles use the key legitimately.
        if !ctx.mails.is_empty() && ctx.root.get("PayloadRemovalDisallowed").and_then(Value::as_boolean) == Some(true) {
            sink.emit("PayloadRemovalDisallowed", tr("removal is disallowed; this needs a supervised device, and blocks replacing a stale profile", "削除が禁止されています。これには監視対象のデバイスが必要で、古いプロファイルの置き換えも妨げます"), Some(tr("remove the key", "このキーを削除してください")));
            sink.fix(Edit::unsafe_(vec![Change::Remove("PayloadRemovalDisallowed".into())]));
        }
    },
};

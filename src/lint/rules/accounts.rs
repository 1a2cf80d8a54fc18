//! Exchange, Google, CalDAV and CardDAV accounts: OAuth with a password, a sign-in URL without a
//! host, payloads on a platform that lacks them, DAV ports and TLS, principal URLs elsewhere.

use crate::i18n::tr;
use crate::lint::fix::{Applicability, Change, Edit};
use crate::lint::{Ctx, Rule, Severity};
use plist::{Dictionary, Value};

const EXCHANGE_TYPES: &[&str] = &["com.apple.eas.account", "com.apple.ews.account"];

/// The DAV payloads with their key prefix.
fn dav<'c>(ctx: &'c Ctx<'_>) -> impl Iterator<Item = (usize, &'c Dictionary, &'static str)> + 'c {
    ctx.payloads().filter_map(
        |(i, d)| match d.get("PayloadType").and_then(Value::as_string) {
            Some("com.apple.caldav.account") => Some((i, d, "CalDAV")),
            Some("com.apple.carddav.account") => Some((i, d, "CardDAV")),
            _ => None,
        },
    )
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim().to_ascii_lowercase();
    h == "localhost" || h.starts_with("127.") || h == "::1"
}

pub static OAUTH_WITH_PASSWORD: Rule = Rule {
    id: "PG217",
    name: "oauth-with-password",
    severity: Severity::Error,
    summary: "An Exchange payload with OAuth on and a Password",
    why: "With OAuth the phone signs in through the identity provider's page and the schema says not to give a password; the stored password is a secret in the file that nothing uses, and MDMs report the account's \"Re-enter password\" as broken when the two are mixed.",
    phone_ja: "(パスワードは使われず、サインインを求められます)",
    phone_en: "(the password is not used; the phone asks to sign in)",
    example: "<key>OAuth</key><true/>\n<key>Password</key><string>secret</string>",
    fix: "Remove Password: with OAuth the user signs in on the phone.",
    check: |ctx, sink| {
        for (i, d) in ctx.payloads() {
            let ty = d.get("PayloadType").and_then(Value::as_string).unwrap_or("");
            if !EXCHANGE_TYPES.contains(&ty) || d.get("OAuth").and_then(Value::as_boolean) != Some(true) {
                continue;
            }
            if d.get("Password").and_then(Value::as_string).is_some_and(|p| !p.is_empty()) {
                let path = format!("PayloadContent[{i}].Password");
                sink.emit(path.clone(), tr("OAuth is on, and a Password is stored too", "OAuth がオンなのに Password も入っています"), Some(tr("remove Password; the user signs in on the phone", "Password を削除してください。利用者は iPhone でサインインします")));
                sink.fix(Edit::safe(vec![Change::Remove(path)]));
            }
        }
    },
};

pub static OAUTH_URL_WITHOUT_HOST: Rule = Rule {
    id: "PG218",
    name: "oauth-url-without-host",
    severity: Severity::Error,
    summary: "OAuthSignInURL without a Host in an Exchange payload",
    why: "An OAuthSignInURL turns autodiscovery off, so the phone needs Host to find the server; without it the account is set up with nowhere to connect.",
    phone_ja: "アカウントを確認できません / サーバに接続できません",
    phone_en: "Unable to verify account information / Cannot connect to the server",
    example: "<key>OAuthSignInURL</key><string>https://login.example.jp/…</string>\n(no Host)",
    fix: "Add Host (the Exchange server), or remove OAuthSignInURL to let the phone discover it.",
    check: |ctx, sink| {
        for (i, d) in ctx.payloads() {
            let ty = d.get("PayloadType").and_then(Value::as_string).unwrap_or("");
            if !EXCHANGE_TYPES.contains(&ty) || d.get("OAuthSignInURL").and_then(Value::as_string).is_none_or(|u| u.trim().is_empty()) {
                continue;
            }
            if d.get("Host").and_then(Value::as_string).is_none_or(|h| h.trim().is_empty()) {
                sink.emit(format!("PayloadContent[{i}].Host"), tr("OAuthSignInURL is set, so autodiscovery is off, but there is no Host", "OAuthSignInURL があるため自動検出は使われませんが、Host がありません"), Some(tr("add Host, or remove OAuthSignInURL", "Host を追加するか、OAuthSignInURL を削除してください")));
            }
        }
    },
};

pub static WRONG_PLATFORM: Rule = Rule {
    id: "PG219",
    name: "payload-not-on-platform",
    severity: Severity::Error,
    summary: "A payload the profile's target platform does not have (Exchange ActiveSync or Google on a Mac, Exchange Web Services on an iPhone)",
    why: "com.apple.eas.account and com.apple.google-oauth exist on iOS only, com.apple.ews.account on macOS only; a profile whose TargetDeviceType names the other platform cannot install.",
    phone_ja: "プロファイルをインストールできません",
    phone_en: "The profile could not be installed",
    example: "<key>TargetDeviceType</key><integer>5</integer> with a com.apple.eas.account payload",
    fix: "Use the platform's payload (Exchange ActiveSync on iOS, Exchange Web Services on macOS), or set TargetDeviceType to the platform the payload is for.",
    check: |ctx, sink| {
        let target = ctx.root.get("TargetDeviceType").and_then(Value::as_signed_integer);
        for (i, d) in ctx.payloads() {
            let ty = d.get("PayloadType").and_then(Value::as_string).unwrap_or("");
            let (ios_only, mac_only) = (matches!(ty, "com.apple.eas.account" | "com.apple.google-oauth"), ty == "com.apple.ews.account");
            let wrong = (ios_only && target == Some(5)) || (mac_only && target == Some(1));
            if wrong {
                let (platform, right) = if ios_only { ("iOS", 1) } else { ("macOS", 5) };
                sink.emit(format!("PayloadContent[{i}].PayloadType"), tr(format!("{ty} exists only on {platform}, but TargetDeviceType is {}", target.unwrap_or(0)), format!("{ty} は {platform} にしかありませんが、TargetDeviceType は {} です", target.unwrap_or(0))), None);
                sink.fix(Edit::set(Applicability::Unsafe, "TargetDeviceType", Value::Integer(right.into())));
            }
        }
    },
};

pub static DAV_PORT: Rule = Rule {
    id: "PG220",
    name: "dav-port",
    severity: Severity::Error,
    summary: "A CalDAV or CardDAV port written as <real>, <string> or an empty string",
    why: "The schema's port is an <integer>. Generators that build the plist from loosely typed values write 443.0 or \"443\" (a bug seen in mailcow's generator); the phone does not take it as the port, and an empty string is no port at all.",
    phone_ja: "アカウントを確認できません / サーバに接続できません",
    phone_en: "Unable to verify account information / Cannot connect to the server",
    example: "<key>CalDAVPort</key><real>443</real>",
    fix: "Write <integer>443</integer>, or remove the key to use the default port.",
    check: |ctx, sink| {
        for (i, d, prefix) in dav(ctx) {
            let key = format!("{prefix}Port");
            let path = format!("PayloadContent[{i}].{key}");
            let fixed = match d.get(&key) {
                None | Some(Value::Integer(_)) => continue,
                Some(Value::Real(r)) if r.fract() == 0.0 && (1.0..=65535.0).contains(r) => Change::Set(path.clone(), Value::Integer((*r as i64).into())),
                Some(Value::String(s)) if s.trim().is_empty() => Change::Remove(path.clone()),
                Some(Value::String(s)) => match s.trim().parse::<u16>() {
                    Ok(p) if p > 0 => Change::Set(path.clone(), Value::Integer(i64::from(p).into())),
                    _ => Change::Remove(path.clone()),
                },
                Some(_) => Change::Remove(path.clone()),
            };
            let shown = match d.get(&key) {
                Some(Value::Real(r)) => format!("<real>{r}</real>"),
                Some(Value::String(s)) => format!("<string>{s}</string>"),
                _ => "?".into(),
            };
            sink.emit(path, tr(format!("{key} is {shown}, not an <integer>"), format!("{key} が {shown} で、<integer> ではありません")), Some(tr("write <integer>443</integer>, or remove the key for the default port", "<integer>443</integer> と書くか、既定のポートならキーを削除してください")));
            let safe = matches!(fixed, Change::Set(..));
            sink.fix(Edit {
                applicability: if safe { Applicability::Safe } else { Applicability::Unsafe },
                changes: vec![fixed],
            });
        }
    },
};

pub static DAV_SSL_OFF: Rule = Rule {
    id: "PG221",
    name: "dav-ssl-off",
    severity: Severity::Error,
    summary: "CalDAVUseSSL or CardDAVUseSSL set to false",
    why: "Without TLS the calendar or contacts password travels in clear text, and providers (iCloud, Fastmail) serve DAV over HTTPS only. Apple's default is true: only an explicit false turns it off.",
    phone_ja: "アカウントを確認できません / サーバに接続できません",
    phone_en: "Unable to verify account information / Cannot connect to the server",
    example: "<key>CalDAVUseSSL</key><false/>",
    fix: "Set it to <true/> (or remove it: the default is true) and use the HTTPS port (443).",
    check: |ctx, sink| {
        for (i, d, prefix) in dav(ctx) {
            let key = format!("{prefix}UseSSL");
            if d.get(&key).and_then(Value::as_boolean) != Some(false) {
                continue;
            }
            let host = d.get(&format!("{prefix}HostName")).and_then(Value::as_string).unwrap_or("");
            if is_loopback(host) {
                continue;
            }
            let port = d.get(&format!("{prefix}Port")).and_then(Value::as_signed_integer);
            let path = format!("PayloadContent[{i}].{key}");
            sink.emit(path.clone(), tr(format!("TLS is off for {prefix} server {host}"), format!("{prefix} サーバ {host} の TLS がオフです")), Some(tr(format!("set {key} to <true/>"), format!("{key} を <true/> にしてください"))));
            let safe = port.is_none_or(|p| p == 443 || p == 8443);
            sink.fix(Edit::set(if safe { Applicability::Safe } else { Applicability::Unsafe }, path, Value::Boolean(true)));
        }
    },
};

pub static PRINCIPAL_ELSEWHERE: Rule = Rule {
    id: "PG222",
    name: "principal-url-elsewhere",
    severity: Severity::Warning,
    summary: "A CalDAV or CardDAV principal URL that is not HTTPS on the payload's host",
    why: "The principal URL tells the phone where the user's calendars or address books are; on another host the phone sends the account's password there, and over http:// in clear text.",
    phone_ja: "アカウントを確認できません",
    phone_en: "Unable to verify account information",
    example: "<key>CalDAVHostName</key><string>caldav.icloud.com</string>\n<key>CalDAVPrincipalURL</key><string>http://dav.example.jp/</string>",
    fix: "Use an https:// URL on the payload's host, or remove the key and let the phone discover it.",
    check: |ctx, sink| {
        for (i, d, prefix) in dav(ctx) {
            let Some(url) = d.get(&format!("{prefix}PrincipalURL")).and_then(Value::as_string) else { continue };
            let host = d.get(&format!("{prefix}HostName")).and_then(Value::as_string).unwrap_or("").trim().to_ascii_lowercase();
            let url_host = url.trim().split_once("://").map(|(_, r)| r.split(['/', ':', '?']).next().unwrap_or("").to_ascii_lowercase());
            let https = url.trim().to_ascii_lowercase().starts_with("https://");
            if https && url_host.as_deref() == Some(host.as_str()) {
                continue;
            }
            let path = format!("PayloadContent[{i}].{prefix}PrincipalURL");
            let msg = if https {
                tr(format!("the principal URL {url} is on another host than {host}"), format!("プリンシパル URL {url} が {host} とは別のホストにあります"))
            } else {
                tr(format!("the principal URL {url} is not https://"), format!("プリンシパル URL {url} が https:// ではありません"))
            };
            sink.emit(path, msg, None);
        }
    },
};

//! Mail accounts: TLS, ports, host names, usernames and credentials — the causes of
//! 「SSLで接続できません」, 「サーバの識別情報を検証できません」, 「アカウントエラー」 and 「メールを取得できません」.

use crate::i18n::tr;
use crate::lint::fix::{Applicability, Change, Edit};
use crate::lint::{Ctx, Mail, Rule, ServerKeys, Severity, INCOMING, OUTGOING};
use crate::preset::{Server, Status, UsernameRule};
use crate::schema::edit_distance;

/// "受信" / "送信" or "incoming" / "outgoing", for messages.
fn side(k: &ServerKeys) -> String {
    if k.label == "outgoing" {
        tr("outgoing", "送信")
    } else {
        tr("incoming", "受信")
    }
}
use plist::Value;

const IMPLICIT_TLS_PORTS: &[i64] = &[993, 995, 465];
const PLAINTEXT_PORTS: &[i64] = &[143, 110, 25];

fn is_loopback(host: &str) -> bool {
    let h = host.trim().to_ascii_lowercase();
    h == "localhost" || h.starts_with("127.") || h == "::1" || h == "[::1]"
}

/// Each (mail payload, server) pair.
fn servers<'c>(ctx: &'c Ctx<'_>) -> impl Iterator<Item = (&'c Mail<'c>, &'static ServerKeys)> + 'c {
    ctx.mails
        .iter()
        .flat_map(|m| [(m, &INCOMING), (m, &OUTGOING)])
}

/// The preset's server for this side of a payload.
fn preset_server<'a>(m: &Mail<'a>, keys: &ServerKeys) -> Option<&'a Server> {
    let p = m.preset?;
    if p.status == Status::Unsupported {
        return None;
    }
    if keys.label == "incoming" {
        if m.is_pop() {
            p.pop.as_ref()
        } else {
            p.imap.as_ref()
        }
    } else {
        p.smtp.as_ref()
    }
}

pub static SSL_OFF: Rule = Rule {
    id: "PG201",
    name: "ssl-off",
    severity: Severity::Error,
    summary: "UseSSL is false or missing for a mail server (Apple's default is false)",
    why: "Without UseSSL the phone talks to the server in clear text. Carrier and provider servers refuse that or reject the login, and the password would travel unencrypted. A missing key is the same as false: Apple's default is off. STARTTLS ports (587, 143) also need UseSSL = true.",
    phone_ja: "SSLで接続できません / サーバに接続できません",
    phone_en: "Cannot Connect Using SSL / Cannot connect to the server",
    example: "<key>OutgoingMailServerPortNumber</key><integer>587</integer>\n(no OutgoingMailServerUseSSL key)",
    fix: "Set IncomingMailServerUseSSL and OutgoingMailServerUseSSL to <true/>, with ports 993/995 and 465/587.",
    check: |ctx, sink| {
        for (m, k) in servers(ctx) {
            let Some(host) = m.string(k.host) else { continue };
            if is_loopback(host) || m.port(k.port).is_some_and(|p| IMPLICIT_TLS_PORTS.contains(&p)) {
                continue; // loopback bridges legitimately run without TLS; PG202 covers SSL ports
            }
            // Turning TLS on is safe on the ports that have a TLS form (993/995/465 implicit,
            // 587/143/110/25 STARTTLS, or none written); elsewhere nobody knows what answers.
            let standard = m.port(k.port).is_none_or(|p| [993, 995, 465, 587, 143, 110, 25].contains(&p));
            let edit = Edit::set(if standard { Applicability::Safe } else { Applicability::Unsafe }, m.path(k.ssl), Value::Boolean(true));
            match m.flag(k.ssl) {
                Some(true) => continue,
                Some(false) => sink.emit(m.path(k.ssl), tr(format!("TLS is off for the {} server {host}", k.label), format!("{}サーバ {host} のTLSがオフです", side(k))), Some(tr(format!("set {} to <true/>", k.ssl), format!("{} を <true/> にしてください", k.ssl)))),
                None => sink.emit(m.path(k.ssl), tr(format!("{} is missing, so TLS is off for the {} server {host} (Apple's default is false)", k.ssl, k.label), format!("{} がないため、{}サーバ {host} のTLSがオフです(Appleの既定値は false)", k.ssl, side(k))), Some(tr(format!("add <key>{}</key><true/>", k.ssl), format!("<key>{}</key><true/> を追加してください", k.ssl)))),
            }
            sink.fix(edit);
        }
    },
};

pub static SSL_PORT_MISMATCH: Rule = Rule {
    id: "PG202",
    name: "ssl-port-mismatch",
    severity: Severity::Error,
    summary: "An SSL port (993, 995, 465) with UseSSL off or missing",
    why: "Ports 993, 995 and 465 speak TLS from the first byte. With UseSSL off the phone sends plain text to a TLS port and the connection fails every time.",
    phone_ja: "サーバに接続できません / SSLで接続できません",
    phone_en: "Cannot connect to the server / Cannot Connect Using SSL",
    example: "<key>IncomingMailServerPortNumber</key><integer>993</integer>\n<key>IncomingMailServerUseSSL</key><false/>",
    fix: "Set UseSSL to <true/> for this server.",
    check: |ctx, sink| {
        for (m, k) in servers(ctx) {
            let Some(port) = m.port(k.port) else { continue };
            if IMPLICIT_TLS_PORTS.contains(&port) && m.flag(k.ssl) != Some(true) {
                let host = m.string(k.host).unwrap_or("?");
                sink.emit(m.path(k.ssl), tr(format!("port {port} of {host} needs TLS, but {} is {}", k.ssl, if m.flag(k.ssl).is_some() { "false" } else { "missing (false)" }), format!("{host} のポート {port} はTLSが必要ですが、{} が{}", k.ssl, if m.flag(k.ssl).is_some() { "false です" } else { "ありません(false)" })), Some(tr(format!("set {} to <true/>", k.ssl), format!("{} を <true/> にしてください", k.ssl))));
                sink.fix(Edit::set(Applicability::Safe, m.path(k.ssl), Value::Boolean(true)));
            }
        }
    },
};

pub static PLAINTEXT_PORT: Rule = Rule {
    id: "PG203",
    name: "plaintext-port",
    severity: Severity::Warning,
    summary: "A plain-text port (143, 110, 25) that the address's provider does not serve, where it offers an SSL port",
    why: "On 143/110/25 TLS works only through STARTTLS, and only where the server offers it; port 25 is blocked on most mobile networks (Outbound Port 25 Blocking). When the provider's settings are known and do not include this port, its SSL port (993, 995, 465) or submission (587) is the one that works. A server of unknown settings on 143 with UseSSL on is STARTTLS, and not reported.",
    phone_ja: "SSLで接続できません / 送信できません",
    phone_en: "Cannot Connect Using SSL / Cannot Send Mail",
    example: "a @gmail.com account with <key>IncomingMailServerPortNumber</key><integer>143</integer>",
    fix: "Use the provider's port: 993 (IMAP), 995 (POP), 465 or 587 (SMTP), with UseSSL = true.",
    check: |ctx, sink| {
        for (m, k) in servers(ctx) {
            let Some(port) = m.port(k.port) else { continue };
            let host = m.string(k.host).unwrap_or("");
            if !PLAINTEXT_PORTS.contains(&port) || is_loopback(host) {
                continue;
            }
            // Only where the provider's ports are known, and only for its own server: a port it
            // lists (with STARTTLS) is fine, and another host is PG207's or PG211's.
            let Some(expected) = preset_server(m, k) else { continue };
            if host.trim().to_ascii_lowercase() != expected.host {
                continue;
            }
            if expected.ports().any(|p| i64::from(p) == port) && m.flag(k.ssl) == Some(true) {
                continue;
            }
            let name = m.preset.map_or("", |p| p.name_en.as_str());
            sink.emit(m.path(k.port), tr(format!("{} port {port} is a plain-text port; {name} serves {} on {}", k.label, expected.host, expected.ports().map(|p| p.to_string()).collect::<Vec<_>>().join(" or ")), format!("{}のポート {port} は平文のポートです。{name} の {} はポート {} です", side(k), expected.host, expected.ports().map(|p| p.to_string()).collect::<Vec<_>>().join(" か "))), Some(tr(format!("use port {} with {} = true", expected.port, k.ssl), format!("ポート {} を {} = true で使ってください", expected.port, k.ssl))));
            sink.fix(Edit::unsafe_(vec![Change::Set(m.path(k.port), Value::Integer(expected.port.into())), Change::Set(m.path(k.ssl), Value::Boolean(true))]));
        }
    },
};

pub static IME_TEXT: Rule = Rule {
    id: "PG216",
    name: "invisible-or-full-width",
    severity: Severity::Error,
    summary: "Full-width letters (ｔａｒｏ), a full-width ＠ or an invisible character (zero-width space, bidi control) in an address, username or host name",
    why: "Text typed with a Japanese IME in full-width mode, or pasted from a web page, looks right on screen but is not the ASCII the server expects: the login fails or the host does not resolve.",
    phone_ja: "ユーザ名またはパスワードが間違っています / サーバに接続できません",
    phone_en: "The user name or password is incorrect / Cannot connect to the server",
    example: "<key>IncomingMailServerUsername</key><string>ｔａｒｏ</string>",
    fix: "Retype the value in half-width characters; `help:` gives the corrected text.",
    check: |ctx, sink| {
        for m in &ctx.mails {
            for key in ["EmailAddress", INCOMING.username, OUTGOING.username, INCOMING.host, OUTGOING.host] {
                let Some(v) = m.string(key) else { continue };
                // Invisible and full-width characters are all outside ASCII.
                if v.is_ascii() {
                    continue;
                }
                if let Some((i, c)) = v.chars().enumerate().find(|(_, c)| crate::text::invisible(*c).is_some()) {
                    let what = crate::text::invisible(c).unwrap_or("invisible character");
                    let cleaned: String = v.chars().filter(|c| crate::text::invisible(*c).is_none()).collect();
                    sink.emit(m.path(key), tr(format!("{key} holds an invisible character ({what}, U+{:04X}) at position {}", c as u32, i + 1), format!("{key} の{}文字目に見えない文字({what}、U+{:04X})があります", i + 1, c as u32)), Some(tr(format!("write {cleaned:?}"), format!("{cleaned:?} と書いてください"))));
                    let (half, _) = crate::text::halfwidth(&cleaned);
                    sink.fix(Edit::set(Applicability::Safe, m.path(key), Value::String(half)));
                    continue;
                }
                let (half, changed) = crate::text::halfwidth(v);
                if changed {
                    sink.emit(m.path(key), tr(format!("{key} {v:?} is typed in full-width characters"), format!("{key} の {v:?} が全角で入力されています")), Some(tr(format!("write {half:?}"), format!("{half:?} と書いてください"))));
                    sink.fix(Edit::set(Applicability::Safe, m.path(key), Value::String(half)));
                }
            }
        }
    },
};

/// Ports of the other direction's protocols: IMAP/POP ports for outgoing mail, SMTP ports for
/// incoming.
const INCOMING_ONLY_PORTS: &[i64] = &[993, 995, 143, 110];
const OUTGOING_ONLY_PORTS: &[i64] = &[465, 587, 25];

pub static WRONG_DIRECTION_PORT: Rule = Rule {
    id: "PG215",
    name: "port-of-other-protocol",
    severity: Severity::Error,
    summary: "A port that belongs to the other direction's protocol (SMTP on 993/995/143/110, IMAP or POP on 465/587/25)",
    why: "Ports 993/143 speak IMAP and 995/110 POP; 465/587/25 speak SMTP. An outgoing server set to 993 answers with an IMAP greeting the phone's SMTP client cannot use (and the reverse), so sending or receiving fails every time. It usually comes from filling the two servers' fields in the wrong order.",
    phone_ja: "送信できません / メールを取得できません",
    phone_en: "Cannot Send Mail / Cannot Get Mail",
    example: "<key>OutgoingMailServerPortNumber</key><integer>993</integer>",
    fix: "Incoming: 993 (IMAP) or 995 (POP). Outgoing: 465 or 587.",
    check: |ctx, sink| {
        for (m, k) in servers(ctx) {
            let Some(port) = m.port(k.port) else { continue };
            let (wrong, what, right) = if k.label == "outgoing" {
                (INCOMING_ONLY_PORTS, if matches!(port, 995 | 110) { "POP" } else { "IMAP" }, "465 or 587")
            } else {
                (OUTGOING_ONLY_PORTS, "SMTP", if m.is_pop() { "995" } else { "993" })
            };
            if wrong.contains(&port) {
                let host = m.string(k.host).unwrap_or("?");
                sink.emit(m.path(k.port), tr(format!("the {} server {host} is set to port {port}, which is {what}'s port", k.label), format!("{}サーバ {host} のポートが {port} ですが、これは{what}のポートです", side(k))), Some(tr(format!("use {right} for the {} server", k.label), format!("{}サーバには {right} を使ってください", side(k)))));
                let port = preset_server(m, k).map_or(if k.label == "outgoing" { 587 } else if m.is_pop() { 995 } else { 993 }, |s| s.port);
                sink.fix(Edit::unsafe_(vec![Change::Set(m.path(k.port), Value::Integer(port.into())), Change::Set(m.path(k.ssl), Value::Boolean(true))]));
            }
        }
    },
};

pub static MISSING_PORT: Rule = Rule {
    id: "PG213",
    name: "port-missing",
    severity: Severity::Warning,
    summary: "No port number for a mail server",
    why: "Without a port the phone guesses: for outgoing mail it tries 25, 587 and 465 in that order (Apple's schema), and 25 is blocked on mobile networks; the guess may also disagree with UseSSL.",
    phone_ja: "送信できません / サーバに接続できません",
    phone_en: "Cannot Send Mail / Cannot connect to the server",
    example: "an account with OutgoingMailServerHostName but no OutgoingMailServerPortNumber",
    fix: "Write the port explicitly: 993/995 incoming, 465 or 587 outgoing.",
    check: |ctx, sink| {
        for (m, k) in servers(ctx) {
            if m.dict.contains_key(k.host) && !m.dict.contains_key(k.port) {
                let hint = if k.label == "outgoing" {
                    tr("the phone then tries 25, 587 and 465 in turn", "iPhoneは25、587、465の順に試します")
                } else {
                    tr("the phone then uses the protocol's default port", "iPhoneはプロトコルの既定のポートを使います")
                };
                sink.emit(m.path(k.port), tr(format!("no {} port: {hint}", k.label), format!("{}のポートがありません: {hint}", side(k))), Some(match preset_server(m, k) {
                    Some(s) => tr(format!("add <key>{}</key><integer>{}</integer>", k.port, s.port), format!("<key>{}</key><integer>{}</integer> を追加してください", k.port, s.port)),
                    None => tr(format!("add {} explicitly", k.port), format!("{} を明示してください", k.port)),
                }));
                if let Some(s) = preset_server(m, k) {
                    sink.fix(Edit::set(Applicability::Unsafe, m.path(k.port), Value::Integer(s.port.into())));
                }
            }
        }
    },
};

/// What is wrong with a host name's form, and the corrected name when there is one.
fn host_problem(host: &str) -> Option<(String, Option<String>)> {
    if host.is_empty() {
        return Some((tr("the host name is empty", "ホスト名が空です"), None));
    }
    if host.trim() != host {
        return Some((
            tr(
                format!("{host:?} has white space around it"),
                format!("{host:?} の前後に空白があります"),
            ),
            Some(host.trim().to_string()),
        ));
    }
    if let Some((_, rest)) = host.split_once("://") {
        let fixed = rest.split(['/', ':']).next().unwrap_or(rest).to_string();
        return Some((
            tr(
                format!("{host:?} is a URL, not a host name"),
                format!("{host:?} はホスト名ではなくURLです"),
            ),
            Some(fixed),
        ));
    }
    if host.chars().any(char::is_whitespace) {
        return Some((
            tr(
                format!("{host:?} contains white space"),
                format!("{host:?} に空白が含まれています"),
            ),
            Some(host.split_whitespace().collect()),
        ));
    }
    if let Some(c) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-')))
    {
        if host.parse::<std::net::IpAddr>().is_err() {
            return Some((
                tr(
                    format!("{host:?} contains {c:?}, which a host name cannot hold"),
                    format!("{host:?} にホスト名に使えない {c:?} が含まれています"),
                ),
                None,
            ));
        }
    }
    if host.starts_with('.') || host.ends_with('.') || host.contains("..") {
        return Some((
            tr(
                format!("{host:?} has an empty label (a stray dot)"),
                format!("{host:?} に空のラベル(余分な点)があります"),
            ),
            Some(host.trim_matches('.').replace("..", ".")),
        ));
    }
    None
}

pub static HOST_INVALID: Rule = Rule {
    id: "PG204",
    name: "host-invalid",
    severity: Severity::Error,
    summary: "A server host name with white space, a scheme (imaps://), a stray dot or characters a host name cannot hold",
    why: "The phone looks the name up exactly as written; a trailing space or a URL never resolves.",
    phone_ja: "サーバに接続できません / メールを取得できません",
    phone_en: "Cannot connect to the server / Cannot Get Mail",
    example: "<key>IncomingMailServerHostName</key><string>imap.softbank.jp </string>",
    fix: "Write only the host name, e.g. imap.softbank.jp.",
    check: |ctx, sink| {
        for (m, k) in servers(ctx) {
            let Some(host) = m.string(k.host) else { continue };
            if crate::lint::rules::leftovers::is_leftover(host) {
                continue; // PG501/PG502 report it
            }
            if let Some((msg, fixed)) = host_problem(host) {
                sink.emit(m.path(k.host), msg, fixed.as_ref().map(|f| tr(format!("write {f:?}"), format!("{f:?} と書いてください"))));
                if let Some(f) = fixed.filter(|f| host_problem(f).is_none()) {
                    sink.fix(Edit::set(Applicability::Safe, m.path(k.host), Value::String(f)));
                }
            }
        }
    },
};

pub static HOST_UPPERCASE: Rule = Rule {
    id: "PG205",
    name: "host-uppercase",
    severity: Severity::Info,
    summary: "A host name with capital letters",
    why: "DNS and certificate matching ignore case, so the phone connects; capitals usually mean the name was typed by hand, and lowercase is easier to compare with the provider's settings.",
    phone_ja: "",
    phone_en: "",
    example: "<string>IMAP.softbank.jp</string>",
    fix: "Write the host name in lowercase.",
    check: |ctx, sink| {
        for (m, k) in servers(ctx) {
            let Some(host) = m.string(k.host) else { continue };
            if host_problem(host).is_none() && !crate::lint::rules::leftovers::is_leftover(host) && host.chars().any(|c| c.is_ascii_uppercase()) {
                sink.emit(m.path(k.host), tr(format!("{host:?} has capital letters"), format!("{host:?} に大文字があります")), Some(tr(format!("write {:?}", host.to_ascii_lowercase()), format!("{:?} と書いてください", host.to_ascii_lowercase()))));
                sink.fix(Edit::set(Applicability::Safe, m.path(k.host), Value::String(host.to_ascii_lowercase())));
            }
        }
    },
};

/// The known provider host `host` is probably a typo of.
fn typo_of<'a>(host: &str, known: &'a [String]) -> Option<&'a str> {
    let h = host.trim().to_ascii_lowercase();
    if known.contains(&h) {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for k in known.iter().map(String::as_str) {
        let d = edit_distance(&h, k);
        let same_shape = h.split('.').next() == k.split('.').next()
            && h.rsplit('.').next() == k.rsplit('.').next();
        let close = d == 1 || (d == 2 && h.len() >= 14 && same_shape);
        if close && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

pub static HOST_TYPO: Rule = Rule {
    id: "PG206",
    name: "host-typo",
    severity: Severity::Error,
    summary: "A host name one or two letters away from a known provider's server",
    why: "A one-letter slip (imap.sofbank.jp) either does not resolve or, worse, reaches someone else's server, whose certificate does not match.",
    phone_ja: "サーバに接続できません / サーバの識別情報を検証できません",
    phone_en: "Cannot connect to the server / Cannot Verify Server Identity",
    example: "<string>imap.sofbank.jp</string>",
    fix: "Use the provider's exact host name; `help:` gives it.",
    check: |ctx, sink| {
        let known = ctx.presets.known_hosts();
        for (m, k) in servers(ctx) {
            let Some(host) = m.string(k.host) else { continue };
            if let Some(right) = typo_of(host, known) {
                sink.emit(m.path(k.host), tr(format!("{host:?} looks like a typo of {right}"), format!("{host:?} は {right} の打ち間違いのようです")), Some(tr(format!("did you mean {right}?"), format!("{right} のことですか?"))));
                sink.fix(Edit::set(Applicability::Unsafe, m.path(k.host), Value::String(right.to_string())));
            }
        }
    },
};

/// The registrable part of a host name: the last two labels, or three under a Japanese
/// second-level domain (co.jp, ne.jp, …). `imap.softbank.jp` → `softbank.jp`,
/// `imap.spmode.ne.jp` → `spmode.ne.jp`.
fn site(host: &str) -> String {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let n = labels.len();
    let jp_sld = n >= 3
        && labels[n - 1] == "jp"
        && matches!(
            labels[n - 2],
            "co" | "ne" | "or" | "ac" | "ad" | "go" | "ed" | "gr" | "lg"
        );
    let keep = if jp_sld { 3 } else { 2 };
    labels[n.saturating_sub(keep)..].join(".")
}

pub static STALE_SETTINGS: Rule = Rule {
    id: "PG207",
    name: "stale-settings",
    severity: Severity::Error,
    summary: "A host or port that differs from the current settings of the address's provider",
    why: "Providers move servers and close ports; carrier profiles made years ago, or copied from an old article, keep the old values. A host outside the provider's domain (imap.softbank.co.jp, imap.docomo.ne.jp) or a port the provider refuses (outbound 25 on Japanese networks, iCloud's 465) cannot work: error. Another host in the provider's own domain, or a port it does not list, may work but is not the recommendation: warning.",
    phone_ja: "サーバに接続できません / メールを取得できません",
    phone_en: "Cannot connect to the server / Cannot Get Mail",
    example: "a @i.softbank.jp account with OutgoingMailServerPortNumber 25",
    fix: "Regenerate the profile from the preset: `profilegen new --email ADDRESS`, then remove the old profile from the phone.",
    check: |ctx, sink| {
        let known = ctx.presets.known_hosts();
        for (m, k) in servers(ctx) {
            let (Some(expected), Some(preset)) = (preset_server(m, k), m.preset) else { continue };
            let Some(host) = m.string(k.host) else { continue };
            let h = host.trim().to_ascii_lowercase();
            if h == expected.host {
                if let Some(port) = m.port(k.port) {
                    let listed = expected.ports().any(|p| i64::from(p) == port);
                    let refused = expected.refused.iter().any(|p| i64::from(*p) == port);
                    // The port is right: nothing to build (this runs for every profile written).
                    if listed && !refused {
                        continue;
                    }
                    let ports: Vec<String> = expected.ports().map(|p| p.to_string()).collect();
                    let msg = tr(
                        format!("{} accepts {} on port {}, not {port}", preset.name_en, expected.host, ports.join(" or ")),
                        format!("{}の {} のポートは {} で、{port} ではありません", preset.name, expected.host, ports.join(" か ")),
                    );
                    let help = Some(tr(format!("use port {}", expected.port), format!("ポート {} を使ってください", expected.port)));
                    let edit = Edit::unsafe_(vec![Change::Set(m.path(k.port), Value::Integer(expected.port.into())), Change::Set(m.path(k.ssl), Value::Boolean(true))]);
                    // A port of the other direction's protocol is PG215's.
                    let other = if k.label == "outgoing" { INCOMING_ONLY_PORTS } else { OUTGOING_ONLY_PORTS };
                    if refused {
                        sink.emit(m.path(k.port), tr(format!("{msg}: port {port} is refused or blocked, so the phone cannot connect"), format!("{msg}: ポート {port} は拒否または遮断されるため、iPhoneは接続できません")), help);
                        sink.fix(edit);
                    } else if !listed && !other.contains(&port) {
                        sink.emit_at(Severity::Warning, m.path(k.port), msg, help);
                        sink.fix(edit);
                    }
                }
            } else if host_problem(host).is_none() && typo_of(host, known).is_none() && ctx.preset_of_host(&h).is_none() {
                // A discovered preset (lint --discover) names its source; a real one, the command.
                let see = match preset.origin.strip_prefix("discovered: ") {
                    Some(source) => source.to_string(),
                    None => format!("`profilegen carriers show {}`", preset.id),
                };
                let help = Some(tr(format!("use {} ({see})", expected.host), format!("{} を使ってください({see})", expected.host)));
                let edit = Edit::set(Applicability::Unsafe, m.path(k.host), Value::String(expected.host.clone()));
                if site(&h) != site(&expected.host) {
                    sink.emit(m.path(k.host), tr(format!("{host} is not {}'s {} server {}: it is outside {}, so the phone cannot log in there", preset.name_en, k.label, expected.host, site(&expected.host)), format!("{host} は{}の{}サーバ {} ではありません。{} の外にあるため、iPhoneはそこにログインできません", preset.name, side(k), expected.host, site(&expected.host))), help);
                    sink.fix(edit);
                } else {
                    sink.emit_at(Severity::Warning, m.path(k.host), tr(format!("{host} is not {}'s {} server {}", preset.name_en, k.label, expected.host), format!("{host} は{}の{}サーバ {} ではありません", preset.name, side(k), expected.host)), help);
                    sink.fix(edit);
                }
            }
        }
    },
};

pub static PROVIDER_MISMATCH: Rule = Rule {
    id: "PG211",
    name: "provider-mismatch",
    severity: Severity::Error,
    summary: "The address belongs to one provider and the servers to another",
    why: "Each carrier's servers accept only their own accounts: a docomo address on SoftBank's servers can never log in.",
    phone_ja: "アカウントエラー / ユーザ名またはパスワードが間違っています",
    phone_en: "Account Error / The user name or password is incorrect",
    example: "EmailAddress taro@docomo.ne.jp with IncomingMailServerHostName imap.softbank.jp",
    fix: "Use the servers of the address's provider (`profilegen new --email ADDRESS`).",
    check: |ctx, sink| {
        for (m, k) in servers(ctx) {
            let (Some(mine), Some(host)) = (m.preset, m.string(k.host)) else { continue };
            if mine.unsupported.is_some() {
                continue; // PG214
            }
            let h = host.trim().to_ascii_lowercase();
            let serves = [&mine.imap, &mine.pop, &mine.smtp].into_iter().flatten().any(|s| s.host == h);
            if serves {
                continue;
            }
            if let Some(theirs) = ctx.preset_of_host(&h) {
                let addr = m.address.as_ref().map(|a| a.full()).unwrap_or_default();
                sink.emit(
                    m.path(k.host),
                    tr(
                        format!("{host} is {}'s server, but the address {addr} is {}'s", theirs.name_en, mine.name_en),
                        format!("{host} は{}のサーバですが、アドレス {addr} は{}のものです", theirs.name, mine.name),
                    ),
                    preset_server(m, k).map(|s| tr(format!("use {}", s.host), format!("{} を使ってください", s.host))),
                );
                if let Some(s) = preset_server(m, k) {
                    sink.fix(Edit::set(Applicability::Unsafe, m.path(k.host), Value::String(s.host.clone())));
                }
            }
        }
    },
};

pub static USERNAME: Rule = Rule {
    id: "PG208",
    name: "username-form",
    severity: Severity::Warning,
    summary: "A username that is not what the provider expects (full address vs the part before @, or the address where a login ID is needed)",
    why: "Providers accept one form of login name. Gmail and OCN want the full address; docomo wants the dアカウントID and au its issued ID, not the address.",
    phone_ja: "ユーザ名またはパスワードが間違っています / メールを取得できません",
    phone_en: "The user name or password is incorrect / Cannot Get Mail",
    example: "a @gmail.com account with IncomingMailServerUsername \"taro\"",
    fix: "Use the form `profilegen carriers show ID` gives, or leave the username out so the phone asks.",
    check: |ctx, sink| {
        for (m, k) in servers(ctx) {
            let (Some(expected), Some(addr)) = (preset_server(m, k), &m.address) else { continue };
            let Some(user) = m.string(k.username) else { continue };
            if user.is_empty() {
                continue; // PG212
            }
            let full = addr.full();
            let is_full = user.eq_ignore_ascii_case(&full);
            let is_local = user == addr.local;
            let name = m.preset.map_or("", |p| p.name_en.as_str());
            match expected.username {
                UsernameRule::Email if !is_full => {
                    sink.emit(m.path(k.username), tr(format!("{name} expects the full address as the {} username, not {user:?}", k.label), format!("{name} の{}ユーザ名はアドレス全体です({user:?} ではありません)", side(k))), Some(tr(format!("write {full:?}"), format!("{full:?} と書いてください"))));
                    sink.fix(Edit::set(Applicability::Unsafe, m.path(k.username), Value::String(full.clone())));
                }

                UsernameRule::LocalPart if !is_full && !is_local => {
                    sink.emit(m.path(k.username), tr(format!("{name} expects {:?} (or the full address) as the {} username, not {user:?}", addr.local, k.label), format!("{name} の{}ユーザ名は {:?}(またはアドレス全体)です({user:?} ではありません)", side(k), addr.local)), Some(tr(format!("write {:?}", addr.local), format!("{:?} と書いてください", addr.local))));
                    sink.fix(Edit::set(Applicability::Unsafe, m.path(k.username), Value::String(addr.local.clone())));
                }
                UsernameRule::Ask if is_full || is_local => sink.emit(m.path(k.username), tr(format!("{name} logs in with an ID of its own, not the address"), format!("{name} のログインにはアドレスではなく専用のIDを使います")), Some(tr("use the provider's login ID, or leave the username out so the phone asks", "プロバイダのログインIDを使うか、ユーザ名を書かずにiPhoneに尋ねさせてください"))),
                _ => {}
            }
        }
    },
};

pub static AUTH_NONE: Rule = Rule {
    id: "PG209",
    name: "auth-none",
    severity: Severity::Error,
    summary: "Authentication \"EmailAuthNone\" for a provider that requires a password",
    why: "Every preset provider requires SMTP AUTH and an IMAP/POP login; with EmailAuthNone the phone never sends the password.",
    phone_ja: "送信できません / アカウントエラー",
    phone_en: "Cannot Send Mail / Account Error",
    example: "<key>OutgoingMailServerAuthentication</key><string>EmailAuthNone</string>",
    fix: "Use EmailAuthPassword.",
    check: |ctx, sink| {
        for (m, k) in servers(ctx) {
            if m.string(k.auth) != Some("EmailAuthNone") {
                continue;
            }
            let host = m.string(k.host).unwrap_or("");
            let known = preset_server(m, k).is_some() || ctx.preset_of_host(host).is_some();
            if known {
                sink.emit(m.path(k.auth), tr(format!("{} authentication is EmailAuthNone, but {host} requires a password", k.label), format!("{}の認証が EmailAuthNone ですが、{host} はパスワードが必要です", side(k))), Some(tr("use EmailAuthPassword", "EmailAuthPassword を使ってください")));
                sink.fix(Edit::set(Applicability::Unsafe, m.path(k.auth), Value::String("EmailAuthPassword".into())));
            }
        }
    },
};

pub static CLEAR_PASSWORD: Rule = Rule {
    id: "PG210",
    name: "password-in-clear",
    severity: Severity::Warning,
    summary: "A password stored in clear text in an unencrypted profile (mail, CalDAV, CardDAV, Exchange, LDAP, Wi-Fi, VPN, …)",
    why: "Anyone who gets the file reads the password; Apple's schema says to put passwords only in encrypted profiles. A stale embedded password is also the classic cause of \"Cannot Get Mail\" after a password change.",
    phone_ja: "(パスワード変更後)メールを取得できません",
    phone_en: "(after a password change) Cannot Get Mail",
    example: "<key>IncomingPassword</key><string>Password123</string>",
    fix: "Leave the passwords out: the phone asks during installation (`profilegen new` does this by default).",
    check: |ctx, sink| {
        if ctx.root.get("IsEncrypted").and_then(Value::as_boolean) == Some(true) {
            return;
        }
        for (i, d) in ctx.payloads() {
            let ty = d.get("PayloadType").and_then(Value::as_string).unwrap_or("");
            let mut found = Vec::new();
            password_keys(d, &format!("PayloadContent[{i}]."), &mut found, 0);
            for (path, key) in found {
                let what = match key.as_str() {
                    "IncomingPassword" => tr("the incoming mail password", "受信メールのパスワード"),
                    "OutgoingPassword" => tr("the outgoing mail password", "送信メールのパスワード"),
                    _ => tr(format!("{key} of the {ty} payload"), format!("{ty} ペイロードの {key} ")),
                };
                sink.emit(path.clone(), tr(format!("{what} is stored in clear text"), format!("{what}が平文で入っています")), Some(tr("remove it; the phone asks for it during installation", "削除してください。インストール時にiPhoneが尋ねます")));
                sink.fix(Edit::unsafe_(vec![Change::Remove(path)]));
            }
        }
    },
};

/// Non-empty string values of password keys (`…Password`, `Password`), at any depth of a payload.
fn password_keys(
    d: &plist::Dictionary,
    prefix: &str,
    out: &mut Vec<(String, String)>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    for (k, v) in d {
        match v {
            Value::String(s)
                if k.ends_with("Password")
                    && !s.is_empty()
                    && !k.ends_with("SameAsIncomingPassword") =>
            {
                out.push((format!("{prefix}{k}"), k.clone()))
            }
            Value::Dictionary(inner) => {
                password_keys(inner, &format!("{prefix}{k}."), out, depth + 1)
            }
            Value::Array(items) => {
                for (j, item) in items.iter().enumerate() {
                    if let Value::Dictionary(inner) = item {
                        password_keys(inner, &format!("{prefix}{k}[{j}]."), out, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}

pub static EMPTY_CREDENTIAL: Rule = Rule {
    id: "PG212",
    name: "empty-credential",
    severity: Severity::Warning,
    summary: "An empty string for a username, password or address",
    why: "The phone asks for a value when the key is absent; an empty string is a value, and may be used as is, which fails to log in.",
    phone_ja: "ユーザ名またはパスワードが間違っています",
    phone_en: "The user name or password is incorrect",
    example: "<key>IncomingPassword</key><string></string>",
    fix: "Remove the key instead of leaving it empty.",
    check: |ctx, sink| {
        for m in &ctx.mails {
            for key in [INCOMING.username, OUTGOING.username, INCOMING.password, OUTGOING.password, "EmailAddress"] {
                if m.string(key).is_some_and(|s| s.trim().is_empty()) {
                    sink.emit(m.path(key), tr(format!("{key} is an empty string"), format!("{key} が空文字列です")), Some(tr(format!("remove {key} so the phone asks for it"), format!("{key} を削除すれば、iPhoneが尋ねます"))));
                    sink.fix(Edit::safe(vec![Change::Remove(m.path(key))]));
                }
            }
        }
    },
};

pub static UNSUPPORTED_PROVIDER: Rule = Rule {
    id: "PG214",
    name: "unsupported-provider",
    severity: Severity::Error,
    summary: "An address no mail profile can serve (MMS addresses, Rakuten 楽メール)",
    why: "These addresses are not IMAP mailboxes: MMS lives in the Messages app, 楽メール in Rakuten Link.",
    phone_ja: "アカウントエラー / メールを取得できません",
    phone_en: "Account Error / Cannot Get Mail",
    example: "<key>EmailAddress</key><string>taro@softbank.ne.jp</string>",
    fix: "Follow the provider's route named in the message; remove this account.",
    check: |ctx, sink| {
        for m in &ctx.mails {
            if let Some(u) = m.preset.and_then(|p| p.unsupported.as_ref()) {
                sink.emit(m.path("EmailAddress"), tr(u.en.clone(), u.ja.clone()), u.instead.clone().map(|i| tr(format!("instead: {i}"), format!("代わりに: {i}"))));
            }
        }
    },
};

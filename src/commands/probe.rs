//! `profilegen probe`: which servers, then probe them in parallel and report.

use super::Ctx;
use crate::cli::{Format, ProbeArgs};
use crate::container::{self, Trust, Verifier, MAX_SIZE};
use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::lint::report;
use crate::preset::{Registry, Tls};
use crate::probe::{self, Protocol, ServerReport, Settings, Target, TlsMode};
use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

pub enum Outcome {
    Clean,
    Findings,
}

pub fn run(args: ProbeArgs, registry: &Registry, ctx: &Ctx) -> Result<Outcome> {
    let trust = match &args.ca {
        Some(p) => Trust::from_file(p)?,
        None => Trust::System,
    };
    let mut targets = Vec::new();
    for (proto, specs) in [
        (Protocol::Imap, &args.imap),
        (Protocol::Pop, &args.pop),
        (Protocol::Smtp, &args.smtp),
    ] {
        for s in specs {
            let flag = format!("--{}", proto.label().to_ascii_lowercase());
            targets.push(Target::parse(proto, s).map_err(|e| Error::input(flag, e))?);
        }
    }
    if let Some(id) = &args.carrier {
        let p = registry.get(id).ok_or_else(|| Error::UnknownCarrier {
            id: id.clone(),
            suggestion: crate::schema::closest_key(id, registry.ids()).map(str::to_string),
        })?;
        if let Some(u) = &p.unsupported {
            return Err(Error::input(
                "--carrier",
                ctx.lang.pick(&u.ja, &u.en).to_string(),
            ));
        }
        for (proto, server) in [
            (Protocol::Imap, &p.imap),
            (Protocol::Pop, &p.pop),
            (Protocol::Smtp, &p.smtp),
        ] {
            let Some(s) = server else { continue };
            let mode = |t: Tls| match t {
                Tls::Ssl => TlsMode::Implicit,
                Tls::Starttls => TlsMode::Starttls,
            };
            targets.push(Target {
                protocol: proto,
                host: s.host.clone(),
                port: s.port,
                mode: mode(s.tls),
            });
            for a in &s.also {
                targets.push(Target {
                    protocol: proto,
                    host: s.host.clone(),
                    port: a.port,
                    mode: mode(a.tls),
                });
            }
        }
    }
    if let Some(file) = &args.file {
        targets.extend(targets_in_profile(file)?);
    }
    // The same server named twice (a preset's "also" port, a profile's two accounts) is probed
    // once.
    let mut seen = std::collections::HashSet::new();
    targets.retain(|t| seen.insert((t.protocol, t.host.to_ascii_lowercase(), t.port, t.mode)));
    if targets.len() > probe::MAX_TARGETS {
        return Err(Error::input(
            "probe",
            tr(
                format!(
                    "{} servers to probe; at most {} in one run: split the profile or probe the servers by name",
                    targets.len(),
                    probe::MAX_TARGETS
                ),
                format!(
                    "調べるサーバが {} 台あります。1回に調べられるのは {} 台までです。プロファイルを分けるか、サーバを名前で指定してください",
                    targets.len(),
                    probe::MAX_TARGETS
                ),
            ),
        ));
    }
    if targets.is_empty() {
        return Err(Error::input(
            "probe",
            crate::i18n::tr(
                "nothing to probe: give a profile, --carrier ID, or --imap/--pop/--smtp HOST:PORT",
                "確認するサーバがありません: プロファイル、--carrier ID、または --imap/--pop/--smtp HOST:PORT を指定してください",
            ),
        ));
    }
    let timeout = Duration::from_secs(args.timeout.max(1));
    let settings = Settings {
        trust: &trust,
        timeout,
        deadline: args
            .deadline
            .map(|d| Duration::from_secs(d.max(1)))
            .unwrap_or(timeout * 3),
        resolve: &args.resolve,
    };
    let reports = probe::probe_all(&targets, &settings);
    let failing = reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| f.severity >= args.fail_on);
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&reports).expect("json") + "\n",
        Format::Text => text(&reports, ctx),
    };
    let mut o = std::io::stdout().lock();
    o.write_all(out.as_bytes())
        .and_then(|_| o.flush())
        .map_err(|e| Error::io("<stdout>", e))?;
    Ok(if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// The servers a profile names, with the mode the phone would use for each.
fn targets_in_profile(file: &std::path::Path) -> Result<Vec<Target>> {
    let shown = file.display().to_string();
    let bytes = crate::output::read_limited(file, MAX_SIZE)?;
    let verifier =
        Verifier::from_trust(&Trust::Roots(Vec::new())).map_err(|e| Error::Other(e.to_string()))?;
    let opened = container::open(&bytes, &verifier);
    let content = opened.content.ok_or_else(|| {
        Error::input(
            &shown,
            opened
                .error
                .unwrap_or_else(|| tr("cannot read the profile", "プロファイルを読めません")),
        )
    })?;
    let (value, _) = crate::lint::parse_plist(&content).map_err(|e| Error::input(&shown, e))?;
    let mut out = Vec::new();
    let items = value
        .as_dictionary()
        .and_then(|d| d.get("PayloadContent"))
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default();
    for item in items {
        let Some(d) = item.as_dictionary() else {
            continue;
        };
        if d.get("PayloadType").and_then(|v| v.as_string())
            != Some(crate::profile::MAIL_PAYLOAD_TYPE)
        {
            continue;
        }
        let pop = d.get("EmailAccountType").and_then(|v| v.as_string()) == Some("EmailTypePOP");
        for (proto, host_key, port_key, default) in [
            (
                if pop { Protocol::Pop } else { Protocol::Imap },
                "IncomingMailServerHostName",
                "IncomingMailServerPortNumber",
                if pop { 995 } else { 993 },
            ),
            (
                Protocol::Smtp,
                "OutgoingMailServerHostName",
                "OutgoingMailServerPortNumber",
                587,
            ),
        ] {
            let Some(host) = d.get(host_key).and_then(|v| v.as_string()) else {
                continue;
            };
            let port = d
                .get(port_key)
                .and_then(|v| v.as_unsigned_integer())
                .and_then(|p| u16::try_from(p).ok())
                .filter(|p| *p != 0)
                .unwrap_or(default);
            out.push(Target {
                protocol: proto,
                host: host.trim().to_string(),
                port,
                mode: Target::mode_for_port(port),
            });
        }
    }
    if out.is_empty() {
        return Err(Error::input(
            &shown,
            tr("names no mail server", "メールサーバが書かれていません"),
        ));
    }
    Ok(out)
}

fn text(reports: &[ServerReport], ctx: &Ctx) -> String {
    use crate::certs::plural;
    let mut out = String::new();
    for r in reports {
        let _ = writeln!(out, "{}", r.target.describe());
        let ja = ctx.lang == crate::preset::Lang::Ja;
        let label = |en: &str, ja_label: &str| {
            format!("  {}", crate::i18n::label(ctx.lang, en, ja_label, 14))
        };
        if !r.addresses.is_empty() {
            let _ = writeln!(
                out,
                "{}{}",
                label("address:", "アドレス:"),
                r.addresses.join(", ")
            );
        }
        if let Some(g) = &r.greeting {
            let _ = writeln!(out, "{}{g}", label("greeting:", "応答:"));
        }
        if let (Some(v), Some(c)) = (&r.tls_version, &r.cipher) {
            let _ = writeln!(out, "{}{v}, {c}", label("TLS:", "TLS:"));
        }
        if let Some(c) = &r.certificate {
            let _ = writeln!(
                out,
                "{}{} ({} {})",
                label("certificate:", "証明書:"),
                c.subject,
                if ja { "発行者" } else { "issuer" },
                c.issuer
            );
            let _ = writeln!(
                out,
                "{}{} — {} ({})",
                label("valid:", "有効期間:"),
                c.not_before,
                c.not_after,
                c.time_left
            );
            let verdict = match (c.verified, ja) {
                (true, false) => "verified".to_string(),
                (true, true) => "検証済み".to_string(),
                (false, false) => {
                    format!("NOT verified: {}", c.verify_error.as_deref().unwrap_or("?"))
                }
                (false, true) => format!(
                    "検証できません: {}",
                    c.verify_error.as_deref().unwrap_or("?")
                ),
            };
            let sent = if ja {
                format!("{}枚を送信", c.chain_length)
            } else {
                format!(
                    "{} sent",
                    plural(c.chain_length, "certificate", "certificates")
                )
            };
            let _ = writeln!(out, "{}{verdict} ({sent})", label("chain:", "チェーン:"));
        }
        if !r.auth_mechanisms.is_empty() {
            let _ = writeln!(
                out,
                "{}{}",
                label("login:", "ログイン:"),
                r.auth_mechanisms.join(" ")
            );
        }
        if r.findings.is_empty() {
            let _ = writeln!(
                out,
                "  {}",
                ctx.lang.pick(
                    "問題なし: iPhoneはTLSで接続できます",
                    "ok: the phone can connect with TLS"
                )
            );
        } else {
            // This server's findings inside its block: rule, severity, message, help and the
            // phone's message for this direction (sending for SMTP, receiving for IMAP/POP).
            use crate::i18n::Msg;
            let direction = match r.target.protocol {
                Protocol::Smtp => "Outgoing",
                Protocol::Imap | Protocol::Pop => "Incoming",
            };
            for f in &r.findings {
                let sev = f.severity.word(ctx.lang);
                match (ctx.lang, crate::lint::ja::texts(f.rule)) {
                    (crate::preset::Lang::Ja, Some((summary, fix))) => {
                        let _ = writeln!(out, "  {} {sev}: {summary}", f.rule);
                        let _ = writeln!(out, "    詳細: {}", f.message);
                        let _ = writeln!(out, "    {}: {fix}", Msg::HelpLabel.text(ctx.lang));
                        let rule_fix = crate::lint::rule(f.rule).map(|r| r.fix);
                        if let Some(h) = f.help.as_deref().filter(|h| Some(*h) != rule_fix) {
                            let _ = writeln!(out, "    ヒント: {h}");
                        }
                    }
                    _ => {
                        let _ = writeln!(out, "  {} {sev}: {}", f.rule, f.message);
                        if let Some(h) = &f.help {
                            let _ = writeln!(out, "    {}: {h}", Msg::HelpLabel.text(ctx.lang));
                        }
                    }
                }
                if let Some(rule) = crate::lint::rule(f.rule) {
                    let phone =
                        report::phone_for(ctx.lang.pick(rule.phone_ja, rule.phone_en), direction);
                    if !phone.is_empty() {
                        let _ = writeln!(out, "    {}: {phone}", Msg::PhoneLabel.text(ctx.lang));
                    }
                }
            }
        }
        out.push('\n');
    }
    if crate::probe::looks_offline(reports) {
        let _ = writeln!(
            out,
            "{}\n",
            ctx.lang.pick(
                "どのホスト名も解決できませんでした。このマシンがオフラインか、DNSが応答していません。ホスト名を変える前にネットワークを確認してください。",
                "No host name resolved: this machine looks offline, or its DNS does not answer. Check the network before changing any host name."
            )
        );
    }
    let n = |s| {
        reports
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|f| f.severity == s)
            .count()
    };
    use crate::i18n::{count, Msg};
    let l = ctx.lang;
    let _ = writeln!(
        out,
        "{}",
        Msg::ProbeSummary.fill(
            l,
            &[
                ("servers", &count(l, reports.len(), "server", "servers")),
                (
                    "errors",
                    &count(l, n(crate::lint::Severity::Error), "error", "errors")
                ),
                (
                    "warnings",
                    &count(l, n(crate::lint::Severity::Warning), "warning", "warnings"),
                ),
            ],
        )
    );
    out
}

//! `profilegen probe`: which servers, then probe them in parallel and report.

use super::Ctx;
use crate::cli::{Format, ProbeArgs};
use crate::container::{self, Trust, Verifier, MAX_SIZE};
use crate::error::{Error, Result};
use crate::lint::report::{self, FileReport};
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
    if targets.is_empty() {
        return Err(Error::input(
            "probe",
            "nothing to probe: give a profile, --carrier ID, or --imap/--pop/--smtp HOST:PORT",
        ));
    }
    let settings = Settings {
        trust: &trust,
        timeout: Duration::from_secs(args.timeout.max(1)),
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
                .unwrap_or_else(|| "cannot read the profile".into()),
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
            let t = Target {
                protocol: proto,
                host: host.trim().to_string(),
                port,
                mode: Target::mode_for_port(port),
            };
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    if out.is_empty() {
        return Err(Error::input(&shown, "names no mail server"));
    }
    Ok(out)
}

fn text(reports: &[ServerReport], ctx: &Ctx) -> String {
    let mut out = String::new();
    for r in reports {
        let _ = writeln!(out, "{}", r.target.describe());
        if !r.addresses.is_empty() {
            let _ = writeln!(out, "  address:      {}", r.addresses.join(", "));
        }
        if let Some(g) = &r.greeting {
            let _ = writeln!(out, "  greeting:     {g}");
        }
        if let (Some(v), Some(c)) = (&r.tls_version, &r.cipher) {
            let _ = writeln!(out, "  TLS:          {v}, {c}");
        }
        if let Some(c) = &r.certificate {
            let _ = writeln!(out, "  certificate:  {} (issuer {})", c.subject, c.issuer);
            let _ = writeln!(
                out,
                "  valid:        {} — {} ({} days left)",
                c.not_before, c.not_after, c.days_left
            );
            let _ = writeln!(
                out,
                "  chain:        {} ({} certificate{} sent)",
                if c.verified {
                    "verified".to_string()
                } else {
                    format!("NOT verified: {}", c.verify_error.as_deref().unwrap_or("?"))
                },
                c.chain_length,
                if c.chain_length == 1 { "" } else { "s" }
            );
        }
        if !r.auth_mechanisms.is_empty() {
            let _ = writeln!(out, "  login:        {}", r.auth_mechanisms.join(" "));
        }
        if r.findings.is_empty() {
            let _ = writeln!(out, "  ok: the phone can connect with TLS");
        }
        out.push('\n');
    }
    let files: Vec<FileReport> = reports
        .iter()
        .filter(|r| !r.findings.is_empty())
        .map(|r| FileReport {
            file: format!("{} {}", r.target.protocol.label(), r.target.host),
            findings: r.findings.clone(),
        })
        .collect();
    let summary = report::text(&files, false, ctx.lang);
    // The lint summary line counts "files"; say servers.
    let mut lines: Vec<&str> = summary.lines().collect();
    lines.pop();
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    let n = |s| {
        reports
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|f| f.severity == s)
            .count()
    };
    let _ = writeln!(
        out,
        "{} server{} probed: {} errors, {} warnings",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        n(crate::lint::Severity::Error),
        n(crate::lint::Severity::Warning)
    );
    out
}

//! `profilegen carriers`: list the presets, or show one.

use super::Ctx;
use crate::cli::{CarriersArgs, CarriersCommand};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::preset::{Preset, Registry, Server, Status, Tls, UsernameRule};
use std::fmt::Write as _;
use std::io::Write;

pub fn run(args: CarriersArgs, registry: &Registry, ctx: &Ctx) -> Result<()> {
    let text = match args.command.unwrap_or(CarriersCommand::List) {
        CarriersCommand::List => list(registry, ctx),
        CarriersCommand::Show { id } => {
            let preset = find(registry, &id)?;
            show(preset, ctx)
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::io("<stdout>", e))
}

/// A preset by id, or by an address or domain it serves.
fn find<'a>(registry: &'a Registry, key: &str) -> Result<&'a Preset> {
    if let Some(p) = registry.get(key) {
        return Ok(p);
    }
    let domain = key.rsplit_once('@').map_or(key, |(_, d)| d);
    if let Some(p) = registry.for_domain(domain) {
        return Ok(p);
    }
    Err(Error::UnknownCarrier {
        id: key.to_string(),
        suggestion: crate::schema::closest_key(key, registry.ids()).map(str::to_string),
    })
}

fn status(s: Status, lang: crate::preset::Lang) -> &'static str {
    match s {
        Status::Supported => Msg::StatusSupported,
        Status::Unverified => Msg::StatusUnverified,
        Status::Unsupported => Msg::StatusUnsupported,
    }
    .text(lang)
}

pub(crate) fn confidence(c: crate::preset::Confidence, lang: crate::preset::Lang) -> &'static str {
    use crate::preset::Confidence;
    match c {
        Confidence::High => Msg::ConfidenceHigh,
        Confidence::Medium => Msg::ConfidenceMedium,
        Confidence::Low => Msg::ConfidenceLow,
    }
    .text(lang)
}

fn tls(t: Tls) -> &'static str {
    match t {
        Tls::Ssl => "SSL/TLS",
        Tls::Starttls => "STARTTLS",
    }
}

fn list(registry: &Registry, ctx: &Ctx) -> String {
    let header: Vec<String> = Msg::CarriersHeader
        .text(ctx.lang)
        .split('|')
        .map(str::to_string)
        .collect();
    let mut rows = vec![[
        header[0].clone(),
        header[1].clone(),
        header[2].clone(),
        header[3].clone(),
    ]];
    for p in registry.iter() {
        rows.push([
            p.id.clone(),
            status(p.status, ctx.lang).into(),
            p.display_name(ctx.lang).into(),
            if p.domains.is_empty() {
                Msg::IssuesNoAddress.text(ctx.lang).into()
            } else {
                p.domains.join(" ")
            },
        ]);
    }
    let width = |i: usize| rows.iter().map(|r| display_width(&r[i])).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2)];
    let mut out = String::new();
    for r in &rows {
        for (i, w) in widths.iter().enumerate() {
            out.push_str(&r[i]);
            out.push_str(&" ".repeat(w - display_width(&r[i]) + 2));
        }
        out.push_str(&r[3]);
        out.push('\n');
    }
    out
}

/// Terminal columns a string takes (East Asian wide characters count two), by Unicode's tables.
fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

fn server(out: &mut String, label: &str, s: &Server, lang: crate::preset::Lang) {
    let username = match s.username {
        UsernameRule::Email => Msg::UsernameEmail,
        UsernameRule::LocalPart => Msg::UsernameLocalPart,
        UsernameRule::Ask => Msg::UsernameAsk,
    }
    .text(lang);
    let _ = writeln!(out, "  {label:<5} {}:{} {}", s.host, s.port, tls(s.tls));
    for a in &s.also {
        let _ = writeln!(
            out,
            "        {}",
            Msg::ShowAlso.fill(lang, &[("port", &a.port.to_string()), ("tls", tls(a.tls))])
        );
    }
    if !s.refused.is_empty() {
        let ports: Vec<String> = s.refused.iter().map(|p| p.to_string()).collect();
        let _ = writeln!(
            out,
            "        {}",
            Msg::ShowRefused.fill(lang, &[("ports", &ports.join(", "))])
        );
    }
    let _ = writeln!(
        out,
        "        {}",
        Msg::ShowUsername.fill(lang, &[("rule", username)])
    );
}

fn show(p: &Preset, ctx: &Ctx) -> String {
    let mut out = String::new();
    if p.name == p.name_en {
        let _ = writeln!(out, "{} — {}", p.id, p.name);
    } else {
        let _ = writeln!(out, "{} — {} / {}", p.id, p.name, p.name_en);
    }
    let l = ctx.lang;
    let _ = writeln!(
        out,
        "{}",
        Msg::ShowStatus.fill(
            l,
            &[
                ("status", status(p.status, l)),
                ("confidence", confidence(p.confidence, l))
            ]
        )
    );
    if p.domains.is_empty() {
        let _ = writeln!(out, "{}", Msg::ShowNoDomains.text(l));
    } else {
        let _ = writeln!(
            out,
            "{}",
            Msg::ShowDomains.fill(l, &[("domains", &p.domains.join(", "))])
        );
    }
    if let Some(u) = &p.unsupported {
        let _ = writeln!(
            out,
            "\n{}\n  {}",
            Msg::ShowUnsupported.text(l),
            l.pick(&u.ja, &u.en)
        );
        if let Some(i) = &u.instead {
            let _ = writeln!(out, "  {}", Msg::ShowInstead.fill(l, &[("what", i)]));
        }
    }
    if p.imap.is_some() || p.pop.is_some() || p.smtp.is_some() {
        let _ = writeln!(out, "\n{}", Msg::ShowServers.text(l));
        for (label, s) in [("IMAP", &p.imap), ("POP", &p.pop), ("SMTP", &p.smtp)] {
            if let Some(s) = s {
                server(&mut out, label, s, l);
            }
        }
    }
    if !p.notes.is_empty() {
        let _ = writeln!(out, "\n{}", Msg::ShowNotes.text(l));
        for n in &p.notes {
            let _ = writeln!(out, "  - {}", l.pick(&n.ja, &n.en));
        }
    }
    if !p.sources.is_empty() {
        let _ = writeln!(out, "\n{}", Msg::ShowSources.text(l));
        for s in &p.sources {
            let _ = write!(out, "  [{}]", s.kind);
            if let Some(u) = &s.url {
                let _ = write!(out, " {u}");
            }
            if let Some(n) = &s.note {
                let _ = write!(out, " — {n}");
            }
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        Msg::ShowDefinedIn.fill(l, &[("origin", &p.origin)])
    );
    out
}

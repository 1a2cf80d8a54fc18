//! `profilegen carriers`: list the presets, or show one.

use super::Ctx;
use crate::cli::{CarriersArgs, CarriersCommand};
use crate::error::{Error, Result};
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

fn status(s: Status) -> &'static str {
    match s {
        Status::Supported => "supported",
        Status::Unverified => "unverified",
        Status::Unsupported => "unsupported",
    }
}

fn tls(t: Tls) -> &'static str {
    match t {
        Tls::Ssl => "SSL/TLS",
        Tls::Starttls => "STARTTLS",
    }
}

fn list(registry: &Registry, ctx: &Ctx) -> String {
    let mut rows = vec![[
        "ID".to_string(),
        "STATUS".into(),
        "NAME".into(),
        "DOMAINS".into(),
    ]];
    for p in registry.iter() {
        rows.push([
            p.id.clone(),
            status(p.status).into(),
            p.display_name(ctx.lang).into(),
            if p.domains.is_empty() {
                "(issues no address)".into()
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

fn server(out: &mut String, label: &str, s: &Server) {
    let username = match s.username {
        UsernameRule::Email => "the full address",
        UsernameRule::LocalPart => "the part before the @",
        UsernameRule::Ask => "a login ID the address does not give (the phone asks)",
    };
    let _ = writeln!(out, "  {label:<5} {}:{} {}", s.host, s.port, tls(s.tls));
    for a in &s.also {
        let _ = writeln!(out, "        also accepted: port {} {}", a.port, tls(a.tls));
    }
    let _ = writeln!(out, "        username: {username}");
}

fn show(p: &Preset, ctx: &Ctx) -> String {
    let mut out = String::new();
    if p.name == p.name_en {
        let _ = writeln!(out, "{} — {}", p.id, p.name);
    } else {
        let _ = writeln!(out, "{} — {} / {}", p.id, p.name, p.name_en);
    }
    let _ = writeln!(
        out,
        "status: {}   confidence: {:?}",
        status(p.status),
        p.confidence
    );
    if p.domains.is_empty() {
        let _ = writeln!(out, "domains: none (issues no mail address)");
    } else {
        let _ = writeln!(out, "domains: {}", p.domains.join(", "));
    }
    if let Some(u) = &p.unsupported {
        let _ = writeln!(
            out,
            "\nno profile can serve these addresses:\n  {}",
            ctx.lang.pick(&u.ja, &u.en)
        );
        if let Some(i) = &u.instead {
            let _ = writeln!(out, "  instead: {i}");
        }
    }
    if p.imap.is_some() || p.pop.is_some() || p.smtp.is_some() {
        let _ = writeln!(out, "\nservers (every one is written with UseSSL = true):");
        for (label, s) in [("IMAP", &p.imap), ("POP", &p.pop), ("SMTP", &p.smtp)] {
            if let Some(s) = s {
                server(&mut out, label, s);
            }
        }
    }
    if !p.notes.is_empty() {
        let _ = writeln!(out, "\nnotes:");
        for n in &p.notes {
            let _ = writeln!(out, "  - {}", ctx.lang.pick(&n.ja, &n.en));
        }
    }
    if !p.sources.is_empty() {
        let _ = writeln!(out, "\nsources:");
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
    let _ = writeln!(out, "\ndefined in: {}", p.origin);
    out
}

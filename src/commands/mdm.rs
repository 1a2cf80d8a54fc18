//! `profilegen mdm`: the MDMs whose variables `new --mdm` and `lint --mdm` know.

use super::Ctx;
use crate::cli::{MdmArgs, MdmCommand};
use crate::error::{Error, Result};
use crate::mdm::{Escapes, Mdm};
use std::fmt::Write as _;
use std::io::Write;

pub fn run(args: MdmArgs, ctx: &Ctx) -> Result<()> {
    let text = match args.command.unwrap_or(MdmCommand::List) {
        MdmCommand::List => list(ctx),
        MdmCommand::Show { id } => {
            show(&Mdm::get(&id).ok_or_else(|| crate::mdm::unknown(&id))?, ctx)
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::io("<stdout>", e))
}

fn escapes(e: Escapes, ctx: &Ctx) -> &'static str {
    match e {
        Escapes::Yes => ctx.lang.pick("エスケープする", "escapes XML"),
        Escapes::No => ctx.lang.pick("エスケープしない", "does not escape XML"),
        Escapes::Unknown => ctx.lang.pick("エスケープは不明", "XML escaping unknown"),
    }
}

fn list(ctx: &Ctx) -> String {
    let mut out = String::new();
    let all = Mdm::all();
    let width = all.iter().map(|m| m.id.len()).max().unwrap_or(0);
    for m in &all {
        let _ = writeln!(
            out,
            "{:<width$}  {}  {} = {}  ({})",
            m.id,
            m.name,
            ctx.lang.pick("アドレス", "address"),
            m.roles.email.as_deref().unwrap_or("-"),
            escapes(m.escapes_xml, ctx)
        );
    }
    let _ = writeln!(
        out,
        "{:<width$}  {}",
        "generic",
        ctx.lang.pick(
            "--var email=… --var name=… で変数を指定",
            "variables given with --var email=… --var name=…"
        )
    );
    out
}

fn show(m: &Mdm, ctx: &Ctx) -> String {
    let l = ctx.lang;
    let label = |en: &str, ja: &str| crate::i18n::label(l, en, ja, 14);
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", m.name, m.id);
    let none = l.pick("(なし)", "(none)");
    for (en, ja, v) in [
        ("address", "アドレス", &m.roles.email),
        ("name", "名前", &m.roles.full_name),
        ("local part", "@より前", &m.roles.local_part),
        ("login", "ログイン名", &m.roles.username),
    ] {
        let _ = writeln!(out, "  {}{}", label(en, ja), v.as_deref().unwrap_or(none));
    }
    let _ = writeln!(
        out,
        "  {}{}",
        label("XML", "XML"),
        escapes(m.escapes_xml, ctx)
    );
    let _ = writeln!(
        out,
        "  {}{}",
        label("upload", "アップロード"),
        m.upload_text(l)
    );
    let _ = writeln!(out, "  {}", label("variables", "変数"));
    for v in &m.variables {
        let _ = writeln!(out, "    {v}");
    }
    for p in &m.prefixed {
        let _ = writeln!(out, "    {p}…");
    }
    if !m.notes.is_empty() {
        let _ = writeln!(out, "  {}", label("notes", "注意"));
        for n in &m.notes {
            let _ = writeln!(out, "    - {}", l.pick(&n.ja, &n.en));
        }
    }
    let _ = writeln!(out, "  {}", label("sources", "出典"));
    for s in &m.sources {
        let _ = writeln!(
            out,
            "    - [{}] {}{}",
            s.kind,
            s.url.as_deref().unwrap_or(""),
            s.note
                .as_deref()
                .map(|n| format!(" — {n}"))
                .unwrap_or_default()
        );
    }
    out
}

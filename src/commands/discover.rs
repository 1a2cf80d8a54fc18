//! `profilegen discover ADDRESS`: what each source says, what was chosen, and why.

use super::Ctx;
use crate::cli::{DiscoverArgs, Format};
use crate::discover::{self, Found, Report, Security, Server};
use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::preset::Registry;
use std::fmt::Write as _;
use std::io::Write;

/// Ok(true) when settings were found.
pub fn run(args: DiscoverArgs, registry: &Registry, ctx: &Ctx) -> Result<bool> {
    let settings = args.net.settings();
    let report = discover::discover(&args.address, registry, &settings)?;
    let text = match args.format {
        Format::Json => {
            let mut t = serde_json::to_string_pretty(&report).expect("JSON");
            t.push('\n');
            t
        }
        Format::Text => text(&report),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::io("<stdout>", e))?;
    if let Some(dir) = &args.save_preset {
        save_preset(&report, dir, ctx)?;
    }
    Ok(report.chosen.is_some())
}

fn server(label: &str, s: &Option<Server>) -> Option<String> {
    let s = s.as_ref()?;
    let sec = match s.security {
        Security::Ssl => "SSL".to_string(),
        Security::Starttls => "STARTTLS".to_string(),
        Security::Plain => tr("plain text", "平文"),
    };
    Some(format!("{label} {}:{} {sec}", s.host, s.port))
}

pub fn summary(f: &Found) -> String {
    if let Some(a) = &f.account {
        return tr(format!("{a} account"), format!("{a} アカウント"));
    }
    [
        server("IMAP", &f.imap),
        server("POP", &f.pop),
        server("SMTP", &f.smtp),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ")
}

fn confidence(f: &Found) -> String {
    let c = super::carriers::confidence(f.confidence, crate::i18n::lang());
    tr(format!("confidence {c}"), format!("確度 {c}"))
}

fn text(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", r.address);
    for (i, a) in r.attempts.iter().enumerate() {
        let mark = if r.chosen == Some(i) {
            tr("  ← chosen", "  ← 採用")
        } else {
            String::new()
        };
        let what = match (&a.found, &a.said) {
            (Some(f), None) => format!("{} ({}){mark}", summary(f), confidence(f)),
            (Some(f), Some(s)) => format!("{} — {s}", summary(f)),
            (None, Some(s)) => s.clone(),
            (None, None) => String::new(),
        };
        let _ = writeln!(out, "  {:<16}{}: {what}", a.source, a.asked);
    }
    let _ = writeln!(out, "{}: {}", tr("verdict", "結果"), r.why);
    out
}

fn save_preset(r: &Report, dir: &std::path::Path, ctx: &Ctx) -> Result<()> {
    let (y, m, d) = crate::der::civil(crate::sign::now_unix());
    let date = format!("{y:04}-{m:02}-{d:02}");
    let Some(yaml) = discover::preset_yaml(r, &date) else {
        return Err(Error::input(
            "--save-preset",
            tr(
                "nothing to save: no servers were found, or a preset or account kind already covers the domain",
                "保存するものがありません。サーバが見つからなかったか、プリセットやアカウントの種類で既に扱えます",
            ),
        ));
    };
    // What is saved must load as a preset.
    crate::preset::Preset::parse("(discovered)", &yaml).map_err(|e| Error::Other(e.to_string()))?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join(format!("{}.yaml", r.domain));
    // A preset there may have been reviewed and edited: it is never replaced unseen.
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(Error::input(
            "--save-preset",
            tr(
                format!(
                    "{} exists; remove it or give another directory",
                    path.display()
                ),
                format!(
                    "{} は既にあります。削除するか別のフォルダを指定してください",
                    path.display()
                ),
            ),
        ));
    }
    crate::output::write_atomic(&path, yaml.as_bytes(), crate::output::Mode::Public)?;
    ctx.info(&tr(
        format!(
            "wrote {} (review it, then use it with --carriers {})",
            path.display(),
            dir.display()
        ),
        format!(
            "{} に書き込みました(確認してから --carriers {} で使ってください)",
            path.display(),
            dir.display()
        ),
    ));
    Ok(())
}

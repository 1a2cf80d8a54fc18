//! Lint output: human text (coloured on a terminal), JSON, and SARIF 2.1.0.

use super::{rule, rules, Finding, Severity};
use serde_json::json;
use std::fmt::Write as _;

/// The findings of one file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    pub file: String,
    pub findings: Vec<Finding>,
}

fn paint(s: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// `file: path: ID severity: message`, then `help:` and the phone's message.
pub fn text(reports: &[FileReport], color: bool, lang: crate::preset::Lang) -> String {
    let mut out = String::new();
    let mut counts = [0usize; 3];
    for r in reports {
        for f in &r.findings {
            counts[f.severity as usize] += 1;
            use crate::i18n::Msg;
            let sev = match f.severity {
                Severity::Error => paint(Msg::SeverityError.text(lang), "1;31", color),
                Severity::Warning => paint(Msg::SeverityWarning.text(lang), "1;33", color),
                Severity::Info => paint(Msg::SeverityInfo.text(lang), "1;36", color),
            };
            let location = if f.path.is_empty() {
                r.file.clone()
            } else {
                format!("{}: {}", r.file, f.path)
            };
            let _ = writeln!(
                out,
                "{}: {} {sev}: {}",
                paint(&location, "1", color),
                paint(f.rule, "1", color),
                f.message
            );
            if let Some(h) = &f.help {
                let label = format!("{}:", crate::i18n::Msg::HelpLabel.text(lang));
                let _ = writeln!(out, "  {} {h}", paint(&label, "1;32", color));
            }
            if let Some(rule) = rule(f.rule) {
                let phone = phone_for(lang.pick(rule.phone_ja, rule.phone_en), &f.path);
                if !phone.is_empty() {
                    let label = format!("{}:", crate::i18n::Msg::PhoneLabel.text(lang));
                    let _ = writeln!(out, "  {} {phone}", paint(&label, "1;34", color));
                }
            }
        }
    }
    use crate::i18n::{count, Msg};
    let _ = writeln!(
        out,
        "{}",
        Msg::LintSummary.fill(
            lang,
            &[
                ("files", &count(lang, reports.len(), "file", "files")),
                ("errors", &count(lang, counts[2], "error", "errors")),
                ("warnings", &count(lang, counts[1], "warning", "warnings")),
                ("infos", &counts[0].to_string()),
            ],
        )
    );
    out
}

/// The phone's message for a finding: a rule about both directions of a mail account lists
/// both messages ("Cannot Get Mail / Cannot Send Mail"); a finding on one server keeps its own.
pub fn phone_for(phone: &str, path: &str) -> String {
    let sending = |p: &str| p.contains("送信") || p.contains("Send");
    let receiving = |p: &str| p.contains("取得") || p.contains("Get Mail");
    let parts: Vec<&str> = phone.split(" / ").collect();
    let keep: Vec<&str> = if path.contains("Outgoing") {
        parts.iter().copied().filter(|p| !receiving(p)).collect()
    } else if path.contains("Incoming") {
        parts.iter().copied().filter(|p| !sending(p)).collect()
    } else {
        parts.clone()
    };
    if keep.is_empty() {
        phone.to_string()
    } else {
        keep.join(" / ")
    }
}

/// A JSON array with one object per finding.
pub fn json(reports: &[FileReport]) -> String {
    let items: Vec<_> = reports
        .iter()
        .flat_map(|r| {
            r.findings.iter().map(move |f| {
                let rule = rule(f.rule);
                json!({
                    "file": r.file,
                    "rule": f.rule,
                    "name": f.name,
                    "severity": f.severity,
                    "path": f.path,
                    "message": f.message,
                    "help": f.help,
                    "phone": rule.map(|r| json!({"ja": phone_for(r.phone_ja, &f.path), "en": phone_for(r.phone_en, &f.path)})),
                })
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).expect("json") + "\n"
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF 2.1.0, for code-scanning services.
pub fn sarif(reports: &[FileReport]) -> String {
    let rules: Vec<_> = rules::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.why},
                "help": {"text": format!("{}\nFix: {}", r.why, r.fix)},
                "defaultConfiguration": {"level": level(r.severity)},
            })
        })
        .collect();
    let results: Vec<_> = reports
        .iter()
        .flat_map(|r| {
            r.findings.iter().map(move |f| {
                let index = rules::ALL.iter().position(|x| x.id == f.rule).unwrap_or(0);
                let mut message = f.message.clone();
                if let Some(h) = &f.help {
                    message.push_str(&format!(" (help: {h})"));
                }
                let mut location = json!({
                    "physicalLocation": {"artifactLocation": {"uri": uri(&r.file)}},
                });
                if !f.path.is_empty() {
                    location["logicalLocations"] =
                        json!([{"fullyQualifiedName": f.path, "kind": "member"}]);
                }
                json!({
                    "ruleId": f.rule,
                    "ruleIndex": index,
                    "level": level(f.severity),
                    "message": {"text": message},
                    "locations": [location],
                })
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "profilegen",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://crates.io/crates/profilegen",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).expect("json") + "\n"
}

/// A relative URI for a file path (percent-encoding what a URI cannot hold).
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The `--explain` text of a rule.
pub fn explain(r: &super::Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}) — default severity: {}",
        r.id,
        r.name,
        r.severity.as_str()
    );
    let _ = writeln!(out, "\n{}\n", r.summary);
    let _ = writeln!(out, "Why it matters:\n  {}\n", r.why);
    if !r.phone_en.is_empty() {
        let _ = writeln!(
            out,
            "What the phone shows:\n  {}\n  {}\n",
            r.phone_ja, r.phone_en
        );
    }
    let _ = writeln!(out, "Example:");
    for l in r.example.lines() {
        let _ = writeln!(out, "  {l}");
    }
    let _ = writeln!(out, "\nFix:\n  {}", r.fix);
    out
}

/// The `--list-rules` table.
pub fn list() -> String {
    let mut out = String::new();
    for r in rules::ALL {
        let _ = writeln!(
            out,
            "{}  {:<8} {:<28} {}",
            r.id,
            r.severity.as_str(),
            r.name,
            r.summary
        );
    }
    out
}

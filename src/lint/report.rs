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
    whole(reports, Format::Text, color, lang)
}

/// The findings of one file in text.
fn text_file(
    out: &mut String,
    r: &FileReport,
    counts: &mut [usize; 3],
    color: bool,
    lang: crate::preset::Lang,
) {
    for f in &r.findings {
        counts[f.severity as usize] += 1;
        let code = match f.severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        let sev = paint(f.severity.word(lang), code, color);
        let location = if f.path.is_empty() {
            r.file.clone()
        } else {
            format!("{}: {}", r.file, f.path)
        };
        let ja = match lang {
            crate::preset::Lang::Ja => super::ja::texts(f.rule),
            crate::preset::Lang::En => None,
        };
        match ja {
            // Japanese: the rule's summary first; the finding's own words (host names,
            // ports, values) follow as the detail.
            Some((summary, fix)) => {
                let _ = writeln!(
                    out,
                    "{}: {} {sev}: {summary}",
                    paint(&location, "1", color),
                    paint(f.rule, "1", color),
                );
                let _ = writeln!(out, "  詳細: {}", f.message);
                let label = format!("{}:", crate::i18n::Msg::HelpLabel.text(lang));
                let _ = writeln!(out, "  {} {fix}", paint(&label, "1;32", color));
                let rule_fix = rule(f.rule).map(|r| r.fix);
                if let Some(h) = f.help.as_deref().filter(|h| Some(*h) != rule_fix) {
                    let _ = writeln!(out, "  ヒント: {h}");
                }
            }
            None => {
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
            }
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

/// The last line of a text report: files, errors, warnings.
fn text_summary(files: usize, counts: &[usize; 3], lang: crate::preset::Lang) -> String {
    use crate::i18n::{count, Msg};
    Msg::LintSummary.fill(
        lang,
        &[
            ("files", &count(lang, files, "file", "files")),
            ("errors", &count(lang, counts[2], "error", "errors")),
            ("warnings", &count(lang, counts[1], "warning", "warnings")),
            ("infos", &counts[0].to_string()),
        ],
    ) + "\n"
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
    whole(reports, Format::Json, false, crate::preset::Lang::En)
}

fn json_item(r: &FileReport, f: &Finding) -> serde_json::Value {
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
    whole(reports, Format::Sarif, false, crate::preset::Lang::En)
}

fn sarif_result(r: &FileReport, f: &Finding) -> serde_json::Value {
    let index = rules::ALL.iter().position(|x| x.id == f.rule).unwrap_or(0);
    let mut message = f.message.clone();
    if let Some(h) = &f.help {
        message.push_str(&format!(" (help: {h})"));
    }
    let mut location = json!({
        "physicalLocation": {"artifactLocation": {"uri": uri(&r.file)}},
    });
    if !f.path.is_empty() {
        location["logicalLocations"] = json!([{"fullyQualifiedName": f.path, "kind": "member"}]);
    }
    json!({
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": level(f.severity),
        "message": {"text": message},
        "locations": [location],
    })
}

/// The SARIF document around its results, split where they go: (head, tail). The results are
/// an array at depth 4 of the pretty-printed document.
fn sarif_frame() -> (String, String) {
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
            "results": [],
        }],
    });
    let text = serde_json::to_string_pretty(&doc).expect("json") + "\n";
    let marker = "\"results\": [";
    let at = text.find(marker).expect("a results array") + marker.len();
    // `[]` when empty: the head ends at `[`, the tail starts at `]`.
    (text[..at].to_string(), text[at..].to_string())
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

/// A report written as the files' findings arrive, file by file in the order given: the same
/// bytes as a report made of all files at once, without holding them.
pub struct Stream<W: std::io::Write> {
    out: W,
    format: Format,
    color: bool,
    lang: crate::preset::Lang,
    files: usize,
    counts: [usize; 3],
    items: usize,
    tail: String,
    buf: String,
}

impl<W: std::io::Write> Stream<W> {
    pub fn new(
        mut out: W,
        format: Format,
        color: bool,
        lang: crate::preset::Lang,
    ) -> std::io::Result<Self> {
        let (head, tail) = match format {
            Format::Text => (String::new(), String::new()),
            Format::Json => ("[".to_string(), "]\n".to_string()),
            Format::Sarif => sarif_frame(),
        };
        out.write_all(head.as_bytes())?;
        Ok(Stream {
            out,
            format,
            color,
            lang,
            files: 0,
            counts: [0; 3],
            items: 0,
            tail,
            buf: String::new(),
        })
    }

    /// The next file's findings.
    pub fn file(&mut self, r: &FileReport) -> std::io::Result<()> {
        self.files += 1;
        self.buf.clear();
        match self.format {
            Format::Text => text_file(&mut self.buf, r, &mut self.counts, self.color, self.lang),
            Format::Json | Format::Sarif => {
                // An element of a pretty-printed array: each line indented to its depth.
                let indent = self.indent();
                for f in &r.findings {
                    self.counts[f.severity as usize] += 1;
                    let v = match self.format {
                        Format::Json => json_item(r, f),
                        _ => sarif_result(r, f),
                    };
                    let item = serde_json::to_string_pretty(&v).expect("json");
                    self.buf
                        .push_str(if self.items == 0 { "\n" } else { ",\n" });
                    self.items += 1;
                    for (i, line) in item.lines().enumerate() {
                        if i > 0 {
                            self.buf.push('\n');
                        }
                        self.buf.push_str(indent);
                        self.buf.push_str(line);
                    }
                }
            }
        }
        self.out.write_all(self.buf.as_bytes())
    }

    /// How deep the items of a JSON report's array are indented (the array's closing bracket
    /// two spaces less).
    fn indent(&self) -> &'static str {
        match self.format {
            Format::Sarif => "        ",
            _ => "  ",
        }
    }

    /// Findings so far at each severity (info, warning, error).
    pub fn counts(&self) -> [usize; 3] {
        self.counts
    }

    /// Ends the report (the text summary, or the closing brackets) and gives the writer back.
    pub fn finish(mut self) -> std::io::Result<W> {
        let end = match self.format {
            Format::Text => text_summary(self.files, &self.counts, self.lang),
            // `[]` when empty; otherwise the closing bracket on a line of its own, indented to
            // the array's depth.
            _ if self.items == 0 => std::mem::take(&mut self.tail),
            _ => format!("\n{}{}", &self.indent()[2..], self.tail),
        };
        self.out.write_all(end.as_bytes())?;
        Ok(self.out)
    }
}

/// A whole report at once.
fn whole(reports: &[FileReport], format: Format, color: bool, lang: crate::preset::Lang) -> String {
    let mut s = Stream::new(Vec::new(), format, color, lang).expect("writing to memory");
    for r in reports {
        s.file(r).expect("writing to memory");
    }
    String::from_utf8(s.finish().expect("writing to memory")).expect("UTF-8 report")
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
pub fn explain(r: &super::Rule, lang: crate::preset::Lang) -> String {
    use crate::preset::Lang;
    let (summary, fix) = match (lang, super::ja::texts(r.id)) {
        (Lang::Ja, Some((s, f))) => (s, f),
        _ => (r.summary, r.fix),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}) — {}: {}",
        r.id,
        r.name,
        lang.pick("既定の重大度", "default severity"),
        r.severity.word(lang)
    );
    let _ = writeln!(out, "\n{summary}\n");
    if lang == Lang::Ja {
        let _ = writeln!(out, "理由:\n  {}\n", super::ja::why(r.id).unwrap_or(r.why));
    } else {
        let _ = writeln!(out, "Why it matters:\n  {}\n", r.why);
    }
    if !r.phone_en.is_empty() {
        let _ = writeln!(
            out,
            "{}:\n  {}\n  {}\n",
            lang.pick("iPhoneの表示", "What the phone shows"),
            r.phone_ja,
            r.phone_en
        );
    }
    let _ = writeln!(out, "{}:", lang.pick("例", "Example"));
    for l in r.example.lines() {
        let _ = writeln!(out, "  {l}");
    }
    let _ = writeln!(out, "\n{}:\n  {fix}", lang.pick("対処", "Fix"));
    let _ = match super::fix::fixable(r.id) {
        Some((a, what)) => writeln!(
            out,
            "\nlint --fix:\n  {what} ({})",
            match (a, lang) {
                (super::fix::Applicability::Safe, Lang::Ja) => "安全: --fix で適用",
                (super::fix::Applicability::Unsafe, Lang::Ja) =>
                    "unsafe: --fix --unsafe-fixes で適用",
                (super::fix::Applicability::Safe, Lang::En) => "safe: applied by --fix",
                (super::fix::Applicability::Unsafe, Lang::En) =>
                    "unsafe: applied with --fix --unsafe-fixes",
            }
        ),
        None => writeln!(
            out,
            "\nlint --fix:\n  {}",
            lang.pick("自動の修正はありません", "no automatic fix")
        ),
    };
    out
}

/// The `--list-rules` table; the fourth column says whether `--fix` repairs the rule's findings
/// (`fix`) or only `--fix --unsafe-fixes` does (`fix!`).
pub fn list(lang: crate::preset::Lang) -> String {
    let mut out = String::new();
    for r in rules::ALL {
        let summary = match (lang, super::ja::texts(r.id)) {
            (crate::preset::Lang::Ja, Some((s, _))) => s,
            _ => r.summary,
        };
        let sev = r.severity.word(lang);
        let pad = 8usize.saturating_sub(unicode_width::UnicodeWidthStr::width(sev));
        // The fix column: "fix" (safe), "fix!" (unsafe) or nothing.
        let fix = match super::fix::fixable(r.id) {
            Some((super::fix::Applicability::Safe, _)) => "fix ",
            Some((super::fix::Applicability::Unsafe, _)) => "fix!",
            None => "    ",
        };
        let _ = writeln!(
            out,
            "{}  {sev}{} {fix} {:<28} {summary}",
            r.id,
            " ".repeat(pad),
            r.name,
        );
    }
    out
}

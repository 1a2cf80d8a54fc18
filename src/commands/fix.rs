//! `lint --fix` / `--diff`: repair files, or show the repairs, and lint what results.

use super::Ctx;
use crate::container;
use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::lint::fix::{self, Applicability};
use crate::lint::{self, Linted, Options};
use crate::output::{self, Mode};
use crate::sign::Signer;
use plist::Value;
use std::path::Path;

/// What the run is allowed to do, and what it did.
pub struct Fixer {
    pub allow: Applicability,
    pub diff: bool,
    pub unsign: bool,
    pub signer: Option<Signer>,
    /// `-o`: where the one input's fixed profile goes.
    pub output: Option<std::path::PathBuf>,
    pub fixed: usize,
    pub files_changed: usize,
    pub unsafe_left: usize,
    /// Files left alone although fixes applied (signed without a way to re-sign, a key twice).
    pub held_back: usize,
    /// The unified diff, with `--diff`.
    pub diff_text: String,
}

impl Fixer {
    /// Fixes one file (or shows the fix) and returns the findings that remain.
    pub fn file(
        &mut self,
        shown: &str,
        path: &Path,
        bytes: &[u8],
        opts: &Options<'_>,
        ctx: &Ctx,
    ) -> Result<Linted> {
        let linted = lint::lint(bytes, opts);
        if lint::declaration::looks_like(bytes)
            || linted.findings.iter().any(|f| f.rule == lint::UNREADABLE)
        {
            return Ok(linted); // nothing the fixes understand
        }
        let opened = container::open(bytes, opts.verifier);
        let Some(content) = opened.content.as_deref() else {
            return Ok(linted);
        };
        let Ok(parsed) = lint::parse_plist_full(content) else {
            return Ok(linted); // a template: the fixes work on profiles only
        };
        let Value::Dictionary(root) = parsed.value else {
            return Ok(linted);
        };
        if !parsed.duplicates.is_empty() && self.allow == Applicability::Safe {
            // Writing the file again keeps one of the two values: not without consent.
            if linted.findings.iter().any(|f| f.fix.is_some()) {
                self.held_back += 1;
                ctx.warn(&tr(
                    format!("{shown}: a key is given twice ({}); nothing was changed, since writing the file keeps only the last value (the one the phone reads): --unsafe-fixes accepts that", parsed.duplicates.join(", ")),
                    format!("{shown}: 同じキーが2回あります({})。ファイルを書き直すと最後の値(iPhone が読む値)だけが残るため、何も変えていません。--unsafe-fixes でそれを認めます", parsed.duplicates.join(", ")),
                ));
            }
            return Ok(linted);
        }
        let original = Value::Dictionary(root.clone());
        let fixed = fix::fix(root, linted.findings.clone(), opts, self.allow);
        self.unsafe_left += fixed.unsafe_left;
        if fixed.applied.is_empty() {
            return Ok(linted);
        }
        let binary = content.starts_with(b"bplist00");
        let new_value = Value::Dictionary(fixed.root);
        let new_content = serialise(&new_value, binary)?;
        let signed = opened.signature.is_some();
        let final_bytes = if !signed || self.diff {
            new_content.clone()
        } else if let Some(signer) = &self.signer {
            signer.sign(&new_content)?
        } else if self.unsign {
            new_content.clone()
        } else {
            self.held_back += 1;
            ctx.warn(&tr(
                format!("{shown}: signed; the fixes would break the signature, so nothing was changed: give --sign-p12 (or --sign-cert and --sign-key) to sign it again, or --unsign to write it unsigned"),
                format!("{shown}: 署名付きです。修正すると署名が壊れるため、何も変えていません。署名し直すには --sign-p12(または --sign-cert と --sign-key)を、署名なしで書き出すには --unsign を指定してください"),
            ));
            return Ok(linted);
        };
        if self.diff {
            let old_text = if signed || binary {
                String::from_utf8_lossy(&serialise(&original, false)?).into_owned()
            } else {
                String::from_utf8_lossy(bytes).into_owned()
            };
            let new_text = String::from_utf8_lossy(&serialise(&new_value, false)?).into_owned();
            let diff = similar::TextDiff::from_lines(&old_text, &new_text);
            self.diff_text.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{shown}"), &format!("b/{shown}"))
                    .to_string(),
            );
        } else {
            let target = self.output.as_deref().unwrap_or(path);
            let mode = keep_mode(target)
                .or_else(|| keep_mode(path))
                .unwrap_or(Mode::Public);
            output::write_atomic(target, &final_bytes, mode)?;
            if signed {
                ctx.note(&if self.signer.is_some() {
                    tr(
                        format!("{shown}: signed again"),
                        format!("{shown}: 署名し直しました"),
                    )
                } else {
                    tr(
                        format!("{shown}: written unsigned (--unsign)"),
                        format!("{shown}: 署名なしで書き出しました(--unsign)"),
                    )
                });
            }
        }
        for a in &fixed.applied {
            let how = match a.applicability {
                Applicability::Safe => String::new(),
                Applicability::Unsafe => " (unsafe)".to_string(),
            };
            let at = if a.path.is_empty() {
                String::new()
            } else {
                format!(" {}", a.path)
            };
            ctx.info(&if self.diff {
                tr(
                    format!("{shown}: would fix {}{how}{at}: {}", a.rule, a.what),
                    format!("{shown}: {}{how} を修正できます{at}: {}", a.rule, a.what),
                )
            } else {
                tr(
                    format!("{shown}: fixed {}{how}{at}: {}", a.rule, a.what),
                    format!("{shown}: {}{how} を修正しました{at}: {}", a.rule, a.what),
                )
            });
        }
        self.fixed += fixed.applied.len();
        self.files_changed += 1;
        Ok(lint::lint(&final_bytes, opts))
    }

    /// The closing line: how many were fixed, what stops the rest.
    pub fn summary(&self, remaining: usize) -> String {
        let verb_en = if self.diff { "would fix" } else { "fixed" };
        let verb_ja = if self.diff {
            "修正できます"
        } else {
            "修正しました"
        };
        let mut en = format!(
            "lint --fix: {verb_en} {} in {}; {} {}",
            crate::certs::plural(self.fixed, "finding", "findings"),
            crate::certs::plural(self.files_changed, "file", "files"),
            crate::certs::plural(remaining, "finding", "findings"),
            if remaining == 1 { "remains" } else { "remain" }
        );
        let mut ja = format!(
            "lint --fix: {} ファイルの指摘 {} 件を{verb_ja}。残りの指摘は {} 件です",
            self.files_changed, self.fixed, remaining
        );
        if self.unsafe_left > 0 {
            en.push_str(&format!(" ({} more with --unsafe-fixes)", self.unsafe_left));
            ja.push_str(&format!(
                "(--unsafe-fixes でさらに {} 件)",
                self.unsafe_left
            ));
        }
        if self.held_back > 0 {
            en.push_str(&format!(
                "; {} left unchanged (see above)",
                crate::certs::plural(self.held_back, "file", "files")
            ));
            ja.push_str(&format!(
                "。{} ファイルは変更していません(上記参照)",
                self.held_back
            ));
        }
        tr(en, ja)
    }
}

/// The profile in its form: binary when it was binary, XML otherwise.
fn serialise(v: &Value, binary: bool) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let r = if binary {
        v.to_writer_binary(&mut out)
    } else {
        // As `new` writes it: ending with a line break.
        v.to_writer_xml(&mut out).map(|()| out.push(b'\n'))
    };
    r.map_err(|e| {
        Error::Other(tr(
            format!("cannot write the fixed profile: {e}"),
            format!("修正したプロファイルを書き出せません: {e}"),
        ))
    })?;
    Ok(out)
}

/// The permission bits of an existing regular file, to give its replacement.
fn keep_mode(path: &Path) -> Option<Mode> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| Mode::Keep(m.permissions().mode()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

//! `profilegen inspect`: is the file signed, by whom, does the signature hold; and the profile.

use super::Ctx;
use crate::cli::{Format, InspectArgs};
use crate::container::{self, Opened, Trust, MAX_SIZE};
use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::output::{self, Mode};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// Exit status of `inspect`.
pub enum Verdict {
    /// Signed, signature and chain verified.
    Verified,
    /// Unsigned, or the signature or chain did not verify.
    NotVerified,
}

pub fn run(args: InspectArgs, ctx: &Ctx) -> Result<Verdict> {
    let trust = match &args.ca {
        Some(p) => Trust::from_file(p)?,
        None => Trust::System,
    };
    let verifier =
        container::Verifier::from_trust(&trust).map_err(|e| super::trust_store_error(&e))?;
    let bytes = output::read_limited(&args.file, MAX_SIZE)?;
    let opened = container::open(&bytes, &verifier);
    let shown = args.file.display().to_string();
    if let Some(e) = &opened.error {
        return Err(Error::input(shown, e.clone()));
    }
    // Depth-limited: a hostile file nested 150 000 deep is refused, not a stack overflow.
    let parsed = opened.content.as_deref().map(crate::lint::parse_plist_full);
    let duplicates = parsed
        .as_ref()
        .and_then(|p| p.as_ref().ok())
        .is_some_and(|p| !p.duplicates.is_empty());
    let value = parsed.map(|p| p.map(|p| p.value));
    let profile_ok = matches!(value, Some(Ok(_)));

    let mut out = String::new();
    match args.format {
        Format::Json => {
            let j = serde_json::json!({
                "file": shown,
                "form": opened.form,
                "signed": opened.signature.is_some(),
                "verified": opened.signature.as_ref().is_some_and(|s| s.verified()),
                "signature": opened.signature,
                "content_is_plist": profile_ok,
            });
            out = serde_json::to_string_pretty(&j).expect("json") + "\n";
        }
        Format::Text => {
            describe(&mut out, &shown, &opened, ctx.lang);
            match &value {
                None => out.push_str(ctx.lang.pick(
                    "内容: 取り出せませんでした\n",
                    "content: could not be extracted\n",
                )),
                Some(Err(e)) => {
                    let _ = writeln!(
                        out,
                        "{}",
                        crate::i18n::tr(
                            format!("content: not a property list ({e}); this is not a profile"),
                            format!("内容: プロパティリストではありません({e})。プロファイルではありません"),
                        )
                    );
                }
                Some(Ok(v)) if !args.extract => {
                    out.push('\n');
                    let content = opened.content.as_deref().unwrap_or_default();
                    let secret = super::sign::holds_password(v);
                    // The file's own text only when it hides nothing: a key given twice may
                    // carry a password the parsed value does not show.
                    let raw_text = !secret
                        && !duplicates
                        && !String::from_utf8_lossy(content).contains("Password</key>");
                    if container::sniff(content) == container::Form::XmlPlist && raw_text {
                        out.push_str(&String::from_utf8_lossy(content));
                    } else {
                        // Binary content is shown as XML; passwords are never printed.
                        let mut shown = v.clone();
                        let hidden = hide_passwords(&mut shown);
                        let mut xml = Vec::new();
                        shown
                            .to_writer_xml(&mut xml)
                            .map_err(|e| Error::Other(e.to_string()))?;
                        out.push_str(&String::from_utf8_lossy(&xml));
                        if hidden > 0 {
                            out.push_str(&format!(
                                "\n(the profile holds {hidden} password{}, shown as ********; --extract -o FILE writes the content unchanged)",
                                if hidden == 1 { "" } else { "s" }
                            ));
                        }
                    }
                    if !out.ends_with('\n') {
                        out.push('\n');
                    }
                }
                Some(Ok(_)) => {}
            }
        }
    }
    if args.extract {
        let target = args.output.as_deref().unwrap_or(Path::new("-"));
        let content = opened.content.as_deref().ok_or_else(|| {
            Error::input(
                &shown,
                tr(
                    "the content could not be extracted",
                    "中身を取り出せませんでした",
                ),
            )
        })?;
        if target == Path::new("-") {
            // The content goes to stdout; the report to stderr.
            eprint!("{out}");
            let mut o = std::io::stdout().lock();
            o.write_all(content)
                .and_then(|_| o.flush())
                .map_err(|e| Error::io("<stdout>", e))?;
        } else {
            let secret = value
                .as_ref()
                .and_then(|v| v.as_ref().ok())
                .is_some_and(super::sign::holds_password);
            output::write_atomic(
                target,
                content,
                if secret { Mode::Secret } else { Mode::Public },
            )?;
            print!("{out}");
        }
    } else {
        let mut o = std::io::stdout().lock();
        o.write_all(out.as_bytes())
            .and_then(|_| o.flush())
            .map_err(|e| Error::io("<stdout>", e))?;
    }
    let verified = opened.signature.as_ref().is_some_and(|s| s.verified());
    Ok(if verified && profile_ok {
        Verdict::Verified
    } else {
        Verdict::NotVerified
    })
}

fn describe(out: &mut String, shown: &str, opened: &Opened, lang: crate::preset::Lang) {
    let ja = lang == crate::preset::Lang::Ja;
    let label =
        |en: &str, ja_label: &str| crate::i18n::label(lang, en, ja_label, if ja { 15 } else { 13 });
    let t = |en: &str, ja_text: &str| {
        if ja {
            ja_text.to_string()
        } else {
            en.to_string()
        }
    };
    let _ = writeln!(out, "{}{shown}", label("file:", "ファイル:"));
    let _ = writeln!(out, "{}{}", label("form:", "形式:"), opened.form.describe());
    let Some(s) = &opened.signature else {
        let _ = writeln!(
            out,
            "{}{}",
            label("signature:", "署名:"),
            t(
                "none — the phone shows the profile as \"Not Verified\" (未検証)",
                "なし — iPhoneには「未検証」と表示されます"
            )
        );
        return;
    };
    let sig = label("signature:", "署名:");
    match &s.signature_error {
        None => {
            let _ = writeln!(out, "{sig}{}", t("valid", "有効"));
        }
        Some(e) => {
            let _ = writeln!(
                out,
                "{sig}{}",
                if ja {
                    format!("壊れています({e})— 署名後に変更されたか、破損しています。iOSはインストールを拒否します")
                } else {
                    format!("BROKEN ({e}) — the file was changed after signing, or is damaged; iOS refuses to install it")
                }
            );
        }
    }
    let _ = writeln!(
        out,
        "{}{}",
        label("digest:", "ダイジェスト:"),
        s.digest.clone().unwrap_or_else(|| t("unknown", "不明"))
    );
    if let Some(time) = &s.signing_time {
        let _ = writeln!(out, "{}{time}", label("signed at:", "署名日時:"));
    }
    if let Some(c) = &s.signer {
        let _ = writeln!(out, "{}{}", label("signer:", "署名者:"), c.subject);
        let _ = writeln!(out, "{}{}", label("issuer:", "発行者:"), c.issuer);
        let state = if c.not_yet_valid {
            t("NOT YET VALID", "まだ有効ではありません")
        } else if c.expired() {
            if ja {
                format!("期限切れ({})", c.time_left())
            } else {
                c.time_left().replacen("expired", "EXPIRED", 1)
            }
        } else {
            c.time_left()
        };
        let _ = writeln!(
            out,
            "{}{} — {} ({} {state})",
            label("valid:", "有効期間:"),
            c.not_before,
            c.not_after,
            t("now:", "現在:")
        );
        let at = label("at signing:", "署名時点:");
        let _ = writeln!(
            out,
            "{at}{}",
            match s.signer_valid_at_signing_time {
                Some(true) => t(
                    "valid at the signing time — the phone checks the signer at the signing time, not today",
                    "署名時点では有効 — iPhoneは今日ではなく署名時点で署名者を確かめます"
                ),
                Some(false) => t(
                    "NOT valid at the signing time — the phone checks the signer at the signing time, so it shows \"Not Verified\"",
                    "署名時点で有効ではありません — iPhoneは署名時点で確かめるため「未検証」と表示します"
                ),
                None => t(
                    "no signing time in the signature — the phone checks the signer against today's date",
                    "署名に署名日時がありません — iPhoneは今日の日付で署名者を確かめます"
                ),
            }
        );
    }
    let chain = label("chain:", "チェーン:");
    match (&s.chain_valid, &s.chain_error) {
        (true, _) => {
            let n = if ja {
                format!("ファイル内に{}枚", s.certificates)
            } else {
                format!(
                    "{} in the file",
                    crate::certs::plural(s.certificates, "certificate", "certificates")
                )
            };
            let _ = writeln!(out, "{chain}{} ({n})", t("trusted", "信頼済み"));
        }
        (false, e) => {
            let _ = writeln!(
                out,
                "{chain}{} ({}){}",
                t("NOT TRUSTED", "信頼されていません"),
                e.as_deref().unwrap_or("unknown"),
                s.chain_fix
                    .as_deref()
                    .map(|f| format!(" — {f}"))
                    .unwrap_or_default()
            );
        }
    }
    let _ = writeln!(
        out,
        "{}{}",
        label("verified:", "検証結果:"),
        match (s.verified(), ja) {
            (true, false) => "yes",
            (false, false) => "no",
            (true, true) => "検証済み",
            (false, true) => "未検証",
        }
    );
}

/// Replaces every non-empty `…Password` string with asterisks; returns how many.
fn hide_passwords(v: &mut plist::Value) -> usize {
    match v {
        plist::Value::Dictionary(d) => {
            let mut n = 0;
            for (k, x) in d.iter_mut() {
                if k.ends_with("Password") {
                    if let plist::Value::String(s) = x {
                        if !s.is_empty() {
                            *s = "********".into();
                            n += 1;
                            continue;
                        }
                    }
                }
                n += hide_passwords(x);
            }
            n
        }
        plist::Value::Array(a) => a.iter_mut().map(hide_passwords).sum(),
        _ => 0,
    }
}

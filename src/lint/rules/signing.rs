//! Signatures: unsigned, broken, expired, weak digest, incomplete chain.

use crate::i18n::tr;
use crate::lint::{Rule, Severity};

pub static UNSIGNED: Rule = Rule {
    id: "PG301",
    name: "unsigned",
    severity: Severity::Info,
    summary: "The profile is not signed",
    why: "An unsigned profile installs, but the phone labels it \"Not Verified\", and users are taught to distrust that.",
    phone_ja: "未検証",
    phone_en: "Not Verified",
    example: "an XML profile without a CMS signature",
    fix: "Sign it: `profilegen sign IN -o OUT --sign-p12 ID.p12` (or `new --sign-*`).",
    check: |ctx, sink| {
        if ctx.opened.signature.is_none() && ctx.opened.error.is_none() {
            sink.emit("", tr("the profile is not signed; the phone shows it as \"Not Verified\"", "プロファイルに署名がなく、iPhoneには「未検証」と表示されます"), None);
        }
    },
};

pub static BROKEN_SIGNATURE: Rule = Rule {
    id: "PG302",
    name: "signature-broken",
    severity: Severity::Error,
    summary: "The signature does not match the content (changed after signing, or damaged)",
    why: "iOS refuses a profile whose signature does not verify.",
    phone_ja: "プロファイルをインストールできません(署名が無効です)",
    phone_en: "The profile could not be installed (invalid signature)",
    example: "a signed profile edited in a text editor afterwards",
    fix: "Sign the final profile again; never edit a signed file.",
    check: |ctx, sink| {
        if let Some(s) = &ctx.opened.signature {
            if let Some(e) = &s.signature_error {
                sink.emit(
                    "",
                    tr(
                        format!("the signature does not verify: {e}"),
                        format!("署名を検証できません: {e}"),
                    ),
                    Some("sign the unmodified profile again".into()),
                );
            }
        }
    },
};

pub static SIGNER_VALIDITY: Rule = Rule {
    id: "PG303",
    name: "signer-expired",
    severity: Severity::Error,
    summary: "The signing certificate has expired or is not yet valid",
    why: "A profile signed with an expired certificate shows as \"Not Verified\" and is a sign of a stale profile (FINDINGS: a cPanel profile signed with a certificate that expired in 2018).",
    phone_ja: "未検証",
    phone_en: "Not Verified",
    example: "signer certificate notAfter 2018-04-07",
    fix: "Re-sign with a current certificate.",
    check: |ctx, sink| {
        let Some(c) = ctx.opened.signature.as_ref().and_then(|s| s.signer.as_ref()) else { return };
        if c.expired() {
            sink.emit("", tr(format!("the signing certificate {} expired on {} ({})", c.subject, c.not_after, c.time_left()), format!("署名の証明書 {} は {} に期限切れです({})", c.subject, c.not_after, c.time_left())), Some(tr("re-sign with a valid certificate", "有効な証明書で署名し直してください")));
        } else if c.not_yet_valid {
            sink.emit("", tr(format!("the signing certificate {} is not valid before {}", c.subject, c.not_before), format!("署名の証明書 {} は {} まで有効ではありません", c.subject, c.not_before)), Some(tr("check the signing machine's clock, or wait", "署名したマシンの時計を確認するか、有効になるまで待ってください")));
        }
    },
};

pub static WEAK_DIGEST: Rule = Rule {
    id: "PG304",
    name: "weak-digest",
    severity: Severity::Warning,
    summary: "The signature uses SHA-1 (or MD5)",
    why: "SHA-1 signatures are deprecated and may stop being accepted by Apple's platforms.",
    phone_ja: "未検証",
    phone_en: "Not Verified",
    example: "openssl smime -sign -md sha1 …",
    fix: "Re-sign with SHA-256 (profilegen always does).",
    check: |ctx, sink| {
        if let Some(d) = ctx
            .opened
            .signature
            .as_ref()
            .and_then(|s| s.digest.as_deref())
        {
            if d == "SHA-1" || d == "MD5" {
                sink.emit(
                    "",
                    tr(
                        format!("the signature's digest is {d}"),
                        format!("署名のダイジェストが {d} です"),
                    ),
                    Some("re-sign with SHA-256".into()),
                );
            }
        }
    },
};

pub static CHAIN: Rule = Rule {
    id: "PG305",
    name: "chain-untrusted",
    severity: Severity::Warning,
    summary: "The signer's certificate does not chain to a trusted root (an untrusted root, or a missing intermediate)",
    why: "The phone builds the chain from the certificates in the file; without the intermediate it cannot, and shows the profile as \"Not Verified\".",
    phone_ja: "未検証",
    phone_en: "Not Verified",
    example: "a profile signed with `openssl smime -sign` without -certfile",
    fix: "Re-sign including the chain (`--sign-chain CHAIN.pem`, or a PKCS#12 with the CA certificates).",
    check: |ctx, sink| {
        let Some(s) = &ctx.opened.signature else { return };
        if s.signature_error.is_some() || s.chain_valid {
            return;
        }
        // An expired signer is PG303's.
        if s.signer.as_ref().is_some_and(|c| c.expired() || c.not_yet_valid) {
            return;
        }
        let e = s.chain_error.as_deref().unwrap_or("unknown");
        let help = s
            .chain_fix
            .clone()
            .unwrap_or_else(|| "sign with a certificate from a CA the phones trust".into());
        sink.emit("", tr(format!("the signer's chain does not verify: {e}"), format!("署名者のチェーンを検証できません: {e}")), Some(help));
    },
};

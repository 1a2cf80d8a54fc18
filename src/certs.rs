//! Certificates judged the way the phone judges them: one chain diagnosis shared by `probe`,
//! `inspect`, `lint` and `sign`, and Apple's rules for TLS server certificates (iOS 13 and later,
//! Apple's "Requirements for trusted certificates in iOS 13 and macOS 10.15").

use openssl::stack::Stack;
use openssl::x509::store::X509StoreRef;
use openssl::x509::{X509Ref, X509StoreContext, X509VerifyResult, X509};
use serde::Serialize;

/// Why a chain does not verify, in the terms of its fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChainProblem {
    /// The chain ends at a root the phone does not trust: a self-signed certificate, or a private
    /// CA. Fix: install that root on the phone, or use a certificate from a public CA.
    UntrustedRoot,
    /// A certificate that exists is not sent along: the leaf names an issuer it says where to
    /// fetch (authorityInfoAccess caIssuers), as public CAs' certificates do. Fix: send the full
    /// chain.
    MissingIntermediate,
    /// The leaf's issuer is neither sent nor trusted, and nothing says whether it is an
    /// intermediate or a private root. Fix: one of the two above; the message names both.
    UnknownIssuer,
    /// Expired, or not valid yet, at the time of the check.
    Validity,
    /// The certificate is for another host name.
    Name,
    /// Anything else (a bad signature, a CA flag missing, …).
    Other,
}

/// The verdict on a chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainVerdict {
    pub valid: bool,
    /// OpenSSL's text for the failure.
    pub error: Option<String>,
    pub problem: Option<ChainProblem>,
    /// The certificate the phone would need and does not have: the untrusted root (its subject,
    /// or the issuer named by the top of the chain), or the missing intermediate.
    pub missing: Option<String>,
    /// OpenSSL's verification error code (0 when valid).
    #[serde(skip)]
    pub code: i32,
}

impl ChainVerdict {
    fn failed(error: String) -> ChainVerdict {
        ChainVerdict {
            valid: false,
            error: Some(error),
            problem: Some(ChainProblem::Other),
            missing: None,
            code: -1,
        }
    }

    /// A one-line fix, for a profile's signer (`signer` true) or a mail server.
    pub fn fix(&self, signer: bool) -> String {
        use crate::i18n::tr;
        let missing = self.missing.as_deref().unwrap_or("its issuer");
        match (self.problem, signer) {
            (Some(ChainProblem::UntrustedRoot), true) => tr(format!(
                "the chain ends at {missing}, a root the phone does not trust: install that root on the phones (a private CA, through MDM or a profile), or sign with a certificate from a public CA"
            ), format!(
                "チェーンの終点 {missing} はiPhoneが信頼しないルートです。そのルートをiPhoneに入れる(プライベートCA: MDMかプロファイルで)か、公的なCAの証明書で署名してください"
            )),
            (Some(ChainProblem::UntrustedRoot), false) => tr(format!(
                "the chain ends at {missing}, a root the phone does not trust: install that root on the phone (a private CA), or use a certificate from a public CA"
            ), format!(
                "チェーンの終点 {missing} はiPhoneが信頼しないルートです。そのルートをiPhoneに入れる(プライベートCA)か、公的なCAの証明書を使ってください"
            )),
            (Some(ChainProblem::MissingIntermediate), true) => tr(format!(
                "the intermediate certificate {missing} is not in the file: sign again with it (--sign-chain CHAIN.pem, or a PKCS#12 that holds it)"
            ), format!(
                "中間証明書 {missing} がファイルにありません。それを含めて署名し直してください(--sign-chain CHAIN.pem、またはそれを含むPKCS#12)"
            )),
            (Some(ChainProblem::MissingIntermediate), false) => tr(format!(
                "the server does not send the intermediate certificate {missing}: server side, configure the full chain (leaf followed by the intermediates)"
            ), format!(
                "サーバが中間証明書 {missing} を送っていません。サーバ側で完全なチェーン(サーバ証明書と中間証明書)を設定してください"
            )),
            (Some(ChainProblem::UnknownIssuer), true) => tr(format!(
                "the signer was issued by {missing}, which is not in the file and not a CA phones trust out of the box: if it is a private root, install it on the phones; if it is an intermediate, sign again with it (--sign-chain CHAIN.pem)"
            ), format!(
                "署名者の発行者 {missing} はファイルになく、iPhoneが最初から信頼するCAでもありません。プライベートなルートならiPhoneに入れ、中間証明書ならそれを含めて署名し直してください(--sign-chain CHAIN.pem)"
            )),
            (Some(ChainProblem::UnknownIssuer), false) => tr(format!(
                "the certificate was issued by {missing}, which the server does not send and the phone does not trust: if it is a private root, install it on the phone; if it is an intermediate, configure the full chain on the server"
            ), format!(
                "証明書の発行者 {missing} はサーバが送っておらず、iPhoneも信頼していません。プライベートなルートならiPhoneに入れ、中間証明書ならサーバで完全なチェーンを設定してください"
            )),
            (Some(ChainProblem::Validity), _) => tr(
                "renew the certificate; check the clocks",
                "証明書を更新し、時計を確認してください",
            ),
            (Some(ChainProblem::Name), _) => tr(
                "use the host name the certificate names",
                "証明書に書かれたホスト名を使ってください",
            ),
            _ if signer => tr(
                "sign with a certificate from a CA the phones trust",
                "iPhoneが信頼するCAの証明書で署名してください",
            ),
            _ => tr(
                "use a certificate from a CA the phone trusts",
                "iPhoneが信頼するCAの証明書を使ってください",
            ),
        }
    }
}

/// True for a self-signed certificate.
pub fn self_signed(cert: &X509Ref) -> bool {
    cert.issued(cert) == X509VerifyResult::OK
}

/// True when the certificate is a CA (basicConstraints cA).
fn is_ca(cert: &X509Ref) -> bool {
    cert.to_der().ok().is_some_and(|der| {
        x509_parser::parse_x509_certificate(&der)
            .ok()
            .and_then(|(_, c)| c.basic_constraints().ok().flatten().map(|b| b.value.ca))
            .unwrap_or(false)
    })
}

/// True when the certificate says where its issuer's certificate can be fetched
/// (authorityInfoAccess with caIssuers): public CAs' leaves do, a private root's rarely.
fn names_ca_issuers(cert: &X509Ref) -> bool {
    use x509_parser::extensions::ParsedExtension;
    let Ok(der) = cert.to_der() else { return false };
    let Ok((_, c)) = x509_parser::parse_x509_certificate(&der) else {
        return false;
    };
    c.extensions().iter().any(|e| match e.parsed_extension() {
        ParsedExtension::AuthorityInfoAccess(aia) => aia.accessdescs.iter().any(|d| {
            d.access_method == x509_parser::oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS
        }),
        _ => false,
    })
}

/// Verifies `leaf` with the `untrusted` certificates sent along, against `store` (whose
/// parameters may name a host), and says what is wrong in the terms of its fix.
pub fn verify_chain(store: &X509StoreRef, leaf: &X509Ref, untrusted: &[X509]) -> ChainVerdict {
    let mut chain = match Stack::new() {
        Ok(s) => s,
        Err(e) => return ChainVerdict::failed(e.to_string()),
    };
    for c in untrusted {
        if chain.push(c.clone()).is_err() {
            return ChainVerdict::failed("cannot build the chain".into());
        }
    }
    let result = X509StoreContext::new().and_then(|mut ctx| {
        ctx.init(store, leaf, &chain, |c| {
            let ok = c.verify_cert()?;
            let built: Vec<X509> = c
                .chain()
                .map(|s| s.iter().map(|x| x.to_owned()).collect())
                .unwrap_or_default();
            Ok((ok, c.error(), built))
        })
    });
    let (ok, err, built) = match result {
        Ok(r) => r,
        Err(e) => return ChainVerdict::failed(crate::sign::first_reason(&e)),
    };
    if ok {
        return ChainVerdict {
            valid: true,
            error: None,
            problem: None,
            missing: None,
            code: 0,
        };
    }
    use openssl_sys as s;
    let code = err.as_raw();
    let top: &X509Ref = built.last().map_or(leaf, |c| c.as_ref());
    let (problem, missing) = match code {
        s::X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT | s::X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN => {
            (ChainProblem::UntrustedRoot, Some(crate::sign::subject(top)))
        }
        s::X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | s::X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT => {
            let issuer = crate::sign::name_line(top.issuer_name());
            // The top of what was sent is a CA whose issuer is unknown: that issuer is a root
            // nobody trusts here. A leaf whose issuer is unknown is missing its intermediate
            // when it says where that intermediate is (public CAs' leaves do); otherwise it may
            // as well come straight from a private root, and the verdict says both.
            if is_ca(top) {
                (ChainProblem::UntrustedRoot, Some(issuer))
            } else if names_ca_issuers(top) {
                (ChainProblem::MissingIntermediate, Some(issuer))
            } else {
                (ChainProblem::UnknownIssuer, Some(issuer))
            }
        }
        s::X509_V_ERR_CERT_HAS_EXPIRED | s::X509_V_ERR_CERT_NOT_YET_VALID => {
            (ChainProblem::Validity, None)
        }
        s::X509_V_ERR_HOSTNAME_MISMATCH | s::X509_V_ERR_IP_ADDRESS_MISMATCH => {
            (ChainProblem::Name, None)
        }
        _ => (ChainProblem::Other, None),
    };
    ChainVerdict {
        valid: false,
        error: Some(err.error_string().to_string()),
        problem: Some(problem),
        missing,
        code,
    }
}

/// One of Apple's rules that a TLS server certificate breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IosRule {
    /// The host name is only in the subject's CN; iOS matches subjectAltName only.
    NameOnlyInCn,
    /// No extendedKeyUsage with serverAuth (certificates issued after 2019-07-01).
    NoServerAuth,
    /// Valid for more than 825 days (issued after 2019-07-01), or more than 398 days for a
    /// publicly trusted certificate issued after 2020-09-01.
    TooLong,
    /// An RSA key under 2048 bits (the server's or an issuing CA's).
    WeakKey,
    /// A SHA-1 (or MD5) signature (the server's or an issuing CA's).
    WeakSignature,
}

/// A broken rule and the words for it.
#[derive(Debug, Clone, Serialize)]
pub struct IosViolation {
    pub rule: IosRule,
    pub message: String,
}

/// 2019-07-01T00:00:00Z and 2020-09-01T00:00:00Z.
const IOS13_CUTOFF: i64 = 1_561_939_200;
const PUBLIC_398_CUTOFF: i64 = 1_598_918_400;

fn rsa_bits(c: &x509_parser::certificate::X509Certificate<'_>) -> Option<usize> {
    match c.public_key().parsed().ok()? {
        x509_parser::public_key::PublicKey::RSA(k) => Some(k.key_size()),
        _ => None,
    }
}

fn weak_signature(c: &x509_parser::certificate::X509Certificate<'_>) -> Option<&'static str> {
    match c.signature_algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" | "1.3.14.3.2.29" => {
            Some("SHA-1")
        }
        "1.2.840.113549.1.1.4" => Some("MD5"),
        _ => None,
    }
}

/// Apple's rules for TLS server certificates, applied to the leaf (and, for keys and
/// signatures, to the issuing CAs sent along). `publicly_trusted` is true when the chain ends at a system root (the 398-day rule applies only
/// there).
pub fn ios_server_rules(
    leaf: &X509Ref,
    sent: &[X509],
    publicly_trusted: bool,
) -> Vec<IosViolation> {
    use x509_parser::extensions::GeneralName;
    let mut out = Vec::new();
    let Ok(der) = leaf.to_der() else { return out };
    let Ok((_, c)) = x509_parser::parse_x509_certificate(&der) else {
        return out;
    };
    let not_before = c.validity().not_before.timestamp();
    let not_after = c.validity().not_after.timestamp();
    // The name: subjectAltName only.
    let san: Vec<String> = c
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|s| {
            s.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some(d.to_string()),
                    GeneralName::IPAddress(ip) => match ip.len() {
                        4 => Some(std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string()),
                        16 => <[u8; 16]>::try_from(*ip)
                            .ok()
                            .map(|b| std::net::Ipv6Addr::from(b).to_string()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if san.is_empty() {
        let cn: Vec<String> = c
            .subject()
            .iter_common_name()
            .filter_map(|a| a.as_str().ok().map(str::to_string))
            .collect();
        out.push(IosViolation {
            rule: IosRule::NameOnlyInCn,
            message: if cn.is_empty() {
                crate::i18n::tr(
                    "the certificate names no host in subjectAltName; iOS ignores the subject's CN",
                    "証明書の subjectAltName にホスト名がありません。iOSはサブジェクトのCNを無視します",
                )
            } else {
                crate::i18n::tr(
                    format!(
                        "the certificate names {} only in the subject's CN, not in subjectAltName; iOS 13 and later ignore the CN",
                        cn.join(", ")
                    ),
                    format!(
                        "証明書は {} をサブジェクトのCNにだけ書き、subjectAltName にはありません。iOS 13以降はCNを無視します",
                        cn.join(", ")
                    ),
                )
            },
        });
    }
    if not_before >= IOS13_CUTOFF {
        let server_auth = c
            .extended_key_usage()
            .ok()
            .flatten()
            .map(|e| e.value.server_auth || e.value.any);
        match server_auth {
            Some(true) => {}
            Some(false) => out.push(IosViolation {
                rule: IosRule::NoServerAuth,
                message: crate::i18n::tr(
                    "the certificate's extendedKeyUsage does not include serverAuth",
                    "証明書の extendedKeyUsage に serverAuth がありません",
                ),
            }),
            None => out.push(IosViolation {
                rule: IosRule::NoServerAuth,
                message: crate::i18n::tr(
                    "the certificate has no extendedKeyUsage extension with serverAuth",
                    "証明書に serverAuth を含む extendedKeyUsage 拡張がありません",
                ),
            }),
        }
        let days = (not_after - not_before) / 86_400;
        if days > 825 {
            out.push(IosViolation {
                rule: IosRule::TooLong,
                message: crate::i18n::tr(
                    format!("the certificate is valid for {days} days; iOS accepts at most 825 for certificates issued after 2019-07-01"),
                    format!("証明書の有効期間は{days}日です。2019年7月1日以降に発行された証明書でiOSが受け入れるのは825日までです"),
                ),
            });
        } else if publicly_trusted && not_before >= PUBLIC_398_CUTOFF && days > 398 {
            out.push(IosViolation {
                rule: IosRule::TooLong,
                message: crate::i18n::tr(
                    format!("the certificate is valid for {days} days; for publicly trusted certificates issued after 2020-09-01 iOS accepts at most 398"),
                    format!("証明書の有効期間は{days}日です。2020年9月1日以降に公的なCAが発行した証明書でiOSが受け入れるのは398日までです"),
                ),
            });
        }
    }
    // Keys and signatures: the leaf, then the issuing CAs sent along (a root's own signature
    // does not matter, its key does).
    let mut certs: Vec<(String, Vec<u8>, bool)> = vec![("server".into(), der.clone(), false)];
    for s in sent.iter().skip(1) {
        if let Ok(d) = s.to_der() {
            certs.push((crate::sign::subject(s), d, self_signed(s)));
        }
    }
    for (i, (who, d, root)) in certs.iter().enumerate() {
        let Ok((_, x)) = x509_parser::parse_x509_certificate(d) else {
            continue;
        };
        let whose = if i == 0 {
            crate::i18n::tr("the server's certificate", "サーバの証明書")
        } else {
            crate::i18n::tr(
                format!("the CA certificate {who}"),
                format!("CA証明書 {who} "),
            )
        };
        if let Some(bits) = rsa_bits(&x).filter(|b| *b < 2048) {
            out.push(IosViolation {
                rule: IosRule::WeakKey,
                message: crate::i18n::tr(
                    format!("{whose} has a {bits}-bit RSA key; iOS requires at least 2048 bits"),
                    format!("{whose}のRSA鍵は{bits}ビットです。iOSは2048ビット以上を求めます"),
                ),
            });
        }
        if !root {
            if let Some(alg) = weak_signature(&x) {
                out.push(IosViolation {
                    rule: IosRule::WeakSignature,
                    message: crate::i18n::tr(
                        format!("{whose} is signed with {alg}; iOS does not trust {alg} signatures for TLS"),
                        format!("{whose}は {alg} で署名されています。iOSはTLSで {alg} の署名を信頼しません"),
                    ),
                });
            }
        }
    }
    out
}

/// "in 5 days", "expired 2 days ago", "expired less than a day ago", "in less than a day":
/// seconds until notAfter in words, counted in whole days (never rounded up).
pub fn time_left(secs_left: i64) -> String {
    use crate::i18n::tr;
    let days = secs_left.unsigned_abs() / 86_400;
    let n = |d: u64| {
        if d == 1 {
            "1 day".to_string()
        } else {
            format!("{d} days")
        }
    };
    match (secs_left < 0, days) {
        (true, 0) => tr("expired less than a day ago", "1日以内に期限切れ"),
        (true, d) => tr(
            format!("expired {} ago", n(d)),
            format!("{d}日前に期限切れ"),
        ),
        (false, 0) => tr("expires in less than a day", "残り1日未満"),
        (false, d) => tr(format!("{} left", n(d)), format!("残り{d}日")),
    }
}

/// `n thing` or `n things`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_counts_whole_days() {
        assert_eq!(time_left(-(2 * 86_400 + 240)), "expired 2 days ago");
        assert_eq!(time_left(-86_400), "expired 1 day ago");
        assert_eq!(time_left(-5), "expired less than a day ago");
        assert_eq!(time_left(5), "expires in less than a day");
        assert_eq!(time_left(86_400 * 3 + 1), "3 days left");
        assert_eq!(time_left(86_400), "1 day left");
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "error", "errors"), "1 error");
        assert_eq!(plural(0, "error", "errors"), "0 errors");
    }
}

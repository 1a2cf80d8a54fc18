//! Signing profiles: CMS SignedData (RFC 5652), the profile as attached content, SHA-256, the
//! signer certificate and chain included, DER — what iOS and macOS accept.
//!
//! A [`Signer`] loads the identity once and is `Sync`: a bulk run shares one across threads.

use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::profile::Secret;
use foreign_types::ForeignType;
use openssl::asn1::Asn1Time;
use openssl::cms::CmsContentInfo;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::stack::Stack;
use openssl::x509::{X509Ref, X509};
use std::path::{Path, PathBuf};

/// Where a passphrase for an encrypted key or a PKCS#12 file comes from. Never argv.
#[derive(Debug, Clone)]
pub enum Passphrase {
    /// An environment variable.
    Env(String),
    /// A value already read (from stdin, or for tests).
    Given(Secret),
    /// Prompt on the terminal.
    Prompt,
}

impl Passphrase {
    fn get(&self, what: &Path) -> Result<Secret> {
        match self {
            Passphrase::Env(var) => std::env::var(var).map(Secret::new).map_err(|_| {
                Error::input(
                    "--passphrase-env",
                    tr(
                        format!("the environment variable {var} is not set (or not UTF-8)"),
                        format!("環境変数 {var} が設定されていません(または UTF-8 ではありません)"),
                    ),
                )
            }),
            Passphrase::Given(s) => Ok(s.clone()),
            Passphrase::Prompt => {
                use std::io::IsTerminal;
                if !std::io::stdin().is_terminal() {
                    return Err(Error::input(
                        "passphrase",
                        tr(
                            format!(
                                "{} is encrypted and there is no terminal to ask on; use --passphrase-env VAR or --passphrase-stdin",
                                what.display()
                            ),
                            format!(
                                "{} は暗号化されていますが、パスフレーズを尋ねる端末がありません。--passphrase-env VAR か --passphrase-stdin を使ってください",
                                what.display()
                            ),
                        ),
                    ));
                }
                rpassword::prompt_password(tr(
                    format!("Passphrase for {}: ", what.display()),
                    format!("{} のパスフレーズ: ", what.display()),
                ))
                .map(Secret::new)
                .map_err(|e| {
                    Error::input(
                        "passphrase",
                        tr(
                            format!("cannot read it: {}", crate::error::io_words(&e)),
                            format!("読み取れません: {}", crate::error::io_words(&e)),
                        ),
                    )
                })
            }
        }
    }
}

/// Where the signing identity comes from.
#[derive(Debug, Clone)]
pub enum IdentitySource {
    Pem {
        cert: PathBuf,
        key: PathBuf,
        chain: Option<PathBuf>,
    },
    Pkcs12(PathBuf),
}

/// A certificate, its private key and the chain to send along.
pub struct Identity {
    pub cert: X509,
    key: PKey<Private>,
    pub chain: Vec<X509>,
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

fn ossl<'a>(
    path: &'a Path,
    en: &str,
    ja: &str,
) -> impl FnOnce(openssl::error::ErrorStack) -> Error + 'a {
    let what = tr(en, ja);
    move |e| Error::Other(format!("{}: {what}: {}", path.display(), first_reason(&e)))
}

fn signing_failed(detail: String) -> Error {
    Error::Other(tr(
        format!("signing failed: {detail}"),
        format!("署名できませんでした: {detail}"),
    ))
}

/// The most useful line of an OpenSSL error stack.
pub fn first_reason(e: &openssl::error::ErrorStack) -> String {
    e.errors()
        .iter()
        .rev()
        .find_map(|x| x.reason().map(str::to_string))
        .unwrap_or_else(|| e.to_string())
}

fn load_certs(path: &Path) -> Result<Vec<X509>> {
    let bytes = read(path)?;
    let certs = if bytes.starts_with(b"-----") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        X509::stack_from_pem(&bytes).map_err(ossl(
            path,
            "not a PEM certificate file",
            "PEM の証明書ファイルではありません",
        ))?
    } else {
        vec![X509::from_der(&bytes).map_err(ossl(
            path,
            "not a DER or PEM certificate",
            "DER または PEM の証明書ではありません",
        ))?]
    };
    if certs.is_empty() {
        return Err(Error::Other(tr(
            format!("{}: holds no certificate", path.display()),
            format!("{}: 証明書がありません", path.display()),
        )));
    }
    Ok(certs)
}

impl Identity {
    pub fn load(source: &IdentitySource, passphrase: &Passphrase) -> Result<Identity> {
        match source {
            IdentitySource::Pem { cert, key, chain } => {
                let mut certs = load_certs(cert)?;
                let leaf = certs.remove(0);
                let key_bytes = read(key)?;
                let encrypted = key_bytes.windows(9).any(|w| w == b"ENCRYPTED");
                let pkey = if encrypted {
                    let pass = passphrase.get(key)?;
                    PKey::private_key_from_pem_passphrase(&key_bytes, pass.expose().as_bytes())
                        .map_err(|_| {
                            Error::Other(tr(
                                format!(
                                    "{}: cannot decrypt the key: wrong passphrase?",
                                    key.display()
                                ),
                                format!(
                                    "{}: 鍵を復号できません。パスフレーズが違いませんか?",
                                    key.display()
                                ),
                            ))
                        })?
                } else if key_bytes.starts_with(b"-----")
                    || key_bytes.windows(11).any(|w| w == b"-----BEGIN ")
                {
                    PKey::private_key_from_pem(&key_bytes).map_err(ossl(
                        key,
                        "not a private key",
                        "秘密鍵ではありません",
                    ))?
                } else {
                    PKey::private_key_from_der(&key_bytes).map_err(ossl(
                        key,
                        "not a private key",
                        "秘密鍵ではありません",
                    ))?
                };
                // Certificates after the first in the cert file count as chain too.
                let mut all_chain = certs;
                if let Some(c) = chain {
                    all_chain.extend(load_certs(c)?);
                }
                Ok(Identity {
                    cert: leaf,
                    key: pkey,
                    chain: all_chain,
                })
            }
            IdentitySource::Pkcs12(path) => {
                let der = read(path)?;
                let p12 = Pkcs12::from_der(&der).map_err(ossl(
                    path,
                    "not a PKCS#12 file",
                    "PKCS#12 ファイルではありません",
                ))?;
                // Many exports use an empty passphrase; try that before asking.
                let parsed = match p12.parse2("") {
                    Ok(p) => p,
                    Err(_) => {
                        let pass = passphrase.get(path)?;
                        match p12.parse2(pass.expose()) {
                            Ok(p) => p,
                            Err(first) => {
                                // Older Windows and macOS exports use RC2-40 and 3DES, which
                                // OpenSSL 3 keeps in its legacy provider.
                                if load_legacy_provider() {
                                    if let Ok(p) = p12.parse2(pass.expose()) {
                                        return identity_from(path, p);
                                    }
                                }
                                let reason = first_reason(&first).to_ascii_lowercase();
                                let legacy = reason.contains("unsupported")
                                    || reason.contains("rc2")
                                    || reason.contains("fetch");
                                return Err(Error::Other(if legacy {
                                    tr(
                                        format!(
                                            "{}: the PKCS#12 file uses legacy encryption (RC2/3DES) that this OpenSSL cannot load; convert it: openssl pkcs12 -legacy -in {} -nodes | openssl pkcs12 -export -out new.p12",
                                            path.display(),
                                            path.display()
                                        ),
                                        format!(
                                            "{}: このPKCS#12ファイルは、このOpenSSLでは読めない古い暗号(RC2/3DES)を使っています。変換してください: openssl pkcs12 -legacy -in {} -nodes | openssl pkcs12 -export -out new.p12",
                                            path.display(),
                                            path.display()
                                        ),
                                    )
                                } else {
                                    tr(
                                        format!(
                                            "{}: cannot open the PKCS#12 file: wrong passphrase?",
                                            path.display()
                                        ),
                                        format!(
                                            "{}: PKCS#12ファイルを開けません。パスフレーズが違いませんか?",
                                            path.display()
                                        ),
                                    )
                                }));
                            }
                        }
                    }
                };
                identity_from(path, parsed)
            }
        }
    }

    /// Checks the identity before signing, at `signing_time` (Unix seconds; `None`: now).
    /// Refusals are errors; the rest are warnings.
    pub fn check(&self, allow_expired: bool, signing_time: Option<i64>) -> Result<Vec<String>> {
        let mut warnings = self.check_own(allow_expired, signing_time)?;
        warnings.extend(public_trust_warnings(&self.cert, &self.chain));
        Ok(warnings)
    }

    /// [`Identity::check`] without what a phone with only the public roots makes of the chain
    /// (loading the system's roots takes longer than the rest: `bulk` asks for that part on a
    /// thread of its own with [`public_trust_warnings`]).
    pub fn check_own(&self, allow_expired: bool, signing_time: Option<i64>) -> Result<Vec<String>> {
        let mut warnings = Vec::new();
        let pubkey = self.cert.public_key().map_err(|e| {
            Error::Other(tr(
                format!("signing certificate: {}", first_reason(&e)),
                format!("署名用証明書: {}", first_reason(&e)),
            ))
        })?;
        if !pubkey.public_eq(&self.key) {
            return Err(Error::Other(tr(
                format!(
                    "the private key does not match the certificate {}; give the key that belongs to it",
                    subject(&self.cert)
                ),
                format!(
                    "秘密鍵が証明書 {} と一致しません。その証明書の鍵を指定してください",
                    subject(&self.cert)
                ),
            )));
        }
        // The phone checks the signer at the signingTime the signature carries: a time outside
        // the certificate's validity gives a profile that is "Not Verified" from the start.
        let at = signing_time.unwrap_or_else(now_unix);
        let v = validity_at(&self.cert, at);
        if v.expired || v.not_yet_valid {
            let what = match (signing_time, v.not_yet_valid) {
                (None, false) => tr(
                    format!("expired on {}", v.not_after),
                    format!("{} に期限切れ", v.not_after),
                ),
                (None, true) => tr(
                    format!("is not valid before {}", v.not_before),
                    format!("{} まで有効ではありません", v.not_before),
                ),
                (Some(_), expired_or_not) => {
                    let t = Asn1Time::from_unix(at as _)
                        .map(|t| t.to_string())
                        .unwrap_or_else(|_| at.to_string());
                    if expired_or_not {
                        tr(
                            format!("becomes valid on {}, after the signing time {t} (SOURCE_DATE_EPOCH={at})", v.not_before),
                            format!("{} に有効になり、署名日時 {t} より後です(SOURCE_DATE_EPOCH={at})", v.not_before),
                        )
                    } else {
                        tr(
                            format!(
                                "expired on {}, before the signing time {t} (SOURCE_DATE_EPOCH={at})",
                                v.not_after
                            ),
                            format!(
                                "{} に期限切れで、署名日時 {t} より前です(SOURCE_DATE_EPOCH={at})",
                                v.not_after
                            ),
                        )
                    }
                }
            };
            let msg = tr(
                format!(
                    "the signing certificate {} {what}; the phone would show the profile as not verified",
                    subject(&self.cert)
                ),
                format!(
                    "署名の証明書 {} は有効期間外です({what})。iPhoneにはプロファイルが「未検証」と表示されます",
                    subject(&self.cert)
                ),
            );
            if !allow_expired {
                return Err(Error::Other(tr(
                    format!("{msg} (--allow-expired signs anyway)"),
                    format!("{msg}(--allow-expired を付ければ署名します)"),
                )));
            }
            warnings.push(msg);
        } else if v.days_left < 30 {
            warnings.push(tr(
                format!(
                    "the signing certificate expires {} ({}); installed profiles then show as not verified",
                    match v.days_left {
                        0 => "in less than a day".to_string(),
                        1 => "in 1 day".to_string(),
                        d => format!("in {d} days"),
                    },
                    v.not_after
                ),
                format!(
                    "署名の証明書はあと{}日で期限切れになります({})。その後、インストール済みのプロファイルは「未検証」と表示されます",
                    v.days_left, v.not_after
                ),
            ));
        }
        if let Some(false) = has_digital_signature(&self.cert) {
            warnings.push(tr(
                "the signing certificate's key usage does not include digitalSignature; iOS may refuse the signature",
                "署名の証明書の鍵用途に digitalSignature がありません。iOSが署名を拒否することがあります",
            ));
        }
        // The chain must lead from the signer upwards.
        let mut current: &X509Ref = &self.cert;
        let mut used = vec![false; self.chain.len()];
        loop {
            let next = self.chain.iter().enumerate().find(|(i, c)| {
                !used[*i]
                    && c.public_key()
                        .is_ok_and(|k| current.verify(&k).unwrap_or(false))
                    && current.issuer_name_hash() == c.subject_name_hash()
            });
            match next {
                Some((i, c)) => {
                    used[i] = true;
                    current = c;
                }
                None => break,
            }
        }
        for (i, c) in self.chain.iter().enumerate() {
            if !used[i] {
                warnings.push(tr(
                    format!(
                        "chain certificate {} is not on the path from the signer {}; it is sent along but does not help",
                        subject(c),
                        subject(&self.cert)
                    ),
                    format!(
                        "チェーンの証明書 {} は署名者 {} からの経路上にありません。一緒に送られますが役に立ちません",
                        subject(c),
                        subject(&self.cert)
                    ),
                ));
            }
        }
        Ok(warnings)
    }

    /// The signing certificate and the chain sent along with it.
    pub fn certificates(&self) -> (X509, Vec<X509>) {
        (self.cert.clone(), self.chain.clone())
    }
}

/// What a phone with only the public roots makes of a signer and the chain sent along: the same
/// diagnosis `inspect` and `lint` give, as warnings.
pub fn public_trust_warnings(cert: &X509Ref, chain: &[X509]) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Ok(store) = crate::container::Trust::System.store() {
        let verdict = crate::certs::verify_chain(&store, cert, chain);
        use crate::certs::ChainProblem;
        match verdict.problem {
            Some(ChainProblem::MissingIntermediate) if chain.is_empty() => {
                warnings.push(tr(
                    format!(
                        "no chain given: {} (phones would show the profile as \"Not Verified\")",
                        verdict.fix(true)
                    ),
                    format!(
                        "チェーンが指定されていません: {}(iPhoneには「未検証」と表示されます)",
                        verdict.fix(true)
                    ),
                ));
            }
            Some(
                ChainProblem::MissingIntermediate
                | ChainProblem::UntrustedRoot
                | ChainProblem::UnknownIssuer,
            ) => {
                warnings.push(tr(
                        format!(
                            "phones with only the public roots would show the profile as \"Not Verified\": {}",
                            verdict.fix(true)
                        ),
                        format!(
                            "公的なルートだけを信頼するiPhoneでは「未検証」と表示されます: {}",
                            verdict.fix(true)
                        ),
                    ));
            }
            _ => {}
        }
    }
    warnings
}

/// The identity in a parsed PKCS#12 file.
fn identity_from(path: &Path, parsed: openssl::pkcs12::ParsedPkcs12_2) -> Result<Identity> {
    let cert = parsed.cert.ok_or_else(|| {
        Error::Other(tr(
            format!("{}: holds no certificate", path.display()),
            format!("{}: 証明書がありません", path.display()),
        ))
    })?;
    let key = parsed.pkey.ok_or_else(|| {
        Error::Other(tr(
            format!("{}: holds no private key", path.display()),
            format!("{}: 秘密鍵がありません", path.display()),
        ))
    })?;
    let chain = parsed
        .ca
        .map(|s| s.into_iter().collect())
        .unwrap_or_default();
    Ok(Identity { cert, key, chain })
}

/// Loads OpenSSL 3's legacy provider (and keeps the default one), once; false when it is not
/// installed.
fn load_legacy_provider() -> bool {
    static LOADED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *LOADED.get_or_init(|| {
        match openssl::provider::Provider::try_load(None, "legacy", true) {
            Ok(p) => {
                // Providers stay loaded for the life of the process.
                std::mem::forget(p);
                true
            }
            Err(_) => false,
        }
    })
}

/// keyUsage digitalSignature: `Some(false)` when the extension is present without it.
fn has_digital_signature(cert: &X509Ref) -> Option<bool> {
    // The openssl crate does not expose keyUsage bits; read them from the text form of the
    // extension via the DER of the certificate.
    let der = cert.to_der().ok()?;
    // keyUsage OID 2.5.29.15 = 55 1d 0f, then optional BOOLEAN, then OCTET STRING { BIT STRING }
    let pos = der
        .windows(5)
        .position(|w| w == [0x06, 0x03, 0x55, 0x1d, 0x0f])?;
    let mut rest = &der[pos + 5..];
    if rest.first() == Some(&0x01) {
        rest = rest.get(3..)?;
    }
    let (octets, _) = crate::der::read(rest)?;
    let (bits, _) = crate::der::read(octets.content)?;
    if bits.tag != 0x03 || bits.content.len() < 2 {
        return None;
    }
    Some(bits.content[1] & 0x80 != 0)
}

/// A certificate's subject in one line.
pub fn subject(cert: &X509Ref) -> String {
    name_line(cert.subject_name())
}

pub fn name_line(name: &openssl::x509::X509NameRef) -> String {
    let parts: Vec<String> = name
        .entries()
        .map(|e| {
            let key = e.object().nid().short_name().unwrap_or("?");
            let val = e.data().to_string().unwrap_or_else(|_| "?".into());
            format!("{key}={val}")
        })
        .collect();
    parts.join(", ")
}

/// A certificate's validity as seen at one moment.
#[derive(Debug, Clone)]
pub struct Validity {
    pub not_before: String,
    pub not_after: String,
    /// Seconds until notAfter (negative once expired).
    pub secs_left: i64,
    /// Whole days until notAfter, rounded toward zero (so -2 for 2 days and 4 minutes ago).
    pub days_left: i64,
    pub expired: bool,
    pub not_yet_valid: bool,
}

/// Unix seconds now.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Unix seconds of an ASN.1 time.
pub fn asn1_unix(t: &openssl::asn1::Asn1TimeRef) -> Option<i64> {
    let epoch = Asn1Time::from_unix(0).ok()?;
    let d = epoch.diff(t).ok()?;
    Some(i64::from(d.days) * 86_400 + i64::from(d.secs))
}

/// The validity as seen now.
pub fn validity(cert: &X509Ref) -> Validity {
    validity_at(cert, now_unix())
}

/// The validity as seen at `at` (Unix seconds).
pub fn validity_at(cert: &X509Ref, at: i64) -> Validity {
    let after = asn1_unix(cert.not_after()).unwrap_or(i64::MIN / 2);
    let before = asn1_unix(cert.not_before()).unwrap_or(i64::MIN / 2);
    let secs_left = after - at;
    Validity {
        not_before: cert.not_before().to_string(),
        not_after: cert.not_after().to_string(),
        secs_left,
        days_left: secs_left / 86_400,
        expired: secs_left < 0,
        not_yet_valid: before > at,
    }
}

/// Signs profiles with one identity. Cheap to share across threads: each thread signs with its
/// own copy of the private key, so that threads do not queue for the key's shared RSA blinding
/// state (measured: 1 300 signatures/s from two threads on one key, against the 1 560 that two
/// independent keys give).
pub struct Signer {
    identity: Identity,
    chain: Stack<X509>,
    signing_time: Option<i64>,
    id: usize,
    key_der: Vec<u8>,
    cert_der: Vec<u8>,
    template: Option<Template>,
    /// With a fixed signing time, ECDSA keys on P-256 and P-384 sign with RFC 6979 nonces
    /// (OpenSSL 3.0 draws them at random), so that the output is byte-identical for every key
    /// type.
    deterministic: Option<EcKey>,
}

/// An ECDSA private key for deterministic (RFC 6979) signatures.
enum EcKey {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl EcKey {
    fn from_openssl(key: &PKey<Private>) -> Option<EcKey> {
        let ec = key.ec_key().ok()?;
        let nid = ec.group().curve_name()?;
        let scalar = ec.private_key();
        match nid {
            Nid::X9_62_PRIME256V1 => {
                p256::ecdsa::SigningKey::from_slice(&scalar.to_vec_padded(32).ok()?)
                    .ok()
                    .map(EcKey::P256)
            }
            Nid::SECP384R1 => p384::ecdsa::SigningKey::from_slice(&scalar.to_vec_padded(48).ok()?)
                .ok()
                .map(EcKey::P384),
            _ => None,
        }
    }

    /// ECDSA over SHA-256 of `data`, DER-encoded (ecdsa-with-SHA256, as the template says).
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>> {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        let digest = openssl::hash::hash(openssl::hash::MessageDigest::sha256(), data)
            .map_err(|e| signing_failed(first_reason(&e)))?;
        let fail = |e: p256::ecdsa::Error| signing_failed(e.to_string());
        Ok(match self {
            EcKey::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign_prehash(&digest).map_err(fail)?;
                s.to_der().as_bytes().to_vec()
            }
            EcKey::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign_prehash(&digest).map_err(fail)?;
                s.to_der().as_bytes().to_vec()
            }
        })
    }
}

/// The parts of a SignedData that are the same for every profile a signer signs.
struct Template {
    /// SignerIdentifier: IssuerAndSerialNumber of the signing certificate.
    sid: Vec<u8>,
    /// AlgorithmIdentifier of SHA-256 (parameters absent).
    digest_alg: Vec<u8>,
    /// AlgorithmIdentifier of the signature: rsaEncryption (NULL parameters) or ecdsa-with-SHA256.
    signature_alg: Vec<u8>,
    /// `[0] IMPLICIT CertificateSet`: the signer's certificate, then the chain.
    certificates: Vec<u8>,
}

// Object identifiers, as DER content octets.
const OID_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
const OID_MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
const OID_SIGNING_TIME: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05];
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

impl Template {
    fn new(identity: &Identity, cert: &[u8]) -> Option<Template> {
        use crate::der::encode::{oid, tlv};
        let signature_alg = match identity.key.id() {
            openssl::pkey::Id::RSA => tlv(0x30, &[oid(OID_RSA), vec![0x05, 0x00]].concat()),
            openssl::pkey::Id::EC => tlv(0x30, &oid(OID_ECDSA_SHA256)),
            _ => return None,
        };
        let (issuer, serial) = crate::der::cert_issuer_serial(cert)?;
        let sid = tlv(0x30, &[issuer.to_vec(), tlv(0x02, serial)].concat());
        let mut certs = cert.to_vec();
        for c in &identity.chain {
            certs.extend(c.to_der().ok()?);
        }
        Some(Template {
            sid,
            digest_alg: tlv(0x30, &oid(OID_SHA256)),
            signature_alg,
            certificates: tlv(0xa0, &certs),
        })
    }
}

/// Keeps `value` for signer `id` in a thread's small cache (the few signers a thread has used;
/// the oldest goes first), giving its index.
fn remember<T>(cache: &mut Vec<(usize, T)>, id: usize, value: T) -> usize {
    if cache.len() >= 8 {
        cache.remove(0);
    }
    cache.push((id, value));
    cache.len() - 1
}

thread_local! {
    /// Per-thread private keys: (signer id, key).
    static THREAD_KEYS: std::cell::RefCell<Vec<(usize, PKey<Private>)>> = const { std::cell::RefCell::new(Vec::new()) };
}

thread_local! {
    /// Per-thread signing contexts, initialised once (key, padding, digest): (signer id, context).
    /// Setting a context up costs OpenSSL 3 an algorithm fetch, as much as an ECDSA signature.
    static THREAD_CTX: std::cell::RefCell<Vec<(usize, openssl::pkey_ctx::PkeyCtx<Private>)>> = const { std::cell::RefCell::new(Vec::new()) };
}

static NEXT_SIGNER_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

// SAFETY: the certificate, key and chain are only read after construction; OpenSSL 3 allows
// concurrent use of an EVP_PKEY and X509 for signing (reference counts are atomic).
unsafe impl Sync for Signer {}
unsafe impl Send for Signer {}

mod ffi {
    use openssl_sys::{CMS_ContentInfo, BIO, EVP_MD, EVP_PKEY, X509};
    use std::ffi::{c_int, c_uint, c_void};

    #[allow(non_camel_case_types)]
    pub enum CMS_SignerInfo {}

    extern "C" {
        pub fn CMS_add1_signer(
            cms: *mut CMS_ContentInfo,
            signer: *mut X509,
            pk: *mut EVP_PKEY,
            md: *const EVP_MD,
            flags: c_uint,
        ) -> *mut CMS_SignerInfo;
        pub fn CMS_signed_add1_attr_by_NID(
            si: *mut CMS_SignerInfo,
            nid: c_int,
            type_: c_int,
            bytes: *const c_void,
            len: c_int,
        ) -> c_int;
        pub fn CMS_final(
            cms: *mut CMS_ContentInfo,
            data: *mut BIO,
            dcont: *mut BIO,
            flags: c_uint,
        ) -> c_int;
    }
}

impl Signer {
    /// A signer for `identity`. `signing_time` (Unix seconds) fixes the signingTime attribute
    /// so that signing is reproducible; `None` uses the current time.
    pub fn new(identity: Identity, signing_time: Option<i64>) -> Result<Signer> {
        let mut chain = Stack::new().map_err(|e| signing_failed(first_reason(&e)))?;
        for c in &identity.chain {
            chain
                .push(c.clone())
                .map_err(|e| signing_failed(first_reason(&e)))?;
        }
        let cert_der = identity
            .cert
            .to_der()
            .map_err(|e| signing_failed(first_reason(&e)))?;
        let key_der = identity
            .key
            .private_key_to_der()
            .map_err(|e| signing_failed(first_reason(&e)))?;
        let template = Template::new(&identity, &cert_der);
        // Only a fixed signing time makes output reproducible; without one OpenSSL's faster
        // random-nonce ECDSA signs.
        let deterministic = signing_time.and_then(|_| EcKey::from_openssl(&identity.key));
        Ok(Signer {
            deterministic,
            identity,
            chain,
            signing_time,
            id: NEXT_SIGNER_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            key_der,
            cert_der,
            template,
        })
    }

    /// The signing certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// This thread's copy of the private key.
    fn thread_key(&self) -> PKey<Private> {
        THREAD_KEYS.with(|keys| {
            let mut keys = keys.borrow_mut();
            if let Some((_, k)) = keys.iter().find(|(id, _)| *id == self.id) {
                return k.clone();
            }
            // The type's own DER reader: OpenSSL 3's generic one sets up a decoder chain that
            // costs milliseconds, once per thread.
            let k = match self.identity.key.id() {
                openssl::pkey::Id::RSA => {
                    openssl::rsa::Rsa::private_key_from_der(&self.key_der).and_then(PKey::from_rsa)
                }
                openssl::pkey::Id::EC => openssl::ec::EcKey::private_key_from_der(&self.key_der)
                    .and_then(PKey::from_ec_key),
                _ => PKey::private_key_from_der(&self.key_der),
            }
            .unwrap_or_else(|_| self.identity.key.clone());
            remember(&mut keys, self.id, k.clone());
            k
        })
    }

    /// A SHA-256 signature of `data` (RSA PKCS#1 v1.5 or ECDSA) with this thread's context,
    /// set up on the thread's first signature.
    fn sign_sha256(&self, data: &[u8]) -> std::result::Result<Vec<u8>, openssl::error::ErrorStack> {
        use openssl::pkey_ctx::PkeyCtx;
        let digest = openssl::sha::sha256(data);
        THREAD_CTX.with(|ctxs| {
            let mut ctxs = ctxs.borrow_mut();
            let i = match ctxs.iter().position(|(id, _)| *id == self.id) {
                Some(i) => i,
                None => {
                    let key = self.thread_key();
                    let mut ctx = PkeyCtx::new(&key)?;
                    ctx.sign_init()?;
                    if key.id() == openssl::pkey::Id::RSA {
                        ctx.set_rsa_padding(openssl::rsa::Padding::PKCS1)?;
                    }
                    ctx.set_signature_md(openssl::md::Md::sha256())?;
                    remember(&mut ctxs, self.id, ctx)
                }
            };
            let mut sig = Vec::new();
            ctxs[i].1.sign_to_vec(&digest, &mut sig)?;
            Ok(sig)
        })
    }

    /// The signing time from `SOURCE_DATE_EPOCH` (the reproducible-builds convention), if set.
    pub fn signing_time_from_env() -> Result<Option<i64>> {
        match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                Error::input(
                    "SOURCE_DATE_EPOCH",
                    tr(
                        format!("{v:?} is not a number of seconds"),
                        format!("{v:?} は秒数ではありません"),
                    ),
                )
            }),
            Err(_) => Ok(None),
        }
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// CMS SignedData over `content`, DER.
    pub fn sign(&self, content: &[u8]) -> Result<Vec<u8>> {
        match &self.template {
            Some(t) => self.sign_direct(t, content),
            None => self.sign_openssl_cms(content),
        }
    }

    /// The SignedData built here from precomputed parts; OpenSSL only makes the signature.
    /// OpenSSL's CMS builder spends about 7% of a signature's time on assembling the structure
    /// for every profile; this path spends almost nothing. Its output is what the CMS builder
    /// writes with CMS_NOSMIMECAP (the same attributes, in DER order), verified in the tests by
    /// `openssl cms -verify`.
    fn sign_direct(&self, t: &Template, content: &[u8]) -> Result<Vec<u8>> {
        use crate::der::encode::{oid, tlv};
        let fail = |e: openssl::error::ErrorStack| signing_failed(first_reason(&e));
        let time = match self.signing_time {
            Some(t) => t,
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        };
        let digest =
            openssl::hash::hash(openssl::hash::MessageDigest::sha256(), content).map_err(fail)?;
        let attr = |type_oid: &[u8], value: Vec<u8>| {
            tlv(0x30, &[oid(type_oid), tlv(0x31, &value)].concat())
        };
        let mut attrs = [
            attr(OID_CONTENT_TYPE, oid(OID_DATA)),
            attr(OID_SIGNING_TIME, crate::der::encode::time(time)),
            attr(OID_MESSAGE_DIGEST, tlv(0x04, &digest)),
        ];
        attrs.sort(); // DER: a SET OF is ordered by its elements' encodings
        let attrs = attrs.concat();
        let to_sign = tlv(0x31, &attrs);
        let signature = match &self.deterministic {
            Some(k) => k.sign(&to_sign)?,
            None => self.sign_sha256(&to_sign).map_err(fail)?,
        };
        let signer_info = tlv(
            0x30,
            &[
                tlv(0x02, &[1]),
                t.sid.clone(),
                t.digest_alg.clone(),
                tlv(0xa0, &attrs),
                t.signature_alg.clone(),
                tlv(0x04, &signature),
            ]
            .concat(),
        );
        let signed_data = tlv(
            0x30,
            &[
                tlv(0x02, &[1]),
                tlv(0x31, &t.digest_alg),
                tlv(
                    0x30,
                    &[oid(OID_DATA), tlv(0xa0, &tlv(0x04, content))].concat(),
                ),
                t.certificates.clone(),
                tlv(0x31, &signer_info),
            ]
            .concat(),
        );
        Ok(tlv(
            0x30,
            &[oid(OID_SIGNED_DATA), tlv(0xa0, &signed_data)].concat(),
        ))
    }

    /// CMS SignedData through OpenSSL's CMS builder (keys the direct path does not handle).
    fn sign_openssl_cms(&self, content: &[u8]) -> Result<Vec<u8>> {
        let fail = |e: openssl::error::ErrorStack| signing_failed(first_reason(&e));
        // No SMIMECapabilities attribute: it lists mail ciphers (meaningless for a profile) and
        // building it costs OpenSSL 3 a provider look-up per cipher on every signature.
        let flags =
            openssl_sys::CMS_BINARY | openssl_sys::CMS_PARTIAL | openssl_sys::CMS_NOSMIMECAP;
        let len = i32::try_from(content.len()).map_err(|_| {
            Error::Other(tr(
                "profile too large to sign",
                "署名するにはプロファイルが大きすぎます",
            ))
        })?;
        let key = self.thread_key();
        let time = match self.signing_time {
            Some(t) => Some(Asn1Time::from_unix(t as _).map_err(fail)?),
            None => None,
        };
        // SAFETY: every pointer comes from a live owned value (`self`, `time`, `content`); the
        // CMS structure is owned by `cms` from its creation, and the BIO is freed on every path.
        unsafe {
            let raw = openssl_sys::CMS_sign(
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                self.chain.as_ptr(),
                std::ptr::null_mut(),
                flags,
            );
            if raw.is_null() {
                return Err(fail(openssl::error::ErrorStack::get()));
            }
            let cms = CmsContentInfo::from_ptr(raw);
            let si = ffi::CMS_add1_signer(
                cms.as_ptr(),
                self.identity.cert.as_ptr(),
                key.as_ptr(),
                openssl_sys::EVP_sha256(),
                flags,
            );
            if si.is_null() {
                return Err(fail(openssl::error::ErrorStack::get()));
            }
            if let Some(t) = &time {
                let ty = if self.signing_time.unwrap_or(0) < 2_524_608_000 {
                    openssl_sys::V_ASN1_UTCTIME
                } else {
                    openssl_sys::V_ASN1_GENERALIZEDTIME
                };
                if ffi::CMS_signed_add1_attr_by_NID(
                    si,
                    Nid::PKCS9_SIGNINGTIME.as_raw(),
                    ty,
                    t.as_ptr() as *const _,
                    -1,
                ) != 1
                {
                    return Err(fail(openssl::error::ErrorStack::get()));
                }
            }
            let bio = openssl_sys::BIO_new_mem_buf(content.as_ptr() as *const _, len);
            if bio.is_null() {
                return Err(fail(openssl::error::ErrorStack::get()));
            }
            let ok = ffi::CMS_final(
                cms.as_ptr(),
                bio,
                std::ptr::null_mut(),
                openssl_sys::CMS_BINARY,
            );
            openssl_sys::BIO_free_all(bio);
            if ok != 1 {
                return Err(fail(openssl::error::ErrorStack::get()));
            }
            cms.to_der().map_err(fail)
        }
    }
}

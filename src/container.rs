//! Reading a profile file in any of its forms — XML plist, binary plist, CMS-signed (DER or
//! PEM) — and, for a signed one, verifying the signature and the signer's chain.

use crate::certs::{verify_chain, ChainProblem, ChainVerdict};
use crate::der;
use crate::sign::{first_reason, name_line, validity, Validity};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::hash::MessageDigest;
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::pkey::{PKey, Public};
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::X509;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Profiles larger than this are refused: a mail profile is a few kilobytes, and Apple's largest
/// real-world profiles (with embedded certificates and fonts) stay well below it.
pub const MAX_SIZE: u64 = 16 * 1024 * 1024;

/// The outer form of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    XmlPlist,
    BinaryPlist,
    SignedDer,
    SignedPem,
    Unknown,
}

impl Form {
    pub fn describe(self) -> &'static str {
        match self {
            Form::XmlPlist => "XML property list (unsigned)",
            Form::BinaryPlist => "binary property list (unsigned)",
            Form::SignedDer => "CMS SignedData, DER",
            Form::SignedPem => "CMS SignedData, PEM",
            Form::Unknown => "not a profile",
        }
    }
}

/// The signer certificate, as a support desk wants to see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    /// Whole days until notAfter, rounded toward zero (negative once expired).
    pub days_left: i64,
    /// Seconds until notAfter.
    pub secs_left: i64,
    pub expired: bool,
    pub not_yet_valid: bool,
    /// Unix seconds of notBefore and notAfter, to judge the certificate at another moment.
    #[serde(skip)]
    pub window: (i64, i64),
}

impl CertSummary {
    pub fn of(cert: &X509) -> CertSummary {
        let Validity {
            not_before,
            not_after,
            secs_left,
            days_left,
            expired,
            not_yet_valid,
        } = validity(cert);
        let unix = |t| crate::sign::asn1_unix(t).unwrap_or(0);
        CertSummary {
            subject: name_line(cert.subject_name()),
            issuer: name_line(cert.issuer_name()),
            not_before,
            not_after,
            days_left,
            secs_left,
            expired,
            not_yet_valid,
            window: (unix(cert.not_before()), unix(cert.not_after())),
        }
    }

    pub fn expired(&self) -> bool {
        self.expired
    }

    /// Whether the certificate was valid at `t` (Unix seconds).
    pub fn valid_at(&self, t: i64) -> bool {
        self.window.0 <= t && t <= self.window.1
    }

    /// "12 days left", "expired 2 days ago", …
    pub fn time_left(&self) -> String {
        crate::certs::time_left(self.secs_left)
    }
}

/// What is known about a signature.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignatureReport {
    /// The content's digest and the signature over it check out.
    pub signature_valid: bool,
    /// Why not, when not.
    pub signature_error: Option<String>,
    /// The signer's certificate chains to a trusted root.
    pub chain_valid: bool,
    pub chain_error: Option<String>,
    /// The chain could not be built because an intermediate is missing.
    pub chain_incomplete: bool,
    /// Why the chain does not verify, in the terms of its fix (untrusted root, missing
    /// intermediate, …), the certificate concerned, and the fix.
    pub chain_problem: Option<crate::certs::ChainProblem>,
    pub chain_missing: Option<String>,
    pub chain_fix: Option<String>,
    /// Whether the signer's certificate was valid at the signing time (the moment the phone
    /// checks it at), when the signature carries one.
    pub signer_valid_at_signing_time: Option<bool>,
    pub signer: Option<CertSummary>,
    /// Certificates carried in the file.
    pub certificates: usize,
    pub digest: Option<String>,
    pub signing_time: Option<String>,
}

impl SignatureReport {
    /// A report with nothing verified yet.
    fn new(digest: Option<String>, signing_time: Option<String>) -> SignatureReport {
        SignatureReport {
            signature_valid: false,
            signature_error: None,
            chain_valid: false,
            chain_error: None,
            chain_incomplete: false,
            chain_problem: None,
            chain_missing: None,
            chain_fix: None,
            signer_valid_at_signing_time: None,
            signer: None,
            certificates: 0,
            digest,
            signing_time,
        }
    }

    fn set_chain(&mut self, chain: ChainVerdict) {
        self.chain_valid = chain.valid;
        self.chain_incomplete = chain.problem == Some(ChainProblem::MissingIntermediate);
        self.chain_fix = chain.problem.map(|_| chain.fix(true));
        self.chain_problem = chain.problem;
        self.chain_missing = chain.missing;
        self.chain_error = chain.error;
    }

    fn set_signer(&mut self, signer: CertSummary) {
        self.signer_valid_at_signing_time = self
            .signing_time
            .as_deref()
            .and_then(der::parse_time_text)
            .map(|t| signer.valid_at(t));
        self.signer = Some(signer);
    }

    pub fn verified(&self) -> bool {
        self.signature_valid && self.chain_valid
    }
}

/// A file, opened.
#[derive(Debug, Clone)]
pub struct Opened {
    pub form: Form,
    /// The profile's bytes (the encapsulated content of a signed file), when they could be had.
    pub content: Option<Vec<u8>>,
    pub signature: Option<SignatureReport>,
    /// Why the file could not be opened at all.
    pub error: Option<String>,
}

/// Trust anchors for chain verification.
pub enum Trust {
    /// The system's roots (OpenSSL's default paths).
    System,
    /// Only these certificates.
    Roots(Vec<X509>),
}

impl Trust {
    pub fn from_file(path: &Path) -> crate::Result<Trust> {
        let bytes = std::fs::read(path).map_err(|e| crate::Error::io(path, e))?;
        let certs = X509::stack_from_pem(&bytes)
            .ok()
            .filter(|c| !c.is_empty())
            .or_else(|| X509::from_der(&bytes).ok().map(|c| vec![c]))
            .ok_or_else(|| {
                crate::Error::Other(crate::i18n::tr(
                    format!("{}: holds no certificate (PEM or DER)", path.display()),
                    format!("{}: 証明書(PEM または DER)がありません", path.display()),
                ))
            })?;
        Ok(Trust::Roots(certs))
    }

    pub fn store(&self) -> Result<X509Store, openssl::error::ErrorStack> {
        self.store_with(None)
    }

    /// The store, with verification parameters (a host name to match, …).
    pub fn store_with(
        &self,
        param: Option<&openssl::x509::verify::X509VerifyParamRef>,
    ) -> Result<X509Store, openssl::error::ErrorStack> {
        let mut b = X509StoreBuilder::new()?;
        if let Some(p) = param {
            b.set_param(p)?;
        }
        match self {
            Trust::System => b.set_default_paths()?,
            Trust::Roots(certs) => {
                for c in certs {
                    b.add_cert(c.clone())?;
                }
            }
        }
        Ok(b.build())
    }
}

/// Verifies signed profiles against a trust store, remembering what it learnt: the certificates
/// it decoded (decoding is most of OpenSSL 3's cost) and each chain's verdict. A bulk lint of
/// profiles signed by one identity then pays for the signer's certificate once.
pub struct Verifier {
    /// Built on first use when it is the system's (most lint runs meet no signed file, and
    /// loading the system roots costs OpenSSL tens of milliseconds).
    store: std::sync::OnceLock<X509Store>,
    certs: Mutex<HashMap<Vec<u8>, Arc<Decoded>>>,
    chains: Mutex<HashMap<Vec<u8>, ChainVerdict>>,
}

struct Decoded {
    cert: X509,
    key: Option<PKey<Public>>,
    summary: CertSummary,
}

/// At most this many certificates and chains are remembered.
const CACHE_LIMIT: usize = 4096;

impl Verifier {
    pub fn new(store: X509Store) -> Verifier {
        Verifier {
            store: std::sync::OnceLock::from(store),
            certs: Mutex::new(HashMap::new()),
            chains: Mutex::new(HashMap::new()),
        }
    }

    /// A verifier for `trust`: given roots are loaded now (so that a bad file is said at once),
    /// the system's on first use.
    pub fn from_trust(trust: &Trust) -> Result<Verifier, openssl::error::ErrorStack> {
        match trust {
            Trust::System => Ok(Verifier {
                store: std::sync::OnceLock::new(),
                certs: Mutex::new(HashMap::new()),
                chains: Mutex::new(HashMap::new()),
            }),
            Trust::Roots(_) => Ok(Verifier::new(trust.store()?)),
        }
    }

    fn store(&self) -> &X509Store {
        self.store.get_or_init(|| {
            Trust::System.store().unwrap_or_else(|_| {
                // No system roots could be loaded: nothing is trusted (and chains say so).
                openssl::x509::store::X509StoreBuilder::new()
                    .expect("an empty store")
                    .build()
            })
        })
    }

    fn decode(&self, der: &[u8]) -> Option<Arc<Decoded>> {
        if let Some(d) = self.certs.lock().expect("cache").get(der) {
            return Some(d.clone());
        }
        let cert = X509::from_der(der).ok()?;
        let key = cert.public_key().ok();
        let summary = CertSummary::of(&cert);
        let d = Arc::new(Decoded { cert, key, summary });
        let mut cache = self.certs.lock().expect("cache");
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(der.to_vec(), d.clone());
        Some(d)
    }

    fn chain(&self, signer: &X509, signer_der: &[u8], carried: &[&[u8]]) -> ChainVerdict {
        let mut key = signer_der.to_vec();
        for c in carried {
            key.extend_from_slice(c);
        }
        if let Some(c) = self.chains.lock().expect("cache").get(&key) {
            return c.clone();
        }
        let untrusted: Vec<X509> = carried
            .iter()
            .filter_map(|c| self.decode(c).map(|d| d.cert.clone()))
            .collect();
        let chain = verify_chain(self.store(), signer, &untrusted);
        let mut cache = self.chains.lock().expect("cache");
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, chain.clone());
        chain
    }
}

fn message_digest(oid: &str) -> Option<MessageDigest> {
    Some(match der::digest_name(oid)? {
        "MD5" => MessageDigest::md5(),
        "SHA-1" => MessageDigest::sha1(),
        "SHA-224" => MessageDigest::sha224(),
        "SHA-256" => MessageDigest::sha256(),
        "SHA-384" => MessageDigest::sha384(),
        "SHA-512" => MessageDigest::sha512(),
        _ => return None,
    })
}

/// Signature algorithms the fast path verifies itself: PKCS#1 v1.5 RSA (by key or with a digest)
/// and ECDSA. Anything else (RSA-PSS, …) goes to OpenSSL's CMS code.
fn fast_signature_alg(oid: &str) -> bool {
    oid == "1.2.840.113549.1.1.1"
        || (oid.starts_with("1.2.840.113549.1.1.")
            && matches!(
                oid.rsplit('.').next(),
                Some("4" | "5" | "11" | "12" | "13" | "14")
            ))
        || oid.starts_with("1.2.840.10045.4.")
}

/// Sniffs the form of a file from its first bytes.
pub fn sniff(bytes: &[u8]) -> Form {
    let trimmed = trim_start(bytes);
    if bytes.starts_with(b"bplist00") {
        Form::BinaryPlist
    } else if der::looks_like_signed_data(bytes) {
        Form::SignedDer
    } else if trimmed.starts_with(b"-----BEGIN PKCS7-----")
        || trimmed.starts_with(b"-----BEGIN CMS-----")
        || trimmed.starts_with(b"-----BEGIN PKCS #7 SIGNED DATA-----")
    {
        Form::SignedPem
    } else if trimmed.starts_with(b"<")
        || bytes.starts_with(&[0xfe, 0xff])
        || bytes.starts_with(&[0xff, 0xfe])
    {
        Form::XmlPlist
    } else {
        Form::Unknown
    }
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let b = bytes.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(bytes);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

/// Opens a file's bytes: unwraps and verifies a signed one.
pub fn open(bytes: &[u8], verifier: &Verifier) -> Opened {
    let form = sniff(bytes);
    match form {
        Form::XmlPlist | Form::BinaryPlist => Opened {
            form,
            content: Some(bytes.to_vec()),
            signature: None,
            error: None,
        },
        Form::SignedDer | Form::SignedPem => open_signed(form, bytes, verifier),
        Form::Unknown => Opened {
            form,
            content: None,
            signature: None,
            error: Some(crate::i18n::tr(
                "neither a property list nor a CMS-signed profile",
                "プロパティリストでも、CMSで署名されたプロファイルでもありません",
            )),
        },
    }
}

fn pem_to_der(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let body: String = text
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .filter(|l| !l.contains(':'))
        .collect();
    openssl::base64::decode_block(&body).ok()
}

fn open_signed(form: Form, bytes: &[u8], verifier: &Verifier) -> Opened {
    let der_bytes = match form {
        Form::SignedPem => match pem_to_der(bytes) {
            Some(d) => d,
            None => {
                return Opened {
                    form,
                    content: None,
                    signature: None,
                    error: Some(crate::i18n::tr(
                        "PEM armour around the signed data is damaged",
                        "署名データを包むPEMが壊れています",
                    )),
                }
            }
        },
        _ => bytes.to_vec(),
    };
    let parsed = der::parse_signed_data(&der_bytes);
    if let Some(p) = &parsed {
        if let Some(opened) = fast_path(form, p, verifier) {
            return opened;
        }
    }
    let mut report = SignatureReport::new(
        parsed.as_ref().and_then(|p| {
            p.digest_oids.first().map(|o| {
                der::digest_name(o)
                    .map(str::to_string)
                    .unwrap_or_else(|| o.clone())
            })
        }),
        parsed.as_ref().and_then(|p| p.signing_time.clone()),
    );
    let mut content = parsed.and_then(|p| p.content);

    let mut cms = match CmsContentInfo::from_der(&der_bytes) {
        Ok(c) => c,
        Err(e) => {
            report.signature_error = Some(crate::i18n::tr(
                format!("not a valid CMS structure: {}", first_reason(&e)),
                format!("CMSの構造として正しくありません: {}", first_reason(&e)),
            ));
            return Opened {
                form,
                content,
                signature: Some(report),
                error: None,
            };
        }
    };
    if report.digest.is_none() {
        // BER (indefinite lengths, as `openssl smime -stream` writes) that the DER reader could
        // not take: ask OpenSSL's parser for the signer's digest algorithm.
        report.digest = cms_digest_name(&cms);
    }
    // 1. The signature itself (content digest, signed attributes, signature value).
    let mut out = Vec::new();
    match cms.verify(
        None,
        None,
        None,
        Some(&mut out),
        CMSOptions::NO_SIGNER_CERT_VERIFY | CMSOptions::BINARY,
    ) {
        Ok(()) => {
            report.signature_valid = true;
            content = Some(out);
        }
        Err(e) => report.signature_error = Some(first_reason(&e)),
    }
    if content.is_none() {
        // BER-encoded content the DER reader could not take: ask OpenSSL for it unverified.
        let mut out = Vec::new();
        let lax = CMSOptions::NO_SIGNER_CERT_VERIFY
            | CMSOptions::NO_ATTR_VERIFY
            | CMSOptions::NO_CONTENT_VERIFY
            | CMSOptions::BINARY;
        if cms.verify(None, None, None, Some(&mut out), lax).is_ok() && !out.is_empty() {
            content = Some(out);
        }
    }
    // 2. The signer and its chain, verified without an S/MIME purpose: iOS accepts profile
    //    signing certificates issued for TLS servers.
    if let Ok(p7) = Pkcs7::from_der(&der_bytes) {
        let carried: Vec<X509> = p7
            .signed()
            .and_then(|s| s.certificates())
            .map(|s| s.iter().map(|c| c.to_owned()).collect())
            .unwrap_or_default();
        report.certificates = carried.len();
        let empty = Stack::new().expect("stack");
        match p7.signers(&empty, Pkcs7Flags::empty()) {
            Ok(signers) if !signers.is_empty() => {
                let signer = signers.get(0).expect("one signer").to_owned();
                report.set_signer(CertSummary::of(&signer));
                let signer_der = signer.to_der().unwrap_or_default();
                let carried_der: Vec<Vec<u8>> = carried
                    .iter()
                    .filter_map(|c| c.to_der().ok())
                    .filter(|d| *d != signer_der)
                    .collect();
                let carried_refs: Vec<&[u8]> = carried_der.iter().map(Vec::as_slice).collect();
                report.set_chain(verifier.chain(&signer, &signer_der, &carried_refs));
            }
            _ => report.chain_error = Some("the signer's certificate is not in the file".into()),
        }
    } else {
        report.chain_error = Some("the signer's certificate could not be read".into());
    }
    Opened {
        form,
        content,
        signature: Some(report),
        error: None,
    }
}

mod ffi {
    use openssl_sys::{CMS_ContentInfo, EVP_PKEY, OPENSSL_STACK, X509, X509_ALGOR};
    #[allow(non_camel_case_types)]
    pub enum CMS_SignerInfo {}
    extern "C" {
        pub fn CMS_get0_SignerInfos(cms: *mut CMS_ContentInfo) -> *mut OPENSSL_STACK;
        pub fn CMS_SignerInfo_get0_algs(
            si: *mut CMS_SignerInfo,
            pk: *mut *mut EVP_PKEY,
            signer: *mut *mut X509,
            pdig: *mut *mut X509_ALGOR,
            psig: *mut *mut X509_ALGOR,
        );
    }
}

/// The first signer's digest algorithm, as OpenSSL's CMS parser reads it ("SHA-1", "SHA-256").
fn cms_digest_name(cms: &CmsContentInfo) -> Option<String> {
    use foreign_types::ForeignTypeRef;
    // SAFETY: `cms` is a live CMS structure; the stack, signer info and algorithm identifier are
    // borrowed from it (get0) and not kept beyond this call.
    unsafe {
        let infos = ffi::CMS_get0_SignerInfos(cms.as_ptr());
        if infos.is_null() || openssl_sys::OPENSSL_sk_num(infos) < 1 {
            return None;
        }
        let si = openssl_sys::OPENSSL_sk_value(infos, 0) as *mut ffi::CMS_SignerInfo;
        if si.is_null() {
            return None;
        }
        let mut dig: *mut openssl_sys::X509_ALGOR = std::ptr::null_mut();
        ffi::CMS_SignerInfo_get0_algs(
            si,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut dig,
            std::ptr::null_mut(),
        );
        if dig.is_null() {
            return None;
        }
        let mut obj: *const openssl_sys::ASN1_OBJECT = std::ptr::null();
        openssl_sys::X509_ALGOR_get0(&mut obj, std::ptr::null_mut(), std::ptr::null_mut(), dig);
        if obj.is_null() {
            return None;
        }
        let nid = openssl::nid::Nid::from_raw(openssl_sys::OBJ_obj2nid(obj));
        Some(match nid {
            openssl::nid::Nid::SHA1 => "SHA-1".to_string(),
            openssl::nid::Nid::MD5 => "MD5".to_string(),
            openssl::nid::Nid::SHA224 => "SHA-224".to_string(),
            openssl::nid::Nid::SHA256 => "SHA-256".to_string(),
            openssl::nid::Nid::SHA384 => "SHA-384".to_string(),
            openssl::nid::Nid::SHA512 => "SHA-512".to_string(),
            other => other.long_name().ok()?.to_string(),
        })
    }
}

/// Verifies a DER SignedData with one signer without OpenSSL's CMS parser: the content digest
/// against messageDigest, the signature over the signed attributes with the signer's (cached)
/// key, and the (cached) chain. `None` when the structure needs the general path.
fn fast_path(form: Form, p: &der::SignedDataInfo<'_>, verifier: &Verifier) -> Option<Opened> {
    let content = p.content.as_ref()?;
    let [si] = p.signers.as_slice() else {
        return None;
    };
    let (issuer, serial) = si.issuer_serial?;
    let md = message_digest(&si.digest_oid)?;
    if !fast_signature_alg(&si.signature_oid) {
        return None;
    }
    let signer_der = p
        .certificates
        .iter()
        .copied()
        .find(|c| der::cert_issuer_serial(c) == Some((issuer, serial)))?;
    let signer = verifier.decode(signer_der)?;
    let key = signer.key.as_ref()?;
    let mut report = SignatureReport::new(
        Some(
            der::digest_name(&si.digest_oid).map_or_else(|| si.digest_oid.clone(), str::to_string),
        ),
        p.signing_time.clone(),
    );
    report.set_signer(signer.summary.clone());
    report.certificates = p.certificates.len();
    let digest = openssl::hash::hash(md, content).ok()?;
    let signed: std::borrow::Cow<'_, [u8]> = match si.signed_attrs {
        Some(attrs) => {
            if si.message_digest != Some(&digest[..]) {
                report.signature_error =
                    Some("content verify error: the content does not match its digest".into());
                None
            } else {
                // The signature covers the attributes as a DER SET OF, not with their [0] tag.
                let mut v = attrs.to_vec();
                v[0] = 0x31;
                Some(std::borrow::Cow::Owned(v))
            }
        }
        None => Some(std::borrow::Cow::Borrowed(&content[..])),
    }
    .unwrap_or(std::borrow::Cow::Borrowed(&[]));
    if report.signature_error.is_none() {
        let ok = openssl::sign::Verifier::new(md, key)
            .and_then(|mut v| v.verify_oneshot(si.signature, &signed))
            .unwrap_or(false);
        if ok {
            report.signature_valid = true;
        } else {
            report.signature_error =
                Some("signature verify error: the signature does not match".into());
        }
    }
    let carried: Vec<&[u8]> = p
        .certificates
        .iter()
        .copied()
        .filter(|c| *c != signer_der)
        .collect();
    report.set_chain(verifier.chain(&signer.cert, signer_der, &carried));
    Some(Opened {
        form,
        content: Some(content.clone()),
        signature: Some(report),
        error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"bplist00...."), Form::BinaryPlist);
        assert_eq!(sniff(b"\xef\xbb\xbf<?xml"), Form::XmlPlist);
        assert_eq!(sniff(b"\n  <?xml"), Form::XmlPlist);
        assert_eq!(sniff(b"-----BEGIN PKCS7-----\n"), Form::SignedPem);
        assert_eq!(sniff(b"hello"), Form::Unknown);
        assert_eq!(sniff(b""), Form::Unknown);
    }
}

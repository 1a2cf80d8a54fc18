//! A throw-away PKI made at test time: no private key is committed.
#![allow(dead_code)]

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::symm::Cipher;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509Builder, X509NameBuilder, X509};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

pub struct Pki {
    pub dir: tempfile::TempDir,
    pub ca: Issued,
    pub inter: Issued,
}

pub struct Issued {
    pub cert: X509,
    pub key: PKey<Private>,
}

static SERIAL: AtomicU32 = AtomicU32::new(1);

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A certificate builder with a fresh RSA-2048 key, a unique serial, the subject, the issuer's
/// name (or the subject's, for a self-signed one) and validity in days from now.
fn builder(
    subject: &[(&str, &str)],
    issuer: Option<&Issued>,
    from_days: i64,
    to_days: i64,
) -> (X509Builder, PKey<Private>) {
    builder_bits(subject, issuer, from_days, to_days, 2048)
}

fn builder_bits(
    subject: &[(&str, &str)],
    issuer: Option<&Issued>,
    from_days: i64,
    to_days: i64,
    bits: u32,
) -> (X509Builder, PKey<Private>) {
    let key = PKey::from_rsa(Rsa::generate(bits).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    for (k, v) in subject {
        name.append_entry_by_text(k, v).unwrap();
    }
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let serial =
        BigNum::from_u32(SERIAL.fetch_add(1, Ordering::SeqCst) + std::process::id()).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&serial).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&name, |i| i.cert.subject_name()))
        .unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::from_unix((now() + from_days * 86400) as _).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix((now() + to_days * 86400) as _).unwrap())
        .unwrap();
    (b, key)
}

/// Issues a certificate. `issuer` None makes it self-signed. Validity is in days from now.
pub fn issue(
    cn: &str,
    issuer: Option<&Issued>,
    ca: bool,
    from_days: i64,
    to_days: i64,
    digital_signature: bool,
) -> Issued {
    let (mut b, key) = builder(
        &[("CN", cn), ("O", "profilegen tests")],
        issuer,
        from_days,
        to_days,
    );
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
    } else {
        let mut ku = KeyUsage::new();
        ku.critical();
        if digital_signature {
            ku.digital_signature();
        } else {
            ku.key_encipherment();
        }
        b.append_extension(ku.build().unwrap()).unwrap();
    }
    let signing_key = issuer.map_or(&key, |i| &i.key);
    b.sign(signing_key, MessageDigest::sha256()).unwrap();
    Issued {
        cert: b.build(),
        key,
    }
}

impl Pki {
    /// ca.pem, inter.pem (intermediate), signer.pem/.key (issued by the intermediate), chain.pem
    /// (the intermediate), expired.pem/.key, other.key (not matching), nodsig.pem/.key,
    /// signer.p12 (passphrase "p12-pass"), enc.key (signer key encrypted with "key-pass").
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let ca = issue("profilegen Test Root", None, true, -1, 365, false);
        let inter = issue(
            "profilegen Test Intermediate",
            Some(&ca),
            true,
            -1,
            365,
            false,
        );
        let signer = issue("Mail Profile Signer", Some(&inter), false, -1, 200, true);
        let expired = issue("Expired Signer", Some(&inter), false, -30, -2, true);
        let nodsig = issue("No DigitalSignature", Some(&inter), false, -1, 200, false);
        let other = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let unrelated = issue("Unrelated CA", None, true, -1, 365, false);
        let w = |name: &str, bytes: Vec<u8>| std::fs::write(dir.path().join(name), bytes).unwrap();
        w("ca.pem", ca.cert.to_pem().unwrap());
        w("inter.pem", inter.cert.to_pem().unwrap());
        w("chain.pem", inter.cert.to_pem().unwrap());
        w("unrelated.pem", unrelated.cert.to_pem().unwrap());
        for (n, i) in [
            ("signer", &signer),
            ("expired", &expired),
            ("nodsig", &nodsig),
        ] {
            w(&format!("{n}.pem"), i.cert.to_pem().unwrap());
            w(
                &format!("{n}.key"),
                i.key.private_key_to_pem_pkcs8().unwrap(),
            );
        }
        w("other.key", other.private_key_to_pem_pkcs8().unwrap());
        w(
            "enc.key",
            signer
                .key
                .private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), b"key-pass")
                .unwrap(),
        );
        let mut ca_stack = openssl::stack::Stack::new().unwrap();
        ca_stack.push(inter.cert.clone()).unwrap();
        let p12 = Pkcs12::builder()
            .name("signer")
            .pkey(&signer.key)
            .cert(&signer.cert)
            .ca(ca_stack)
            .build2("p12-pass")
            .unwrap();
        w("signer.p12", p12.to_der().unwrap());
        Pki { dir, ca, inter }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// How a test TLS server certificate deviates from Apple's rules.
#[derive(Clone, Copy)]
pub struct TlsOpts {
    /// The name in subjectAltName (false: only in the CN).
    pub san: bool,
    /// extendedKeyUsage: Some(true) serverAuth, Some(false) clientAuth only, None absent.
    pub server_auth: Option<bool>,
    pub rsa_bits: u32,
    pub sha1: bool,
    /// authorityInfoAccess caIssuers, as public CAs' leaves carry.
    pub aia: bool,
}

impl Default for TlsOpts {
    fn default() -> TlsOpts {
        TlsOpts {
            san: true,
            server_auth: Some(true),
            rsa_bits: 2048,
            sha1: false,
            aia: false,
        }
    }
}

/// A TLS server certificate for `name` (an IP address or a DNS name) issued by `issuer`, valid
/// from `from_days` to `to_days` from now. Returns the PEM chain file (leaf, then `chain`) and key.
pub fn issue_tls(
    pki: &Pki,
    file: &str,
    name: &str,
    issuer: Option<&Issued>,
    chain: &[&Issued],
    from_days: i64,
    to_days: i64,
) -> (PathBuf, PathBuf) {
    issue_tls_with(
        pki,
        file,
        name,
        issuer,
        chain,
        from_days,
        to_days,
        TlsOpts::default(),
    )
}

#[allow(clippy::too_many_arguments)]
pub fn issue_tls_with(
    pki: &Pki,
    file: &str,
    name: &str,
    issuer: Option<&Issued>,
    chain: &[&Issued],
    from_days: i64,
    to_days: i64,
    opts: TlsOpts,
) -> (PathBuf, PathBuf) {
    use openssl::x509::extension::{ExtendedKeyUsage, SubjectAlternativeName};
    let (mut b, key) = builder_bits(&[("CN", name)], issuer, from_days, to_days, opts.rsa_bits);
    if opts.san {
        let mut san = SubjectAlternativeName::new();
        if name.parse::<std::net::IpAddr>().is_ok() {
            san.ip(name);
        } else {
            san.dns(name);
        }
        let ext = san
            .build(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
            .unwrap();
        b.append_extension(ext).unwrap();
    }
    match opts.server_auth {
        Some(true) => b
            .append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
            .unwrap(),
        Some(false) => b
            .append_extension(ExtendedKeyUsage::new().client_auth().build().unwrap())
            .unwrap(),
        None => {}
    }
    if opts.aia {
        #[allow(deprecated)]
        let ext = openssl::x509::X509Extension::new_nid(
            None,
            Some(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None)),
            openssl::nid::Nid::INFO_ACCESS,
            "caIssuers;URI:http://ca.invalid/intermediate.der",
        )
        .unwrap();
        b.append_extension(ext).unwrap();
    }
    let md = if opts.sha1 {
        MessageDigest::sha1()
    } else {
        MessageDigest::sha256()
    };
    b.sign(issuer.map_or(&key, |i| &i.key), md).unwrap();
    let cert = b.build();
    let mut pem = cert.to_pem().unwrap();
    for c in chain {
        pem.extend(c.cert.to_pem().unwrap());
    }
    let cert_path = pki.path(&format!("{file}.pem"));
    let key_path = pki.path(&format!("{file}.key"));
    std::fs::write(&cert_path, pem).unwrap();
    std::fs::write(&key_path, key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    (cert_path, key_path)
}

/// A valid server certificate for `name` from the test intermediate, with the chain.
pub fn issue_server_cert(pki: &Pki, name: &str) -> (PathBuf, PathBuf) {
    issue_tls(pki, "server", name, Some(&pki.inter), &[&pki.inter], -1, 90)
}

pub fn openssl_available() -> bool {
    std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `profilegen serve` on a free loopback port, stopped when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    stderr: Option<std::process::ChildStderr>,
}

impl Server {
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("profilegen"))
            .args(["serve", "--listen", "127.0.0.1:0", "--no-qr"])
            .args(args)
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("profilegen is serving on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        // Keep draining stdout so the server never blocks on it.
        std::thread::spawn(move || {
            let mut sink = String::new();
            let _ = out.read_to_string(&mut sink);
        });
        let stderr = child.stderr.take();
        Server { child, url, stderr }
    }

    /// Stops the server with SIGTERM and returns (exit status, stderr).
    pub fn stop(mut self) -> (std::process::ExitStatus, String) {
        unsafe_kill(self.child.id(), "TERM");
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        if let Some(mut e) = self.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        (status, err)
    }
}

pub fn unsafe_kill(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status();
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The names of the entries of `dir` that `keep` accepts, sorted.
pub fn names_in(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| keep(n))
        .collect();
    names.sort();
    names
}

/// profilegen's temporary files in `dir` (`.profilegen-PID-N.tmp`).
pub fn temporaries(dir: &Path) -> Vec<String> {
    names_in(dir, |n| n.starts_with(".profilegen-"))
}

//! What the benchmarks share: a throw-away self-signed RSA-2048 signer.
#![allow(dead_code)]

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509Builder, X509NameBuilder, X509};
use std::path::{Path, PathBuf};

/// Writes c.pem and k.pem (a self-signed RSA-2048 certificate valid for 30 days) into `dir`.
pub fn self_signed(dir: &Path) -> (PathBuf, PathBuf, X509) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "bench signer").unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = b.build();
    let (c, k) = (dir.join("c.pem"), dir.join("k.pem"));
    std::fs::write(&c, cert.to_pem().unwrap()).unwrap();
    std::fs::write(&k, key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    (c, k, cert)
}

/// A signer for that identity.
pub fn signer(dir: &Path) -> (profilegen::sign::Signer, X509) {
    use profilegen::sign::{Identity, IdentitySource, Passphrase, Signer};
    let (cert, key, x509) = self_signed(dir);
    let identity = Identity::load(
        &IdentitySource::Pem {
            cert,
            key,
            chain: None,
        },
        &Passphrase::Env("UNUSED".into()),
    )
    .unwrap();
    (Signer::new(identity, None).unwrap(), x509)
}

pub fn cpu() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

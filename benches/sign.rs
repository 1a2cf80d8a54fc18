//! Signed profiles per second on one core, beside `openssl speed rsa2048`'s sign rate.
//!
//!     cargo bench --bench sign
//!
//! Target (issue 3): ratio >= 0.8.

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509Builder, X509NameBuilder};
use profilegen::preset::Registry;
use profilegen::render::{render, Request, Templates};
use profilegen::sign::{Identity, IdentitySource, Passphrase, Signer};
use std::time::{Duration, Instant};

fn main() {
    let dir = tempfile::tempdir().unwrap();
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
    std::fs::write(dir.path().join("c.pem"), cert.to_pem().unwrap()).unwrap();
    std::fs::write(
        dir.path().join("k.pem"),
        key.private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
    let identity = Identity::load(
        &IdentitySource::Pem {
            cert: dir.path().join("c.pem"),
            key: dir.path().join("k.pem"),
            chain: None,
        },
        &Passphrase::Env("UNUSED".into()),
    )
    .unwrap();
    let signer = Signer::new(identity, None).unwrap();
    let registry = Registry::builtin().unwrap();
    let templates = Templates::load(None).unwrap();

    // Render + serialise + sign, as `new --sign-*` and `bulk` do per profile.
    let run_for = Duration::from_secs(3);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < run_for {
        let mut req = Request::new(format!("user{n}@i.softbank.jp"));
        req.name = Some("山田 太郎".into());
        let r = render(&req, &registry, &templates).unwrap();
        let der = signer.sign(&r.profile.to_xml()).unwrap();
        std::hint::black_box(der);
        n += 1;
    }
    let ours = n as f64 / start.elapsed().as_secs_f64();

    let speed = std::process::Command::new("openssl")
        .args(["speed", "-seconds", "3", "rsa2048"])
        .output()
        .expect("the openssl command (apt-get install openssl)");
    let text = String::from_utf8_lossy(&speed.stdout);
    let sign_rate: f64 = text
        .lines()
        .find(|l| l.trim_start().starts_with("rsa") && l.contains("2048"))
        .and_then(|l| l.split_whitespace().rev().nth(1))
        .and_then(|v| v.parse().ok())
        .expect("a `rsa 2048 bits` line in openssl speed's output");
    println!(
        "machine: {} cores; {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu()
    );
    println!("profilegen: {ours:.0} signed profiles/s on one core (render + plist + CMS, RSA-2048, SHA-256)");
    println!("openssl speed rsa2048: {sign_rate:.0} sign/s on one core");
    println!("ratio: {:.3} (target >= 0.8)", ours / sign_rate);
}

fn cpu() -> String {
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

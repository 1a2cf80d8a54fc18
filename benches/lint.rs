//! Profiles linted per second on one core, unsigned and signed.
//!
//!     cargo bench --bench lint
//!
//! Target (issue 4): >= 5 000 profiles/s per core.

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509Builder, X509NameBuilder};
use profilegen::lint::{self, Options};
use profilegen::preset::Registry;
use profilegen::render::{render, Request, Templates};
use profilegen::sign::{Identity, IdentitySource, Passphrase, Signer};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn main() {
    let registry = Registry::builtin().unwrap();
    let templates = Templates::load(None).unwrap();
    let domains = [
        "i.softbank.jp",
        "docomo.ne.jp",
        "icloud.com",
        "gmail.com",
        "yahoo.co.jp",
        "ocn.ne.jp",
    ];
    let unsigned: Vec<Vec<u8>> = (0..600)
        .map(|i| {
            let mut req = Request::new(format!("user{i}@{}", domains[i % domains.len()]));
            req.name = Some("山田 太郎".into());
            render(&req, &registry, &templates)
                .unwrap()
                .profile
                .to_xml()
        })
        .collect();

    // A self-signed RSA-2048 signer, trusted as its own root.
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
    let signer = Signer::new(
        Identity::load(
            &IdentitySource::Pem {
                cert: dir.path().join("c.pem"),
                key: dir.path().join("k.pem"),
                chain: None,
            },
            &Passphrase::Env("UNUSED".into()),
        )
        .unwrap(),
        None,
    )
    .unwrap();
    let signed: Vec<Vec<u8>> = unsigned.iter().map(|p| signer.sign(p).unwrap()).collect();
    let mut sb = X509StoreBuilder::new().unwrap();
    sb.add_cert(cert).unwrap();
    let store = profilegen::container::Verifier::new(sb.build());

    let opts = Options {
        presets: &registry,
        verifier: &store,
        overrides: BTreeMap::new(),
        now: 1_800_000_000,
    };
    println!(
        "machine: {} cores; {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu()
    );
    for (label, set) in [
        ("unsigned", &unsigned),
        ("signed (RSA-2048, chain verified)", &signed),
    ] {
        // Sanity: the corpus is clean (apart from "unsigned").
        let f = lint::lint_bytes(&set[0], &opts);
        assert!(f.iter().all(|f| f.rule == "PG301"), "{f:?}");
        let start = Instant::now();
        let mut n = 0usize;
        while start.elapsed() < Duration::from_secs(3) {
            std::hint::black_box(lint::lint_bytes(&set[n % set.len()], &opts));
            n += 1;
        }
        let rate = n as f64 / start.elapsed().as_secs_f64();
        println!("lint {label}: {rate:.0} profiles/s on one core (target >= 5000)");
    }
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

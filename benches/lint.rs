//! Profiles linted per second on one core, unsigned and signed.
//!
//!     cargo bench --bench lint
//!
//! Target (issue 4): >= 5 000 profiles/s per core.

use openssl::x509::store::X509StoreBuilder;
use profilegen::lint::{self, Options};
use profilegen::preset::Registry;
use profilegen::render::{render, Request, Templates};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

mod common;

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
    let (signer, cert) = common::signer(dir.path());
    let signed: Vec<Vec<u8>> = unsigned.iter().map(|p| signer.sign(p).unwrap()).collect();
    let mut sb = X509StoreBuilder::new().unwrap();
    sb.add_cert(cert).unwrap();
    let store = profilegen::container::Verifier::new(sb.build());

    let opts = Options {
        presets: &registry,
        verifier: &store,
        overrides: BTreeMap::new(),
        now: 1_800_000_000,
        mdm: None,
    };
    println!(
        "machine: {} cores; {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        common::cpu()
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

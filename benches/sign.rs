//! Signed profiles per second on one core, beside `openssl speed rsa2048`'s sign rate.
//!
//!     cargo bench --bench sign
//!
//! Target (issue 3): ratio >= 0.8.

use profilegen::preset::Registry;
use profilegen::render::{render, Request, Templates};
use std::time::{Duration, Instant};

mod common;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (signer, _) = common::signer(dir.path());
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
        common::cpu()
    );
    println!("profilegen: {ours:.0} signed profiles/s on one core (render + plist + CMS, RSA-2048, SHA-256)");
    println!("openssl speed rsa2048: {sign_rate:.0} sign/s on one core");
    println!("ratio: {:.3} (target >= 0.8)", ours / sign_rate);
}

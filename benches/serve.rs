//! Load test of `profilegen serve` on loopback (issue 6): signed profiles, requests/s and latency
//! percentiles, with a health check running alongside. Bounded: 2 000 profile requests from 8
//! client threads, stopped after 120 s at most. Every request must succeed.
//!
//!     cargo bench --bench serve

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 8;
const PER_CLIENT: usize = 250;

mod common;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    common::self_signed(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_profilegen"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--no-qr",
            "--rate-limit",
            "0",
            "--sign-cert",
        ])
        .arg(dir.path().join("c.pem"))
        .arg("--sign-key")
        .arg(dir.path().join("k.pem"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("profilegen is serving on ")
        .unwrap()
        .to_string();
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
    });

    let deadline = Instant::now() + Duration::from_secs(120);
    let stop = Arc::new(AtomicBool::new(false));
    // Health checks alongside the load: the server must stay responsive.
    let health = {
        let url = format!("{url}healthz");
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut lat = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = ureq::get(&url)
                    .call()
                    .map(|r| r.status() == 200)
                    .unwrap_or(false);
                assert!(ok, "health check failed under load");
                lat.push(t.elapsed());
                std::thread::sleep(Duration::from_millis(20));
            }
            lat
        })
    };
    let start = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let url = url.clone();
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                let mut lat = Vec::with_capacity(PER_CLIENT);
                let mut failed = 0;
                for i in 0..PER_CLIENT {
                    if Instant::now() > deadline {
                        break;
                    }
                    let t = Instant::now();
                    match agent
                        .get(&format!("{url}profile"))
                        .query("email", &format!("user{c}x{i}@i.softbank.jp"))
                        .call()
                    {
                        Ok(r)
                            if r.status() == 200
                                && r.header("content-type")
                                    == Some("application/x-apple-aspen-config") =>
                        {
                            let mut body = Vec::new();
                            r.into_reader().read_to_end(&mut body).unwrap();
                            assert_eq!(body[0], 0x30, "a signed profile");
                        }
                        _ => failed += 1,
                    }
                    lat.push(t.elapsed());
                }
                (lat, failed)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut failed = 0;
    for w in workers {
        let (l, f) = w.join().unwrap();
        lat.extend(l);
        failed += f;
    }
    let elapsed = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut hl = health.join().unwrap();
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let status = child.wait().unwrap();

    lat.sort();
    hl.sort();
    let pct = |v: &[Duration], p: f64| {
        v[((v.len() as f64 * p) as usize).min(v.len() - 1)].as_secs_f64() * 1000.0
    };
    println!(
        "machine: {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "serve, signed RSA-2048 profiles: {} requests from {CLIENTS} clients in {:.2} s = {:.0} requests/s; {failed} failed",
        lat.len(),
        elapsed.as_secs_f64(),
        lat.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency ms: p50 {:.1}, p90 {:.1}, p99 {:.1}, max {:.1}",
        pct(&lat, 0.5),
        pct(&lat, 0.9),
        pct(&lat, 0.99),
        lat.last().unwrap().as_secs_f64() * 1000.0
    );
    println!(
        "health checks during the load: {} answered, p50 {:.1} ms, max {:.1} ms",
        hl.len(),
        pct(&hl, 0.5),
        hl.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    );
    println!("graceful shutdown: {status}");
    assert_eq!(failed, 0, "requests were lost");
    assert!(status.success());
}

//! Hostile input, concurrency and resource limits: slow clients, deep nesting, FIFOs and
//! devices, concurrent runs, files without line ends, duplicate keys, identifier collisions.
//! Every connection goes to loopback.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::cargo_bin("profilegen").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("SOURCE_DATE_EPOCH");
    c
}

fn mkfifo(p: &Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap();
    assert!(st.success());
}

/// A plist nested `depth` levels deep.
fn deep(depth: usize) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\"?><plist version=\"1.0\">{}{}</plist>",
        "<array>".repeat(depth),
        "</array>".repeat(depth)
    )
    .into_bytes()
}

// ---- serve ----

fn http_get(addr: &str, path: &str) -> std::io::Result<String> {
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

#[test]
fn slow_clients_do_not_starve_the_health_check() {
    let server = common::Server::start(&[]);
    let addr = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let sock: std::net::SocketAddr = addr.parse().unwrap();
    // 400 clients from another loopback address send half a request and wait.
    let mut held = Vec::new();
    for _ in 0..400 {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        s.bind(
            &"127.0.0.2:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
        if s.connect(&sock.into()).is_ok() {
            let mut t: std::net::TcpStream = s.into();
            let _ = t.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n");
            held.push(t);
        }
    }
    // The health check from 127.0.0.1 answers at once, several times over.
    for _ in 0..5 {
        let t = Instant::now();
        let r = http_get(&addr, "/healthz").unwrap();
        assert!(r.starts_with("HTTP/1.1 200"), "{r}");
        assert!(r.ends_with("ok\n"));
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    }
    // The slow clients are dropped once the header timeout passes: their reads end.
    let mut first = held.remove(0);
    first
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let t = Instant::now();
    let mut buf = Vec::new();
    let _ = first.read_to_end(&mut buf);
    assert!(
        t.elapsed() < Duration::from_secs(25),
        "a half request was held for {:?}",
        t.elapsed()
    );
    drop(held);
    let (status, _) = server.stop();
    assert!(status.success());
}

#[test]
fn serve_refuses_bytes_that_are_not_utf8_and_says_the_real_wait() {
    let server = common::Server::start(&["--rate-limit", "30"]);
    let url = server.url.trim_end_matches('/').to_string();
    let r = ureq::get(&format!("{url}/profile?email=%ff%fe@gmail.com")).call();
    match r {
        Err(ureq::Error::Status(400, _)) => {}
        other => panic!("expected 400, got {:?}", other.map(|r| r.status())),
    }
    // Use up the minute's budget (30, one token every 2 s), then read Retry-After.
    let mut retry = None;
    for _ in 0..40 {
        if let Err(ureq::Error::Status(429, r)) =
            ureq::get(&format!("{url}/profile?email=taro@gmail.com")).call()
        {
            retry = r.header("Retry-After").map(str::to_string);
            break;
        }
    }
    let secs: u64 = retry.expect("a 429").parse().unwrap();
    assert!(
        secs >= 2,
        "Retry-After {secs} is shorter than the 2 s a token takes"
    );
    std::thread::sleep(Duration::from_secs(secs));
    let r = ureq::get(&format!("{url}/profile?email=taro@gmail.com")).call();
    assert!(r.is_ok(), "after Retry-After the request is served");
}

// ---- deep nesting through every reader ----

#[test]
fn inspect_and_sign_refuse_deep_nesting_without_crashing() {
    let pki = common::Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("deep.mobileconfig");
    std::fs::write(&plain, deep(150_000)).unwrap();
    // Inside a CMS signature too (openssl signs any bytes).
    let signed = dir.path().join("deep.der");
    if common::openssl_available() {
        let st = std::process::Command::new("openssl")
            .args([
                "cms",
                "-sign",
                "-nodetach",
                "-binary",
                "-outform",
                "der",
                "-in",
            ])
            .arg(&plain)
            .arg("-signer")
            .arg(pki.path("signer.pem"))
            .arg("-inkey")
            .arg(pki.path("signer.key"))
            .arg("-out")
            .arg(&signed)
            .status()
            .unwrap();
        assert!(st.success());
    }
    for f in [&plain, &signed] {
        if !f.exists() {
            continue;
        }
        let out = bin().arg("inspect").arg(f).output().unwrap();
        let code = out.status.code();
        assert!(matches!(code, Some(1) | Some(2)), "inspect {f:?}: {code:?}");
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(text.contains("nested more than"), "{text}");
        let lint = bin().arg("lint").arg(f).output().unwrap();
        assert_eq!(lint.status.code(), Some(1));
        let probe = bin().arg("probe").arg(f).output().unwrap();
        assert_eq!(probe.status.code(), Some(2), "probe {f:?}");
    }
    let out = bin()
        .arg("sign")
        .arg(&plain)
        .arg("-o")
        .arg(dir.path().join("x"))
        .arg("--sign-cert")
        .arg(pki.path("signer.pem"))
        .arg("--sign-key")
        .arg(pki.path("signer.key"))
        .arg("--sign-chain")
        .arg(pki.path("chain.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nested more than"));
}

// ---- files that are not regular files ----

#[test]
fn fifos_devices_and_links_to_them_are_never_read_or_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("p.mobileconfig");
    mkfifo(&fifo);
    let null_link = dir.path().join("null.mobileconfig");
    std::os::unix::fs::symlink("/dev/null", &null_link).unwrap();
    let zero_link = dir.path().join("zero.mobileconfig");
    std::os::unix::fs::symlink("/dev/zero", &zero_link).unwrap();
    let limit = Duration::from_secs(20);
    // Readers: lint, inspect, sign, probe.
    for target in [&fifo, &zero_link] {
        for args in [vec!["inspect"], vec!["lint"], vec!["probe"]] {
            let out = bin()
                .args(&args)
                .arg(target)
                .timeout(limit)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr).to_string()
                + &String::from_utf8_lossy(&out.stdout);
            assert!(
                err.contains("not a regular file"),
                "{args:?} {target:?}: {err}"
            );
        }
    }
    // Writers: new -o, and the node stays what it was.
    for target in [&fifo, &null_link] {
        bin()
            .args([
                "new",
                "-q",
                "--email",
                "taro@i.softbank.jp",
                "--force",
                "-o",
            ])
            .arg(target)
            .timeout(limit)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("not a regular file"));
    }
    // sign -o, inspect --extract -o and lint -o write through the same check.
    let pki = common::Pki::new();
    let plain = dir.path().join("plain.mobileconfig");
    bin()
        .args(["new", "-q", "--email", "taro@i.softbank.jp", "-o"])
        .arg(&plain)
        .assert()
        .success();
    let writers: Vec<Vec<std::ffi::OsString>> = vec![
        vec![
            "sign".into(),
            plain.clone().into(),
            "--sign-cert".into(),
            pki.path("signer.pem").into(),
            "--sign-key".into(),
            pki.path("signer.key").into(),
            "-o".into(),
        ],
        vec![
            "inspect".into(),
            plain.clone().into(),
            "--extract".into(),
            "-o".into(),
        ],
        vec!["lint".into(), plain.clone().into(), "-o".into()],
    ];
    for w in writers {
        let out = bin()
            .args(&w)
            .arg(&null_link)
            .timeout(limit)
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(0), "{w:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("not a regular file"),
            "{w:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    assert!(std::fs::symlink_metadata(&null_link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    // bulk: a FIFO or a device where a profile would go is a row error, even with --force.
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    mkfifo(&out.join("taro@i.softbank.jp.mobileconfig"));
    std::os::unix::fs::symlink("/dev/zero", out.join("hanako@i.softbank.jp.mobileconfig")).unwrap();
    let csv = dir.path().join("u.csv");
    std::fs::write(
        &csv,
        "email\ntaro@i.softbank.jp\nhanako@i.softbank.jp\njiro@i.softbank.jp\n",
    )
    .unwrap();
    for force in [false, true] {
        let mut c = bin();
        c.arg("bulk").arg(&csv).arg("--out-dir").arg(&out);
        if force {
            c.arg("--force");
        }
        let o = c.timeout(limit).output().unwrap();
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.matches("not a regular file").count(), 2, "{err}");
        assert!(out.join("jiro@i.softbank.jp.mobileconfig").is_file());
    }
}

// ---- bulk: concurrency, limits, identifiers ----

#[test]
fn two_bulk_runs_into_one_directory_write_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut csvs = Vec::new();
    for run in 0..2 {
        let mut text = String::from("email\n");
        for i in 0..1500 {
            text.push_str(&format!("user{run}x{i}@i.softbank.jp\n"));
        }
        let p = dir.path().join(format!("u{run}.csv"));
        std::fs::write(&p, text).unwrap();
        csvs.push(p);
    }
    let children: Vec<_> = csvs
        .iter()
        .map(|csv| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("profilegen"))
                .arg("bulk")
                .arg(csv)
                .arg("--out-dir")
                .arg(&out)
                .arg("--manifest")
                .arg(csv.with_extension("manifest.csv"))
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let n = common::names_in(&out, |n| n.ends_with(".mobileconfig")).len();
    assert_eq!(n, 3000);
    // No temporary file is left, here or beside the manifests.
    for d in [&out, &dir.path().to_path_buf()] {
        let left = common::temporaries(d);
        assert!(left.is_empty(), "{left:?}");
    }
}

#[test]
fn a_killed_runs_leftovers_are_removed_but_a_live_runs_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // A process that is gone: a child that has exited.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let abandoned = out.join(format!(".profilegen-{dead}-7.tmp"));
    let beside_manifest = dir.path().join(format!(".profilegen-{dead}-8.tmp"));
    // A process that is alive: this test.
    let live = out.join(format!(".profilegen-{}-9.tmp", std::process::id()));
    for p in [&abandoned, &beside_manifest, &live] {
        std::fs::write(p, b"partial").unwrap();
    }
    let csv = dir.path().join("u.csv");
    std::fs::write(&csv, "email\ntaro@i.softbank.jp\n").unwrap();
    bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out)
        .arg("--manifest")
        .arg(dir.path().join("m.csv"))
        .assert()
        .success();
    assert!(!abandoned.exists());
    assert!(!beside_manifest.exists());
    assert!(live.exists(), "another run's temporary file was removed");
}

#[test]
fn a_csv_without_line_ends_is_refused_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("zeros.csv");
    std::fs::write(&csv, vec![0u8; 64 << 20]).unwrap();
    let t = Instant::now();
    bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(dir.path().join("out"))
        .timeout(Duration::from_secs(60))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("longer than 64 KiB"));
    // It stops at the first 64 KiB instead of reading 64 MB.
    assert!(t.elapsed() < Duration::from_secs(30));
    // Rows before such a line are still written.
    let csv = dir.path().join("mixed.csv");
    let mut bytes = b"email\ntaro@i.softbank.jp\n".to_vec();
    bytes.extend(vec![b'x'; 200_000]);
    std::fs::write(&csv, bytes).unwrap();
    bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(dir.path().join("out2"))
        .assert()
        .code(1);
    assert!(dir
        .path()
        .join("out2/taro@i.softbank.jp.mobileconfig")
        .is_file());
}

#[test]
fn huge_values_are_refused_and_never_echoed_whole() {
    // (argv holds at most 128 KiB per argument; a CSV row is tested below.)
    let big = "a".repeat(100_000);
    let out = bin()
        .args(["new", "--email"])
        .arg(format!("{big}@gmail.com"))
        .args(["-o", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr.len() < 2_000,
        "{} bytes of error",
        out.stderr.len()
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most 254"));
    let out = bin()
        .args(["new", "--email", "taro@gmail.com", "--name"])
        .arg("名".repeat(30_000))
        .args(["-o", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(out.stderr.len() < 2_000);
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most 256"));
    // A 60 KB address in a CSV row: one short error line.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("u.csv");
    std::fs::write(&csv, format!("email\n{}@gmail.com\n", "b".repeat(60_000))).unwrap();
    let out = bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr.len() < 2_000,
        "{} bytes of error",
        out.stderr.len()
    );
}

#[test]
fn identifiers_never_collide_and_bulk_refuses_a_shared_one() {
    let ident = |email: &str| {
        let out = bin()
            .args(["new", "-q", "--email", email, "-o", "-"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{email}");
        let d = plist::Value::from_reader_xml(&out.stdout[..])
            .unwrap()
            .into_dictionary()
            .unwrap();
        d["PayloadIdentifier"].as_string().unwrap().to_string()
    };
    for (a, b) in [
        ("taro.@docomo.ne.jp", "taro@docomo.ne.jp"),
        ("taro+tag@gmail.com", "taro-x2btag@gmail.com"),
        ("a_b@gmail.com", "a-x5fb@gmail.com"),
    ] {
        assert_ne!(ident(a), ident(b), "{a} / {b}");
    }
    // Ordinary addresses keep the identifiers profiles already on phones have.
    assert_eq!(
        ident("taro@i.softbank.jp"),
        "jp.profilegen.mail.taro.at.i.softbank.jp"
    );
    // bulk writes both of such a pair, each with its own identifier.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("u.csv");
    std::fs::write(&csv, "email\ntaro+tag@gmail.com\ntaro-x2btag@gmail.com\n").unwrap();
    let m = dir.path().join("m.json");
    bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(dir.path().join("out"))
        .arg("--manifest")
        .arg(&m)
        .assert()
        .success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(&m).unwrap()).unwrap();
    assert_ne!(rows[0]["payload_identifier"], rows[1]["payload_identifier"]);
}

#[test]
fn bulk_out_dir_problems_are_one_error_before_any_row() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("u.csv");
    std::fs::write(&csv, "email\ntaro@i.softbank.jp\nhanako@i.softbank.jp\n").unwrap();
    let file = dir.path().join("afile");
    std::fs::write(&file, b"x").unwrap();
    let out = bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error")).count(),
        1,
        "{err}"
    );
    assert!(err.contains("is a file, not a directory"), "{err}");
    assert!(!err.contains("os error") && !err.contains("Io("), "{err}");
}

// ---- duplicate keys ----

#[test]
fn a_key_given_twice_is_found_and_its_password_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.mobileconfig");
    bin()
        .args(["new", "-q", "--email", "taro@gmail.com", "-o"])
        .arg(&p)
        .assert()
        .success();
    let text = std::fs::read_to_string(&p).unwrap();
    // A hidden password first, then an empty one that the parser keeps.
    let twice = text.replacen(
        "<key>EmailAccountType</key>",
        "<key>IncomingPassword</key><string>S3cret-Hidden</string><key>IncomingPassword</key><string></string><key>EmailAccountType</key>",
        1,
    );
    std::fs::write(&p, twice).unwrap();
    bin()
        .arg("lint")
        .arg(&p)
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("PG116").and(predicate::str::contains(
                "PayloadContent[0].IncomingPassword",
            )),
        );
    bin()
        .arg("inspect")
        .arg(&p)
        .assert()
        .stdout(predicate::str::contains("S3cret-Hidden").not());
}

// ---- probe: many servers ----

#[test]
fn a_profile_naming_thousands_of_servers_is_probed_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let payload = |i: usize, host: &str| {
        format!(
            "<dict><key>PayloadType</key><string>com.apple.mail.managed</string>\
<key>PayloadVersion</key><integer>1</integer><key>PayloadIdentifier</key><string>p.{i}</string>\
<key>PayloadUUID</key><string>U{i}</string><key>EmailAccountType</key><string>EmailTypeIMAP</string>\
<key>IncomingMailServerHostName</key><string>{host}</string><key>IncomingMailServerPortNumber</key><integer>{closed}</integer>\
<key>OutgoingMailServerHostName</key><string>{host}</string><key>OutgoingMailServerPortNumber</key><integer>{closed}</integer></dict>"
        )
    };
    let profile = |hosts: &dyn Fn(usize) -> String| {
        let mut s = String::from(
            "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>PayloadType</key><string>Configuration</string><key>PayloadContent</key><array>",
        );
        for i in 0..30_000 {
            s.push_str(&payload(i, &hosts(i)));
        }
        s.push_str("</array></dict></plist>");
        s
    };
    // 30 000 payloads on one server: probed once per protocol, quickly.
    let same = dir.path().join("same.mobileconfig");
    std::fs::write(&same, profile(&|_| "127.0.0.1".to_string())).unwrap();
    let out = bin()
        .args(["probe", "--format", "json", "--timeout", "2"])
        .arg(&same)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let r: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(r.len(), 2);
    // 30 000 distinct servers: a clear refusal, not a thread per server.
    let many = dir.path().join("many.mobileconfig");
    std::fs::write(
        &many,
        profile(&|i| format!("127.0.{}.{}", i / 250, i % 250 + 1)),
    )
    .unwrap();
    bin()
        .args(["probe", "--timeout", "2"])
        .arg(&many)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at most 512"));
}

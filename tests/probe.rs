//! `profilegen probe` against real TLS servers on loopback with generated certificates — valid,
//! expired, wrong name, self-signed, missing intermediate — and STARTTLS edge cases. Only
//! loopback addresses are ever connected to.

mod common;

use assert_cmd::Command;
use common::{issue, issue_tls, issue_tls_with, Pki, TlsOpts};
use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod, SslVersion};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;

/// How a fake server behaves.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// IMAP with implicit TLS.
    ImapTls,
    /// SMTP with STARTTLS; `auth_before`: AUTH offered before TLS; `auth_after`: after.
    SmtpStarttls {
        starttls: bool,
        auth_before: bool,
        auth_after: bool,
    },
    /// Plain-text IMAP on a port the client treats as implicit TLS.
    PlainOnTlsPort,
    /// TLS, then an HTTP-like answer instead of a mail greeting.
    TlsGarbage,
    /// SMTP whose greeting never ends (220- lines forever).
    SmtpEndlessGreeting,
    /// IMAP over TLS that answers CAPABILITY with `* CAPABILITY` lines forever.
    ImapEndlessCapability,
    /// IMAP over TLS whose greeting is a line that never ends.
    ImapEndlessLine,
    /// IMAP over TLS that sends its greeting one byte every 200 ms, forever.
    ImapDrip,
    /// Accepts the connection and says nothing.
    Silent,
}

struct Fake {
    port: u16,
}

fn acceptor(cert: &Path, key: &Path, max: Option<SslVersion>) -> Arc<SslAcceptor> {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
    b.set_certificate_chain_file(cert).unwrap();
    b.set_private_key_file(key, SslFiletype::PEM).unwrap();
    if let Some(v) = max {
        b.clear_options(openssl::ssl::SslOptions::NO_TLSV1 | openssl::ssl::SslOptions::NO_TLSV1_1);
        b.set_min_proto_version(Some(SslVersion::TLS1)).unwrap();
        b.set_max_proto_version(Some(v)).unwrap();
        b.set_cipher_list("DEFAULT:@SECLEVEL=0").unwrap();
    }
    Arc::new(b.build())
}

fn lines<S: Read + Write>(s: S, script: impl Fn(&str) -> Option<String>) {
    let mut r = BufReader::new(s);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        match script(line.trim_end()) {
            Some(reply) => {
                if r.get_mut().write_all(reply.as_bytes()).is_err() {
                    return;
                }
                let _ = r.get_mut().flush();
                if reply.contains("BYE") || reply.starts_with("221") {
                    return;
                }
            }
            None => return,
        }
    }
}

fn imap_script(line: &str) -> Option<String> {
    let (tag, cmd) = line.split_once(' ')?;
    Some(match cmd.to_ascii_uppercase().as_str() {
        "CAPABILITY" => {
            format!("* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN\r\n{tag} OK done\r\n")
        }
        "LOGOUT" => format!("* BYE bye\r\n{tag} OK done\r\n"),
        _ => format!("{tag} BAD unknown\r\n"),
    })
}

impl Fake {
    fn start(kind: Kind, tls: Option<Arc<SslAcceptor>>) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(tcp) = conn else { return };
                let tls = tls.clone();
                std::thread::spawn(move || serve(kind, tcp, tls));
            }
        });
        Fake { port }
    }
}

/// Bytes the flooding servers managed to send before the client hung up.
static SENT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn serve(kind: Kind, mut tcp: TcpStream, tls: Option<Arc<SslAcceptor>>) {
    match kind {
        Kind::ImapTls => {
            let Ok(mut s) = tls.unwrap().accept(tcp) else {
                return;
            };
            let _ = s.write_all(b"* OK [CAPABILITY IMAP4rev1] fake ready\r\n");
            lines(s, imap_script);
        }
        Kind::PlainOnTlsPort => {
            let _ = tcp.write_all(b"* OK plain text here\r\n");
            let mut buf = [0u8; 512];
            let _ = tcp.read(&mut buf);
        }
        Kind::TlsGarbage => {
            let Ok(mut s) = tls.unwrap().accept(tcp) else {
                return;
            };
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        }
        Kind::SmtpEndlessGreeting => {
            let _ = tcp.set_write_timeout(Some(std::time::Duration::from_secs(30)));
            let line = format!("220-{}\r\n", "x".repeat(200));
            for _ in 0..10_000_000u64 {
                if tcp.write_all(line.as_bytes()).is_err() {
                    return;
                }
                SENT.fetch_add(line.len() as u64, std::sync::atomic::Ordering::Relaxed);
            }
        }
        Kind::ImapEndlessCapability | Kind::ImapEndlessLine | Kind::ImapDrip => {
            let Ok(mut s) = tls.unwrap().accept(tcp) else {
                return;
            };
            let _ = s
                .get_ref()
                .set_write_timeout(Some(std::time::Duration::from_secs(30)));
            if kind == Kind::ImapEndlessLine {
                let chunk = "y".repeat(4096);
                let _ = s.write_all(b"* OK ");
                for _ in 0..10_000_000u64 {
                    if s.write_all(chunk.as_bytes()).is_err() {
                        return;
                    }
                    SENT.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
                return;
            }
            if kind == Kind::ImapDrip {
                for _ in 0..10_000u64 {
                    if s.write_all(b"*").and_then(|_| s.flush()).is_err() {
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                return;
            }
            let _ = s.write_all(b"* OK ready\r\n");
            let mut buf = [0u8; 256];
            let _ = s.read(&mut buf);
            let line = "* CAPABILITY IMAP4rev1 X-A X-B X-C X-D X-E X-F\r\n";
            for _ in 0..10_000_000u64 {
                if s.write_all(line.as_bytes()).is_err() {
                    return;
                }
                SENT.fetch_add(line.len() as u64, std::sync::atomic::Ordering::Relaxed);
            }
        }
        Kind::Silent => {
            std::thread::sleep(std::time::Duration::from_secs(60));
            drop(tcp);
        }
        Kind::SmtpStarttls {
            starttls,
            auth_before,
            auth_after,
        } => {
            let _ = tcp.write_all(b"220 fake.example ESMTP\r\n");
            let mut r = BufReader::new(tcp.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let cmd = line.trim_end().to_ascii_uppercase();
                if cmd.starts_with("EHLO") {
                    let mut reply = String::from("250-fake.example\r\n250-PIPELINING\r\n");
                    if starttls {
                        reply.push_str("250-STARTTLS\r\n");
                    }
                    if auth_before {
                        reply.push_str("250-AUTH PLAIN LOGIN\r\n");
                    }
                    reply.push_str("250 8BITMIME\r\n");
                    let _ = tcp.write_all(reply.as_bytes());
                } else if cmd == "STARTTLS" && starttls {
                    let _ = tcp.write_all(b"220 go ahead\r\n");
                    let Ok(s) = tls.unwrap().accept(tcp) else {
                        return;
                    };
                    lines(s, move |l| {
                        let c = l.to_ascii_uppercase();
                        if c.starts_with("EHLO") {
                            Some(if auth_after {
                                "250-fake.example\r\n250 AUTH PLAIN LOGIN\r\n".into()
                            } else {
                                "250-fake.example\r\n250 8BITMIME\r\n".into()
                            })
                        } else if c == "QUIT" {
                            Some("221 bye\r\n".into())
                        } else {
                            Some("502 no\r\n".into())
                        }
                    });
                    return;
                } else if cmd == "QUIT" {
                    let _ = tcp.write_all(b"221 bye\r\n");
                    return;
                } else {
                    let _ = tcp.write_all(b"502 no\r\n");
                }
            }
        }
    }
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("profilegen").unwrap();
    c.env_remove("LANG").env_remove("LC_ALL");
    c
}

/// Runs probe with JSON output; returns (exit code, reports).
fn probe(pki: &Pki, args: &[String]) -> (i32, Vec<serde_json::Value>) {
    let out = bin()
        .args(["probe", "--format", "json", "--timeout", "5", "--ca"])
        .arg(pki.path("ca.pem"))
        .args(args)
        .output()
        .unwrap();
    let v: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), v)
}

fn rules(report: &serde_json::Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn imaps(port: u16) -> Vec<String> {
    vec!["--imap".into(), format!("imaps://127.0.0.1:{port}")]
}

#[test]
fn a_valid_server_is_clean_and_described() {
    let pki = Pki::new();
    let (cert, key) = issue_tls(
        &pki,
        "valid",
        "127.0.0.1",
        Some(&pki.inter),
        &[&pki.inter],
        -1,
        90,
    );
    let f = Fake::start(Kind::ImapTls, Some(acceptor(&cert, &key, None)));
    let (code, r) = probe(&pki, &imaps(f.port));
    assert_eq!(code, 0, "{r:#?}");
    let r = &r[0];
    assert!(rules(r).is_empty(), "{r:#?}");
    assert_eq!(r["addresses"][0], "127.0.0.1");
    assert!(r["greeting"].as_str().unwrap().starts_with("* OK"));
    assert!(r["tls_version"].as_str().unwrap().starts_with("TLSv1.")); // 1.2 or 1.3
    assert!(!r["cipher"].as_str().unwrap().is_empty());
    assert_eq!(r["certificate"]["verified"], true);
    assert_eq!(r["certificate"]["chain_length"], 2);
    assert!(r["certificate"]["days_left"].as_i64().unwrap() >= 88);
    assert_eq!(r["auth_mechanisms"], serde_json::json!(["LOGIN", "PLAIN"]));
    // The text report says the same.
    bin()
        .args(["probe", "--timeout", "5", "--ca"])
        .arg(pki.path("ca.pem"))
        .args(imaps(f.port))
        .assert()
        .code(0)
        .stdout(
            predicates::str::contains("chain:        verified")
                .and(predicates::str::contains("ok: the phone can connect")),
        );
}

use predicates::prelude::*;

#[test]
fn certificate_problems_are_named_with_the_phones_message() {
    let pki = Pki::new();
    let cases: Vec<(&str, (std::path::PathBuf, std::path::PathBuf), &str)> = vec![
        (
            "expired",
            issue_tls(
                &pki,
                "expired",
                "127.0.0.1",
                Some(&pki.inter),
                &[&pki.inter],
                -30,
                -1,
            ),
            "PG704",
        ),
        (
            "wrong name",
            issue_tls(
                &pki,
                "wrongname",
                "imap.other.example",
                Some(&pki.inter),
                &[&pki.inter],
                -1,
                90,
            ),
            "PG705",
        ),
        (
            "self-signed",
            issue_tls(&pki, "selfsigned", "127.0.0.1", None, &[], -1, 90),
            "PG706",
        ),
        (
            "missing intermediate",
            // A leaf that says where its issuer is (as public CAs' leaves do), sent alone.
            issue_tls_with(
                &pki,
                "leafonly",
                "127.0.0.1",
                Some(&pki.inter),
                &[],
                -1,
                90,
                TlsOpts {
                    aia: true,
                    ..TlsOpts::default()
                },
            ),
            "PG707",
        ),
        (
            "expires soon",
            issue_tls(
                &pki,
                "soon",
                "127.0.0.1",
                Some(&pki.inter),
                &[&pki.inter],
                -80,
                5,
            ),
            "PG712",
        ),
    ];
    for (what, (cert, key), rule) in cases {
        let f = Fake::start(Kind::ImapTls, Some(acceptor(&cert, &key, None)));
        let (code, r) = probe(&pki, &imaps(f.port));
        let found = rules(&r[0]);
        assert!(
            found.contains(rule),
            "{what}: expected {rule}, found {found:?}: {:#}",
            r[0]
        );
        assert_eq!(code, if rule == "PG712" { 0 } else { 1 }, "{what}");
        // The text report names the phone's message.
        if rule != "PG712" {
            bin()
                .args(["probe", "--lang", "ja", "--timeout", "5", "--ca"])
                .arg(pki.path("ca.pem"))
                .args(imaps(f.port))
                .assert()
                .code(1)
                .stdout(predicate::str::contains("サーバの識別情報を検証できません"));
        }
    }
}

#[test]
fn old_tls_versions_are_reported() {
    let pki = Pki::new();
    let (cert, key) = issue_tls(
        &pki,
        "old",
        "127.0.0.1",
        Some(&pki.inter),
        &[&pki.inter],
        -1,
        90,
    );
    let f = Fake::start(
        Kind::ImapTls,
        Some(acceptor(&cert, &key, Some(SslVersion::TLS1_1))),
    );
    let (_, r) = probe(&pki, &imaps(f.port));
    assert!(rules(&r[0]).contains("PG708"), "{:#}", r[0]);
    assert_eq!(r[0]["tls_version"], "TLSv1.1");
}

#[test]
fn starttls_cases() {
    let pki = Pki::new();
    let (cert, key) = issue_tls(
        &pki,
        "smtp",
        "127.0.0.1",
        Some(&pki.inter),
        &[&pki.inter],
        -1,
        90,
    );
    let acc = acceptor(&cert, &key, None);
    let smtp = |port: u16| vec!["--smtp".to_string(), format!("smtp://127.0.0.1:{port}")];

    let good = Fake::start(
        Kind::SmtpStarttls {
            starttls: true,
            auth_before: false,
            auth_after: true,
        },
        Some(acc.clone()),
    );
    let (code, r) = probe(&pki, &smtp(good.port));
    assert_eq!(code, 0, "{:#}", r[0]);
    assert!(rules(&r[0]).is_empty(), "{:#}", r[0]);
    assert!(r[0]["capabilities_before_tls"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "STARTTLS"));
    assert_eq!(
        r[0]["auth_mechanisms"],
        serde_json::json!(["LOGIN", "PLAIN"])
    );

    let no_tls = Fake::start(
        Kind::SmtpStarttls {
            starttls: false,
            auth_before: true,
            auth_after: true,
        },
        Some(acc.clone()),
    );
    let (code, r) = probe(&pki, &smtp(no_tls.port));
    assert_eq!(code, 1);
    assert!(rules(&r[0]).contains("PG709"), "{:#}", r[0]);

    let leaky = Fake::start(
        Kind::SmtpStarttls {
            starttls: true,
            auth_before: true,
            auth_after: true,
        },
        Some(acc.clone()),
    );
    let (_, r) = probe(&pki, &smtp(leaky.port));
    assert!(rules(&r[0]).contains("PG710"), "{:#}", r[0]);

    let relay = Fake::start(
        Kind::SmtpStarttls {
            starttls: true,
            auth_before: false,
            auth_after: false,
        },
        Some(acc),
    );
    let (_, r) = probe(&pki, &smtp(relay.port));
    assert!(rules(&r[0]).contains("PG711"), "{:#}", r[0]);
}

#[test]
fn connection_and_protocol_failures() {
    let pki = Pki::new();
    // A closed port.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, r) = probe(&pki, &imaps(closed));
    assert_eq!(code, 1);
    assert!(rules(&r[0]).contains("PG702"), "{:#}", r[0]);
    // Plain text where TLS is expected.
    let plain = Fake::start(Kind::PlainOnTlsPort, None);
    let (_, r) = probe(&pki, &imaps(plain.port));
    assert!(rules(&r[0]).contains("PG703"), "{:#}", r[0]);
    // TLS, but not a mail server.
    let (cert, key) = issue_tls(
        &pki,
        "web",
        "127.0.0.1",
        Some(&pki.inter),
        &[&pki.inter],
        -1,
        90,
    );
    let web = Fake::start(Kind::TlsGarbage, Some(acceptor(&cert, &key, None)));
    let (_, r) = probe(&pki, &imaps(web.port));
    assert!(rules(&r[0]).contains("PG713"), "{:#}", r[0]);
    // A host name that cannot exist is not looked up.
    let (_, r) = probe(&pki, &["--imap".into(), "imap.soft bank.jp:993".into()]);
    assert!(rules(&r[0]).contains("PG701"), "{:#}", r[0]);
    // Bad command lines: 2.
    bin().args(["probe"]).assert().code(2);
    bin()
        .args(["probe", "--imap", "127.0.0.1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs a port"));
}

#[test]
fn servers_from_a_profile_are_probed_in_parallel() {
    let pki = Pki::new();
    let (cert, key) = issue_tls(
        &pki,
        "both",
        "127.0.0.1",
        Some(&pki.inter),
        &[&pki.inter],
        -1,
        90,
    );
    let acc = acceptor(&cert, &key, None);
    let imap = Fake::start(Kind::ImapTls, Some(acc.clone()));
    let smtp = Fake::start(
        Kind::SmtpStarttls {
            starttls: true,
            auth_before: false,
            auth_after: true,
        },
        Some(acc),
    );
    let profile = pki.path("p.mobileconfig");
    // Port 587 means STARTTLS to the phone; the IMAP port is not a standard one, so implicit TLS.
    bin()
        .args([
            "new",
            "-q",
            "--email",
            "a@example.co.jp",
            "--imap-host",
            "127.0.0.1",
            "--imap-port",
        ])
        .arg(imap.port.to_string())
        .args(["--smtp-host", "127.0.0.1", "--smtp-port", "587", "-o"])
        .arg(&profile)
        .assert()
        .success();
    // Rewrite the SMTP port to the fake's while keeping 587's meaning: probe by flags instead.
    let (code, r) = probe(&pki, &[profile.to_str().unwrap().to_string()]);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0]["target"]["protocol"], "imap");
    assert_eq!(r[0]["target"]["mode"], "implicit");
    assert!(rules(&r[0]).is_empty(), "{:#}", r[0]);
    assert_eq!(r[1]["target"]["port"], 587);
    assert_eq!(r[1]["target"]["mode"], "starttls");
    // Nothing listens on 587 here: the connection fails, and the exit status says so.
    assert!(rules(&r[1]).contains("PG702"));
    assert_eq!(code, 1);
    let (code, r) = probe(
        &pki,
        &[
            "--smtp".into(),
            format!("smtp://127.0.0.1:{}", smtp.port),
            "--imap".into(),
            format!("imaps://127.0.0.1:{}", imap.port),
        ],
    );
    assert_eq!(code, 0, "{r:#?}");
}

/// An acceptor that serves certificates OpenSSL's defaults would refuse (1024-bit keys, SHA-1).
fn weak_acceptor(cert: &Path, key: &Path) -> Arc<SslAcceptor> {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
    b.set_cipher_list("DEFAULT:@SECLEVEL=0").unwrap();
    b.set_certificate_chain_file(cert).unwrap();
    b.set_private_key_file(key, SslFiletype::PEM).unwrap();
    Arc::new(b.build())
}

#[test]
fn certificates_are_judged_by_apples_rules() {
    let pki = Pki::new();
    let host = "imap.example.jp";
    let resolve = format!("{host}=127.0.0.1");
    let cases: Vec<(&str, i64, i64, TlsOpts, &str)> = vec![
        (
            "name only in the CN",
            -1,
            90,
            TlsOpts {
                san: false,
                ..TlsOpts::default()
            },
            "PG714",
        ),
        (
            "no extendedKeyUsage",
            -1,
            90,
            TlsOpts {
                server_auth: None,
                ..TlsOpts::default()
            },
            "PG715",
        ),
        (
            "clientAuth only",
            -1,
            90,
            TlsOpts {
                server_auth: Some(false),
                ..TlsOpts::default()
            },
            "PG715",
        ),
        ("valid for 900 days", -1, 899, TlsOpts::default(), "PG716"),
        (
            "1024-bit RSA",
            -1,
            90,
            TlsOpts {
                rsa_bits: 1024,
                ..TlsOpts::default()
            },
            "PG717",
        ),
        (
            "SHA-1 signature",
            -1,
            90,
            TlsOpts {
                sha1: true,
                ..TlsOpts::default()
            },
            "PG718",
        ),
        // One that obeys every rule: 825 days exactly is still accepted.
        ("obeys every rule", -1, 824, TlsOpts::default(), ""),
    ];
    for (what, from, to, opts, rule) in cases {
        let (cert, key) = issue_tls_with(
            &pki,
            "ios",
            host,
            Some(&pki.inter),
            &[&pki.inter],
            from,
            to,
            opts,
        );
        let f = Fake::start(Kind::ImapTls, Some(weak_acceptor(&cert, &key)));
        let args = vec![
            "--resolve".to_string(),
            resolve.clone(),
            "--imap".into(),
            format!("imaps://{host}:{}", f.port),
        ];
        let (code, r) = probe(&pki, &args);
        let found = rules(&r[0]);
        if rule.is_empty() {
            assert!(found.is_empty(), "{what}: {:#}", r[0]);
            assert_eq!(code, 0, "{what}");
            continue;
        }
        // The broken rule, and nothing else: the chain itself is fine.
        assert_eq!(
            found,
            BTreeSet::from([rule.to_string()]),
            "{what}: {:#}",
            r[0]
        );
        assert_eq!(code, 1, "{what}");
        let f0 = &r[0]["findings"][0];
        assert_eq!(f0["severity"], "error", "{what}");
        assert!(!f0["help"].as_str().unwrap().is_empty(), "{what}");
        bin()
            .args(["probe", "--lang", "ja", "--timeout", "5", "--ca"])
            .arg(pki.path("ca.pem"))
            .args(&args)
            .assert()
            .code(1)
            .stdout(
                predicate::str::contains("サーバの識別情報を検証できません")
                    .and(predicate::str::contains(rule)),
            );
    }
}

#[test]
fn an_untrusted_root_is_never_called_a_missing_intermediate() {
    let pki = Pki::new();
    // A leaf issued straight by a root, sent alone; the phone does not know the root.
    let leaf = issue_tls(&pki, "rootleaf", "127.0.0.1", Some(&pki.ca), &[], -1, 90);
    // A leaf and its intermediate, sent together; the root is not trusted.
    let pair = issue_tls(
        &pki,
        "pair",
        "127.0.0.1",
        Some(&pki.inter),
        &[&pki.inter],
        -1,
        90,
    );
    for (what, (cert, key), expect) in [
        ("leaf from a root", leaf, "profilegen Test Root"),
        ("leaf and intermediate", pair, "profilegen Test Root"),
    ] {
        let f = Fake::start(Kind::ImapTls, Some(acceptor(&cert, &key, None)));
        let out = bin()
            .args(["probe", "--format", "json", "--timeout", "5", "--ca"])
            .arg(pki.path("unrelated.pem"))
            .args(imaps(f.port))
            .output()
            .unwrap();
        let r: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        let found = rules(&r[0]);
        assert!(found.contains("PG706"), "{what}: {:#}", r[0]);
        assert!(!found.contains("PG707"), "{what}: {:#}", r[0]);
        let help = r[0]["findings"][0]["help"].as_str().unwrap();
        assert!(help.contains(expect), "{what}: {help}");
        assert!(help.contains("root"), "{what}: {help}");
        assert_ne!(r[0]["certificate"]["chain_problem"], "missing-intermediate");
    }
}

#[test]
fn localhost_single_label_names_and_resolve_entries_are_probed() {
    let pki = Pki::new();
    let (cert, key) = issue_tls(
        &pki,
        "localhost",
        "localhost",
        Some(&pki.inter),
        &[&pki.inter],
        -1,
        90,
    );
    let f = Fake::start(Kind::ImapTls, Some(acceptor(&cert, &key, None)));
    // `localhost` goes to the system resolver (it may answer ::1 first; nothing listens there,
    // and the next address is tried).
    let (code, r) = probe(&pki, &["--imap".into(), format!("localhost:{}", f.port)]);
    assert_eq!(code, 0, "{:#}", r[0]);
    assert!(rules(&r[0]).is_empty(), "{:#}", r[0]);
    // A single-label intranet name, answered by --resolve: probed, and its certificate is for
    // another name.
    let (_, r) = probe(
        &pki,
        &[
            "--resolve".into(),
            "mailhost=127.0.0.1".into(),
            "--imap".into(),
            format!("mailhost:{}", f.port),
        ],
    );
    assert_eq!(
        rules(&r[0]),
        BTreeSet::from(["PG705".to_string()]),
        "{:#}",
        r[0]
    );
    assert!(r[0]["findings"][0]["help"]
        .as_str()
        .unwrap()
        .contains("localhost"));
}

#[test]
fn flooding_and_silent_servers_end_within_the_deadline() {
    let pki = Pki::new();
    let (cert, key) = issue_tls(
        &pki,
        "flood",
        "127.0.0.1",
        Some(&pki.inter),
        &[&pki.inter],
        -1,
        90,
    );
    let acc = acceptor(&cert, &key, None);
    for (what, kind, spec, expect) in [
        (
            "endless 220- greeting",
            Kind::SmtpEndlessGreeting,
            "--smtp",
            "more than 1000 lines",
        ),
        (
            "endless CAPABILITY",
            Kind::ImapEndlessCapability,
            "--imap",
            "more than 1000",
        ),
        (
            "a line without an end",
            Kind::ImapEndlessLine,
            "--imap",
            "longer than 8 KiB",
        ),
        (
            "one byte at a time",
            Kind::ImapDrip,
            "--imap",
            "past the deadline",
        ),
        ("silence", Kind::Silent, "--smtp", "timed out"),
    ] {
        SENT.store(0, std::sync::atomic::Ordering::Relaxed);
        let f = Fake::start(kind, Some(acc.clone()));
        let target = match spec {
            "--smtp" => format!("smtp://127.0.0.1:{}", f.port),
            _ => format!("imaps://127.0.0.1:{}", f.port),
        };
        let started = std::time::Instant::now();
        let out = bin()
            .args([
                "probe",
                "--format",
                "json",
                "--timeout",
                "2",
                "--deadline",
                "4",
                "--ca",
            ])
            .arg(pki.path("ca.pem"))
            .args([spec, &target])
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        // Generous: the bound under test is the 4 s deadline, not the machine's speed.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{what}: took {:?}",
            started.elapsed()
        );
        let r: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{what}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(out.status.code(), Some(1), "{what}");
        let f0 = &r[0]["findings"][0];
        assert_eq!(f0["rule"], "PG713", "{what}: {:#}", r[0]);
        let msg = f0["message"].as_str().unwrap();
        assert!(msg.contains(expect), "{what}: {msg}");
        assert!(!msg.contains("os error"), "{what}: {msg}");
        // What the server got to send before the client hung up is bounded (the caps are
        // 1 000 lines of at most 8 KiB; socket buffers add a few MB).
        let sent = SENT.load(std::sync::atomic::Ordering::Relaxed);
        assert!(sent < 32 << 20, "{what}: {sent} bytes");
    }
}

#[test]
fn text_reports_keep_findings_with_their_server_and_count_words_right() {
    let pki = Pki::new();
    let (cert, key) = issue_tls(
        &pki,
        "expired2",
        "127.0.0.1",
        Some(&pki.inter),
        &[&pki.inter],
        -30,
        -1,
    );
    let bad = Fake::start(Kind::ImapTls, Some(acceptor(&cert, &key, None)));
    let (cert, key) = issue_tls(
        &pki,
        "fine",
        "127.0.0.1",
        Some(&pki.inter),
        &[&pki.inter],
        -1,
        90,
    );
    let good = Fake::start(Kind::ImapTls, Some(acceptor(&cert, &key, None)));
    let out = bin()
        .args(["probe", "--timeout", "5", "--ca"])
        .arg(pki.path("ca.pem"))
        .args(["--imap", &format!("imaps://127.0.0.1:{}", bad.port)])
        .args(["--imap", &format!("imaps://127.0.0.1:{}", good.port)])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // The expired server's finding comes inside its block, before the next server's.
    let finding = text.find("PG704").expect(&text);
    let second = text
        .find(&format!("127.0.0.1:{} (implicit TLS)", good.port))
        .expect(&text);
    assert!(finding < second, "{text}");
    // Whole days, never rounded up; plural agreement.
    assert!(text.contains("expired 1 day ago"), "{text}");
    assert!(
        !text.contains("days left)") || !text.contains("-"),
        "{text}"
    );
    assert!(
        text.contains("2 servers probed: 1 error, 0 warnings"),
        "{text}"
    );
    assert!(text.contains("(2 certificates sent)"), "{text}");
}

#[test]
fn a_name_that_cannot_be_looked_up_is_not_sent_to_the_resolver() {
    let pki = Pki::new();
    let (_, r) = probe(&pki, &["--imap".into(), "imap..softbank.jp:993".into()]);
    assert!(rules(&r[0]).contains("PG701"), "{:#}", r[0]);
    assert!(r[0]["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("empty label"));
    let _ = issue; // (the PKI helpers are shared with other tests)
}

#[test]
fn a_servers_block_names_the_phones_message_for_its_direction() {
    let pki = Pki::new();
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = bin()
        .args(["probe", "--timeout", "2", "--ca"])
        .arg(pki.path("ca.pem"))
        .args(["--smtp", &format!("smtps://127.0.0.1:{closed}")])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("PG702 error: cannot connect"), "{text}");
    // Sending, not receiving: the SMTP block does not say "Cannot Get Mail".
    assert!(!text.contains("Cannot Get Mail"), "{text}");
    assert!(!text.contains("os error"), "{text}");
}

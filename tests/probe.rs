//! `profilegen probe` against real TLS servers on loopback with generated certificates — valid,
//! expired, wrong name, self-signed, missing intermediate — and STARTTLS edge cases. Only
//! loopback addresses are ever connected to.

mod common;

use assert_cmd::Command;
use common::{issue_tls, Pki};
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
            issue_tls(&pki, "leafonly", "127.0.0.1", Some(&pki.inter), &[], -1, 90),
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

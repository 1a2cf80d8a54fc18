//! `discover`, entirely on loopback: a DNS server (MX, SRV, A) and an HTTPS server for autoconfig
//! and ISPDB documents run in this process. Each source alone gives the right settings, in the
//! documented order and with its confidence; plain text only is refused; a silent source times
//! out within the deadline; verification passes over servers that fail; a saved preset serves
//! `new` offline.

mod common;

use assert_cmd::Command;
use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, MX, SRV};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use openssl::ssl::{SslAcceptor, SslMethod};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::cargo_bin("profilegen").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("SOURCE_DATE_EPOCH");
    c
}

/// A DNS server answering from a table; names not in it get NXDOMAIN, names in `silent` nothing.
fn dns(records: Vec<Record>, silent: Vec<&'static str>) -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    let mut table: HashMap<(String, RecordType), Vec<Record>> = HashMap::new();
    for r in records {
        table
            .entry((r.name().to_ascii().to_ascii_lowercase(), r.record_type()))
            .or_default()
            .push(r);
    }
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((n, from)) = sock.recv_from(&mut buf) else {
                return;
            };
            let Ok(q) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let Some(query) = q.queries().first().cloned() else {
                continue;
            };
            let name = query.name().to_ascii().to_ascii_lowercase();
            if silent.iter().any(|s| name.starts_with(s)) {
                continue;
            }
            let mut m = Message::new();
            m.set_id(q.id())
                .set_message_type(MessageType::Response)
                .set_op_code(OpCode::Query)
                .set_recursion_desired(q.recursion_desired())
                .set_recursion_available(true)
                .set_authoritative(true);
            m.add_query(query.clone());
            match table.get(&(name, query.query_type())) {
                Some(answers) => {
                    for a in answers {
                        m.add_answer(a.clone());
                    }
                }
                None => {
                    m.set_response_code(ResponseCode::NXDomain);
                }
            }
            let _ = sock.send_to(&m.to_vec().unwrap(), from);
        }
    });
    addr
}

fn name(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

fn a(host: &str) -> Record {
    Record::from_rdata(name(host), 60, RData::A(A::new(127, 0, 0, 1)))
}

fn mx(domain: &str, exchange: &str) -> Record {
    Record::from_rdata(name(domain), 60, RData::MX(MX::new(10, name(exchange))))
}

fn srv(service: &str, port: u16, target: &str) -> Record {
    Record::from_rdata(
        name(service),
        60,
        RData::SRV(SRV::new(0, 0, port, name(target))),
    )
}

/// An HTTPS server: path → body; `/slow` never answers.
fn https(pki: &common::Pki, host: &str, docs: Vec<(&'static str, String)>) -> u16 {
    https_logged(pki, host, docs).0
}

/// [`https`], with the log of the paths asked.
fn https_logged(
    pki: &common::Pki,
    host: &str,
    docs: Vec<(&'static str, String)>,
) -> (u16, Arc<std::sync::Mutex<Vec<String>>>) {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let asked = log.clone();
    let (cert, key) = common::issue_tls(pki, host, host, Some(&pki.inter), &[&pki.inter], -1, 90);
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    b.set_certificate_chain_file(&cert).unwrap();
    b.set_private_key_file(&key, openssl::ssl::SslFiletype::PEM)
        .unwrap();
    let acceptor = Arc::new(b.build());
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let docs = Arc::new(docs);
    std::thread::spawn(move || {
        for tcp in l.incoming().flatten() {
            let acceptor = acceptor.clone();
            let docs = docs.clone();
            let asked = asked.clone();
            std::thread::spawn(move || {
                let Ok(mut s) = acceptor.accept(tcp) else {
                    return;
                };
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&req);
                let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                asked.lock().unwrap().push(path.clone());
                if path.starts_with("/slow") {
                    std::thread::sleep(Duration::from_secs(30));
                    return;
                }
                let path = path.split('?').next().unwrap_or("").to_string();
                let resp = match docs.iter().find(|(p, _)| *p == path) {
                    Some((_, body)) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    ),
                    None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
                };
                let _ = s.write_all(resp.as_bytes());
                let _ = s.shutdown();
            });
        }
    });
    (port, log)
}

fn autoconfig_doc(host: &str, socket: &str, imap_port: u16, smtp_port: u16) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1"><emailProvider id="x">
<incomingServer type="imap"><hostname>imap.{host}</hostname><port>{imap_port}</port><socketType>{socket}</socketType><authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username></incomingServer>
<outgoingServer type="smtp"><hostname>smtp.{host}</hostname><port>{smtp_port}</port><socketType>{socket}</socketType><authentication>password-cleartext</authentication><username>%EMAILLOCALPART%</username></outgoingServer>
</emailProvider></clientConfig>"#
    )
}

fn discover(args: &[String]) -> (i32, Value) {
    let out = bin()
        .args(["discover", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), v)
}

fn chosen(v: &Value) -> &Value {
    &v["attempts"][v["chosen"].as_u64().expect("a choice") as usize]
}

fn s(x: &str) -> String {
    x.to_string()
}

/// An ISPDB directory (`--ispdb DIR`) holding corp.test's entry: IMAP 993 and SMTP 465, SSL.
fn ispdb_with_corp() -> tempfile::TempDir {
    let dir = empty_dir();
    std::fs::write(
        dir.path().join("corp.test"),
        autoconfig_doc("corp.test", "SSL", 993, 465),
    )
    .unwrap();
    dir
}

fn empty_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn autoconfig_over_https_is_first_and_high() {
    let pki = common::Pki::new();
    let port = https(
        &pki,
        "autoconfig.corp.test",
        vec![(
            "/mail/config-v1.1.xml",
            autoconfig_doc("corp.test", "SSL", 993, 465),
        )],
    );
    let resolver = dns(vec![a("autoconfig.corp.test.")], vec![]);
    let ispdb = empty_dir();
    let (code, v) = discover(&[
        s("taro@corp.test"),
        s("--resolver"),
        resolver.to_string(),
        s("--autoconfig-url"),
        format!("https://autoconfig.{{domain}}:{port}/mail/config-v1.1.xml?emailaddress={{email}}"),
        s("--ispdb"),
        ispdb.path().display().to_string(),
        s("--discover-ca"),
        pki.path("ca.pem").display().to_string(),
        s("--no-verify"),
    ]);
    assert_eq!(code, 0, "{v:#}");
    let c = chosen(&v);
    assert_eq!(c["source"], "autoconfig");
    assert_eq!(c["found"]["confidence"], "high");
    assert_eq!(c["found"]["imap"]["host"], "imap.corp.test");
    assert_eq!(c["found"]["imap"]["port"], 993);
    assert_eq!(c["found"]["smtp"]["username"], "local_part");
    assert_eq!(v["attempts"][0]["source"], "preset", "presets come first");
}

#[test]
fn ispdb_from_a_directory_offline_and_a_saved_preset_serves_new() {
    let dir = ispdb_with_corp();
    let presets = empty_dir();
    let (code, v) = discover(&[
        s("taro@corp.test"),
        s("--offline"),
        s("--ispdb"),
        dir.path().display().to_string(),
        s("--no-verify"),
        s("--save-preset"),
        presets.path().display().to_string(),
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(chosen(&v)["source"], "ispdb");
    assert_eq!(chosen(&v)["found"]["confidence"], "medium");
    // Offline: only the preset and the local ISPDB were asked.
    let sources: Vec<&str> = v["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["preset", "ispdb"]);
    // The saved preset loads and serves `new` with no network at all.
    let yaml = std::fs::read_to_string(presets.path().join("corp.test.yaml")).unwrap();
    assert!(
        yaml.contains("status: unverified")
            && yaml.contains("confidence: medium")
            && yaml.contains("sources:")
    );
    let out = bin()
        .arg("--carriers")
        .arg(presets.path())
        .args(["new", "-q", "--email", "hanako@corp.test"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(
        xml.contains("<string>imap.corp.test</string>") && xml.contains("<integer>465</integer>")
    );
    // new --discover does the same without saving.
    let out = bin()
        .args([
            "new",
            "-q",
            "--email",
            "jiro@corp.test",
            "--discover",
            "--offline",
            "--no-verify",
            "--ispdb",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("<string>smtp.corp.test</string>"));
}

#[test]
fn mx_names_the_provider_or_its_ispdb_entry() {
    let ispdb = empty_dir();
    std::fs::write(
        ispdb.path().join("hoster.test.xml"),
        autoconfig_doc("hoster.test", "SSL", 993, 465),
    )
    .unwrap();
    let resolver = dns(
        vec![
            mx("g.test.", "aspmx.l.google.com."),
            mx("m.test.", "m-test.mail.protection.outlook.com."),
            mx("h.test.", "mx1.hoster.test."),
        ],
        vec![],
    );
    let run = |addr: &str| {
        discover(&[
            s(addr),
            s("--resolver"),
            resolver.to_string(),
            s("--autoconfig-url"),
            s("https://127.0.0.1:1/none"),
            s("--ispdb"),
            ispdb.path().display().to_string(),
            s("--no-verify"),
            s("--discover-timeout"),
            s("2"),
        ])
    };
    let (_, v) = run("taro@g.test");
    assert_eq!(chosen(&v)["source"], "mx");
    assert_eq!(chosen(&v)["found"]["account"], "google");
    let (_, v) = run("taro@m.test");
    assert_eq!(chosen(&v)["found"]["account"], "exchange");
    let (_, v) = run("taro@h.test");
    assert_eq!(chosen(&v)["source"], "mx-ispdb");
    assert_eq!(chosen(&v)["found"]["confidence"], "low");
    assert_eq!(chosen(&v)["found"]["imap"]["host"], "imap.hoster.test");
    // The Google verdict makes `new --discover` a Google account.
    let out = bin()
        .args([
            "new",
            "-q",
            "--email",
            "taro@g.test",
            "--discover",
            "--no-verify",
            "--resolver",
        ])
        .arg(resolver.to_string())
        .args(["--autoconfig-url", "https://127.0.0.1:1/none", "--ispdb"])
        .arg(ispdb.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("com.apple.google-oauth"));
}

#[test]
fn srv_records_alone() {
    let resolver = dns(
        vec![
            srv("_imaps._tcp.srv.test.", 993, "mail.srv.test."),
            srv("_submissions._tcp.srv.test.", 465, "mail.srv.test."),
        ],
        vec![],
    );
    let (code, v) = discover(&[
        s("taro@srv.test"),
        s("--resolver"),
        resolver.to_string(),
        s("--autoconfig-url"),
        s("https://127.0.0.1:1/none"),
        s("--ispdb"),
        empty_dir().path().display().to_string(),
        s("--no-verify"),
    ]);
    assert_eq!(code, 0, "{v:#}");
    let c = chosen(&v);
    assert_eq!(c["source"], "srv");
    assert_eq!(c["found"]["imap"]["port"], 993);
    assert_eq!(c["found"]["smtp"]["host"], "mail.srv.test");
}

#[test]
fn plain_text_only_is_refused_and_failing_servers_are_passed_over() {
    let dir = empty_dir();
    std::fs::write(
        dir.path().join("plain.test"),
        autoconfig_doc("plain.test", "plain", 143, 25),
    )
    .unwrap();
    let (code, v) = discover(&[
        s("taro@plain.test"),
        s("--offline"),
        s("--ispdb"),
        dir.path().display().to_string(),
        s("--no-verify"),
    ]);
    assert_eq!(code, 1);
    assert!(v["chosen"].is_null());
    let ispdb = &v["attempts"][1];
    assert!(
        ispdb["said"].as_str().unwrap().contains("clear text"),
        "{ispdb}"
    );
    // Verification: servers that refuse connections are not chosen.
    std::fs::write(
        dir.path().join("down.test"),
        autoconfig_doc("down.test", "SSL", 993, 465)
            .replace("imap.down.test", "127.0.0.1")
            .replace("smtp.down.test", "127.0.0.1"),
    )
    .unwrap();
    let (code, v) = discover(&[
        s("taro@down.test"),
        s("--offline"),
        s("--ispdb"),
        dir.path().display().to_string(),
        s("--discover-timeout"),
        s("2"),
    ]);
    assert_eq!(code, 1, "{v:#}");
    assert!(
        v["attempts"][1]["said"]
            .as_str()
            .unwrap()
            .contains("TLS checks"),
        "{v:#}"
    );
}

#[test]
fn a_silent_source_times_out_within_the_deadline() {
    let pki = common::Pki::new();
    let port = https(&pki, "autoconfig.slow.test", vec![]);
    // DNS never answers for the SRV names either.
    let resolver = dns(vec![a("autoconfig.slow.test.")], vec!["_", "slow.test"]);
    let dir = empty_dir();
    std::fs::write(
        dir.path().join("slow.test"),
        autoconfig_doc("slow.test", "SSL", 993, 465),
    )
    .unwrap();
    let started = Instant::now();
    let (code, v) = discover(&[
        s("taro@slow.test"),
        s("--resolver"),
        resolver.to_string(),
        s("--autoconfig-url"),
        format!("https://autoconfig.{{domain}}:{port}/slow"),
        s("--ispdb"),
        dir.path().display().to_string(),
        s("--discover-ca"),
        pki.path("ca.pem").display().to_string(),
        s("--no-verify"),
        s("--discover-timeout"),
        s("1"),
        s("--discover-deadline"),
        s("4"),
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, 0, "{v:#}");
    assert!(
        v["attempts"][1]["said"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{v:#}"
    );
    assert_eq!(chosen(&v)["source"], "ispdb");
}

#[test]
fn a_presets_domain_needs_no_lookup() {
    // No resolver, no network: the preset answers.
    let (code, v) = discover(&[s("taro@i.softbank.jp"), s("--offline")]);
    assert_eq!(code, 0);
    assert_eq!(chosen(&v)["source"], "preset");
    assert_eq!(v["attempts"].as_array().unwrap().len(), 1);
    // A provider with only an Exchange account says so.
    let (code, v) = discover(&[s("taro@outlook.jp"), s("--offline")]);
    assert_eq!(code, 0);
    assert_eq!(chosen(&v)["found"]["account"], "exchange");
    // A preset's refusal ends the search, with its reason: no other source may override it.
    let (code, v) = discover(&[s("taro@softbank.ne.jp"), s("--offline")]);
    assert_eq!(code, 1);
    assert!(v["chosen"].is_null());
    assert!(v["why"].as_str().unwrap().contains("MMS"), "{v:#}");
    let _ = Path::new("");
}

#[test]
fn bulk_discovers_each_domain_once_and_sums_up() {
    let pki = common::Pki::new();
    let (port, log) = https_logged(
        &pki,
        "127.0.0.1",
        vec![(
            "/v1.1/corp.test",
            autoconfig_doc("corp.test", "SSL", 993, 465),
        )],
    );
    let dir = empty_dir();
    let csv = dir.path().join("users.csv");
    std::fs::write(
        &csv,
        "email,name\ntaro@corp.test,Taro\nhanako@corp.test,Hanako\njiro@corp.test,Jiro\nsaburo@nothing.test,Saburo\nshiro@i.softbank.jp,Shiro\n",
    )
    .unwrap();
    let ispdb = ispdb_with_corp();
    let out_dir = dir.path().join("out");
    // Offline, from a local ISPDB copy.
    let out = bin()
        .args(["bulk"])
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out_dir)
        .args(["--discover", "--offline", "--no-verify", "--ispdb"])
        .arg(ispdb.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // One row failed (nothing found for its domain); the other four were written.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("nothing.test") && err.contains("no settings found"),
        "{err}"
    );
    let written = std::fs::read_dir(&out_dir).unwrap().count();
    assert_eq!(written, 4, "{err}");
    assert!(log.lock().unwrap().is_empty());

    // Online (ISPDB over HTTPS): one request per domain, whatever the number of rows.
    let out = bin()
        .args(["bulk"])
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out_dir)
        .args(["--force", "--discover", "--no-verify", "--resolver"])
        .arg(dns(vec![], vec![]).to_string())
        .args(["--autoconfig-url", "https://127.0.0.1:1/none", "--ispdb"])
        .arg(format!("https://127.0.0.1:{port}/v1.1/"))
        .arg("--discover-ca")
        .arg(pki.path("ca.pem"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let asked = log.lock().unwrap().clone();
    assert_eq!(
        asked
            .iter()
            .filter(|p| p.as_str() == "/v1.1/corp.test")
            .count(),
        1,
        "{asked:?}"
    );
    assert_eq!(
        asked
            .iter()
            .filter(|p| p.as_str() == "/v1.1/nothing.test")
            .count(),
        1,
        "{asked:?}"
    );
    assert!(
        !asked.iter().any(|p| p.contains("softbank")),
        "a preset's domain is not looked up: {asked:?}"
    );
    // The summary names each domain and its source.
    assert!(err.contains("corp.test: ispdb"), "{err}");
    let xml = std::fs::read_to_string(out_dir.join("hanako@corp.test.mobileconfig"))
        .unwrap_or_else(|_| {
            let names: Vec<_> = std::fs::read_dir(&out_dir)
                .unwrap()
                .flatten()
                .map(|e| e.file_name())
                .collect();
            panic!("{names:?}")
        });
    assert!(xml.contains("<string>imap.corp.test</string>"));
}

fn post(url: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = match ureq::post(&format!("{url}profile")).send_form(form) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport error: {e}"),
    };
    (r.status(), r.into_string().unwrap())
}

#[test]
fn serve_discovers_only_public_domains_at_fixed_urls_and_rate_limits() {
    let ispdb = ispdb_with_corp();
    std::fs::write(
        ispdb.path().join("other.test"),
        autoconfig_doc("other.test", "SSL", 993, 465),
    )
    .unwrap();
    let ispdb_arg = ispdb.path().display().to_string();
    let server = common::Server::start(&[
        "--discover",
        "--offline",
        "--no-verify",
        "--discover-rate",
        "1",
        "--ispdb",
        &ispdb_arg,
    ]);
    let (status, body) = post(&server.url, &[("email", "taro@corp.test"), ("carrier", "")]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<string>imap.corp.test</string>"), "{body}");
    // The same domain again comes from the cache, not from the rate-limited lookups.
    let (status, _) = post(
        &server.url,
        &[("email", "hanako@corp.test"), ("carrier", "")],
    );
    assert_eq!(status, 200);
    // A second new domain within the minute is refused, in the page's language.
    let (status, body) = post(
        &server.url,
        &[
            ("email", "taro@other.test"),
            ("carrier", ""),
            ("lang", "ja"),
        ],
    );
    assert_eq!(status, 400);
    assert!(body.contains("混み合っています"), "{body}");
    // An IP literal or a single label is never looked up.
    for (bad, why) in [
        ("taro@127.0.0.1", "not a domain on the internet"),
        ("taro@localhost", "has no dot"),
    ] {
        let (status, body) = post(&server.url, &[("email", bad), ("carrier", "")]);
        assert_eq!(status, 400, "{bad}");
        assert!(body.contains(why), "{bad}: {body}");
    }
    drop(server.stop());

    // A domain whose lookup host resolves to a loopback address: the server connects nowhere.
    let pki = common::Pki::new();
    let (port, log) = https_logged(
        &pki,
        "autoconfig.evil.test",
        vec![(
            "/mail/config-v1.1.xml",
            autoconfig_doc("evil.test", "SSL", 993, 465),
        )],
    );
    let resolver = dns(vec![a("autoconfig.evil.test.")], vec![]).to_string();
    let url = format!("https://autoconfig.{{domain}}:{port}/mail/config-v1.1.xml");
    let ca = pki.path("ca.pem").display().to_string();
    let empty = empty_dir().path().display().to_string();
    let server = common::Server::start(&[
        "--discover",
        "--no-verify",
        "--resolver",
        &resolver,
        "--autoconfig-url",
        &url,
        "--discover-ca",
        &ca,
        "--ispdb",
        &empty,
        "--discover-timeout",
        "1",
    ]);
    let (status, body) = post(&server.url, &[("email", "taro@evil.test"), ("carrier", "")]);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("no settings found"), "{body}");
    assert!(
        log.lock().unwrap().is_empty(),
        "fetched: {:?}",
        log.lock().unwrap()
    );
    drop(server.stop());
    // The same lookup from the command line (not a server for strangers) reaches it.
    let (code, v) = discover(&[
        s("taro@evil.test"),
        s("--no-verify"),
        s("--resolver"),
        resolver.clone(),
        s("--autoconfig-url"),
        url.clone(),
        s("--discover-ca"),
        ca.clone(),
        s("--ispdb"),
        empty.clone(),
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[test]
fn lint_discover_compares_with_what_the_domain_publishes() {
    let dir = empty_dir();
    let ispdb = ispdb_with_corp();
    let old = dir.path().join("old.mobileconfig");
    let out = bin()
        .args([
            "new",
            "-q",
            "--email",
            "taro@corp.test",
            "--imap-host",
            "mail.oldhost.test",
            "--smtp-host",
            "mail.oldhost.test",
            "-o",
        ])
        .arg(&old)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lint = |extra: &[&str]| {
        bin()
            .args(["lint", "--format", "json"])
            .args(extra)
            .arg(&old)
            .output()
            .unwrap()
    };
    let pg207 = |out: &std::process::Output| -> Vec<Value> {
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stdout)));
        let mut found = Vec::new();
        let mut walk = vec![&v];
        while let Some(x) = walk.pop() {
            match x {
                Value::Array(a) => walk.extend(a),
                Value::Object(o) => {
                    if o.get("rule").and_then(Value::as_str) == Some("PG207") {
                        found.push(x.clone());
                    } else {
                        walk.extend(o.values());
                    }
                }
                _ => {}
            }
        }
        found
    };
    // Without discovery nothing is known about corp.test.
    assert!(pg207(&lint(&[])).is_empty());
    let ispdb_arg = ispdb.path().display().to_string();
    let out = lint(&[
        "--discover",
        "--offline",
        "--no-verify",
        "--ispdb",
        &ispdb_arg,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let found = pg207(&out);
    assert_eq!(found.len(), 2, "{found:#?}");
    let text = found[0].to_string();
    assert!(
        text.contains("imap.corp.test") || text.contains("smtp.corp.test"),
        "{text}"
    );
    assert!(text.contains("ispdb"), "the source is named: {text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("corp.test: compared with ispdb"));
    // Standard input is read once and linted the same way.
    let out = bin()
        .args([
            "lint",
            "--format",
            "json",
            "--discover",
            "--offline",
            "--no-verify",
            "--ispdb",
            &ispdb_arg,
            "-",
        ])
        .write_stdin(std::fs::read(&old).unwrap())
        .output()
        .unwrap();
    assert_eq!(pg207(&out).len(), 2);
    // --fix --unsafe-fixes puts the published servers in.
    let out = lint(&[
        "--fix",
        "--unsafe-fixes",
        "--discover",
        "--offline",
        "--no-verify",
        "--ispdb",
        &ispdb_arg,
    ]);
    assert!(
        pg207(&out).is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let fixed = std::fs::read_to_string(&old).unwrap();
    assert!(
        fixed.contains("<string>imap.corp.test</string>")
            && fixed.contains("<string>smtp.corp.test</string>")
    );
}

#[test]
fn the_order_decides_when_sources_disagree() {
    // ISPDB and SRV both answer, with different servers: ISPDB comes first and wins; SRV's answer
    // is still reported.
    let ispdb = empty_dir();
    std::fs::write(
        ispdb.path().join("both.test"),
        autoconfig_doc("both.test", "SSL", 993, 465),
    )
    .unwrap();
    let resolver = dns(
        vec![
            srv("_imaps._tcp.both.test.", 993, "srv-mail.both.test."),
            srv("_submissions._tcp.both.test.", 465, "srv-mail.both.test."),
        ],
        vec![],
    );
    let (code, v) = discover(&[
        s("taro@both.test"),
        s("--resolver"),
        resolver.to_string(),
        s("--autoconfig-url"),
        s("https://127.0.0.1:1/none"),
        s("--ispdb"),
        ispdb.path().display().to_string(),
        s("--no-verify"),
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(chosen(&v)["source"], "ispdb");
    let sources: Vec<&str> = v["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "preset",
            "autoconfig",
            "ispdb",
            "mx",
            "srv",
            "autoconfig-http"
        ]
    );
    let srv = v["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["source"] == "srv")
        .unwrap();
    assert_eq!(srv["found"]["imap"]["host"], "srv-mail.both.test");
    assert_eq!(srv["found"]["confidence"], "medium");
}

#[test]
fn a_saved_preset_is_never_replaced_unseen() {
    let dir = ispdb_with_corp();
    let presets = empty_dir();
    let save = || {
        bin()
            .args([
                "discover",
                "-q",
                "taro@corp.test",
                "--offline",
                "--no-verify",
                "--ispdb",
            ])
            .arg(dir.path())
            .arg("--save-preset")
            .arg(presets.path())
            .output()
            .unwrap()
    };
    assert!(save().status.success());
    let path = presets.path().join("corp.test.yaml");
    std::fs::write(
        &path,
        std::fs::read_to_string(&path).unwrap() + "# reviewed by hand\n",
    )
    .unwrap();
    let out = save();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists"));
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .ends_with("# reviewed by hand\n"));
}

//! `profilegen serve` over HTTP on loopback: the page, the profile, every validation error,
//! the size and rate limits, signing, HTTPS, logging and shutdown.

mod common;

use common::Server;
use std::io::{Read, Write};

pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn reply(r: Result<ureq::Response, ureq::Error>) -> Reply {
    let resp = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport error: {e}"),
    };
    let status = resp.status();
    let content_type = resp.header("content-type").unwrap_or("").to_string();
    let headers = resp
        .headers_names()
        .into_iter()
        .map(|n| {
            let v = resp.header(&n).unwrap_or("").to_string();
            (n, v)
        })
        .collect();
    let mut body = Vec::new();
    resp.into_reader().read_to_end(&mut body).unwrap();
    Reply {
        status,
        content_type,
        headers,
        body,
    }
}

pub fn get(url: &str, lang: Option<&str>) -> Reply {
    let mut r = ureq::get(url);
    if let Some(l) = lang {
        r = r.set("Accept-Language", l);
    }
    reply(r.call())
}

pub fn post(url: &str, form: &[(&str, &str)]) -> Reply {
    reply(ureq::post(url).send_form(form))
}

fn parse(bytes: &[u8]) -> plist::Dictionary {
    plist::Value::from_reader_xml(bytes)
        .unwrap()
        .into_dictionary()
        .unwrap()
}

fn lint_clean(bytes: &[u8], ca: Option<&std::path::Path>) {
    use profilegen::container::{Trust, Verifier};
    let trust = match ca {
        Some(p) => Trust::from_file(p).unwrap(),
        None => Trust::System,
    };
    let verifier = Verifier::from_trust(&trust).unwrap();
    let registry = profilegen::preset::Registry::builtin().unwrap();
    let opts = profilegen::lint::Options {
        presets: &registry,
        verifier: &verifier,
        overrides: Default::default(),
        now: 1_800_000_000,
        mdm: None,
    };
    let findings: Vec<_> = profilegen::lint::lint_bytes(bytes, &opts)
        .into_iter()
        .filter(|f| f.rule != "PG301")
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn page_in_the_browsers_language() {
    let s = Server::start(&[]);
    let en = get(&s.url, None);
    assert_eq!(en.status, 200);
    assert!(en.content_type.starts_with("text/html"));
    assert!(en.text().contains("Download profile") && en.text().contains("lang=\"en\""));
    assert!(
        !en.text().to_lowercase().contains("type=\"password\""),
        "the page never asks for a password"
    );
    let ja = get(&s.url, Some("ja-JP,ja;q=0.9,en;q=0.8"));
    assert!(ja.text().contains("プロファイルをダウンロード") && ja.text().contains("lang=\"ja\""));
    let forced = get(&format!("{}?lang=ja", s.url), Some("en"));
    assert!(forced.text().contains("プロファイルをダウンロード"));
    // Every supported preset is offered; refusals are not.
    assert!(en.text().contains("value=\"softbank\"") && en.text().contains("value=\"docomo\""));
    assert!(!en.text().contains("value=\"softbank-mms\""));
    assert_eq!(en.header("x-frame-options"), Some("DENY"));
    assert!(en
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'none'"));
    assert_eq!(get(&format!("{}healthz", s.url), None).text(), "ok\n");
}

#[test]
fn the_form_and_the_direct_link_give_a_profile_that_lints_clean() {
    let s = Server::start(&[]);
    let r = post(
        &format!("{}profile", s.url),
        &[
            ("email", "taro@i.softbank.jp"),
            ("name", "山田 <太郎> & Co"),
            ("carrier", ""),
            ("lang", "ja"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.content_type, "application/x-apple-aspen-config");
    let cd = r.header("content-disposition").unwrap();
    assert!(
        cd.starts_with("attachment; filename=\"taro@i.softbank.jp.mobileconfig\""),
        "{cd}"
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let p = parse(&r.body);
    let m = p["PayloadContent"].as_array().unwrap()[0]
        .as_dictionary()
        .unwrap();
    assert_eq!(
        m["IncomingMailServerHostName"].as_string(),
        Some("imap.softbank.jp")
    );
    assert_eq!(m["EmailAccountName"].as_string(), Some("山田 <太郎> & Co"));
    assert!(!m.contains_key("IncomingPassword"));
    lint_clean(&r.body, None);
    // The same request by link gives the same bytes (derived UUIDs).
    let link = get(&format!("{}profile?email=taro%40i.softbank.jp&name=%E5%B1%B1%E7%94%B0%20%3C%E5%A4%AA%E9%83%8E%3E%20%26%20Co&lang=ja", s.url), None);
    assert_eq!(link.status, 200);
    assert_eq!(link.body, r.body);
    // An explicit provider.
    let gm = get(
        &format!("{}profile?email=a%40example.org&carrier=gmail", s.url),
        None,
    );
    assert_eq!(gm.status, 200);
    let p = parse(&gm.body);
    assert_eq!(
        p["PayloadContent"].as_array().unwrap()[0]
            .as_dictionary()
            .unwrap()["IncomingMailServerHostName"]
            .as_string(),
        Some("imap.gmail.com")
    );
}

#[test]
fn every_validation_error_is_a_400_page_with_the_reason() {
    let s = Server::start(&[]);
    let url = format!("{}profile", s.url);
    for (form, expect) in [
        (vec![("email", "")], "Enter your mail address"),
        (vec![("email", "   ")], "Enter your mail address"),
        (vec![("email", "not-an-address")], "has no &#x27;@&#x27;"),
        (
            vec![("email", "taro@unknown-provider.example")],
            "no preset for the domain",
        ),
        (
            vec![("email", "taro@i.softbank.jp"), ("carrier", "nosuch")],
            "no preset with the id",
        ),
        (vec![("email", "taro@softbank.ne.jp")], "Messages app"),
        (vec![("email", "taro@rakumail.jp")], "Rakuten Link"),
        (
            vec![("email", "taro@i.softbank.jp"), ("name", "a\u{1}b")],
            "U+0001",
        ),
        (
            vec![("email", "taro@i.softbank.jp"), ("name", "a\u{7f}b")],
            "control character U+007F",
        ),
        (vec![("email", "ta ro@i.softbank.jp")], "white space"),
    ] {
        let r = post(&url, &form);
        assert_eq!(r.status, 400, "{form:?}");
        assert!(r.content_type.starts_with("text/html"));
        assert!(r.text().contains("class=\"error\""), "{form:?}");
        assert!(
            r.text().contains(expect),
            "{form:?}: expected {expect:?} in {}",
            r.text()
        );
        // The form comes back filled in, escaped.
        assert!(r.text().contains("id=\"form\""));
    }
    // Hostile text is escaped in the error page.
    let r = post(&url, &[("email", "<script>alert(1)</script>@x")]);
    assert_eq!(r.status, 400);
    assert!(!r.text().contains("<script>alert(1)"));
    assert!(r.text().contains("&lt;script&gt;"));
    // Japanese error text for a Japanese browser.
    let r = reply(
        ureq::post(&url)
            .set("Accept-Language", "ja")
            .send_form(&[("email", "")]),
    );
    assert!(r.text().contains("メールアドレスを入力してください"));
}

#[test]
fn body_size_limit() {
    let s = Server::start(&[]);
    let big = "x".repeat(20_000);
    let r = post(
        &format!("{}profile", s.url),
        &[("email", "taro@i.softbank.jp"), ("name", &big)],
    );
    assert_eq!(r.status, 413);
    // Under the body limit, a name longer than 256 characters is a validation answer.
    let long = post(
        &format!("{}profile", s.url),
        &[("email", "taro@i.softbank.jp"), ("name", &"x".repeat(2000))],
    );
    assert_eq!(long.status, 400);
    assert!(long.text().contains("at most 256"));
    let ok = post(
        &format!("{}profile", s.url),
        &[("email", "taro@i.softbank.jp"), ("name", &"x".repeat(200))],
    );
    assert_eq!(ok.status, 200);
}

#[test]
fn rate_limit_per_client() {
    let s = Server::start(&["--rate-limit", "3"]);
    let url = format!("{}profile?email=taro%40i.softbank.jp", s.url);
    for _ in 0..3 {
        assert_eq!(get(&url, None).status, 200);
    }
    let limited = get(&url, None);
    assert_eq!(limited.status, 429);
    assert!(
        limited
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // The page and health check are not limited.
    assert_eq!(get(&s.url, None).status, 200);
    assert_eq!(get(&format!("{}healthz", s.url), None).status, 200);
}

#[test]
fn signed_profiles_when_started_with_an_identity() {
    let pki = common::Pki::new();
    let s = Server::start(&[
        "--sign-cert",
        pki.path("signer.pem").to_str().unwrap(),
        "--sign-key",
        pki.path("signer.key").to_str().unwrap(),
        "--sign-chain",
        pki.path("chain.pem").to_str().unwrap(),
    ]);
    let page = get(&s.url, None);
    assert!(page.text().contains("This profile is signed."));
    let r = post(&format!("{}profile", s.url), &[("email", "me@icloud.com")]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body[0], 0x30, "DER CMS");
    lint_clean(&r.body, Some(&pki.path("ca.pem")));
}

#[test]
fn https_with_a_certificate() {
    use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
    let pki = common::Pki::new();
    // A server certificate for 127.0.0.1 issued by the test CA.
    let server = common::issue_server_cert(&pki, "127.0.0.1");
    let s = Server::start(&[
        "--tls-cert",
        server.0.to_str().unwrap(),
        "--tls-key",
        server.1.to_str().unwrap(),
    ]);
    assert!(s.url.starts_with("https://127.0.0.1:"), "{}", s.url);
    let port: u16 = s
        .url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut b = SslConnector::builder(SslMethod::tls()).unwrap();
    b.set_ca_file(pki.path("ca.pem")).unwrap();
    b.set_verify(SslVerifyMode::PEER);
    let connector = b.build();
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut cfg = connector.configure().unwrap();
    cfg.set_verify_hostname(false);
    let mut tls = cfg.connect("127.0.0.1", tcp).unwrap();
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    let _ = tls.read_to_string(&mut resp);
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.ends_with("ok\n"));
}

#[test]
fn logs_hold_no_personal_data_unless_asked_and_shutdown_is_graceful() {
    let s = Server::start(&["--log", "requests"]);
    assert_eq!(
        get(
            &format!("{}profile?email=secret.person%40i.softbank.jp", s.url),
            None
        )
        .status,
        200
    );
    let (status, log) = s.stop();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    assert!(log.contains("GET /profile 200"), "{log}");
    assert!(!log.contains("secret.person"), "{log}");
    let s = Server::start(&["--log", "addresses"]);
    assert_eq!(
        get(
            &format!("{}profile?email=secret.person%40i.softbank.jp", s.url),
            None
        )
        .status,
        200
    );
    let (_, log) = s.stop();
    assert!(log.contains("for secret.person@i.softbank.jp"), "{log}");
    let s = Server::start(&[]);
    assert_eq!(
        get(
            &format!("{}profile?email=secret.person%40i.softbank.jp", s.url),
            None
        )
        .status,
        200
    );
    let (_, log) = s.stop();
    assert!(
        !log.contains("secret.person") && !log.contains("GET"),
        "{log}"
    );
}

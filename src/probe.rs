//! `profilegen probe`: connect to mail servers the way the phone will — DNS, TCP, TLS (implicit
//! or STARTTLS), certificate chain and name, protocol greeting and capabilities — and say what
//! the phone would show. Nothing is sent but greetings, capability requests, STARTTLS and a
//! polite goodbye; never a password.

use crate::lint::{Finding, Severity};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};
use serde::Serialize;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The mail protocols probed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Imap,
    Pop,
    Smtp,
}

impl Protocol {
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Imap => "IMAP",
            Protocol::Pop => "POP",
            Protocol::Smtp => "SMTP",
        }
    }
}

/// How TLS starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (993, 995, 465).
    Implicit,
    /// Plain text, then STARTTLS / STLS (143, 110, 587, 25).
    Starttls,
}

/// One server to probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub protocol: Protocol,
    pub host: String,
    pub port: u16,
    pub mode: TlsMode,
}

impl Target {
    /// The mode the phone uses for a port: implicit TLS on 993/995/465, STARTTLS on the
    /// plain-text and submission ports, implicit otherwise.
    pub fn mode_for_port(port: u16) -> TlsMode {
        match port {
            143 | 110 | 587 | 25 => TlsMode::Starttls,
            _ => TlsMode::Implicit,
        }
    }

    /// Parses `HOST:PORT`, or a URL-like `imaps://HOST:PORT` / `imap://` (STARTTLS), `pop3s://` /
    /// `pop3://`, `smtps://` / `submission://` or `smtp://` (STARTTLS).
    pub fn parse(protocol: Protocol, spec: &str) -> Result<Target, String> {
        let (mode, rest) = match spec.split_once("://") {
            Some((scheme, rest)) => {
                let mode = match (protocol, scheme.to_ascii_lowercase().as_str()) {
                    (Protocol::Imap, "imaps")
                    | (Protocol::Pop, "pop3s" | "pops")
                    | (Protocol::Smtp, "smtps") => TlsMode::Implicit,
                    (Protocol::Imap, "imap")
                    | (Protocol::Pop, "pop3" | "pop")
                    | (Protocol::Smtp, "smtp" | "submission") => TlsMode::Starttls,
                    _ => return Err(format!("{scheme}:// is not a {} scheme", protocol.label())),
                };
                (Some(mode), rest)
            }
            None => (None, spec),
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = rest
            .rsplit_once(':')
            .ok_or_else(|| format!("{spec:?} needs a port: HOST:PORT"))?;
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("{spec:?}: {port:?} is not a port (1-65535)"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(format!("{spec:?} has no host"));
        }
        Ok(Target {
            protocol,
            host: host.to_string(),
            port,
            mode: mode.unwrap_or_else(|| Target::mode_for_port(port)),
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "{} {}:{} ({})",
            self.protocol.label(),
            self.host,
            self.port,
            match self.mode {
                TlsMode::Implicit => "implicit TLS",
                TlsMode::Starttls => "STARTTLS",
            }
        )
    }
}

/// The certificate the server presented.
#[derive(Debug, Clone, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub days_left: i64,
    /// Certificates the server sent (leaf first).
    pub chain_length: usize,
    pub verified: bool,
    pub verify_error: Option<String>,
}

/// What a probe found out about one server.
#[derive(Debug, Clone, Serialize)]
pub struct ServerReport {
    pub target: Target,
    pub addresses: Vec<String>,
    pub connected: bool,
    pub greeting: Option<String>,
    /// Capabilities before TLS (STARTTLS mode).
    pub capabilities_before_tls: Vec<String>,
    pub capabilities: Vec<String>,
    pub auth_mechanisms: Vec<String>,
    pub tls_version: Option<String>,
    pub cipher: Option<String>,
    pub certificate: Option<CertInfo>,
    pub findings: Vec<Finding>,
}

/// Probe settings.
pub struct Settings<'a> {
    /// Trust anchors for the servers' certificates.
    pub trust: &'a crate::container::Trust,
    pub timeout: Duration,
}

use crate::lint::rules::probe as rules;

fn finding(
    rule: &'static crate::lint::Rule,
    target: &Target,
    message: String,
    help: Option<String>,
) -> Finding {
    Finding {
        rule: rule.id,
        name: rule.name,
        severity: rule.severity,
        path: format!("{}:{}", target.host, target.port),
        message,
        help,
    }
}

/// A line-oriented plain or TLS connection.
trait Conn: Read + Write {}
impl<T: Read + Write> Conn for T {}

/// Reads one CRLF-terminated line (at most 8 KiB).
fn read_line(r: &mut BufReader<Box<dyn Conn>>) -> std::io::Result<String> {
    let mut buf = Vec::new();
    let n = r.by_ref().take(8192).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ));
    }
    Ok(String::from_utf8_lossy(&buf).trim_end().to_string())
}

fn send(r: &mut BufReader<Box<dyn Conn>>, line: &str) -> std::io::Result<()> {
    let w = r.get_mut();
    w.write_all(line.as_bytes())?;
    w.write_all(b"\r\n")?;
    w.flush()
}

/// Reads the greeting; `Ok(line)` when it is the protocol's positive greeting.
fn greeting(proto: Protocol, r: &mut BufReader<Box<dyn Conn>>) -> Result<String, String> {
    let mut line = read_line(r).map_err(|e| e.to_string())?;
    if proto == Protocol::Smtp {
        // Multi-line 220- greetings.
        let mut last = line.clone();
        while last.starts_with("220-") {
            last = read_line(r).map_err(|e| e.to_string())?;
            line.push(' ');
            line.push_str(
                last.trim_start_matches("220")
                    .trim_start_matches(['-', ' ']),
            );
        }
    }
    let ok = match proto {
        Protocol::Imap => line.starts_with("* OK") || line.starts_with("* PREAUTH"),
        Protocol::Pop => line.starts_with("+OK"),
        Protocol::Smtp => line.starts_with("220"),
    };
    if ok {
        Ok(line)
    } else {
        Err(format!("unexpected greeting {line:?}"))
    }
}

/// Asks for capabilities: IMAP CAPABILITY, POP CAPA, SMTP EHLO. Returns them upper-cased.
fn capabilities(
    proto: Protocol,
    r: &mut BufReader<Box<dyn Conn>>,
    tag: &str,
) -> Result<Vec<String>, String> {
    let io = |e: std::io::Error| e.to_string();
    let mut caps = Vec::new();
    match proto {
        Protocol::Imap => {
            send(r, &format!("{tag} CAPABILITY")).map_err(io)?;
            loop {
                let line = read_line(r).map_err(io)?;
                if let Some(rest) = line.strip_prefix("* CAPABILITY ") {
                    caps.extend(rest.split_whitespace().map(|s| s.to_ascii_uppercase()));
                } else if let Some(rest) = line.strip_prefix(tag) {
                    if !rest.trim_start().starts_with("OK") {
                        return Err(format!("CAPABILITY failed: {line:?}"));
                    }
                    break;
                }
            }
        }
        Protocol::Pop => {
            send(r, "CAPA").map_err(io)?;
            let first = read_line(r).map_err(io)?;
            if first.starts_with("+OK") {
                loop {
                    let line = read_line(r).map_err(io)?;
                    if line == "." {
                        break;
                    }
                    caps.push(line.to_ascii_uppercase());
                }
            }
        }
        Protocol::Smtp => {
            send(r, "EHLO profilegen.invalid").map_err(io)?;
            let mut first = true;
            loop {
                let line = read_line(r).map_err(io)?;
                if !line.starts_with("250") {
                    return Err(format!("EHLO refused: {line:?}"));
                }
                // The first line names the server; the others are keywords.
                if !first {
                    caps.push(line.get(4..).unwrap_or("").trim().to_ascii_uppercase());
                }
                first = false;
                if line.as_bytes().get(3) != Some(&b'-') {
                    break;
                }
            }
        }
    }
    Ok(caps)
}

/// The authentication mechanisms the capabilities offer.
fn auth_mechanisms(proto: Protocol, caps: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for c in caps {
        match proto {
            Protocol::Imap => {
                if let Some(m) = c.strip_prefix("AUTH=") {
                    out.push(m.to_string());
                }
            }
            Protocol::Pop => {
                if let Some(m) = c.strip_prefix("SASL ") {
                    out.extend(m.split_whitespace().map(str::to_string));
                }
                if c == "USER" {
                    out.push("USER/PASS".into());
                }
            }
            Protocol::Smtp => {
                if let Some(m) = c.strip_prefix("AUTH ").or_else(|| c.strip_prefix("AUTH=")) {
                    out.extend(m.split_whitespace().map(str::to_string));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// True when the capabilities let a client send a password in clear text.
fn plaintext_login_offered(proto: Protocol, caps: &[String]) -> bool {
    match proto {
        Protocol::Imap => !caps.iter().any(|c| c == "LOGINDISABLED"),
        Protocol::Pop => {
            caps.iter().any(|c| c == "USER") || !auth_mechanisms(proto, caps).is_empty()
        }
        Protocol::Smtp => !auth_mechanisms(proto, caps).is_empty(),
    }
}

fn starttls_offered(proto: Protocol, caps: &[String]) -> bool {
    match proto {
        Protocol::Imap => caps.iter().any(|c| c == "STARTTLS"),
        Protocol::Pop => caps.iter().any(|c| c == "STLS"),
        Protocol::Smtp => caps.iter().any(|c| c == "STARTTLS"),
    }
}

fn start_tls(proto: Protocol, r: &mut BufReader<Box<dyn Conn>>) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    match proto {
        Protocol::Imap => {
            send(r, "a2 STARTTLS").map_err(io)?;
            loop {
                let line = read_line(r).map_err(io)?;
                if let Some(rest) = line.strip_prefix("a2 ") {
                    return if rest.starts_with("OK") {
                        Ok(())
                    } else {
                        Err(format!("STARTTLS refused: {line:?}"))
                    };
                }
            }
        }
        Protocol::Pop => {
            send(r, "STLS").map_err(io)?;
            let line = read_line(r).map_err(io)?;
            if line.starts_with("+OK") {
                Ok(())
            } else {
                Err(format!("STLS refused: {line:?}"))
            }
        }
        Protocol::Smtp => {
            send(r, "STARTTLS").map_err(io)?;
            let line = read_line(r).map_err(io)?;
            if line.starts_with("220") {
                Ok(())
            } else {
                Err(format!("STARTTLS refused: {line:?}"))
            }
        }
    }
}

fn goodbye(proto: Protocol, r: &mut BufReader<Box<dyn Conn>>) {
    let _ = send(
        r,
        match proto {
            Protocol::Imap => "a9 LOGOUT",
            Protocol::Pop | Protocol::Smtp => "QUIT",
        },
    );
}

/// The TLS connector. It accepts old protocol versions (TLS 1.0 and up) so that a server stuck on
/// them is named (PG708) rather than just failing; the chain and name are verified afterwards
/// (`verify_chain`), so that a bad certificate is described, not just refused.
fn connector() -> Result<SslConnector, openssl::error::ErrorStack> {
    let mut b = SslConnector::builder(SslMethod::tls_client())?;
    b.set_min_proto_version(Some(SslVersion::TLS1))?;
    b.set_cipher_list("DEFAULT:@SECLEVEL=0")?;
    b.set_verify(SslVerifyMode::NONE);
    Ok(b.build())
}

/// Probes one server.
pub fn probe(target: &Target, settings: &Settings<'_>) -> ServerReport {
    let mut rep = ServerReport {
        target: target.clone(),
        addresses: Vec::new(),
        connected: false,
        greeting: None,
        capabilities_before_tls: Vec::new(),
        capabilities: Vec::new(),
        auth_mechanisms: Vec::new(),
        tls_version: None,
        cipher: None,
        certificate: None,
        findings: Vec::new(),
    };
    // DNS (a name that cannot be a host name is not looked up at all)
    if target.host.parse::<std::net::IpAddr>().is_err() {
        if let Err(e) = crate::text::check_host(&target.host.to_ascii_lowercase()) {
            rep.findings.push(finding(
                &rules::DNS,
                target,
                format!("not a host name: {e}"),
                None,
            ));
            return rep;
        }
    }
    // The system resolver has no timeout of its own: ask it from a helper thread and stop
    // waiting after the timeout.
    let (tx, rx) = std::sync::mpsc::channel();
    let (host, port) = (target.host.clone(), target.port);
    std::thread::spawn(move || {
        let _ = tx.send(
            (host.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.collect::<Vec<SocketAddr>>()),
        );
    });
    let addrs: Vec<SocketAddr> = match rx.recv_timeout(settings.timeout) {
        Ok(Ok(a)) if !a.is_empty() => a,
        Ok(Ok(_)) => {
            rep.findings.push(finding(
                &rules::DNS,
                target,
                format!("{} has no address", target.host),
                None,
            ));
            return rep;
        }
        Ok(Err(e)) => {
            rep.findings.push(finding(&rules::DNS, target, format!("{} does not resolve: {e}", target.host), Some("check the host name for typos (`profilegen lint` compares it with the provider's)".into())));
            return rep;
        }
        Err(_) => {
            rep.findings.push(finding(
                &rules::DNS,
                target,
                format!(
                    "looking up {} timed out after {} s",
                    target.host,
                    settings.timeout.as_secs()
                ),
                Some("check the network's DNS".into()),
            ));
            return rep;
        }
    };
    rep.addresses = addrs.iter().map(|a| a.ip().to_string()).collect();
    // TCP
    let mut stream = None;
    let mut last_err = String::new();
    for a in &addrs {
        match TcpStream::connect_timeout(a, settings.timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_err = e.to_string(),
        }
    }
    let Some(tcp) = stream else {
        rep.findings.push(finding(&rules::CONNECT, target, format!("cannot connect to port {}: {last_err}", target.port), Some("the port is closed or blocked on this network; try another network (mobile data), or check the port".into())));
        return rep;
    };
    rep.connected = true;
    let _ = tcp.set_read_timeout(Some(settings.timeout));
    let _ = tcp.set_write_timeout(Some(settings.timeout));
    let connector = match connector() {
        Ok(c) => c,
        Err(e) => {
            rep.findings.push(finding(
                &rules::TLS_FAILED,
                target,
                format!("cannot set up TLS: {e}"),
                None,
            ));
            return rep;
        }
    };

    let tcp_for_tls: TcpStream;
    if target.mode == TlsMode::Starttls {
        let mut r: BufReader<Box<dyn Conn>> =
            BufReader::new(Box::new(tcp.try_clone().expect("socket clone")));
        match greeting(target.protocol, &mut r) {
            Ok(g) => rep.greeting = Some(g),
            Err(e) => {
                rep.findings.push(finding(
                    &rules::PROTOCOL,
                    target,
                    format!("not a {} server: {e}", target.protocol.label()),
                    None,
                ));
                return rep;
            }
        }
        let caps = match capabilities(target.protocol, &mut r, "a1") {
            Ok(c) => c,
            Err(e) => {
                rep.findings
                    .push(finding(&rules::PROTOCOL, target, e, None));
                return rep;
            }
        };
        rep.capabilities_before_tls = caps.clone();
        if !starttls_offered(target.protocol, &caps) {
            rep.findings.push(finding(
                &rules::NO_STARTTLS,
                target,
                format!("port {} does not offer STARTTLS", target.port),
                Some(
                    "use the provider's SSL port (993, 995, 465) or a server that offers STARTTLS"
                        .into(),
                ),
            ));
            goodbye(target.protocol, &mut r);
            return rep;
        }
        if plaintext_login_offered(target.protocol, &caps) {
            rep.findings.push(finding(&rules::PLAINTEXT_LOGIN, target, "the server accepts a password before TLS starts".into(), Some("server side: disable plain-text authentication before STARTTLS (e.g. Dovecot disable_plaintext_auth = yes)".into())));
        }
        if let Err(e) = start_tls(target.protocol, &mut r) {
            rep.findings
                .push(finding(&rules::NO_STARTTLS, target, e, None));
            return rep;
        }
        if !r.buffer().is_empty() {
            rep.findings.push(finding(
                &rules::PROTOCOL,
                target,
                "the server sent data after STARTTLS before the handshake".into(),
                None,
            ));
            return rep;
        }
        tcp_for_tls = tcp;
    } else {
        tcp_for_tls = tcp;
    }

    // TLS
    let mut cfg = match connector.configure() {
        Ok(c) => c,
        Err(e) => {
            rep.findings
                .push(finding(&rules::TLS_FAILED, target, e.to_string(), None));
            return rep;
        }
    };
    cfg.set_verify_hostname(false);
    cfg.set_verify(SslVerifyMode::NONE);
    let tls = match cfg.connect(&target.host, tcp_for_tls) {
        Ok(s) => s,
        Err(e) => {
            let reason = match &e {
                openssl::ssl::HandshakeError::Failure(m) => m
                    .error()
                    .ssl_error()
                    .map(crate::sign::first_reason)
                    .unwrap_or_else(|| m.error().to_string()),
                openssl::ssl::HandshakeError::SetupFailure(s) => crate::sign::first_reason(s),
                openssl::ssl::HandshakeError::WouldBlock(_) => "timed out".into(),
            };
            rep.findings.push(finding(&rules::TLS_FAILED, target, format!("the TLS handshake failed: {reason}"), Some("the server offers no TLS 1.2+ the phone accepts, or is not speaking TLS on this port".into())));
            return rep;
        }
    };
    let ssl = tls.ssl();
    rep.tls_version = Some(ssl.version_str().to_string());
    rep.cipher = ssl.current_cipher().map(|c| c.name().to_string());
    if matches!(ssl.version_str(), "TLSv1" | "TLSv1.1" | "SSLv3") {
        rep.findings.push(finding(
            &rules::OLD_TLS,
            target,
            format!("negotiated {}", ssl.version_str()),
            None,
        ));
    }
    // The verdict on the chain and the name, computed with the same store.
    if let Some(leaf) = ssl.peer_certificate() {
        let sent: Vec<openssl::x509::X509> = ssl
            .peer_cert_chain()
            .map(|c| c.iter().map(|x| x.to_owned()).collect())
            .unwrap_or_default();
        let v = crate::sign::validity(&leaf);
        let (verified, error, code) = verify_chain(settings.trust, &leaf, &sent, &target.host);
        let info = CertInfo {
            subject: crate::sign::subject(&leaf),
            issuer: crate::sign::name_line(leaf.issuer_name()),
            not_before: v.not_before.clone(),
            not_after: v.not_after.clone(),
            days_left: v.days_left,
            chain_length: sent.len(),
            verified,
            verify_error: error.clone(),
        };
        if !verified {
            use openssl_sys as s;
            let e = error.unwrap_or_default();
            let (rule, help) = match code {
                s::X509_V_ERR_CERT_HAS_EXPIRED => (&rules::CERT_EXPIRED, format!("the server's certificate expired on {}; the provider must renew it", v.not_after)),
                s::X509_V_ERR_CERT_NOT_YET_VALID => (&rules::CERT_EXPIRED, format!("the certificate is valid only from {}; check the phone's and the server's clocks", v.not_before)),
                s::X509_V_ERR_HOSTNAME_MISMATCH | s::X509_V_ERR_IP_ADDRESS_MISMATCH => (&rules::CERT_NAME, format!("the certificate is for {}, not {}; use the host name the certificate names", info.subject, target.host)),
                s::X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT | s::X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN => (&rules::CERT_UNTRUSTED, "the certificate is self-signed; the phone trusts it only if its CA profile is installed".to_string()),
                s::X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY | s::X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT if sent.len() <= 1 && leaf.issued(&leaf) != openssl::x509::X509VerifyResult::OK => (&rules::MISSING_INTERMEDIATE, "the server sends its certificate without the intermediate; server side: configure the full chain".to_string()),
                _ => (&rules::CERT_UNTRUSTED, "the certificate does not chain to a CA the phone trusts".to_string()),
            };
            rep.findings.push(finding(
                rule,
                target,
                format!("certificate not accepted: {e}"),
                Some(help),
            ));
        } else if v.days_left < 14 {
            rep.findings.push(finding(
                &rules::CERT_EXPIRES_SOON,
                target,
                format!(
                    "the certificate expires in {} days ({})",
                    v.days_left, v.not_after
                ),
                None,
            ));
        }
        rep.certificate = Some(info);
    }

    // The protocol over TLS.
    let mut r: BufReader<Box<dyn Conn>> = BufReader::new(Box::new(tls));
    if target.mode == TlsMode::Implicit {
        match greeting(target.protocol, &mut r) {
            Ok(g) => rep.greeting = Some(g),
            Err(e) => {
                rep.findings.push(finding(
                    &rules::PROTOCOL,
                    target,
                    format!("not a {} server: {e}", target.protocol.label()),
                    None,
                ));
                return rep;
            }
        }
    }
    match capabilities(target.protocol, &mut r, "a3") {
        Ok(caps) => {
            rep.auth_mechanisms = auth_mechanisms(target.protocol, &caps);
            let no_login = match target.protocol {
                Protocol::Imap => caps.iter().any(|c| c == "LOGINDISABLED"),
                Protocol::Smtp => rep.auth_mechanisms.is_empty(),
                Protocol::Pop => false,
            };
            if no_login {
                rep.findings.push(finding(&rules::NO_AUTH, target, format!("{} offers no password login over TLS", target.protocol.label()), Some("the phone cannot log in; check the server's authentication settings or the port (SMTP submission is 465/587)".into())));
            }
            rep.capabilities = caps;
        }
        Err(e) => rep
            .findings
            .push(finding(&rules::PROTOCOL, target, e, None)),
    }
    goodbye(target.protocol, &mut r);
    rep
}

/// Verifies the presented chain against the store and the host name; returns (ok, error text,
/// OpenSSL's error code).
fn verify_chain(
    trust: &crate::container::Trust,
    leaf: &openssl::x509::X509Ref,
    sent: &[openssl::x509::X509],
    host: &str,
) -> (bool, Option<String>, i32) {
    use openssl::x509::X509StoreContext;
    let mut chain = openssl::stack::Stack::new().expect("stack");
    for c in sent.iter().skip(1) {
        let _ = chain.push(c.clone());
    }
    let mut param = match openssl::x509::verify::X509VerifyParam::new() {
        Ok(p) => p,
        Err(e) => return (false, Some(e.to_string()), -1),
    };
    let named = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => param.set_ip(ip),
        Err(_) => param.set_host(host),
    };
    let store2 = match named.and_then(|()| trust.store_with(Some(&param))) {
        Ok(s) => s,
        Err(e) => return (false, Some(e.to_string()), -1),
    };
    let result = X509StoreContext::new().and_then(|mut ctx| {
        ctx.init(&store2, leaf, &chain, |c| {
            Ok(if c.verify_cert()? {
                Ok(())
            } else {
                Err(c.error())
            })
        })
    });
    match result {
        Ok(Ok(())) => (true, None, 0),
        Ok(Err(e)) => (false, Some(e.error_string().to_string()), e.as_raw()),
        Err(e) => (false, Some(e.to_string()), -1),
    }
}

/// Probes every target in parallel; reports come back in the targets' order.
pub fn probe_all(targets: &[Target], settings: &Settings<'_>) -> Vec<ServerReport> {
    std::thread::scope(|s| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| s.spawn(move || probe(t, settings)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("probe thread"))
            .collect()
    })
}

/// The severity-ordered worst finding, for exit codes.
pub fn worst(reports: &[ServerReport]) -> Option<Severity> {
    reports
        .iter()
        .flat_map(|r| &r.findings)
        .map(|f| f.severity)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = Target::parse(Protocol::Imap, "imap.softbank.jp:993").unwrap();
        assert_eq!(t.mode, TlsMode::Implicit);
        let t = Target::parse(Protocol::Smtp, "smtp.softbank.jp:587").unwrap();
        assert_eq!(t.mode, TlsMode::Starttls);
        let t = Target::parse(Protocol::Imap, "imap://127.0.0.1:10143").unwrap();
        assert_eq!(
            (t.mode, t.port, t.host.as_str()),
            (TlsMode::Starttls, 10143, "127.0.0.1")
        );
        let t = Target::parse(Protocol::Smtp, "smtps://[::1]:2465").unwrap();
        assert_eq!((t.mode, t.host.as_str()), (TlsMode::Implicit, "::1"));
        assert!(Target::parse(Protocol::Imap, "imap.softbank.jp").is_err());
        assert!(Target::parse(Protocol::Imap, "pop3s://x:1").is_err());
        assert!(Target::parse(Protocol::Imap, "x:0").is_err());
    }

    #[test]
    fn auth_parsing() {
        let caps: Vec<String> = ["IMAP4REV1", "AUTH=PLAIN", "AUTH=LOGIN", "LOGINDISABLED"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            auth_mechanisms(Protocol::Imap, &caps),
            vec!["LOGIN", "PLAIN"]
        );
        assert!(!plaintext_login_offered(Protocol::Imap, &caps));
        let caps: Vec<String> = ["PIPELINING", "AUTH PLAIN LOGIN", "STARTTLS"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            auth_mechanisms(Protocol::Smtp, &caps),
            vec!["LOGIN", "PLAIN"]
        );
        assert!(starttls_offered(Protocol::Smtp, &caps));
    }
}

//! `profilegen probe`: connect to mail servers the way the phone will — DNS, TCP, TLS (implicit
//! or STARTTLS), certificate chain and name, protocol greeting and capabilities — and say what
//! the phone would show. Nothing is sent but greetings, capability requests, STARTTLS and a
//! polite goodbye; never a password.

use crate::i18n::tr;
use crate::lint::{Finding, Severity};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};
use serde::Serialize;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The mail protocols probed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
        let (host, port) = rest.rsplit_once(':').ok_or_else(|| {
            tr(
                format!("{spec:?} needs a port: HOST:PORT"),
                format!("{spec:?} にポートがありません: HOST:PORT の形で指定してください"),
            )
        })?;
        let port: u16 = port.parse().ok().filter(|p| *p != 0).ok_or_else(|| {
            tr(
                format!("{spec:?}: {port:?} is not a port (1-65535)"),
                format!("{spec:?}: {port:?} はポート番号(1〜65535)ではありません"),
            )
        })?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(tr(
                format!("{spec:?} has no host"),
                format!("{spec:?} にホスト名がありません"),
            ));
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
    /// "12 days left", "expired 2 days ago".
    pub time_left: String,
    /// Certificates the server sent (leaf first).
    pub chain_length: usize,
    pub verified: bool,
    pub verify_error: Option<String>,
    /// Why the chain does not verify, in the terms of its fix.
    pub chain_problem: Option<crate::certs::ChainProblem>,
}

/// What a probe found out about one server.
#[derive(Debug, Clone, Serialize)]
pub struct ServerReport {
    pub target: Target,
    pub addresses: Vec<String>,
    /// Why the host name did not resolve, when it did not.
    pub dns_failure: Option<DnsFailure>,
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

impl ServerReport {
    /// A report with nothing found out yet.
    pub fn new(target: &Target) -> ServerReport {
        ServerReport {
            target: target.clone(),
            addresses: Vec::new(),
            dns_failure: None,
            connected: false,
            greeting: None,
            capabilities_before_tls: Vec::new(),
            capabilities: Vec::new(),
            auth_mechanisms: Vec::new(),
            tls_version: None,
            cipher: None,
            certificate: None,
            findings: Vec::new(),
        }
    }
}

/// Probe settings.
pub struct Settings<'a> {
    /// Trust anchors for the servers' certificates.
    pub trust: &'a crate::container::Trust,
    /// How long to wait for each step: a look-up, a connection, an answer.
    pub timeout: Duration,
    /// How long one server's whole conversation may take, whatever it sends.
    pub deadline: Duration,
    /// Host names answered here instead of by the system's resolver (`--resolve NAME=ADDR`).
    pub resolve: &'a [(String, std::net::IpAddr)],
}

/// At most this many lines in one answer (a greeting, a capability list), this many
/// capabilities, and this many bytes in a line: a server that sends more is reported, not
/// followed into unbounded memory.
pub const MAX_LINES: usize = 1_000;
pub const MAX_CAPABILITIES: usize = 1_000;
pub const MAX_LINE: usize = 8_192;

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
        help: help.or_else(|| Some(rule.fix.to_string())),
        fix: None,
    }
}

/// A socket whose every read and write waits at most `step`, and never past `deadline`.
struct Timed {
    sock: TcpStream,
    step: Duration,
    deadline: Instant,
}

impl Timed {
    fn budget(&self) -> std::io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                DEADLINE_PASSED,
            ));
        }
        Ok(left.min(self.step))
    }
}

const DEADLINE_PASSED: &str = "the conversation's deadline passed";

impl Timed {
    /// A wait that ended because the deadline came says so, not "no answer".
    fn explain(&self, e: std::io::Error) -> std::io::Error {
        let waited = matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        );
        if waited && Instant::now() >= self.deadline {
            std::io::Error::new(std::io::ErrorKind::TimedOut, DEADLINE_PASSED)
        } else {
            e
        }
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let t = self.budget()?;
        self.sock.set_read_timeout(Some(t))?;
        self.sock.read(buf).map_err(|e| self.explain(e))
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let t = self.budget()?;
        self.sock.set_write_timeout(Some(t))?;
        self.sock.write(buf).map_err(|e| self.explain(e))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.sock.flush()
    }
}

/// A line-oriented plain or TLS connection.
trait Conn: Read + Write {}
impl<T: Read + Write> Conn for T {}

/// What went wrong in a conversation, in words: a timeout says timeout.
fn io_text(e: &std::io::Error, step: Duration) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::TimedOut if e.to_string() == DEADLINE_PASSED => tr(
            "the server kept the conversation going past the deadline",
            "サーバが期限を過ぎても会話を続けました",
        ),
        K::WouldBlock | K::TimedOut => tr(
            format!("timed out: no answer within {} s", step.as_secs()),
            format!("タイムアウト: {} 秒以内に応答がありません", step.as_secs()),
        ),
        K::UnexpectedEof => tr(
            "the server closed the connection",
            "サーバが接続を閉じました",
        ),
        K::ConnectionReset => tr(
            "the server reset the connection",
            "サーバが接続をリセットしました",
        ),
        K::ConnectionRefused => tr("connection refused", "接続が拒否されました"),
        _ => crate::error::io_words(e),
    }
}

/// Reads one CRLF-terminated line of at most [`MAX_LINE`] bytes.
fn read_line(r: &mut BufReader<Box<dyn Conn>>, step: Duration) -> Result<String, String> {
    let mut buf = Vec::new();
    let n = r
        .by_ref()
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut buf)
        .map_err(|e| io_text(&e, step))?;
    if n == 0 {
        return Err(tr(
            "the server closed the connection",
            "サーバが接続を閉じました",
        ));
    }
    if !buf.ends_with(b"\n") && n >= MAX_LINE {
        return Err(tr(
            format!("the server sent a line longer than {} KiB", MAX_LINE / 1024),
            format!("サーバが{} KiBを超える行を送りました", MAX_LINE / 1024),
        ));
    }
    Ok(String::from_utf8_lossy(&buf).trim_end().to_string())
}

fn send(r: &mut BufReader<Box<dyn Conn>>, line: &str, step: Duration) -> Result<(), String> {
    let w = r.get_mut();
    w.write_all(line.as_bytes())
        .and_then(|_| w.write_all(b"\r\n"))
        .and_then(|_| w.flush())
        .map_err(|e| io_text(&e, step))
}

fn too_many(what: &str) -> String {
    tr(
        format!("the server sent more than {MAX_LINES} lines in answer to {what}"),
        format!("サーバが {what} への応答に{MAX_LINES}行を超えて送りました"),
    )
}

/// Reads the greeting; `Ok(line)` when it is the protocol's positive greeting.
fn greeting(
    proto: Protocol,
    r: &mut BufReader<Box<dyn Conn>>,
    step: Duration,
) -> Result<String, String> {
    let mut line = read_line(r, step)?;
    if proto == Protocol::Smtp {
        // Multi-line 220- greetings.
        let mut last = line.clone();
        let mut n = 1;
        while last.starts_with("220-") {
            n += 1;
            if n > MAX_LINES {
                return Err(too_many("the connection (the greeting)"));
            }
            last = read_line(r, step)?;
            if line.len() < MAX_LINE {
                line.push(' ');
                line.push_str(
                    last.trim_start_matches("220")
                        .trim_start_matches(['-', ' ']),
                );
            }
        }
        let mut cut = line.len().min(MAX_LINE);
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        line.truncate(cut);
    }
    let ok = match proto {
        Protocol::Imap => line.starts_with("* OK") || line.starts_with("* PREAUTH"),
        Protocol::Pop => line.starts_with("+OK"),
        Protocol::Smtp => line.starts_with("220"),
    };
    if ok {
        Ok(line)
    } else {
        Err(tr(
            format!("unexpected greeting {line:?}"),
            format!("予期しない応答 {line:?}"),
        ))
    }
}

/// Asks for capabilities: IMAP CAPABILITY, POP CAPA, SMTP EHLO. Returns them upper-cased.
fn capabilities(
    proto: Protocol,
    r: &mut BufReader<Box<dyn Conn>>,
    tag: &str,
    step: Duration,
) -> Result<Vec<String>, String> {
    let mut caps: Vec<String> = Vec::new();
    let add = |caps: &mut Vec<String>, c: String| -> Result<(), String> {
        if caps.len() >= MAX_CAPABILITIES {
            return Err(format!(
                "the server announced more than {MAX_CAPABILITIES} capabilities"
            ));
        }
        caps.push(c);
        Ok(())
    };
    match proto {
        Protocol::Imap => {
            send(r, &format!("{tag} CAPABILITY"), step)?;
            let mut n = 0;
            loop {
                n += 1;
                if n > MAX_LINES {
                    return Err(too_many("CAPABILITY"));
                }
                let line = read_line(r, step)?;
                if let Some(rest) = line.strip_prefix("* CAPABILITY ") {
                    for c in rest.split_whitespace() {
                        add(&mut caps, c.to_ascii_uppercase())?;
                    }
                } else if let Some(rest) = line.strip_prefix(tag) {
                    if !rest.trim_start().starts_with("OK") {
                        return Err(tr(
                            format!("CAPABILITY failed: {line:?}"),
                            format!("CAPABILITY が失敗しました: {line:?}"),
                        ));
                    }
                    break;
                }
            }
        }
        Protocol::Pop => {
            send(r, "CAPA", step)?;
            let first = read_line(r, step)?;
            if first.starts_with("+OK") {
                let mut n = 0;
                loop {
                    n += 1;
                    if n > MAX_LINES {
                        return Err(too_many("CAPA"));
                    }
                    let line = read_line(r, step)?;
                    if line == "." {
                        break;
                    }
                    add(&mut caps, line.to_ascii_uppercase())?;
                }
            }
        }
        Protocol::Smtp => {
            send(r, "EHLO profilegen.invalid", step)?;
            let mut n = 0;
            loop {
                n += 1;
                if n > MAX_LINES {
                    return Err(too_many("EHLO"));
                }
                let line = read_line(r, step)?;
                if !line.starts_with("250") {
                    return Err(tr(
                        format!("EHLO refused: {line:?}"),
                        format!("EHLO が拒否されました: {line:?}"),
                    ));
                }
                // The first line names the server; the others are keywords.
                if n > 1 {
                    add(
                        &mut caps,
                        line.get(4..).unwrap_or("").trim().to_ascii_uppercase(),
                    )?;
                }
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

fn start_tls(
    proto: Protocol,
    r: &mut BufReader<Box<dyn Conn>>,
    step: Duration,
) -> Result<(), String> {
    match proto {
        Protocol::Imap => {
            send(r, "a2 STARTTLS", step)?;
            for _ in 0..MAX_LINES {
                let line = read_line(r, step)?;
                if let Some(rest) = line.strip_prefix("a2 ") {
                    return if rest.starts_with("OK") {
                        Ok(())
                    } else {
                        Err(tr(
                            format!("STARTTLS refused: {line:?}"),
                            format!("STARTTLS が拒否されました: {line:?}"),
                        ))
                    };
                }
            }
            Err(too_many("STARTTLS"))
        }
        Protocol::Pop => {
            send(r, "STLS", step)?;
            let line = read_line(r, step)?;
            if line.starts_with("+OK") {
                Ok(())
            } else {
                Err(tr(
                    format!("STLS refused: {line:?}"),
                    format!("STLS が拒否されました: {line:?}"),
                ))
            }
        }
        Protocol::Smtp => {
            send(r, "STARTTLS", step)?;
            let line = read_line(r, step)?;
            if line.starts_with("220") {
                Ok(())
            } else {
                Err(tr(
                    format!("STARTTLS refused: {line:?}"),
                    format!("STARTTLS が拒否されました: {line:?}"),
                ))
            }
        }
    }
}

fn goodbye(proto: Protocol, r: &mut BufReader<Box<dyn Conn>>, step: Duration) {
    let _ = send(
        r,
        match proto {
            Protocol::Imap => "a9 LOGOUT",
            Protocol::Pop | Protocol::Smtp => "QUIT",
        },
        step,
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

/// True for a name that no resolver could take: white space, control characters, empty labels
/// or an over-long name. Anything else — `localhost`, single-label intranet names, IP
/// literals — goes to the resolver.
fn unusable_name(host: &str) -> Option<String> {
    let bare = host.strip_suffix('.').unwrap_or(host);
    let empty_label =
        bare.is_empty() || (!bare.contains(':') && bare.split('.').any(str::is_empty));
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some(tr(
            "it contains white space or control characters",
            "空白か制御文字が含まれています",
        ))
    } else if host.len() > 253 {
        Some(tr(
            "it is longer than 253 characters",
            "253文字を超えています",
        ))
    } else if empty_label {
        Some(tr(
            "it has an empty label (two dots in a row, or a leading dot)",
            "空のラベルがあります(点が2つ続くか、先頭が点)",
        ))
    } else {
        None
    }
}

/// Why a look-up failed: the name, or the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DnsFailure {
    /// The resolver answered that the name does not exist.
    NoSuchName,
    /// No resolver answered (EAI_AGAIN, a time-out): the network, not the name.
    NoAnswer,
}

/// Classifies the system resolver's error text (glibc's gai_strerror).
fn dns_failure(e: &std::io::Error) -> DnsFailure {
    let t = e.to_string().to_ascii_lowercase();
    if t.contains("temporary failure") || t.contains("try again") || t.contains("timed out") {
        DnsFailure::NoAnswer
    } else {
        DnsFailure::NoSuchName
    }
}

/// Looks `host` up: `--resolve` entries first, then the system resolver, from a helper thread
/// so that the time-out holds (the system resolver has none of its own).
fn resolve(
    target: &Target,
    settings: &Settings<'_>,
) -> Result<Vec<SocketAddr>, (DnsFailure, String)> {
    if let Ok(ip) = target.host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, target.port)]);
    }
    let wanted = target.host.trim_end_matches('.');
    let given: Vec<SocketAddr> = settings
        .resolve
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(wanted))
        .map(|(_, ip)| SocketAddr::new(*ip, target.port))
        .collect();
    if !given.is_empty() {
        return Ok(given);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let (host, port) = (target.host.clone(), target.port);
    std::thread::spawn(move || {
        let _ = tx.send(
            (host.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.collect::<Vec<SocketAddr>>()),
        );
    });
    match rx.recv_timeout(settings.timeout) {
        Ok(Ok(a)) if !a.is_empty() => Ok(a),
        Ok(Ok(_)) => Err((
            DnsFailure::NoSuchName,
            tr(
                format!("{} has no address", target.host),
                format!("{} にはアドレスがありません", target.host),
            ),
        )),
        Ok(Err(e)) => Err((
            dns_failure(&e),
            tr(
                format!("{} does not resolve: {e}", target.host),
                format!("{} を解決できません: {e}", target.host),
            ),
        )),
        Err(_) => Err((
            DnsFailure::NoAnswer,
            format!(
                "looking up {} timed out after {} s",
                target.host,
                settings.timeout.as_secs()
            ),
        )),
    }
}

/// Probes one server.
pub fn probe(target: &Target, settings: &Settings<'_>) -> ServerReport {
    let mut rep = ServerReport::new(target);
    let deadline = Instant::now() + settings.deadline;
    converse(target, settings, deadline, &mut rep);
    rep
}

fn converse(target: &Target, settings: &Settings<'_>, deadline: Instant, rep: &mut ServerReport) {
    let step = settings.timeout;
    // DNS
    if let Some(why) = unusable_name(&target.host) {
        rep.findings.push(finding(
            &rules::DNS,
            target,
            tr(
                format!("{:?} is not a host name: {why}", target.host),
                format!("{:?} はホスト名ではありません: {why}", target.host),
            ),
            Some(tr(
                "use the provider's exact host name",
                "プロバイダの正確なホスト名を使ってください",
            )),
        ));
        return;
    }
    let addrs = match resolve(target, settings) {
        Ok(a) => a,
        Err((kind, message)) => {
            let help = match kind {
                DnsFailure::NoSuchName => match crate::text::check_host(&target.host.to_ascii_lowercase()) {
                    Err(e) => format!("{e}; use the provider's exact host name"),
                    Ok(_) => tr("check the host name for typos (`profilegen lint` compares it with the provider's)", "ホスト名の打ち間違いを確認してください(`profilegen lint` がプロバイダのものと比べます)"),
                },
                DnsFailure::NoAnswer => tr("no DNS server answered: check this machine's network and DNS before changing the profile", "DNSサーバが応答しません。プロファイルを変える前に、このマシンのネットワークとDNSを確認してください"),
            };
            rep.dns_failure = Some(kind);
            rep.findings
                .push(finding(&rules::DNS, target, message, Some(help)));
            return;
        }
    };
    rep.addresses = addrs.iter().map(|a| a.ip().to_string()).collect();
    // TCP
    let mut stream = None;
    let mut last_err = String::new();
    for a in &addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            last_err = "the deadline passed".into();
            break;
        }
        match TcpStream::connect_timeout(a, step.min(left)) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_err = io_text(&e, step),
        }
    }
    let Some(tcp) = stream else {
        rep.findings.push(finding(&rules::CONNECT, target, tr(format!("cannot connect to port {}: {last_err}", target.port), format!("ポート {} に接続できません: {last_err}", target.port)), Some(tr("the port is closed or blocked on this network; try another network (mobile data), or check the port", "ポートが閉じているか、このネットワークで遮断されています。別のネットワーク(モバイルデータ通信)で試すか、ポートを確認してください"))));
        return;
    };
    rep.connected = true;
    let timed = |sock: TcpStream| Timed {
        sock,
        step,
        deadline,
    };
    let connector = match connector() {
        Ok(c) => c,
        Err(e) => {
            rep.findings.push(finding(
                &rules::TLS_FAILED,
                target,
                tr(
                    format!("cannot set up TLS: {e}"),
                    format!("TLSを準備できません: {e}"),
                ),
                None,
            ));
            return;
        }
    };

    if target.mode == TlsMode::Starttls {
        let plain = match tcp.try_clone() {
            Ok(c) => c,
            Err(e) => {
                rep.findings
                    .push(finding(&rules::CONNECT, target, e.to_string(), None));
                return;
            }
        };
        let mut r: BufReader<Box<dyn Conn>> = BufReader::new(Box::new(timed(plain)));
        match greeting(target.protocol, &mut r, step) {
            Ok(g) => rep.greeting = Some(g),
            Err(e) => {
                rep.findings.push(finding(
                    &rules::PROTOCOL,
                    target,
                    tr(
                        format!("no {} greeting: {e}", target.protocol.label()),
                        format!("{} の応答がありません: {e}", target.protocol.label()),
                    ),
                    None,
                ));
                return;
            }
        }
        let caps = match capabilities(target.protocol, &mut r, "a1", step) {
            Ok(c) => c,
            Err(e) => {
                rep.findings
                    .push(finding(&rules::PROTOCOL, target, e, None));
                return;
            }
        };
        rep.capabilities_before_tls = caps.clone();
        if !starttls_offered(target.protocol, &caps) {
            rep.findings.push(finding(
                &rules::NO_STARTTLS,
                target,
                tr(
                    format!("port {} does not offer STARTTLS", target.port),
                    format!("ポート {} は STARTTLS に対応していません", target.port),
                ),
                Some(
                    "use the provider's SSL port (993, 995, 465) or a server that offers STARTTLS"
                        .into(),
                ),
            ));
            goodbye(target.protocol, &mut r, step);
            return;
        }
        if plaintext_login_offered(target.protocol, &caps) {
            rep.findings.push(finding(&rules::PLAINTEXT_LOGIN, target, tr("the server accepts a password before TLS starts", "サーバがTLSの開始前にパスワードを受け付けます"), Some(tr("server side: disable plain-text authentication before STARTTLS (e.g. Dovecot disable_plaintext_auth = yes)", "サーバ側でSTARTTLS前の平文認証を無効にしてください(例: Dovecot の disable_plaintext_auth = yes)"))));
        }
        if let Err(e) = start_tls(target.protocol, &mut r, step) {
            rep.findings
                .push(finding(&rules::NO_STARTTLS, target, e, None));
            return;
        }
        if !r.buffer().is_empty() {
            rep.findings.push(finding(
                &rules::PROTOCOL,
                target,
                tr(
                    "the server sent data after STARTTLS before the handshake",
                    "サーバがSTARTTLSの後、ハンドシェイクの前にデータを送りました",
                ),
                None,
            ));
            return;
        }
    }

    // TLS
    let mut cfg = match connector.configure() {
        Ok(c) => c,
        Err(e) => {
            rep.findings
                .push(finding(&rules::TLS_FAILED, target, e.to_string(), None));
            return;
        }
    };
    cfg.set_verify_hostname(false);
    cfg.set_verify(SslVerifyMode::NONE);
    let tls = match cfg.connect(&target.host, timed(tcp)) {
        Ok(s) => s,
        Err(e) => {
            let reason = match &e {
                openssl::ssl::HandshakeError::Failure(m) => match m.error().io_error() {
                    Some(io) => io_text(io, step),
                    None => m
                        .error()
                        .ssl_error()
                        .map(crate::sign::first_reason)
                        .unwrap_or_else(|| m.error().to_string()),
                },
                openssl::ssl::HandshakeError::SetupFailure(s) => crate::sign::first_reason(s),
                openssl::ssl::HandshakeError::WouldBlock(_) => {
                    format!("timed out: no answer within {} s", step.as_secs())
                }
            };
            rep.findings.push(finding(&rules::TLS_FAILED, target, tr(format!("the TLS handshake failed: {reason}"), format!("TLSのハンドシェイクに失敗しました: {reason}")), Some(tr("the server offers no TLS 1.2+ the phone accepts, or is not speaking TLS on this port", "サーバがiPhoneの使うTLS 1.2以上に対応していないか、このポートでTLSを話していません"))));
            return;
        }
    };
    let ssl = tls.ssl();
    rep.tls_version = Some(ssl.version_str().to_string());
    rep.cipher = ssl.current_cipher().map(|c| c.name().to_string());
    if matches!(ssl.version_str(), "TLSv1" | "TLSv1.1" | "SSLv3") {
        rep.findings.push(finding(
            &rules::OLD_TLS,
            target,
            tr(
                format!("negotiated {}", ssl.version_str()),
                format!("{} で接続しました", ssl.version_str()),
            ),
            None,
        ));
    }
    if let Some(leaf) = ssl.peer_certificate() {
        let sent: Vec<openssl::x509::X509> = ssl
            .peer_cert_chain()
            .map(|c| c.iter().map(|x| x.to_owned()).collect())
            .unwrap_or_default();
        judge_certificate(target, settings, &leaf, &sent, rep);
    }

    // The protocol over TLS.
    let mut r: BufReader<Box<dyn Conn>> = BufReader::new(Box::new(tls));
    if target.mode == TlsMode::Implicit {
        match greeting(target.protocol, &mut r, step) {
            Ok(g) => rep.greeting = Some(g),
            Err(e) => {
                rep.findings.push(finding(
                    &rules::PROTOCOL,
                    target,
                    tr(
                        format!("no {} greeting over TLS: {e}", target.protocol.label()),
                        format!(
                            "TLS上で {} の応答がありません: {e}",
                            target.protocol.label()
                        ),
                    ),
                    None,
                ));
                return;
            }
        }
    }
    match capabilities(target.protocol, &mut r, "a3", step) {
        Ok(caps) => {
            rep.auth_mechanisms = auth_mechanisms(target.protocol, &caps);
            let no_login = match target.protocol {
                Protocol::Imap => caps.iter().any(|c| c == "LOGINDISABLED"),
                Protocol::Smtp => rep.auth_mechanisms.is_empty(),
                Protocol::Pop => false,
            };
            if no_login {
                rep.findings.push(finding(&rules::NO_AUTH, target, tr(format!("{} offers no password login over TLS", target.protocol.label()), format!("{} はTLS上でパスワードによるログインを提供していません", target.protocol.label())), Some(tr("the phone cannot log in; check the server's authentication settings or the port (SMTP submission is 465/587)", "iPhoneはログインできません。サーバの認証設定かポート(SMTPの送信用は465/587)を確認してください"))));
            }
            rep.capabilities = caps;
        }
        Err(e) => rep
            .findings
            .push(finding(&rules::PROTOCOL, target, e, None)),
    }
    goodbye(target.protocol, &mut r, step);
}

/// The certificate the server sent, judged as the phone judges it: the chain and name (against
/// subjectAltName only), the validity, and Apple's rules for TLS server certificates.
fn judge_certificate(
    target: &Target,
    settings: &Settings<'_>,
    leaf: &openssl::x509::X509,
    sent: &[openssl::x509::X509],
    rep: &mut ServerReport,
) {
    use crate::certs::{ChainProblem, IosRule};
    let v = crate::sign::validity(leaf);
    let verdict = verify_server_chain(settings.trust, leaf, sent, &target.host);
    let info = CertInfo {
        subject: crate::sign::subject(leaf),
        issuer: crate::sign::name_line(leaf.issuer_name()),
        not_before: v.not_before.clone(),
        not_after: v.not_after.clone(),
        days_left: v.days_left,
        time_left: crate::certs::time_left(v.secs_left),
        chain_length: sent.len(),
        verified: verdict.valid,
        verify_error: verdict.error.clone(),
        chain_problem: verdict.problem,
    };
    let ios = crate::certs::ios_server_rules(
        leaf,
        sent,
        verdict.valid && matches!(settings.trust, crate::container::Trust::System),
    );
    let cn_only = ios.iter().any(|i| i.rule == IosRule::NameOnlyInCn);
    if !verdict.valid {
        let e = verdict.error.clone().unwrap_or_default();
        let rule_help = match verdict.problem {
            Some(ChainProblem::Validity) if v.not_yet_valid => Some((&rules::CERT_EXPIRED, tr(format!("the certificate is valid only from {}; check the phone's and the server's clocks", v.not_before), format!("証明書は {} から有効です。iPhoneとサーバの時計を確認してください", v.not_before)))),
            Some(ChainProblem::Validity) => Some((&rules::CERT_EXPIRED, tr(format!("the server's certificate {} (on {}); the provider must renew it", crate::certs::time_left(v.secs_left), v.not_after), format!("サーバの証明書は{}です({})。プロバイダが更新する必要があります", crate::certs::time_left(v.secs_left), v.not_after)))),
            // A name only in the CN has its own finding below.
            Some(ChainProblem::Name) if cn_only => None,
            Some(ChainProblem::Name) => Some((&rules::CERT_NAME, tr(format!("the certificate is for {}, not {}; use the host name the certificate names", san_or_subject(leaf), target.host), format!("証明書は {} のもので、{} のものではありません。証明書に書かれたホスト名を使ってください", san_or_subject(leaf), target.host)))),
            Some(ChainProblem::MissingIntermediate) => Some((&rules::MISSING_INTERMEDIATE, verdict.fix(false))),
            _ => Some((&rules::CERT_UNTRUSTED, verdict.fix(false))),
        };
        if let Some((rule, help)) = rule_help {
            rep.findings.push(finding(
                rule,
                target,
                tr(
                    format!("certificate not accepted: {e}"),
                    format!("証明書が受け入れられません: {e}"),
                ),
                Some(help),
            ));
        }
    }
    for i in ios {
        let rule = match i.rule {
            IosRule::NameOnlyInCn => &rules::CERT_CN_ONLY,
            IosRule::NoServerAuth => &rules::CERT_NO_SERVER_AUTH,
            IosRule::TooLong => &rules::CERT_TOO_LONG,
            IosRule::WeakKey => &rules::CERT_WEAK_KEY,
            IosRule::WeakSignature => &rules::CERT_WEAK_SIGNATURE,
        };
        rep.findings
            .push(finding(rule, target, i.message, Some(rule.fix.to_string())));
    }
    if verdict.valid
        && !rep.findings.iter().any(|f| f.severity == Severity::Error)
        && v.days_left < 14
    {
        rep.findings.push(finding(
            &rules::CERT_EXPIRES_SOON,
            target,
            format!(
                "the certificate expires soon: {} ({})",
                crate::certs::time_left(v.secs_left),
                v.not_after
            ),
            None,
        ));
    }
    rep.certificate = Some(info);
}

/// The names a certificate is for: its subjectAltName entries, or its subject when it has none.
fn san_or_subject(cert: &openssl::x509::X509Ref) -> String {
    let names: Vec<String> = cert
        .subject_alt_names()
        .map(|s| {
            s.iter()
                .filter_map(|n| {
                    n.dnsname().map(str::to_string).or_else(|| {
                        n.ipaddress().and_then(|b| match b.len() {
                            4 => Some(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()),
                            16 => <[u8; 16]>::try_from(b)
                                .ok()
                                .map(|a| std::net::Ipv6Addr::from(a).to_string()),
                            _ => None,
                        })
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        crate::sign::subject(cert)
    } else {
        names.join(", ")
    }
}

/// Verifies the presented chain against the trust store and the host name, matching the name
/// against subjectAltName only, as iOS does.
fn verify_server_chain(
    trust: &crate::container::Trust,
    leaf: &openssl::x509::X509Ref,
    sent: &[openssl::x509::X509],
    host: &str,
) -> crate::certs::ChainVerdict {
    use openssl::x509::verify::{X509CheckFlags, X509VerifyParam};
    let host = host.trim_end_matches('.');
    let store = X509VerifyParam::new().and_then(|mut param| {
        param.set_hostflags(X509CheckFlags::NEVER_CHECK_SUBJECT);
        match host.parse::<std::net::IpAddr>() {
            Ok(ip) => param.set_ip(ip)?,
            Err(_) => param.set_host(host)?,
        }
        trust.store_with(Some(&param))
    });
    match store {
        Ok(store) => {
            let untrusted: Vec<openssl::x509::X509> = sent.iter().skip(1).cloned().collect();
            crate::certs::verify_chain(&store, leaf, &untrusted)
        }
        Err(e) => crate::certs::ChainVerdict {
            valid: false,
            error: Some(e.to_string()),
            problem: Some(crate::certs::ChainProblem::Other),
            missing: None,
            code: -1,
        },
    }
}

/// How many servers are probed at once.
pub const WORKERS: usize = 16;
/// At most this many servers in one run.
pub const MAX_TARGETS: usize = 512;

/// Probes every target with a bounded pool of workers; reports come back in the targets' order.
pub fn probe_all(targets: &[Target], settings: &Settings<'_>) -> Vec<ServerReport> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let lang = crate::i18n::lang();
    let slots: Vec<std::sync::Mutex<Option<ServerReport>>> = targets
        .iter()
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    std::thread::scope(|s| {
        for _ in 0..WORKERS.min(targets.len()) {
            s.spawn(|| loop {
                crate::i18n::set_lang(lang);
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(t) = targets.get(i) else { break };
                let r = probe(t, settings);
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
            });
        }
    });
    slots
        .into_iter()
        .zip(targets)
        .map(|(m, t)| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| probe(t, settings))
        })
        .collect()
}

/// True when every server was named by a host name and none of the names resolved because no
/// resolver answered (or nothing resolved at all, over several names): the machine looks
/// offline, and the host names are not to blame.
pub fn looks_offline(reports: &[ServerReport]) -> bool {
    let failed: Vec<&ServerReport> = reports.iter().filter(|r| r.dns_failure.is_some()).collect();
    let names: std::collections::HashSet<&str> =
        failed.iter().map(|r| r.target.host.as_str()).collect();
    !reports.is_empty()
        && failed.len() == reports.len()
        && (failed
            .iter()
            .all(|r| r.dns_failure == Some(DnsFailure::NoAnswer))
            || names.len() >= 2)
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

    fn failed(host: &str, why: Option<DnsFailure>) -> ServerReport {
        let mut r =
            ServerReport::new(&Target::parse(Protocol::Imap, &format!("{host}:993")).unwrap());
        r.dns_failure = why;
        r
    }

    #[test]
    fn offline_is_told_apart_from_a_bad_name() {
        use DnsFailure::*;
        // One name that does not exist: the name's fault.
        assert!(!looks_offline(&[failed(
            "imap.sofbank.jp",
            Some(NoSuchName)
        )]));
        // No resolver answered: the network's.
        assert!(looks_offline(&[failed("imap.softbank.jp", Some(NoAnswer))]));
        // Several names, none resolved: the network's.
        assert!(looks_offline(&[
            failed("imap.softbank.jp", Some(NoSuchName)),
            failed("smtp.softbank.jp", Some(NoSuchName)),
        ]));
        // One resolved: not offline.
        assert!(!looks_offline(&[
            failed("imap.softbank.jp", Some(NoAnswer)),
            failed("smtp.softbank.jp", None),
        ]));
        let e = std::io::Error::other(
            "failed to lookup address information: Temporary failure in name resolution",
        );
        assert_eq!(dns_failure(&e), NoAnswer);
        let e = std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        );
        assert_eq!(dns_failure(&e), NoSuchName);
        assert!(unusable_name("localhost").is_none());
        assert!(unusable_name("mailhost").is_none());
        assert!(unusable_name("imap.example.jp.").is_none());
        assert!(unusable_name("::1").is_none());
        assert!(unusable_name("imap..example.jp").is_some());
        assert!(unusable_name("imap.example.jp ").is_some());
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

//! Settings discovery for any domain (`profilegen discover`, `new --discover`, `bulk --discover`).
//!
//! Sources, in this order; the first that gives usable settings wins:
//!
//! 1. **presets** (built-in and `--carriers`): the domain's own preset. No network.
//! 2. **autoconfig** over HTTPS: `https://autoconfig.<domain>/mail/config-v1.1.xml` and
//!    `https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml` — the domain's own word: high.
//! 3. **ISPDB** (Thunderbird's database, or a local copy with `--ispdb DIR|URL`): curated, but some
//!    entries are years old: medium.
//! 4. **MX**: a mail exchanger at Google or Microsoft names the provider (the Google or Exchange
//!    account kind); otherwise the ISPDB entry of the exchanger's domain: low.
//! 5. **SRV** (RFC 6186 / RFC 8314): `_imaps._tcp`, `_pop3s._tcp`, `_submissions._tcp`,
//!    `_imap._tcp`, `_submission._tcp`: the domain's DNS: medium.
//! 6. **autoconfig over plain HTTP**: anyone on the path can forge it: low, and only when nothing
//!    above answered.
//!
//! Settings that offer only plain text are never used for a profile. Unless `--no-verify`, the
//! chosen servers are probed (TLS by iOS's rules) and a candidate whose servers fail is passed
//! over for the next. Every lookup has a timeout, the whole run a deadline; without `--offline`
//! nothing here touches the network unless discovery was asked for.

use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::preset::{Confidence, Registry, UsernameRule};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The two autoconfig URLs a domain may publish (`{domain}` and `{email}` are filled in).
pub const AUTOCONFIG_URLS: &[&str] = &[
    "https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={email}",
    "https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml",
];

/// Thunderbird's ISPDB.
pub const ISPDB: &str = "https://autoconfig.thunderbird.net/v1.1/";

/// Where and how to look.
#[derive(Debug, Clone)]
pub struct Settings {
    /// DNS server (`--resolver IP:PORT`); the system's otherwise.
    pub resolver: Option<SocketAddr>,
    /// ISPDB base URL, or a directory of `<domain>` / `<domain>.xml` files.
    pub ispdb: String,
    /// Autoconfig URL templates, tried in order (`{domain}`, `{email}`).
    pub autoconfig: Vec<String>,
    /// Extra trust anchors (PEM) for the HTTPS lookups and the verification.
    pub ca: Option<std::path::PathBuf>,
    /// Each lookup.
    pub timeout: Duration,
    /// The whole discovery.
    pub deadline: Duration,
    /// Presets and a local ISPDB only.
    pub offline: bool,
    /// Probe the chosen servers before using them.
    pub verify: bool,
    /// For a server that strangers use (`serve --discover`): no IP-literal or single-label
    /// domains, no redirects, and no connection to a loopback, private or link-local address.
    pub public_only: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            resolver: None,
            ispdb: ISPDB.into(),
            autoconfig: AUTOCONFIG_URLS.iter().map(|s| s.to_string()).collect(),
            ca: None,
            timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(30),
            offline: false,
            verify: true,
            public_only: false,
        }
    }
}

/// How a server encrypts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    Ssl,
    Starttls,
    Plain,
}

/// One server a source names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: UsernameRule,
}

/// What a source says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    /// A preset's id, when the source is a preset (or names the provider through MX).
    pub preset: Option<String>,
    /// `exchange` or `google`, when MX names a provider of that kind.
    pub account: Option<String>,
    pub imap: Option<Server>,
    pub pop: Option<Server>,
    pub smtp: Option<Server>,
    pub confidence: Confidence,
}

/// One source's answer.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// `preset`, `autoconfig`, `ispdb`, `mx`, `srv`, `autoconfig-http`.
    pub source: String,
    /// The URL or DNS name asked.
    pub asked: String,
    pub found: Option<Found>,
    /// Why nothing usable came from it (not found, timed out, plain text only, …).
    pub said: Option<String>,
}

/// The outcome of a discovery.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub address: String,
    pub domain: String,
    pub attempts: Vec<Attempt>,
    /// Index into `attempts` of the settings chosen.
    pub chosen: Option<usize>,
    /// Why those, or why none.
    pub why: String,
}

impl Report {
    pub fn chosen(&self) -> Option<(&Attempt, &Found)> {
        let a = &self.attempts[self.chosen?];
        Some((a, a.found.as_ref()?))
    }
}

/// The domain a request needs discovered: one that names no provider, no servers and no account
/// kind, at a domain no preset owns. `None` otherwise, and for an address that does not parse (the
/// renderer reports that).
pub fn wanted(req: &crate::render::Request, registry: &Registry) -> Option<String> {
    let s = &req.servers;
    if s.imap_host.is_some()
        || s.pop_host.is_some()
        || s.smtp_host.is_some()
        || req.carrier.is_some()
    {
        return None;
    }
    if matches!(
        req.account,
        Some(crate::render::AccountKind::Exchange | crate::render::AccountKind::Google)
    ) {
        return None;
    }
    let addr = crate::text::Address::parse(&req.email).ok()?;
    let domain = addr.domain.to_ascii_lowercase();
    registry.for_domain(&domain).is_none().then_some(domain)
}

/// Puts discovered settings into a request: its servers, or its account kind.
pub fn apply(req: &mut crate::render::Request, found: &Found) {
    use crate::render::{AccountKind, Protocol};
    match found.account.as_deref() {
        Some("google") => req.account = Some(AccountKind::Google),
        Some("exchange") => req.account = Some(AccountKind::Exchange),
        _ => {}
    }
    if found.account.is_some() {
        return;
    }
    let incoming = found.imap.as_ref().or(found.pop.as_ref());
    if let Some(s) = &found.imap {
        req.servers.imap_host = Some(s.host.clone());
        req.servers.imap_port = Some(s.port);
    } else if let Some(s) = &found.pop {
        req.servers.pop_host = Some(s.host.clone());
        req.servers.pop_port = Some(s.port);
        req.protocol = Some(Protocol::Pop);
    }
    if let Some(s) = &found.smtp {
        req.servers.smtp_host = Some(s.host.clone());
        req.servers.smtp_port = Some(s.port);
    }
    if req.username.is_none() && incoming.is_some_and(|s| s.username == UsernameRule::LocalPart) {
        if let Ok(addr) = crate::text::Address::parse(&req.email) {
            req.username = Some(addr.local.clone());
        }
    }
}

/// What one domain's discovery gave, as a run of many addresses keeps it.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Settings from `source`, asked at `asked`.
    Found {
        source: String,
        asked: String,
        found: Found,
    },
    /// Nothing usable; why.
    Nothing(String),
}

/// Discovery for a run of many addresses (`bulk --discover`, `serve --discover`): one lookup
/// per domain, kept for the run (or for `ttl`), at most `capacity` domains, safe to share between
/// threads.
pub struct Cache {
    settings: Settings,
    ttl: Option<Duration>,
    capacity: usize,
    map: std::sync::Mutex<std::collections::BTreeMap<String, (Instant, Outcome)>>,
}

type Entries = std::collections::BTreeMap<String, (Instant, Outcome)>;

impl Cache {
    /// A cache for one run: nothing expires.
    pub fn new(settings: Settings) -> Cache {
        Cache {
            settings,
            ttl: None,
            capacity: usize::MAX,
            map: Default::default(),
        }
    }

    /// A cache for a long-running server: entries expire after `ttl`; when `capacity` domains are
    /// held, the expired ones go, and then the oldest.
    pub fn bounded(settings: Settings, ttl: Duration, capacity: usize) -> Cache {
        Cache {
            settings,
            ttl: Some(ttl),
            capacity: capacity.max(1),
            map: Default::default(),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(&self, at: Instant) -> bool {
        self.ttl.is_none_or(|t| at.elapsed() < t)
    }

    /// Looks up the domains not yet known (each with one of its addresses, for the autoconfig
    /// URL), several at a time.
    pub fn prepare(&self, wanted: Vec<(String, String)>, registry: &Registry) {
        use rayon::prelude::*;
        let todo: Vec<(String, String)> = {
            let known = self.map();
            let mut seen = std::collections::BTreeSet::new();
            wanted
                .into_iter()
                .filter(|(d, _)| {
                    !known.get(d).is_some_and(|(at, _)| self.fresh(*at)) && seen.insert(d.clone())
                })
                .collect()
        };
        if todo.is_empty() {
            return;
        }
        let lang = crate::i18n::lang();
        let found: Vec<(String, Outcome)> = todo
            .into_par_iter()
            .map(|(domain, email)| {
                crate::i18n::set_lang(lang);
                let outcome = match discover(&email, registry, &self.settings) {
                    Ok(r) => match r.chosen() {
                        Some((a, f)) => Outcome::Found {
                            source: a.source.clone(),
                            asked: a.asked.clone(),
                            found: f.clone(),
                        },
                        None => Outcome::Nothing(r.why.clone()),
                    },
                    Err(e) => Outcome::Nothing(e.to_string()),
                };
                (domain, outcome)
            })
            .collect();
        let mut map = self.map();
        let now = Instant::now();
        for (domain, outcome) in found {
            if map.len() >= self.capacity && !map.contains_key(&domain) {
                map.retain(|_, (at, _)| self.fresh(*at));
                while map.len() >= self.capacity {
                    let oldest = map
                        .iter()
                        .min_by_key(|(_, (at, _))| *at)
                        .map(|(d, _)| d.clone());
                    match oldest {
                        Some(d) => map.remove(&d),
                        None => break,
                    };
                }
            }
            map.insert(domain, (now, outcome));
        }
    }

    /// The outcome for a domain `prepare` has seen (and that has not expired).
    pub fn get(&self, domain: &str) -> Option<Outcome> {
        self.map()
            .get(domain)
            .filter(|(at, _)| self.fresh(*at))
            .map(|(_, o)| o.clone())
    }

    /// Puts the looked-up settings of `domain` into `req`, or says why there are none.
    pub fn apply_to(
        &self,
        req: &mut crate::render::Request,
        domain: &str,
    ) -> std::result::Result<(), String> {
        match self.get(domain) {
            Some(Outcome::Found { found, .. }) => {
                apply(req, &found);
                Ok(())
            }
            Some(Outcome::Nothing(why)) => Err(tr(
                format!("no settings found for {domain}: {why}"),
                format!("{domain} の設定は見つかりませんでした: {why}"),
            )),
            None => Err(tr(
                format!("{domain} could not be looked up; try again"),
                format!("{domain} を検索できませんでした。もう一度試してください"),
            )),
        }
    }

    /// Every domain looked up, in order, with its outcome.
    pub fn summary(&self) -> Vec<(String, Outcome)> {
        self.map()
            .iter()
            .map(|(d, (_, o))| (d.clone(), o.clone()))
            .collect()
    }
}

/// Refuses what is not a domain on the internet: an IP literal or a single label.
pub fn internet_domain(domain: &str) -> Result<()> {
    if domain.parse::<std::net::IpAddr>().is_ok() || !domain.trim_end_matches('.').contains('.') {
        return Err(Error::input(
            "address",
            tr(
                format!("{domain} is not a domain on the internet"),
                format!("{domain} はインターネット上のドメインではありません"),
            ),
        ));
    }
    Ok(())
}

/// Discovers the settings for `address`.
pub fn discover(address: &str, registry: &Registry, s: &Settings) -> Result<Report> {
    let addr = crate::text::Address::parse(address).map_err(|e| Error::input("address", e))?;
    let email = addr.full();
    let domain = addr.domain.to_ascii_lowercase();
    if s.public_only {
        internet_domain(&domain)?;
    }
    let started = Instant::now();
    let mut attempts: Vec<Attempt> = Vec::new();
    let done = |attempts: Vec<Attempt>, chosen: Option<usize>, why: String| Report {
        address: email.clone(),
        domain: domain.clone(),
        attempts,
        chosen,
        why,
    };

    // 1. Presets.
    if let Some(p) = registry.for_domain(&domain) {
        // A preset that refuses the domain (an MMS address, say) ends the search: no lookup
        // elsewhere may override a reviewed refusal.
        if let Some(u) = &p.unsupported {
            let reason = match &u.instead {
                Some(i) => tr(format!("{} ({i})", u.en), format!("{}({i})", u.ja)),
                None => tr(u.en.clone(), u.ja.clone()),
            };
            attempts.push(Attempt {
                source: "preset".into(),
                asked: p.id.clone(),
                found: None,
                said: Some(reason.clone()),
            });
            return Ok(done(attempts, None, reason));
        }
        let found = from_preset(p);
        attempts.push(Attempt {
            source: "preset".into(),
            asked: p.id.clone(),
            found: Some(found),
            said: None,
        });
        return Ok(done(
            attempts,
            Some(0),
            tr(
                format!(
                    "the {} preset owns {domain}: its settings are reviewed and need no lookup",
                    p.id
                ),
                format!(
                    "{domain} は {} のプリセットのドメインです。確認済みの設定なので検索は不要です",
                    p.id
                ),
            ),
        ));
    }
    attempts.push(Attempt {
        source: "preset".into(),
        asked: domain.clone(),
        found: None,
        said: Some(tr(
            "no preset owns the domain",
            "このドメインのプリセットはありません",
        )),
    });
    let net = Net::new(s, started + s.deadline)?;
    let mut candidates: Vec<usize> = Vec::new();
    let mut push = |attempts: &mut Vec<Attempt>, a: Attempt| {
        if a.found.as_ref().is_some_and(usable) {
            candidates.push(attempts.len());
        }
        attempts.push(a);
    };

    // 2. Autoconfig over HTTPS, 3. ISPDB.
    if !s.offline {
        for t in &s.autoconfig {
            let url = t
                .replace("{domain}", &domain)
                .replace("{email}", &percent(&email));
            let a = net.autoconfig("autoconfig", &url, &domain, Confidence::High);
            push(&mut attempts, a);
        }
    }
    let ispdb_url = ispdb_location(&s.ispdb, &domain);
    if !s.offline || !is_url(&s.ispdb) {
        let a = net.autoconfig("ispdb", &ispdb_url, &domain, Confidence::Medium);
        push(&mut attempts, a);
    }
    // 4. MX, 5. SRV.
    if !s.offline {
        let (a, ispdb_of_mx) = net.mx(&domain, registry);
        push(&mut attempts, a);
        if let Some(mx_domain) = ispdb_of_mx {
            let url = ispdb_location(&s.ispdb, &mx_domain);
            let mut a = net.autoconfig("ispdb", &url, &domain, Confidence::Low);
            a.source = "mx-ispdb".into();
            push(&mut attempts, a);
        }
        let a = net.srv(&domain);
        push(&mut attempts, a);
        // 6. Plain HTTP autoconfig, last.
        let url = format!(
            "http://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={}",
            percent(&email)
        );
        let a = net.autoconfig("autoconfig-http", &url, &domain, Confidence::Low);
        push(&mut attempts, a);
    }
    // Plain text only: said where it was found.
    for a in attempts.iter_mut() {
        if let Some(f) = &a.found {
            if !usable(f) && a.said.is_none() {
                a.said = Some(tr(
                    "offers no TLS for a server: a profile never sends the password in clear text",
                    "TLS のないサーバがあります。プロファイルでパスワードを平文で送ることはしません",
                ));
            }
        }
    }
    // The first usable candidate whose servers pass the probe.
    for i in candidates {
        let found = attempts[i].found.clone().expect("a candidate");
        if found.account.is_some() || !s.verify {
            let why = if s.verify {
                tr(
                    format!("first usable answer, from {}", attempts[i].source),
                    format!("{} の最初の使える答えです", attempts[i].source),
                )
            } else {
                tr(
                    format!(
                        "first usable answer, from {} (not verified: --no-verify)",
                        attempts[i].source
                    ),
                    format!(
                        "{} の最初の使える答えです(--no-verify のため未検証)",
                        attempts[i].source
                    ),
                )
            };
            return Ok(done(attempts, Some(i), why));
        }
        match net.verify(&found, s) {
            Ok(()) => {
                let why = tr(
                    format!(
                        "first usable answer, from {}; its servers passed the TLS checks",
                        attempts[i].source
                    ),
                    format!(
                        "{} の最初の使える答えで、サーバは TLS の検査に合格しました",
                        attempts[i].source
                    ),
                );
                return Ok(done(attempts, Some(i), why));
            }
            Err(problem) => {
                attempts[i].said = Some(problem);
            }
        }
    }
    let why = if started.elapsed() >= s.deadline {
        tr(
            format!(
                "nothing usable within the deadline of {} s",
                s.deadline.as_secs()
            ),
            format!(
                "期限の {} 秒以内に使える設定が見つかりませんでした",
                s.deadline.as_secs()
            ),
        )
    } else {
        tr(
            "no source gave settings with TLS that pass the checks; give the servers with --imap-host and --smtp-host",
            "TLS があり検査に合格する設定はどこからも得られませんでした。--imap-host と --smtp-host でサーバを指定してください",
        )
    };
    Ok(done(attempts, None, why))
}

/// A candidate is usable when it has an incoming and an outgoing server, all with TLS (or an
/// account kind that needs no servers).
fn usable(f: &Found) -> bool {
    if f.account.is_some() {
        return true;
    }
    let tls = |s: &Option<Server>| s.as_ref().is_some_and(|s| s.security != Security::Plain);
    (tls(&f.imap) || tls(&f.pop)) && tls(&f.smtp)
}

fn from_preset(p: &crate::preset::Preset) -> Found {
    let conv = |s: &Option<crate::preset::Server>| {
        s.as_ref().map(|s| Server {
            host: s.host.clone(),
            port: s.port,
            security: match s.tls {
                crate::preset::Tls::Ssl => Security::Ssl,
                crate::preset::Tls::Starttls => Security::Starttls,
            },
            username: s.username,
        })
    };
    Found {
        preset: Some(p.id.clone()),
        // A provider with only an Exchange account (Outlook.com, Microsoft 365).
        account: (p.imap.is_none() && p.pop.is_none() && p.exchange.is_some())
            .then(|| "exchange".to_string()),
        imap: conv(&p.imap),
        pop: conv(&p.pop),
        smtp: conv(&p.smtp),
        confidence: p.confidence,
    }
}

fn is_url(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

fn ispdb_location(base: &str, domain: &str) -> String {
    if is_url(base) {
        format!("{}/{domain}", base.trim_end_matches('/'))
    } else {
        let dir = std::path::Path::new(base);
        let plain = dir.join(domain);
        if plain.exists() {
            plain.display().to_string()
        } else {
            dir.join(format!("{domain}.xml")).display().to_string()
        }
    }
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---- autoconfig documents (draft-ietf-mailmaint-autoconfig / Thunderbird's format) ----

#[derive(Debug, Deserialize)]
struct ClientConfig {
    #[serde(rename = "emailProvider")]
    provider: Option<EmailProvider>,
}

#[derive(Debug, Deserialize)]
struct EmailProvider {
    #[serde(rename = "incomingServer", default)]
    incoming: Vec<XmlServer>,
    #[serde(rename = "outgoingServer", default)]
    outgoing: Vec<XmlServer>,
}

#[derive(Debug, Deserialize)]
struct XmlServer {
    #[serde(rename = "@type")]
    ty: String,
    hostname: Option<String>,
    port: Option<u16>,
    #[serde(rename = "socketType")]
    socket_type: Option<String>,
    #[serde(default)]
    authentication: Vec<String>,
    username: Option<String>,
}

/// The settings an autoconfig document gives for `domain`.
pub fn parse_autoconfig(
    xml: &str,
    domain: &str,
    confidence: Confidence,
) -> std::result::Result<Found, String> {
    let cfg: ClientConfig = quick_xml::de::from_str(xml).map_err(|e| {
        tr(
            format!("not an autoconfig document: {e}"),
            format!("autoconfig の文書ではありません: {e}"),
        )
    })?;
    let p = cfg
        .provider
        .ok_or_else(|| tr("no emailProvider element", "emailProvider 要素がありません"))?;
    let conv = |x: &XmlServer| -> Option<Server> {
        let host = x
            .hostname
            .as_deref()?
            .trim()
            .replace("%EMAILDOMAIN%", domain)
            .to_ascii_lowercase();
        crate::text::check_host(&host).ok()?;
        // Password sign-in only: an OAuth2-only server cannot be used by a mail profile.
        let password = x.authentication.is_empty()
            || x.authentication
                .iter()
                .any(|a| a.trim().starts_with("password"));
        if !password {
            return None;
        }
        let security = match x.socket_type.as_deref().map(str::trim) {
            Some("SSL") | Some("TLS") => Security::Ssl,
            Some("STARTTLS") => Security::Starttls,
            _ => Security::Plain,
        };
        let username = match x.username.as_deref().map(str::trim) {
            Some("%EMAILADDRESS%") => UsernameRule::Email,
            Some("%EMAILLOCALPART%") => UsernameRule::LocalPart,
            _ => UsernameRule::Ask,
        };
        let port = x.port.filter(|p| *p > 0)?;
        Some(Server {
            host,
            port,
            security,
            username,
        })
    };
    // The first server of each type that has TLS, else the first at all (reported as plain).
    let pick = |servers: &[XmlServer], ty: &str| -> Option<Server> {
        let all: Vec<Server> = servers
            .iter()
            .filter(|x| x.ty == ty)
            .filter_map(conv)
            .collect();
        all.iter()
            .find(|s| s.security == Security::Ssl)
            .or_else(|| all.iter().find(|s| s.security == Security::Starttls))
            .or(all.first())
            .cloned()
    };
    let found = Found {
        preset: None,
        account: None,
        imap: pick(&p.incoming, "imap"),
        pop: pick(&p.incoming, "pop3"),
        smtp: pick(&p.outgoing, "smtp"),
        confidence,
    };
    if found.imap.is_none() && found.pop.is_none() {
        return Err(tr(
            "no incoming server that takes a password",
            "パスワードで使える受信サーバがありません",
        ));
    }
    Ok(found)
}

// ---- the network: HTTP(S) and DNS, with timeouts and a deadline ----

struct Net {
    agent: ureq::Agent,
    runtime: tokio::runtime::Runtime,
    resolver: hickory_resolver::TokioResolver,
    timeout: Duration,
    until: Instant,
}

impl Net {
    fn new(s: &Settings, until: Instant) -> Result<Net> {
        use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
        use hickory_resolver::name_server::TokioConnectionProvider;
        // One worker drives DNS I/O in the background, so that the HTTP agent's resolver (called
        // outside the runtime) can wait on a lookup too.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| Error::Other(e.to_string()))?;
        let mut opts = ResolverOpts::default();
        opts.timeout = s.timeout;
        opts.attempts = 1;
        let resolver = match s.resolver {
            Some(addr) => {
                let mut config = ResolverConfig::new();
                config.add_name_server(NameServerConfig::new(
                    addr,
                    hickory_resolver::proto::xfer::Protocol::Udp,
                ));
                hickory_resolver::Resolver::builder_with_config(
                    config,
                    TokioConnectionProvider::default(),
                )
                .with_options(opts)
                .build()
            }
            None => {
                let _guard = runtime.enter();
                hickory_resolver::Resolver::builder_tokio()
                    .map_err(|e| Error::Other(format!("DNS: {e}")))?
                    .with_options(opts)
                    .build()
            }
        };
        let mut tls = native_tls::TlsConnector::builder();
        if let Some(ca) = &s.ca {
            let pem = std::fs::read(ca).map_err(|e| Error::io(ca, e))?;
            let cert = native_tls::Certificate::from_pem(&pem).map_err(|e| {
                Error::input(
                    "--discover-ca",
                    tr(
                        format!("not a PEM certificate: {e}"),
                        format!("PEM の証明書ではありません: {e}"),
                    ),
                )
            })?;
            tls.add_root_certificate(cert);
        }
        let tls = tls.build().map_err(|e| Error::Other(e.to_string()))?;
        let mut builder = ureq::AgentBuilder::new()
            .timeout(s.timeout)
            .redirects(if s.public_only { 0 } else { 2 })
            .tls_connector(std::sync::Arc::new(tls));
        if s.resolver.is_some() || s.public_only {
            let public_only = s.public_only;
            // Host names of the lookup URLs go to the same DNS server.
            let r = resolver.clone();
            let handle = runtime.handle().clone();
            let timeout = s.timeout;
            builder = builder.resolver(move |netloc: &str| -> std::io::Result<Vec<SocketAddr>> {
                let (host, port) = netloc
                    .rsplit_once(':')
                    .and_then(|(h, p)| Some((h.trim_matches(['[', ']']), p.parse::<u16>().ok()?)))
                    .ok_or_else(|| {
                        std::io::Error::other(tr("bad address", "アドレスが不正です"))
                    })?;
                let ips: Vec<std::net::IpAddr> = match host.parse::<std::net::IpAddr>() {
                    Ok(ip) => vec![ip],
                    Err(_) => handle
                        .block_on(async { tokio::time::timeout(timeout, r.lookup_ip(host)).await })
                        .map_err(|_| {
                            std::io::Error::new(
                                std::io::ErrorKind::TimedOut,
                                tr(
                                    "DNS lookup timed out",
                                    "DNS の問い合わせがタイムアウトしました",
                                ),
                            )
                        })?
                        .map_err(std::io::Error::other)?
                        .iter()
                        .collect(),
                };
                let ips: Vec<SocketAddr> = ips
                    .into_iter()
                    .filter(|ip| !public_only || is_public(*ip))
                    .map(|ip| SocketAddr::new(ip, port))
                    .collect();
                if ips.is_empty() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::PermissionDenied,
                        tr(
                            format!("{host} resolves only to private addresses"),
                            format!("{host} はプライベートなアドレスにしか解決されません"),
                        ),
                    ));
                }
                Ok(ips)
            });
        }
        Ok(Net {
            agent: builder.build(),
            runtime,
            resolver,
            timeout: s.timeout,
            until,
        })
    }

    fn attempt(source: &str, asked: &str, r: std::result::Result<Found, String>) -> Attempt {
        match r {
            Ok(f) => Attempt {
                source: source.into(),
                asked: asked.into(),
                found: Some(f),
                said: None,
            },
            Err(e) => Attempt {
                source: source.into(),
                asked: asked.into(),
                found: None,
                said: Some(e),
            },
        }
    }

    /// An autoconfig document from a URL or a file.
    fn autoconfig(
        &self,
        source: &str,
        location: &str,
        domain: &str,
        confidence: Confidence,
    ) -> Attempt {
        let r = if self.left().is_zero() {
            Err(tr("skipped: the deadline passed", "期限を過ぎたため省略"))
        } else if is_url(location) {
            self.fetch(location)
        } else {
            match std::fs::read(location) {
                Ok(b) if b.len() <= MAX_DOC => Ok(String::from_utf8_lossy(&b).into_owned()),
                Ok(_) => Err(tr("larger than 1 MiB", "1 MiB を超えています")),
                Err(e) => Err(crate::error::io_words(&e)),
            }
        };
        let r = r.and_then(|xml| parse_autoconfig(&xml, domain, confidence));
        Net::attempt(source, location, r)
    }

    fn fetch(&self, url: &str) -> std::result::Result<String, String> {
        use std::io::Read;
        let resp = self
            .agent
            .get(url)
            .timeout(self.left().min(self.timeout))
            .call()
            .map_err(|e| match e {
                ureq::Error::Status(code, _) => tr(format!("HTTP {code}"), format!("HTTP {code}")),
                ureq::Error::Transport(t) => {
                    let detail = t.to_string();
                    if detail.contains("timed out") || detail.contains("WouldBlock") {
                        tr("timed out", "タイムアウトしました")
                    } else {
                        tr(
                            format!("cannot fetch: {detail}"),
                            format!("取得できません: {detail}"),
                        )
                    }
                }
            })?;
        let mut body = Vec::new();
        resp.into_reader()
            .take(MAX_DOC as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| tr(format!("cannot read: {e}"), format!("読めません: {e}")))?;
        if body.len() > MAX_DOC {
            return Err(tr("larger than 1 MiB", "1 MiB を超えています"));
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// Time left before the deadline.
    fn left(&self) -> Duration {
        self.until.saturating_duration_since(Instant::now())
    }

    /// A DNS lookup, bounded by the per-lookup timeout and the deadline; `None` when out of time.
    fn lookup<T>(&self, f: impl std::future::Future<Output = T>) -> Option<T> {
        let left = self.left().min(self.timeout);
        if left.is_zero() {
            return None;
        }
        self.runtime
            .block_on(async { tokio::time::timeout(left, f).await.ok() })
    }

    /// MX: a known provider's exchanger names the account kind; another's domain goes to ISPDB.
    fn mx(&self, domain: &str, registry: &Registry) -> (Attempt, Option<String>) {
        let asked = domain.to_string();
        let Some(r) = self.lookup(self.resolver.mx_lookup(format!("{domain}."))) else {
            return (
                Net::attempt("mx", &asked, Err(tr("timed out", "タイムアウトしました"))),
                None,
            );
        };
        let mut mx: Vec<(u16, String)> = match r {
            Ok(l) => l
                .iter()
                .map(|m| {
                    (
                        m.preference(),
                        m.exchange()
                            .to_ascii()
                            .trim_end_matches('.')
                            .to_ascii_lowercase(),
                    )
                })
                .collect(),
            Err(e) => return (Net::attempt("mx", &asked, Err(dns_words(&e))), None),
        };
        mx.sort();
        let Some((_, host)) = mx.into_iter().find(|(_, h)| !h.is_empty()) else {
            return (
                Net::attempt(
                    "mx",
                    &asked,
                    Err(tr("no MX record", "MX レコードがありません")),
                ),
                None,
            );
        };
        let found = |account: &str, preset: Option<&str>| Found {
            preset: preset.map(str::to_string),
            account: Some(account.into()),
            imap: None,
            pop: None,
            smtp: None,
            confidence: Confidence::Medium,
        };
        if host.ends_with(".google.com") || host.ends_with(".googlemail.com") {
            return (
                Attempt {
                    source: "mx".into(),
                    asked: format!("{asked} → {host}"),
                    found: Some(found("google", None)),
                    said: None,
                },
                None,
            );
        }
        if host.ends_with(".mail.protection.outlook.com") {
            return (
                Attempt {
                    source: "mx".into(),
                    asked: format!("{asked} → {host}"),
                    found: Some(found("exchange", None)),
                    said: None,
                },
                None,
            );
        }
        // A preset's own exchanger: that provider hosts the domain.
        let registrable = host
            .split('.')
            .rev()
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join(".");
        if let Some(p) = registry
            .for_domain(&registrable)
            .filter(|p| p.unsupported.is_none())
        {
            let mut f = from_preset(p);
            f.confidence = Confidence::Low;
            return (
                Attempt {
                    source: "mx".into(),
                    asked: format!("{asked} → {host}"),
                    found: Some(f),
                    said: None,
                },
                None,
            );
        }
        (
            Attempt {
                source: "mx".into(),
                asked: format!("{asked} → {host}"),
                found: None,
                said: Some(tr(
                    format!("the exchanger's domain {registrable} is looked up in ISPDB"),
                    format!("メールサーバのドメイン {registrable} を ISPDB で調べます"),
                )),
            },
            Some(registrable),
        )
    }

    /// RFC 6186 / RFC 8314 SRV records.
    fn srv(&self, domain: &str) -> Attempt {
        let get = |name: &str, security: Security| -> Option<Server> {
            let r = self
                .lookup(self.resolver.srv_lookup(format!("{name}.{domain}.")))?
                .ok()?;
            let mut recs: Vec<(u16, u16, String)> = r
                .iter()
                .map(|s| {
                    (
                        s.priority(),
                        s.port(),
                        s.target()
                            .to_ascii()
                            .trim_end_matches('.')
                            .to_ascii_lowercase(),
                    )
                })
                .collect();
            recs.sort();
            // A target of "." says the service is not offered.
            let (_, port, host) = recs.into_iter().find(|(_, p, h)| !h.is_empty() && *p > 0)?;
            Some(Server {
                host,
                port,
                security,
                username: UsernameRule::Email,
            })
        };
        let imap =
            get("_imaps._tcp", Security::Ssl).or_else(|| get("_imap._tcp", Security::Starttls));
        let pop = if imap.is_none() {
            get("_pop3s._tcp", Security::Ssl)
        } else {
            None
        };
        let smtp = get("_submissions._tcp", Security::Ssl)
            .or_else(|| get("_submission._tcp", Security::Starttls));
        let asked = format!("_imaps._tcp.{domain} …");
        if imap.is_none() && pop.is_none() && smtp.is_none() {
            return Net::attempt(
                "srv",
                &asked,
                Err(tr("no SRV records", "SRV レコードがありません")),
            );
        }
        Net::attempt(
            "srv",
            &asked,
            Ok(Found {
                preset: None,
                account: None,
                imap,
                pop,
                smtp,
                confidence: Confidence::Medium,
            }),
        )
    }

    /// Probes a candidate's servers; an error finding passes it over.
    fn verify(&self, f: &Found, s: &Settings) -> std::result::Result<(), String> {
        use crate::probe::{self, Protocol, Target, TlsMode};
        let trust = match &s.ca {
            Some(p) => crate::container::Trust::from_file(p).map_err(|e| e.to_string())?,
            None => crate::container::Trust::System,
        };
        // Names resolve through the discovery's DNS server too.
        let mut resolve = Vec::new();
        let mut targets = Vec::new();
        for (proto, server) in [
            (Protocol::Imap, &f.imap),
            (Protocol::Pop, &f.pop),
            (Protocol::Smtp, &f.smtp),
        ] {
            let Some(sv) = server else { continue };
            if s.resolver.is_some() && sv.host.parse::<std::net::IpAddr>().is_err() {
                if let Some(Ok(ips)) = self.lookup(self.resolver.lookup_ip(format!("{}.", sv.host)))
                {
                    if let Some(ip) = ips.iter().next() {
                        resolve.push((sv.host.clone(), ip));
                    }
                }
            }
            targets.push(Target {
                protocol: proto,
                host: sv.host.clone(),
                port: sv.port,
                mode: match sv.security {
                    Security::Ssl => TlsMode::Implicit,
                    _ => TlsMode::Starttls,
                },
            });
        }
        let settings = probe::Settings {
            trust: &trust,
            timeout: s.timeout,
            deadline: self.left().max(Duration::from_secs(1)),
            resolve: &resolve,
        };
        let reports = probe::probe_all(&targets, &settings);
        let problems: Vec<String> = reports
            .iter()
            .flat_map(|r| {
                r.findings
                    .iter()
                    .filter(|f| f.severity == crate::lint::Severity::Error)
                    .map(move |f| {
                        format!(
                            "{}:{} {} {}",
                            r.target.host, r.target.port, f.rule, f.message
                        )
                    })
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(tr(
                format!("its servers fail the TLS checks: {}", problems.join("; ")),
                format!("サーバが TLS の検査に合格しません: {}", problems.join("; ")),
            ))
        }
    }
}

/// An address a server for strangers may connect to: not loopback, private, link-local, shared
/// (100.64/10), documentation, multicast or unspecified.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// The most an autoconfig document may weigh.
const MAX_DOC: usize = 1 << 20;

fn dns_words(e: &hickory_resolver::ResolveError) -> String {
    if e.is_no_records_found() {
        tr("no such record", "レコードがありません")
    } else {
        let t = e.to_string();
        if t.contains("timed out") || t.contains("timeout") {
            tr("timed out", "タイムアウトしました")
        } else {
            tr(format!("DNS: {t}"), format!("DNS: {t}"))
        }
    }
}

/// The report as a preset YAML for `--save-preset DIR` (status unverified; sources with their
/// URLs and the date).
pub fn preset_yaml(report: &Report, date: &str) -> Option<String> {
    let (attempt, f) = report.chosen()?;
    yaml_of(&report.domain, &attempt.source, &attempt.asked, f, date)
}

/// The discovered settings of `domain` as a preset, named after the domain and the source (what
/// `lint --discover` compares profiles with).
pub fn preset_of(
    domain: &str,
    source: &str,
    asked: &str,
    f: &Found,
) -> Option<crate::preset::Preset> {
    let yaml = yaml_of(domain, source, asked, f, "today")?;
    let mut p =
        crate::preset::Preset::parse(&format!("discovered: {source} {asked}"), &yaml).ok()?;
    p.name_en = format!("{domain} (as {source} publishes it)");
    p.name = format!("{domain}({source} の公開情報)");
    Some(p)
}

fn yaml_of(domain: &str, source: &str, asked: &str, f: &Found, date: &str) -> Option<String> {
    if f.account.is_some() || f.preset.is_some() {
        return None;
    }
    /// A preset as `carriers/*.yaml` spells it (the fields discovery can fill).
    #[derive(Serialize)]
    struct PresetYaml<'a> {
        id: String,
        name: &'a str,
        name_en: &'a str,
        domains: [&'a str; 1],
        status: &'static str,
        confidence: Confidence,
        #[serde(skip_serializing_if = "Option::is_none")]
        imap: Option<ServerYaml<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pop: Option<ServerYaml<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        smtp: Option<ServerYaml<'a>>,
        sources: [SourceYaml<'a>; 1],
    }
    #[derive(Serialize)]
    struct ServerYaml<'a> {
        host: &'a str,
        port: u16,
        tls: &'static str,
        auth: &'static str,
        username: UsernameRule,
    }
    #[derive(Serialize)]
    struct SourceYaml<'a> {
        kind: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        url: Option<&'a str>,
        note: String,
    }
    fn server(s: &Option<Server>) -> Option<ServerYaml<'_>> {
        s.as_ref().map(|s| ServerYaml {
            host: &s.host,
            port: s.port,
            tls: if s.security == Security::Ssl {
                "ssl"
            } else {
                "starttls"
            },
            auth: "password",
            username: s.username,
        })
    }
    let mut note = format!(
        "profilegen discover, {date}, confidence {}",
        confidence_word(f.confidence)
    );
    if !is_url(asked) {
        note.push_str(&format!(", from {asked}"));
    }
    let preset = PresetYaml {
        id: domain
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect(),
        name: domain,
        name_en: domain,
        domains: [domain],
        status: "unverified",
        confidence: f.confidence,
        imap: server(&f.imap),
        pop: server(&f.pop),
        smtp: server(&f.smtp),
        sources: [SourceYaml {
            kind: source,
            url: is_url(asked).then_some(asked),
            note,
        }],
    };
    let yaml = serde_yaml::to_string(&preset).ok()?;
    Some(format!(
        "# Found by `profilegen discover` on {date} from {source}: review before use.\n{yaml}"
    ))
}

/// The word a preset file uses for a confidence.
fn confidence_word(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "133.242.0.1", "2400:4050::1", "::ffff:8.8.8.8"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        assert!(internet_domain("127.0.0.1").is_err() && internet_domain("intranet").is_err());
        assert!(internet_domain("corp.example.jp").is_ok());
    }

    #[test]
    fn autoconfig_documents_map_to_servers() {
        let xml = r#"<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="example.jp">
 <domain>example.jp</domain>
 <incomingServer type="imap"><hostname>imap.example.jp</hostname><port>143</port><socketType>STARTTLS</socketType><authentication>password-cleartext</authentication><username>%EMAILLOCALPART%</username></incomingServer>
 <incomingServer type="imap"><hostname>imap.example.jp</hostname><port>993</port><socketType>SSL</socketType><authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username></incomingServer>
 <incomingServer type="pop3"><hostname>pop.%EMAILDOMAIN%</hostname><port>110</port><socketType>plain</socketType><authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username></incomingServer>
 <outgoingServer type="smtp"><hostname>smtp.example.jp</hostname><port>587</port><socketType>STARTTLS</socketType><authentication>OAuth2</authentication><username>%EMAILADDRESS%</username></outgoingServer>
 <outgoingServer type="smtp"><hostname>smtp.example.jp</hostname><port>465</port><socketType>SSL</socketType><authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username></outgoingServer>
</emailProvider></clientConfig>"#;
        let f = parse_autoconfig(xml, "example.jp", Confidence::High).unwrap();
        let imap = f.imap.unwrap();
        assert_eq!(
            (imap.port, imap.security, imap.username),
            (993, Security::Ssl, UsernameRule::Email)
        );
        let pop = f.pop.unwrap();
        assert_eq!(
            (pop.host.as_str(), pop.security),
            ("pop.example.jp", Security::Plain)
        );
        // The OAuth2-only SMTP entry is skipped.
        assert_eq!(f.smtp.unwrap().port, 465);
        assert!(parse_autoconfig("<html/>", "x.jp", Confidence::High).is_err());
    }
}

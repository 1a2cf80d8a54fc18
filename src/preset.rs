//! Provider presets: one YAML file per provider in `carriers/`, embedded in the binary, with
//! `--carriers DIR` to add or override. Every preset is validated on load; an error names the
//! file and the field.

use crate::i18n::tr;
use crate::text;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
pub(crate) use embedded::TEMPLATES as EMBEDDED_TEMPLATES;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Settings from good sources; the profile should just work.
    Supported,
    /// Settings reported but not confirmed; the user is warned.
    Unverified,
    /// No mail profile can serve these addresses; `new` refuses with the reason.
    Unsupported,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

/// How the connection is encrypted. Both become `UseSSL = true` in the profile: iOS chooses
/// implicit TLS or STARTTLS from the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    Ssl,
    Starttls,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Auth {
    Password,
    CramMd5,
}

/// What the login name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UsernameRule {
    /// The full address.
    Email,
    /// The part before the `@`.
    LocalPart,
    /// A login ID the address does not give (docomo's dアカウントID): left out, and iOS asks.
    Ask,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AltPort {
    pub port: u16,
    pub tls: Tls,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    /// Other (port, TLS) pairs the provider also accepts.
    #[serde(default)]
    pub also: Vec<AltPort>,
    /// Ports with which this server cannot work: blocked on the provider's networks (outbound
    /// port 25 in Japan) or not served (iCloud's 465). A profile with one of them is an error.
    #[serde(default)]
    pub refused: Vec<u16>,
    pub auth: Auth,
    pub username: UsernameRule,
}

impl Server {
    /// Every port this server is documented to accept, the default first.
    pub fn ports(&self) -> impl Iterator<Item = u16> + '_ {
        std::iter::once(self.port).chain(self.also.iter().map(|a| a.port))
    }
}

/// Exchange ActiveSync settings (Exchange Online: `outlook.office365.com` with OAuth).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeSettings {
    pub host: String,
    /// Sign-in through the provider's OAuth page after installation; no password.
    pub oauth: bool,
}

/// A CalDAV or CardDAV server.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DavServer {
    pub host: String,
    pub port: u16,
    /// The principal URL, when the server's own discovery does not find it.
    #[serde(default)]
    pub principal_url: Option<String>,
    pub username: UsernameRule,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub ja: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// OFF, OFF-ref, ISPDB, PDB, CODE or 2nd (see `providers.md`).
    pub kind: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unsupported {
    pub ja: String,
    pub en: String,
    /// What to do instead, as a command line.
    #[serde(default)]
    pub instead: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    pub id: String,
    pub name: String,
    pub name_en: String,
    /// `example.jp` matches that domain; `*.example.jp` matches its sub-domains.
    pub domains: Vec<String>,
    pub status: Status,
    pub confidence: Confidence,
    #[serde(default)]
    pub imap: Option<Server>,
    #[serde(default)]
    pub pop: Option<Server>,
    #[serde(default)]
    pub smtp: Option<Server>,
    #[serde(default)]
    pub unsupported: Option<Unsupported>,
    /// An Exchange ActiveSync account (iOS); for these addresses it is the default kind.
    #[serde(default)]
    pub exchange: Option<ExchangeSettings>,
    /// Apple's Google account payload is offered (iOS; the user signs in to Google).
    #[serde(default)]
    pub google: bool,
    /// Calendars, with the same login as mail.
    #[serde(default)]
    pub caldav: Option<DavServer>,
    /// Contacts, with the same login as mail.
    #[serde(default)]
    pub carddav: Option<DavServer>,
    #[serde(default)]
    pub notes: Vec<Note>,
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Where the preset came from (file name), for messages.
    #[serde(skip)]
    pub origin: String,
    /// Built into the binary (rather than loaded from `--carriers DIR`).
    #[serde(skip)]
    pub builtin: bool,
}

/// A preset that could not be loaded.
#[derive(Debug)]
pub struct PresetError {
    pub file: String,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for PresetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: {}: {}", self.file, field, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for PresetError {}

fn err(file: &str, field: impl Into<Option<String>>, message: impl Into<String>) -> PresetError {
    PresetError {
        file: file.to_string(),
        field: field.into(),
        message: message.into(),
    }
}

/// serde_yaml's own words, introduced in the reader's language.
fn yaml_words(detail: &str) -> String {
    tr(
        detail.to_string(),
        format!("YAMLとして読めないか、項目が正しくありません(詳細: {detail})"),
    )
}

impl Preset {
    /// Parses and validates one preset file.
    pub fn parse(file: &str, source: &str) -> Result<Preset, PresetError> {
        let mut p: Preset = serde_yaml::from_str(source).map_err(|e| {
            // serde_yaml reports "field.path: message at line L column C".
            let msg = e.to_string();
            match msg.split_once(": ") {
                Some((path, rest))
                    if !path.contains(' ') && !path.is_empty() && path != "invalid type" =>
                {
                    err(file, Some(path.to_string()), yaml_words(rest))
                }
                _ => err(file, None, yaml_words(&msg)),
            }
        })?;
        p.origin = file.to_string();
        p.validate()?;
        Ok(p)
    }

    fn validate(&self) -> Result<(), PresetError> {
        let f = self.origin.as_str();
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(err(
                f,
                Some("id".into()),
                tr(
                    format!(
                        "{:?} is not a valid preset id: use lowercase letters, digits and '-'",
                        self.id
                    ),
                    format!(
                        "{:?} はプリセットIDに使えません。英小文字・数字・'-' だけにしてください",
                        self.id
                    ),
                ),
            ));
        }
        for (field, value) in [("name", &self.name), ("name_en", &self.name_en)] {
            text::check_line(value).map_err(|e| err(f, Some(field.into()), e))?;
        }
        for (i, d) in self.domains.iter().enumerate() {
            let bare = d.strip_prefix("*.").unwrap_or(d);
            if bare != bare.to_ascii_lowercase() {
                return Err(err(
                    f,
                    Some(format!("domains[{i}]")),
                    tr(
                        format!("{d:?} must be lowercase"),
                        format!("{d:?} は小文字で書いてください"),
                    ),
                ));
            }
            text::check_host(bare).map_err(|e| err(f, Some(format!("domains[{i}]")), e))?;
        }
        match (self.status, &self.unsupported) {
            (Status::Unsupported, None) => {
                return Err(err(
                    f,
                    Some("unsupported".into()),
                    tr(
                        "a preset with status unsupported needs an `unsupported` section with ja and en reasons",
                        "status が unsupported のプリセットには、ja と en の理由を書いた `unsupported` セクションが必要です",
                    ),
                ))
            }
            (Status::Unsupported, Some(_)) => {
                let others = [
                    ("exchange", self.exchange.is_some()),
                    ("google", self.google),
                    ("caldav", self.caldav.is_some()),
                    ("carddav", self.carddav.is_some()),
                ];
                for (name, s) in [("imap", &self.imap), ("pop", &self.pop), ("smtp", &self.smtp)]
                    .map(|(n, s)| (n, s.is_some()))
                    .into_iter()
                    .chain(others)
                {
                    if s {
                        return Err(err(
                            f,
                            Some(name.into()),
                            tr(
                                "an unsupported preset has no servers",
                                "unsupported のプリセットにはサーバを書きません",
                            ),
                        ));
                    }
                }
            }
            (_, Some(_)) => {
                return Err(err(
                    f,
                    Some("unsupported".into()),
                    tr(
                        "only a preset with status unsupported may have an `unsupported` section",
                        "`unsupported` セクションを書けるのは status が unsupported のプリセットだけです",
                    ),
                ))
            }
            (_, None) => {
                let mail = self.imap.is_some() || self.pop.is_some() || self.smtp.is_some();
                let account = self.exchange.is_some() || self.google;
                if !mail && account {
                    // An Exchange or Google provider: no IMAP/POP/SMTP needed.
                } else if self.imap.is_none() && self.pop.is_none() {
                    return Err(err(
                        f,
                        Some("imap".into()),
                        tr(
                            "a preset needs an incoming server: `imap`, `pop` or both",
                            "受信サーバ(`imap`、`pop` またはその両方)が必要です",
                        ),
                    ));
                }
                if mail && self.smtp.is_none() {
                    return Err(err(
                        f,
                        Some("smtp".into()),
                        tr(
                            "a preset needs an `smtp` server",
                            "送信サーバ `smtp` が必要です",
                        ),
                    ));
                }
                if self.domains.is_empty() {
                    return Err(err(
                        f,
                        Some("domains".into()),
                        tr(
                            "a preset with servers needs at least one domain",
                            "サーバのあるプリセットにはドメインが少なくとも1つ必要です",
                        ),
                    ));
                }
            }
        }
        if let Some(x) = &self.exchange {
            text::check_host(&x.host).map_err(|e| err(f, Some("exchange.host".into()), e))?;
        }
        for (name, dav) in [("caldav", &self.caldav), ("carddav", &self.carddav)] {
            let Some(d) = dav else { continue };
            text::check_host(&d.host).map_err(|e| err(f, Some(format!("{name}.host")), e))?;
            if d.port == 0 {
                return Err(err(
                    f,
                    Some(format!("{name}.port")),
                    tr(
                        "port 0 is not a TCP port; use 1-65535",
                        "ポート 0 はTCPのポートではありません。1〜65535 にしてください",
                    ),
                ));
            }
            if let Some(u) = &d.principal_url {
                let host_ok = u
                    .strip_prefix("https://")
                    .and_then(|r| r.split(['/', ':']).next())
                    .is_some_and(|h| h.eq_ignore_ascii_case(&d.host));
                if !host_ok {
                    return Err(err(
                        f,
                        Some(format!("{name}.principal_url")),
                        tr(
                            format!("{u:?} must be an https:// URL on {}", d.host),
                            format!("{u:?} は {} の https:// の URL にしてください", d.host),
                        ),
                    ));
                }
            }
        }
        for (name, server) in [
            ("imap", &self.imap),
            ("pop", &self.pop),
            ("smtp", &self.smtp),
        ] {
            let Some(s) = server else { continue };
            text::check_host(&s.host).map_err(|e| err(f, Some(format!("{name}.host")), e))?;
            if s.port == 0 {
                return Err(err(
                    f,
                    Some(format!("{name}.port")),
                    tr(
                        "port 0 is not a TCP port; use 1-65535",
                        "ポート 0 はTCPのポートではありません。1〜65535 にしてください",
                    ),
                ));
            }
            for (i, a) in s.also.iter().enumerate() {
                if a.port == 0 {
                    return Err(err(
                        f,
                        Some(format!("{name}.also[{i}].port")),
                        tr(
                            "port 0 is not a TCP port; use 1-65535",
                            "ポート 0 はTCPのポートではありません。1〜65535 にしてください",
                        ),
                    ));
                }
                if a.port == s.port {
                    return Err(err(
                        f,
                        Some(format!("{name}.also[{i}].port")),
                        tr(
                            format!("port {} repeats the default port", a.port),
                            format!("ポート {} は既定のポートと同じです", a.port),
                        ),
                    ));
                }
            }
            for (i, r) in s.refused.iter().enumerate() {
                if s.ports().any(|p| p == *r) {
                    return Err(err(
                        f,
                        Some(format!("{name}.refused[{i}]")),
                        tr(
                            format!("port {r} is both accepted and refused"),
                            format!("ポート {r} が使えるポートと拒否されるポートの両方にあります"),
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The preset's name in the given language.
    pub fn display_name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.name,
            Lang::En => &self.name_en,
        }
    }
}

/// The language of messages meant for the phone's user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ja,
    En,
}

named!(Lang, "a language", Ja = "ja", En = "en");

impl Lang {
    /// From `LC_ALL` / `LC_MESSAGES` / `LANG`: Japanese when the locale says so, else English.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if !v.is_empty() {
                    return if v.starts_with("ja") {
                        Lang::Ja
                    } else {
                        Lang::En
                    };
                }
            }
        }
        Lang::En
    }

    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

/// All presets, with domain lookup.
#[derive(Debug, Clone)]
pub struct Registry {
    presets: BTreeMap<String, Preset>,
    hosts: Vec<String>,
    exact: BTreeMap<String, String>,
    wildcard: BTreeMap<String, String>,
}

impl Registry {
    /// The presets built into the binary.
    pub fn builtin() -> Result<Registry, PresetError> {
        Registry::load(None)
    }

    /// The built-in presets, plus (replacing those with the same id) every `*.yaml` in `dir`.
    pub fn load(dir: Option<&Path>) -> Result<Registry, PresetError> {
        let mut presets: BTreeMap<String, Preset> = BTreeMap::new();
        for (name, src) in embedded::CARRIERS {
            let mut p = Preset::parse(&format!("carriers/{name}"), src)?;
            p.builtin = true;
            insert_unique(&mut presets, p, false)?;
        }
        if let Some(dir) = dir {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(|e| {
                    err(
                        &dir.display().to_string(),
                        None,
                        tr(
                            format!("cannot read: {}", crate::error::io_words(&e)),
                            format!("読めません: {}", crate::error::io_words(&e)),
                        ),
                    )
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            files.sort();
            let mut seen = BTreeMap::new();
            for path in files {
                let shown = path.display().to_string();
                let src = std::fs::read_to_string(&path).map_err(|e| {
                    err(
                        &shown,
                        None,
                        tr(
                            format!("cannot read: {}", crate::error::io_words(&e)),
                            format!("読めません: {}", crate::error::io_words(&e)),
                        ),
                    )
                })?;
                let p = Preset::parse(&shown, &src)?;
                if let Some(other) = seen.insert(p.id.clone(), shown.clone()) {
                    return Err(err(
                        &shown,
                        Some("id".into()),
                        tr(
                            format!("id {:?} is also used by {other}", p.id),
                            format!("ID {:?} は {other} でも使われています", p.id),
                        ),
                    ));
                }
                insert_unique(&mut presets, p, true)?;
            }
        }
        Registry::index(presets)
    }

    /// This registry with `extra` presets added (discovered ones, for `lint --discover`).
    pub fn with(&self, extra: Vec<Preset>) -> Result<Registry, PresetError> {
        let mut presets = self.presets.clone();
        for p in extra {
            insert_unique(&mut presets, p, true)?;
        }
        Registry::index(presets)
    }

    /// Indexes presets by domain and host; two presets claiming one domain are an error.
    fn index(presets: BTreeMap<String, Preset>) -> Result<Registry, PresetError> {
        let mut exact: BTreeMap<String, String> = BTreeMap::new();
        let mut wildcard: BTreeMap<String, String> = BTreeMap::new();
        for p in presets.values() {
            for (i, d) in p.domains.iter().enumerate() {
                let (map, key) = match d.strip_prefix("*.") {
                    Some(rest) => (&mut wildcard, rest.to_string()),
                    None => (&mut exact, d.clone()),
                };
                if let Some(other) = map.insert(key, p.id.clone()) {
                    if other != p.id {
                        // Blame the added file rather than the built-in one.
                        let q = &presets[&other];
                        let (blamed, by) = if p.builtin { (q, p) } else { (p, q) };
                        let j = blamed.domains.iter().position(|x| x == d).unwrap_or(i);
                        return Err(err(
                            &blamed.origin,
                            Some(format!("domains[{j}]")),
                            tr(
                                format!(
                                    "{d:?} is also claimed by preset {:?} ({})",
                                    by.id, by.origin
                                ),
                                format!(
                                    "{d:?} はプリセット {:?}({})も自分のドメインとしています",
                                    by.id, by.origin
                                ),
                            ),
                        ));
                    }
                }
            }
        }
        let mut hosts: Vec<String> = presets
            .values()
            .flat_map(|p| [&p.imap, &p.pop, &p.smtp])
            .flatten()
            .map(|s| s.host.clone())
            .collect();
        hosts.sort();
        hosts.dedup();
        Ok(Registry {
            presets,
            hosts,
            exact,
            wildcard,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Preset> {
        self.presets.get(id)
    }

    /// Every preset, sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = &Preset> {
        self.presets.values()
    }

    /// The preset for an address's domain: an exact domain first, then the closest `*.` parent.
    pub fn for_domain(&self, domain: &str) -> Option<&Preset> {
        let domain = domain.to_ascii_lowercase();
        if let Some(id) = self.exact.get(&domain) {
            return self.presets.get(id);
        }
        let mut rest = domain.as_str();
        while let Some((_, parent)) = rest.split_once('.') {
            if let Some(id) = self.wildcard.get(parent) {
                return self.presets.get(id);
            }
            rest = parent;
        }
        None
    }

    /// Preset ids, for "did you mean" and error messages.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.presets.keys().map(|s| s.as_str())
    }

    /// Every host name a preset names, for the linter's typo check.
    pub fn known_hosts(&self) -> &[String] {
        &self.hosts
    }
}

fn insert_unique(
    presets: &mut BTreeMap<String, Preset>,
    p: Preset,
    may_replace: bool,
) -> Result<(), PresetError> {
    if !may_replace {
        if let Some(other) = presets.get(&p.id) {
            return Err(err(
                &p.origin,
                Some("id".into()),
                tr(
                    format!("id {:?} is also used by {}", p.id, other.origin),
                    format!("ID {:?} は {} でも使われています", p.id, other.origin),
                ),
            ));
        }
    }
    presets.insert(p.id.clone(), p);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_presets_load() {
        let r = Registry::builtin().unwrap();
        assert!(r.get("softbank").is_some());
        assert_eq!(r.for_domain("i.softbank.jp").unwrap().id, "softbank");
        assert_eq!(r.for_domain("juno.ocn.ne.jp").unwrap().id, "ocn");
        assert_eq!(r.for_domain("a.b.biglobe.ne.jp").unwrap().id, "biglobe");
        assert_eq!(r.for_domain("OCN.ne.jp").unwrap().id, "ocn");
        assert!(r.for_domain("example.com").is_none());
        assert!(r.for_domain("ne.jp").is_none());
    }

    #[test]
    fn softbank_smtp_defaults_to_587_and_accepts_465() {
        let r = Registry::builtin().unwrap();
        let s = r.get("softbank").unwrap().smtp.as_ref().unwrap();
        assert_eq!(s.host, "smtp.softbank.jp");
        assert_eq!(s.ports().collect::<Vec<_>>(), vec![587, 465]);
    }
}

//! What the user gives (address, name, options) merged with a preset into a typed [`Profile`]:
//! deterministic identifiers and UUIDs, templated human-readable text.

use crate::error::{Error, Result};
use crate::preset::{self, Auth, Lang, Preset, Registry, Server, Status, UsernameRule};
use crate::profile::{
    AccountType, AuthMethod, CalDavPayload, CardDavPayload, EwsPayload, ExchangePayload,
    GooglePayload, MailPayload, Payload, PayloadHeader, Profile, Secret, CALDAV_PAYLOAD_TYPE,
    CARDDAV_PAYLOAD_TYPE, EAS_PAYLOAD_TYPE, EWS_PAYLOAD_TYPE, GOOGLE_PAYLOAD_TYPE,
    MAIL_PAYLOAD_TYPE,
};
use crate::text::{self, Address};
use serde::Serialize;
use std::path::Path;
use uuid::Uuid;

/// The names of the templates, with what each shapes.
pub const TEMPLATE_NAMES: &[(&str, &str)] = &[
    ("display_name.j2", "the profile's name (PayloadDisplayName)"),
    (
        "description.j2",
        "the profile's description (PayloadDescription)",
    ),
    (
        "account_description.j2",
        "the account's name in Settings and Mail (EmailAccountDescription)",
    ),
    ("file_name.j2", "the output file name"),
];

/// The minijinja templates for human-readable strings: the built-in ones, each replaceable by a
/// file of the same name in `--templates DIR`.
pub struct Templates {
    env: minijinja::Environment<'static>,
}

impl Templates {
    pub fn load(dir: Option<&Path>) -> Result<Templates> {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        for (name, src) in preset::EMBEDDED_TEMPLATES {
            env.add_template_owned(name.to_string(), src.to_string())
                .map_err(|e| Error::Template {
                    name: format!("templates/{name}"),
                    message: e.to_string(),
                })?;
        }
        if let Some(dir) = dir {
            let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
            let mut found = 0;
            for entry in entries {
                let path = entry.map_err(|e| Error::io(dir, e))?.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if !name.ends_with(".j2") {
                    continue;
                }
                if !TEMPLATE_NAMES.iter().any(|(n, _)| *n == name) {
                    return Err(Error::Template {
                        name: path.display().to_string(),
                        message: {
                            let names = TEMPLATE_NAMES
                                .iter()
                                .map(|(n, _)| *n)
                                .collect::<Vec<_>>()
                                .join(", ");
                            crate::i18n::tr(
                                format!("not a profilegen template; the names are {names}"),
                                format!("profilegen のテンプレート名ではありません。使える名前は {names} です"),
                            )
                        },
                    });
                }
                let src = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
                env.add_template_owned(name.to_string(), src)
                    .map_err(|e| Error::Template {
                        name: path.display().to_string(),
                        message: e.to_string(),
                    })?;
                found += 1;
            }
            if found == 0 {
                return Err(Error::Template {
                    name: dir.display().to_string(),
                    message: crate::i18n::tr(
                        "holds no *.j2 template",
                        "*.j2 のテンプレートがありません",
                    ),
                });
            }
        }
        let t = Templates { env };
        // Render each template once with a sample, so that a mistake in a template file (an
        // unknown variable, a bad filter) is reported when it is loaded, not on row 9 000.
        let sample = Context::sample();
        for (name, _) in TEMPLATE_NAMES {
            t.render(name, &minijinja::Value::from_serialize(&sample))
                .map_err(|e| match e {
                    Error::Template { message, .. } => Error::Template {
                        name: match dir {
                            Some(d) if d.join(name).exists() => d.join(name).display().to_string(),
                            _ => format!("templates/{name}"),
                        },
                        message,
                    },
                    e => e,
                })?;
        }
        Ok(t)
    }

    /// Renders a template with a context already turned into a template value (once per
    /// profile, not once per template).
    fn render(&self, name: &str, ctx: &minijinja::Value) -> Result<String> {
        let tmpl = self.env.get_template(name).map_err(|e| Error::Template {
            name: name.into(),
            message: e.to_string(),
        })?;
        let out = tmpl.render(ctx).map_err(|e| {
            let mut message = e.to_string();
            if let Some(detail) = e.detail() {
                if !message.contains(detail) {
                    message = format!("{message}: {detail}");
                }
            }
            if e.kind() == minijinja::ErrorKind::UndefinedError {
                message.push_str(&format!(
                    " (the variables are: {})",
                    Context::VARIABLES.join(", ")
                ));
            }
            Error::Template {
                name: name.into(),
                message,
            }
        })?;
        Ok(out.trim().to_string())
    }
}

/// The variables a template sees.
#[derive(Serialize)]
struct Context<'a> {
    email: &'a str,
    local_part: &'a str,
    domain: &'a str,
    name: Option<&'a str>,
    organization: Option<&'a str>,
    username: Option<&'a str>,
    protocol: &'a str,
    lang: Lang,
    password_included: bool,
    /// The user signs in on the phone after installing (Exchange with OAuth, Google).
    sign_in: bool,
    /// Calendars and contacts added to the account ("calendar", "contacts").
    with: Vec<&'static str>,
    carrier: CarrierContext<'a>,
}

#[derive(Serialize)]
struct CarrierContext<'a> {
    id: &'a str,
    name: &'a str,
    name_en: &'a str,
    status: &'a str,
}

impl Context<'static> {
    const VARIABLES: &'static [&'static str] = &[
        "email",
        "local_part",
        "domain",
        "name",
        "organization",
        "username",
        "protocol",
        "lang",
        "password_included",
        "sign_in",
        "with",
        "carrier.id",
        "carrier.name",
        "carrier.name_en",
        "carrier.status",
    ];

    fn sample() -> Context<'static> {
        Context {
            email: "taro@example.jp",
            local_part: "taro",
            domain: "example.jp",
            name: Some("山田 太郎"),
            organization: None,
            username: None,
            protocol: "IMAP",
            lang: Lang::Ja,
            password_included: false,
            sign_in: false,
            with: vec!["calendar"],
            carrier: CarrierContext {
                id: "example",
                name: "Example",
                name_en: "Example",
                status: "supported",
            },
        }
    }
}

/// Which incoming protocol to set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Imap,
    Pop,
}

/// The kind of account a profile sets up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    /// IMAP or POP with SMTP (`com.apple.mail.managed`).
    Mail,
    /// Exchange ActiveSync (`com.apple.eas.account`; on macOS, Exchange Web Services).
    Exchange,
    /// Apple's Google account payload (`com.apple.google-oauth`; iOS only).
    Google,
}

/// A payload added to a mail account: the provider's calendars or contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Extra {
    Calendar,
    Contacts,
}

/// The platform the profile is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Ios,
    Macos,
}

named!(Protocol, "a protocol", Imap = "imap", Pop = "pop");
named!(
    AccountKind,
    "an account kind",
    Mail = "mail",
    Exchange = "exchange",
    Google = "google"
);
named!(
    Extra,
    "an extra payload",
    Calendar = "calendar",
    Contacts = "contacts"
);
named!(Platform, "a platform", Ios = "ios", Macos = "macos");

/// What `new` and `bulk` write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Mobileconfig,
    Ddm,
}
named!(
    OutputFormat,
    "an output format",
    Mobileconfig = "mobileconfig",
    Ddm = "ddm"
);

/// `calendar,contacts` (commas or spaces), each once, in a fixed order.
pub fn parse_extras(s: &str) -> std::result::Result<Vec<Extra>, String> {
    let mut out: Vec<Extra> = s
        .split([',', ' '])
        .filter(|x| !x.trim().is_empty())
        .map(str::parse)
        .collect::<std::result::Result<_, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// How PayloadUUIDs are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UuidMode {
    /// UUID v5 from the identifier and the account: the same input gives the same profile.
    #[default]
    Derived,
    /// Random UUID v4.
    Random,
}

/// Server settings given on the command line, replacing the preset's.
#[derive(Debug, Clone, Default)]
pub struct ServerOverrides {
    pub imap_host: Option<String>,
    pub imap_port: Option<u16>,
    pub pop_host: Option<String>,
    pub pop_port: Option<u16>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
}

impl ServerOverrides {
    fn any_incoming_host(&self) -> bool {
        self.imap_host.is_some() || self.pop_host.is_some()
    }
}

pub const DEFAULT_IDENTIFIER_PREFIX: &str = "jp.profilegen.mail";

/// Everything a user gives for one profile.
#[derive(Debug, Clone)]
pub struct Request {
    pub email: String,
    pub name: Option<String>,
    pub carrier: Option<String>,
    pub protocol: Option<Protocol>,
    pub username: Option<String>,
    pub organization: Option<String>,
    pub description: Option<String>,
    pub display_name: Option<String>,
    pub account_description: Option<String>,
    pub password: Option<Secret>,
    pub servers: ServerOverrides,
    pub identifier_prefix: String,
    pub uuids: UuidMode,
    pub lang: Lang,
    /// `None`: the preset's kind (mail where it has mail servers).
    pub account: Option<AccountKind>,
    /// Calendars and contacts beside a mail account.
    pub with: Vec<Extra>,
    /// `None`: iOS, without naming it in the profile (a mail profile installs anywhere).
    pub platform: Option<Platform>,
    /// An Exchange server other than the preset's or Exchange Online.
    pub exchange_host: Option<String>,
    /// Exchange sign-in with OAuth (the default); `false` for a server that takes passwords.
    pub oauth: bool,
    /// One profile for all of an MDM's users: its variables instead of an address.
    pub mdm: Option<MdmRequest>,
}

/// What `new --mdm` asks for.
#[derive(Debug, Clone)]
pub struct MdmRequest {
    pub mdm: crate::mdm::Mdm,
    /// The domain whose preset applies (`--domain`, or the `--carrier` preset's first domain).
    pub domain: String,
    /// The variable holding the login name where the preset's rule needs one the MDM lacks.
    pub username_var: Option<String>,
}

/// A role an MDM variable plays.
#[derive(Debug, Clone, Copy)]
pub enum MdmRole {
    Email,
}

impl MdmRequest {
    fn variable(&self, role: MdmRole) -> Result<String> {
        match role {
            MdmRole::Email => self.mdm.roles.email.clone().ok_or_else(|| {
                Error::input(
                    "--var",
                    crate::i18n::tr(
                        "the MDM needs an email variable: --var email=…",
                        "MDM のメールアドレスの変数が必要です: --var email=…",
                    ),
                )
            }),
        }
    }
}

/// For `--mdm`: every login the preset's rules need must be an MDM variable; none is guessed.
fn check_mdm_usernames(
    m: &MdmRequest,
    preset: &Preset,
    kind: AccountKind,
    with: &[Extra],
    has_local: bool,
) -> Result<()> {
    if m.username_var.is_some() {
        return Ok(());
    }
    let mut rules: Vec<UsernameRule> = Vec::new();
    if kind == AccountKind::Mail {
        rules.extend(
            [&preset.imap, &preset.pop, &preset.smtp]
                .into_iter()
                .flatten()
                .map(|s| s.username),
        );
    }
    for e in with {
        let dav = match e {
            Extra::Calendar => &preset.caldav,
            Extra::Contacts => &preset.carddav,
        };
        rules.extend(dav.iter().map(|d| d.username));
    }
    let name = m.mdm.name.as_str();
    if rules.contains(&UsernameRule::Ask) {
        return Err(Error::input(
            "--username-var",
            crate::i18n::tr(
                format!("{} logs in with an ID of its own, which no {name} variable holds: give --username-var with the variable that does (a custom attribute of the MDM)", preset.display_name(Lang::En)),
                format!("{}のログインには専用のIDを使いますが、{name} にそれを表す変数はありません。それを入れた変数(MDM の独自属性など)を --username-var に指定してください", preset.display_name(Lang::Ja)),
            ),
        ));
    }
    if rules.contains(&UsernameRule::LocalPart) && !has_local {
        return Err(Error::input(
            "--username-var",
            crate::i18n::tr(
                format!("{} logs in with the part of the address before the @, and {name} has no variable for it: give --username-var with one that holds it", preset.display_name(Lang::En)),
                format!("{}のログインはアドレスの @ より前の部分ですが、{name} にはそれを表す変数がありません。それを入れた変数を --username-var に指定してください", preset.display_name(Lang::Ja)),
            ),
        ));
    }
    Ok(())
}

impl Request {
    pub fn new(email: impl Into<String>) -> Request {
        Request {
            email: email.into(),
            name: None,
            carrier: None,
            protocol: None,
            username: None,
            organization: None,
            description: None,
            display_name: None,
            account_description: None,
            password: None,
            servers: ServerOverrides::default(),
            identifier_prefix: DEFAULT_IDENTIFIER_PREFIX.into(),
            uuids: UuidMode::Derived,
            lang: Lang::En,
            account: None,
            with: Vec::new(),
            platform: None,
            exchange_host: None,
            oauth: true,
            mdm: None,
        }
    }
}

/// A profile and what the user should know about it.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub profile: Profile,
    pub file_name: String,
    /// The preset used, or `None` for servers given on the command line only.
    pub preset_id: Option<String>,
    /// Things the user should act on (unverified preset, undocumented port, username asked).
    pub warnings: Vec<String>,
    /// The preset's notes in the requested language.
    pub notes: Vec<String>,
}

impl Rendered {
    /// One line on what the profile sets up, for `new`'s closing message.
    pub fn summary(&self, lang: Lang) -> String {
        let parts: Vec<String> = self
            .profile
            .content
            .iter()
            .map(|p| match p {
                Payload::Mail(m) => {
                    let incoming = match m.account_type {
                        AccountType::Imap => "IMAP",
                        AccountType::Pop => "POP",
                    };
                    format!(
                        "{incoming} {}:{}, SMTP {}:{}{}",
                        m.incoming_host,
                        m.incoming_port.unwrap_or_default(),
                        m.outgoing_host,
                        m.outgoing_port.unwrap_or_default(),
                        lang.pick("、どちらもTLS", ", TLS on both")
                    )
                }
                Payload::Exchange(e) => format!(
                    "Exchange ActiveSync {}{}",
                    e.host.as_deref().unwrap_or(""),
                    if e.oauth {
                        lang.pick(
                            "、OAuth(iPhone でサインイン)",
                            ", OAuth (sign-in on the phone)",
                        )
                    } else {
                        ""
                    }
                ),
                Payload::Ews(e) => format!("Exchange Web Services {}", e.host),
                Payload::Google(_) => lang
                    .pick(
                        "Google アカウント(iPhone でサインイン)",
                        "Google account (sign-in on the phone)",
                    )
                    .to_string(),
                Payload::CalDav(c) => format!("CalDAV {}:{}", c.host, c.port),
                Payload::CardDav(c) => format!("CardDAV {}:{}", c.host, c.port),
            })
            .collect();
        parts.join(lang.pick("。", "; "))
    }
}

/// Namespace for derived UUIDs: UUID v5 of the URL "urn:profilegen".
pub fn uuid_namespace() -> Uuid {
    static NAMESPACE: std::sync::OnceLock<Uuid> = std::sync::OnceLock::new();
    *NAMESPACE.get_or_init(|| Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:profilegen"))
}

/// A name-based (version 5) UUID in profilegen's namespace: the same value as
/// `Uuid::new_v5(&uuid_namespace(), name)`, with OpenSSL's SHA-1 (the CPU's SHA instructions
/// where it has them) instead of the uuid crate's portable one.
pub fn derived_uuid(name: &[u8]) -> Uuid {
    let mut h = openssl::sha::Sha1::new();
    h.update(uuid_namespace().as_bytes());
    h.update(name);
    let digest = h.finish();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

fn make_uuid(mode: UuidMode, name: &str) -> String {
    let u = match mode {
        UuidMode::Derived => derived_uuid(name.as_bytes()),
        UuidMode::Random => Uuid::new_v4(),
    };
    u.hyphenated()
        .encode_upper(&mut Uuid::encode_buffer())
        .to_string()
}

/// The identifier component for an address: the local part lowercased, then "." "at" "." and the
/// domain. Letters and digits are kept, and so are '.' between two other characters and '-' not
/// followed by 'x'; every other byte becomes "-x" and two hex digits. The encoding is one-to-one
/// (a literal "-x" is itself escaped as "-x2dx", a trailing or doubled dot is escaped), so two
/// addresses that differ in more than letter case never share a PayloadIdentifier, while an
/// ordinary address (taro@…, taro.yamada@…, taro-1@…) reads as itself.
pub fn identifier_component(addr: &Address) -> String {
    let local: Vec<char> = addr.local.to_lowercase().chars().collect();
    let mut out = String::with_capacity(local.len() + addr.domain.len() + 4);
    let escape = |out: &mut String, c: char| {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            out.push_str(&format!("-x{b:02x}"));
        }
    };
    for (i, &c) in local.iter().enumerate() {
        let next = local.get(i + 1).copied();
        let keep = c.is_ascii_alphanumeric()
            || (c == '-' && next != Some('x'))
            || (c == '.' && i > 0 && local[i - 1] != '.' && next.is_some_and(|n| n != '.'));
        if keep {
            out.push(c);
        } else {
            escape(&mut out, c);
        }
    }
    format!("{out}.at.{}", addr.domain)
}

fn check_prefix(prefix: &str) -> Result<()> {
    let bad = prefix.is_empty()
        || prefix.starts_with('.')
        || prefix.ends_with('.')
        || prefix.contains("..")
        || !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if bad {
        return Err(Error::input(
            "--identifier-prefix",
            crate::i18n::tr(
                format!("{prefix:?} is not a reverse-DNS identifier such as com.example.mail (letters, digits, '-' and '.')"),
                format!("{prefix:?} は com.example.mail のような逆ドメイン形式の識別子ではありません(英数字、'-'、'.')"),
            ),
        ));
    }
    Ok(())
}

fn opt_line(field: &str, v: &Option<String>) -> Result<Option<String>> {
    match v {
        None => Ok(None),
        Some(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            text::check_line(s).map_err(|e| Error::input(field, e))?;
            Ok(Some(s.to_string()))
        }
    }
}

fn auth_method(a: Auth) -> AuthMethod {
    match a {
        Auth::Password => AuthMethod::Password,
        Auth::CramMd5 => AuthMethod::CramMd5,
    }
}

/// The settings for one server after overrides.
struct Resolved {
    host: String,
    port: u16,
    auth: AuthMethod,
    username: UsernameRule,
}

fn resolve(
    kind: &str,
    preset_server: Option<&Server>,
    host: &Option<String>,
    port: Option<u16>,
    default_port: u16,
    warnings: &mut Vec<String>,
    lang: crate::preset::Lang,
) -> Result<Resolved> {
    let host = match host {
        Some(h) => {
            let h = h.trim().to_string();
            text::check_host(&h).map_err(|e| Error::input(format!("--{kind}-host"), e))?;
            h
        }
        None => preset_server.map(|s| s.host.clone()).ok_or_else(|| {
            Error::input(
                format!("--{kind}-host"),
                crate::i18n::tr(
                    "no host: the preset has no such server; give one",
                    "ホストがありません。プリセットにこのサーバはないので指定してください",
                ),
            )
        })?,
    };
    let port = match port {
        Some(0) => {
            return Err(Error::input(
                format!("--{kind}-port"),
                crate::i18n::tr(
                    "port 0 is not a TCP port; use 1-65535",
                    "ポート 0 はTCPのポートではありません。1〜65535 にしてください",
                ),
            ))
        }
        Some(p) => {
            // A port the provider does not document is the linter's PG207 (warning, or an error
            // for a port it refuses), said once the profile is built.
            if matches!(p, 25 | 110 | 143) {
                warnings.push(crate::i18n::Msg::WarnPlaintextPort.fill(
                    lang,
                    &[
                        ("kind", &kind.to_ascii_uppercase()),
                        ("port", &p.to_string()),
                    ],
                ));
            }
            p
        }
        None => preset_server.map(|s| s.port).unwrap_or(default_port),
    };
    Ok(Resolved {
        host,
        port,
        auth: preset_server
            .map(|s| auth_method(s.auth))
            .unwrap_or(AuthMethod::Password),
        username: preset_server
            .map(|s| s.username)
            .unwrap_or(UsernameRule::Email),
    })
}

/// The synthetic preset for servers given entirely on the command line.
fn custom_preset(domain: &str) -> Preset {
    Preset {
        id: "custom".into(),
        name: domain.into(),
        name_en: domain.into(),
        domains: vec![],
        status: Status::Supported,
        confidence: preset::Confidence::Low,
        imap: None,
        pop: None,
        smtp: None,
        unsupported: None,
        exchange: None,
        google: false,
        caldav: None,
        carddav: None,
        notes: vec![],
        sources: vec![],
        origin: "(command line)".into(),
        builtin: false,
    }
}

/// Builds the profile for one request.
pub fn render(req: &Request, registry: &Registry, templates: &Templates) -> Result<Rendered> {
    // Messages built on this thread (a web request's, a bulk row's) speak the request's language.
    crate::i18n::set_lang(req.lang);
    let mut warnings = Vec::new();
    // Addresses typed with a Japanese IME in full-width mode: made half-width, and said so.
    let (typed, widened) = match &req.mdm {
        // One profile for an MDM's users: the domain picks the preset; the MDM fills the address.
        Some(m) => (format!("mdm-user@{}", m.domain.trim()), false),
        None => text::halfwidth(&req.email),
    };
    let addr = Address::parse(&typed).map_err(|e| {
        Error::input(
            if req.mdm.is_some() {
                "--domain"
            } else {
                "email"
            },
            e,
        )
    })?;
    let email = match &req.mdm {
        Some(m) => m.variable(MdmRole::Email)?,
        None => addr.full(),
    };
    let local = match &req.mdm {
        Some(m) => m.mdm.roles.local_part.clone(),
        None => Some(addr.local.clone()),
    };
    if widened {
        warnings.push(crate::i18n::Msg::WarnFullWidthAddress.fill(req.lang, &[("email", &email)]));
    }
    check_prefix(&req.identifier_prefix)?;
    let preset = choose_preset(req, registry, &addr, &email)?;
    let custom;
    let kind = choose_kind(req, preset, &addr)?;
    let preset = match preset {
        Some(p) => p,
        None => {
            custom = custom_preset(&addr.domain);
            &custom
        }
    };
    if preset.status == Status::Unverified {
        let confidence = match preset.confidence {
            crate::preset::Confidence::High => crate::i18n::Msg::ConfidenceHigh,
            crate::preset::Confidence::Medium => crate::i18n::Msg::ConfidenceMedium,
            crate::preset::Confidence::Low => crate::i18n::Msg::ConfidenceLow,
        }
        .text(req.lang);
        warnings.push(
            crate::i18n::Msg::WarnUnverifiedPreset
                .fill(req.lang, &[("id", &preset.id), ("confidence", confidence)]),
        );
    }
    check_extras(req, preset, kind)?;
    let platform = req.platform.unwrap_or(Platform::Ios);
    check_platform(kind, platform, req)?;

    let mut name = opt_line("--name", &req.name)?;
    if let (None, Some(m)) = (&name, &req.mdm) {
        name = m.mdm.roles.full_name.clone();
    }
    let organization = opt_line("--org", &req.organization)?;
    let mut user_given = given_username(req, &mut warnings)?;
    if let Some(m) = &req.mdm {
        user_given = m.username_var.clone();
        check_mdm_usernames(m, preset, kind, &req.with, local.is_some())?;
    }
    let password = given_password(req)?;
    if password.is_some() && kind == AccountKind::Google {
        return Err(Error::input(
            "password",
            crate::i18n::tr(
                "a Google account payload never holds a password: the user signs in to Google on the phone after installing",
                "Google アカウントのペイロードにパスワードは入りません。インストール後に iPhone で Google にサインインします",
            ),
        ));
    }
    if password.is_some() && kind == AccountKind::Exchange && req.oauth {
        return Err(Error::input(
            "password",
            crate::i18n::tr(
                "with OAuth the phone signs in through the provider's page and no password goes into the profile; give --no-oauth for a server that takes passwords",
                "OAuth では iPhone がプロバイダのページでサインインするため、パスワードはプロファイルに入りません。パスワードを使うサーバなら --no-oauth を指定してください",
            ),
        ));
    }

    // The incoming protocol is only a mail account's; the templates see the account kind.
    let protocol = match kind {
        AccountKind::Mail => Some(choose_protocol(req, preset)),
        _ => None,
    };
    let protocol_name = match (kind, protocol) {
        (AccountKind::Mail, Some(Protocol::Pop)) => "POP",
        (AccountKind::Mail, _) => "IMAP",
        (AccountKind::Exchange, _) => "Exchange",
        (AccountKind::Google, _) => "Google",
    };
    let ctx = Context {
        email: &email,
        local_part: local.as_deref().unwrap_or(""),
        domain: &addr.domain,
        name: name.as_deref(),
        organization: organization.as_deref(),
        username: user_given.as_deref(),
        protocol: protocol_name,
        lang: req.lang,
        password_included: password.is_some(),
        sign_in: kind == AccountKind::Google || (kind == AccountKind::Exchange && req.oauth),
        with: req.with.iter().map(|e| e.name()).collect(),
        carrier: CarrierContext {
            id: &preset.id,
            name: &preset.name,
            name_en: &preset.name_en,
            status: match preset.status {
                Status::Supported => "supported",
                Status::Unverified => "unverified",
                Status::Unsupported => "unsupported",
            },
        },
    };
    let mut text = shaped_text(req, templates, &ctx)?;
    if let Some(m) = &req.mdm {
        // The templated name would hold the variable; one file per MDM and domain.
        text.file_name =
            text::sanitize_file_name(&format!("{}-{}.mobileconfig", m.mdm.id, addr.domain));
    }

    let (identifier, email_key) = match &req.mdm {
        // One identifier for every user of the MDM: a re-upload replaces the profile.
        Some(m) => (
            format!("{}.mdm.{}.{}", req.identifier_prefix, m.mdm.id, addr.domain),
            format!("mdm\n{}\n{}", m.mdm.id, addr.domain),
        ),
        None => (
            format!("{}.{}", req.identifier_prefix, identifier_component(&addr)),
            email.to_lowercase(),
        ),
    };
    let header = |suffix: &str, payload_type: &str, display_name: Option<String>| PayloadHeader {
        display_name,
        identifier: format!("{identifier}.{suffix}"),
        payload_type: payload_type.into(),
        uuid: make_uuid(
            req.uuids,
            &format!("{identifier}.{suffix}\n{email_key}\n{protocol_name}"),
        ),
        version: 1,
    };
    let account = Account {
        email: &email,
        local: local.clone(),
        name: name.clone(),
        user_given: user_given.clone(),
        password: password.clone(),
        description: text.account_description.clone(),
    };
    let mut content = Vec::new();
    match kind {
        AccountKind::Mail => {
            let protocol = protocol.unwrap_or(Protocol::Imap);
            let mail = mail_payload(
                req,
                preset,
                &account,
                protocol,
                MAIL_PAYLOAD_TYPE,
                &identifier,
                &email_key,
                &mut warnings,
            )?;
            content.push(Payload::Mail(Box::new(mail)));
        }
        AccountKind::Exchange => {
            let host = exchange_host(req, preset)?;
            let user_name = Some(user_given.clone().unwrap_or_else(|| email.clone()));
            let display = Some(text.account_description.clone());
            content.push(match platform {
                Platform::Ios => Payload::Exchange(Box::new(ExchangePayload {
                    email_address: email.clone(),
                    host: Some(host),
                    past_days: None,
                    oauth: req.oauth,
                    password: password.clone(),
                    header: header("exchange", EAS_PAYLOAD_TYPE, display),
                    ssl: true,
                    user_name,
                })),
                Platform::Macos => Payload::Ews(Box::new(EwsPayload {
                    email_address: email.clone(),
                    host,
                    oauth: req.oauth,
                    password: password.clone(),
                    header: header("exchange", EWS_PAYLOAD_TYPE, display),
                    ssl: true,
                    user_name,
                })),
            });
        }
        AccountKind::Google => {
            content.push(Payload::Google(Box::new(GooglePayload {
                account_description: Some(text.account_description.clone()),
                account_name: name.clone(),
                email_address: email.clone(),
                header: header(
                    "google",
                    GOOGLE_PAYLOAD_TYPE,
                    Some(text.account_description.clone()),
                ),
            })));
        }
    }
    for extra in &req.with {
        content.push(dav_payload(*extra, preset, &account, &header));
    }
    let target_device_type = match (kind, req.platform) {
        // iPhone/iPad-only payloads: the Mac is not offered the profile.
        (AccountKind::Exchange | AccountKind::Google, Some(Platform::Ios) | None) => Some(1),
        (_, Some(Platform::Macos)) => Some(5),
        _ => None,
    };
    // A mail profile's UUID is what it always was; other kinds and extras make their own.
    let mut uuid_name = format!("{identifier}\n{email_key}\nprofile");
    if kind != AccountKind::Mail || !req.with.is_empty() || req.platform.is_some() {
        uuid_name.push_str(&format!(
            "\n{protocol_name}\n{:?}\n{:?}",
            req.with, req.platform
        ));
    }
    let profile = Profile {
        content,
        description: Some(text.description),
        display_name: Some(text.display_name),
        identifier: identifier.clone(),
        organization,
        removal_disallowed: None,
        payload_type: "Configuration".into(),
        uuid: make_uuid(req.uuids, &uuid_name),
        version: 1,
        target_device_type,
    };
    check_written(
        &profile,
        registry,
        req.mdm.as_ref().map(|m| &m.mdm),
        req.lang,
        &mut warnings,
    )?;
    Ok(Rendered {
        profile,
        file_name: text.file_name,
        preset_id: (preset.id != "custom").then(|| preset.id.clone()),
        warnings,
        notes: preset
            .notes
            .iter()
            .map(|n| req.lang.pick(&n.ja, &n.en).to_string())
            .collect(),
    })
}

/// The preset for the address: the domain's owner, or the one `--carrier` names for a domain no
/// preset owns. `None`: no preset (servers or an account kind given on the command line).
fn choose_preset<'r>(
    req: &Request,
    registry: &'r Registry,
    addr: &Address,
    email: &str,
) -> Result<Option<&'r Preset>> {
    // One rule for the provider: a domain a preset owns gets that preset's verdict (a refusal
    // included); a provider chosen by --carrier, the web menu or a CSV column applies only to
    // domains no preset owns (a company domain hosted at Gmail, say).
    let owner = registry.for_domain(&addr.domain);
    let preset: Option<&Preset> = match &req.carrier {
        Some(id) => {
            let chosen = registry.get(id).ok_or_else(|| Error::UnknownCarrier {
                id: id.clone(),
                suggestion: crate::schema::closest_key(id, registry.ids()).map(str::to_string),
            })?;
            match owner {
                Some(o) if o.id != chosen.id => {
                    return Err(Error::input(
                        "--carrier",
                        crate::i18n::tr(
                            format!(
                                "{email} belongs to {} ({}), not to {}; leave --carrier out and the address's provider is used",
                                o.display_name(req.lang),
                                o.id,
                                chosen.display_name(req.lang)
                            ),
                            format!(
                                "{email} は{}({})のアドレスで、{}のものではありません。--carrier を付けなければアドレスのプロバイダが使われます",
                                o.display_name(req.lang),
                                o.id,
                                chosen.display_name(req.lang)
                            ),
                        ),
                    ))
                }
                _ => Some(chosen),
            }
        }
        None => owner,
    };
    if let Some(p) = preset {
        if let Some(u) = &p.unsupported {
            return Err(Error::Unsupported {
                address: email.to_string(),
                reason: req.lang.pick(&u.ja, &u.en).to_string(),
                instead: u.instead.clone(),
            });
        }
    }
    Ok(preset)
}

/// What a preset offers, for messages: "mail (IMAP, POP), Exchange, calendar".
fn offered(p: &Preset) -> String {
    let mut out = Vec::new();
    if p.imap.is_some() || p.pop.is_some() {
        out.push("mail");
    }
    if p.exchange.is_some() {
        out.push("exchange");
    }
    if p.google {
        out.push("google");
    }
    if p.caldav.is_some() {
        out.push("calendar");
    }
    if p.carddav.is_some() {
        out.push("contacts");
    }
    out.join(", ")
}

/// The account kind: asked for, or the preset's (mail when it has mail servers; Exchange or
/// Google when that is all it offers). A domain a preset owns gets only what the preset offers.
fn choose_kind(req: &Request, preset: Option<&Preset>, addr: &Address) -> Result<AccountKind> {
    let servers_given = req.servers.any_incoming_host() || req.servers.smtp_host.is_some();
    let kind = match req.account {
        Some(k) => k,
        None if req.protocol.is_some() || servers_given => AccountKind::Mail,
        None => match preset {
            Some(p) if p.imap.is_none() && p.pop.is_none() && p.exchange.is_some() => {
                AccountKind::Exchange
            }
            Some(p) if p.imap.is_none() && p.pop.is_none() && p.google => AccountKind::Google,
            _ => AccountKind::Mail,
        },
    };
    if kind != AccountKind::Mail && (req.protocol.is_some() || servers_given) {
        return Err(Error::input(
            "--account",
            crate::i18n::tr(
                format!("--protocol and the --imap/--pop/--smtp options are for mail accounts, not {}", kind.name()),
                format!("--protocol と --imap/--pop/--smtp のオプションはメールアカウント用で、{} には使えません", kind.name()),
            ),
        ));
    }
    if kind != AccountKind::Exchange && (req.exchange_host.is_some() || !req.oauth) {
        return Err(Error::input(
            "--exchange-host",
            crate::i18n::tr(
                "--exchange-host and --no-oauth are for Exchange accounts: give --account exchange",
                "--exchange-host と --no-oauth は Exchange アカウント用です。--account exchange を指定してください",
            ),
        ));
    }
    let refuse = |p: &Preset| {
        Error::input(
            "--account",
            crate::i18n::tr(
                format!(
                    "{} ({}) offers {}; not {}",
                    p.display_name(req.lang),
                    p.id,
                    offered(p),
                    kind.name()
                ),
                format!(
                    "{}({})で使えるのは {} で、{} ではありません",
                    p.display_name(req.lang),
                    p.id,
                    offered(p),
                    kind.name()
                ),
            ),
        )
    };
    match (kind, preset) {
        (AccountKind::Mail, Some(p)) if p.imap.is_none() && p.pop.is_none() && !servers_given => {
            Err(refuse(p))
        }
        (AccountKind::Mail, None)
            if !(req.servers.any_incoming_host() && req.servers.smtp_host.is_some()) =>
        {
            Err(Error::UnknownDomain {
                domain: addr.domain.clone(),
            })
        }
        (AccountKind::Exchange, Some(p)) if p.exchange.is_none() && req.exchange_host.is_none() => {
            Err(refuse(p))
        }
        (AccountKind::Google, Some(p)) if !p.google => Err(refuse(p)),
        _ => Ok(kind),
    }
}

/// `--with calendar,contacts`: only a mail account's, and only what the preset serves.
fn check_extras(req: &Request, preset: &Preset, kind: AccountKind) -> Result<()> {
    if req.with.is_empty() {
        return Ok(());
    }
    if kind != AccountKind::Mail {
        return Err(Error::input(
            "--with",
            crate::i18n::tr(
                format!("a {} account brings its calendars and contacts itself; --with is for mail accounts", kind.name()),
                format!("{} アカウントはカレンダーと連絡先を自分で同期します。--with はメールアカウント用です", kind.name()),
            ),
        ));
    }
    for extra in &req.with {
        let served = match extra {
            Extra::Calendar => preset.caldav.is_some(),
            Extra::Contacts => preset.carddav.is_some(),
        };
        if !served {
            return Err(Error::input(
                "--with",
                crate::i18n::tr(
                    format!(
                        "{} ({}) offers {}; not {}",
                        preset.display_name(req.lang),
                        preset.id,
                        offered(preset),
                        extra.name()
                    ),
                    format!(
                        "{}({})で使えるのは {} で、{} ではありません",
                        preset.display_name(req.lang),
                        preset.id,
                        offered(preset),
                        extra.name()
                    ),
                ),
            ));
        }
    }
    Ok(())
}

/// Host names of Exchange Online.
const EXCHANGE_ONLINE: &str = "outlook.office365.com";

/// What exists on the platform: Exchange ActiveSync and the Google payload are iOS's; a Mac gets
/// an Exchange Web Services payload for an on-premises server, and nothing for Exchange Online,
/// where Microsoft blocks EWS by default since 2026-10-01 and ends it on 2027-04-01.
fn check_platform(kind: AccountKind, platform: Platform, req: &Request) -> Result<()> {
    match (kind, platform) {
        (AccountKind::Google, Platform::Macos) => Err(Error::input(
            "--platform",
            crate::i18n::tr(
                "macOS has no Google account payload (com.apple.google-oauth is iOS only): use --account mail (IMAP with an app password), or add the account in System Settings → Internet Accounts → Google",
                "macOS には Google アカウントのペイロードがありません(com.apple.google-oauth は iOS 専用)。--account mail(アプリ パスワードで IMAP)を使うか、システム設定 → インターネットアカウント → Google で追加してください",
            ),
        )),
        (AccountKind::Exchange, Platform::Macos)
            if req.exchange_host.as_deref().is_none_or(|h| h.trim().eq_ignore_ascii_case(EXCHANGE_ONLINE)) =>
        {
            Err(Error::input(
                "--platform",
                crate::i18n::tr(
                    "on macOS an Exchange profile is an Exchange Web Services (EWS) account, and Microsoft blocks EWS in Exchange Online by default since 2026-10-01 and turns it off on 2027-04-01: add the account in System Settings → Internet Accounts → Microsoft Exchange, or use Outlook for Mac; --exchange-host names an on-premises server, where EWS still works",
                    "macOS の Exchange プロファイルは Exchange Web Services(EWS)のアカウントですが、Microsoft は Exchange Online の EWS を 2026-10-01 から既定で遮断し、2027-04-01 に廃止します。システム設定 → インターネットアカウント → Microsoft Exchange で追加するか、Outlook for Mac を使ってください。--exchange-host でオンプレミスのサーバを指定すれば EWS は使えます",
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// The Exchange host: `--exchange-host`, the preset's, or Exchange Online.
fn exchange_host(req: &Request, preset: &Preset) -> Result<String> {
    match &req.exchange_host {
        Some(h) => {
            let h = h.trim().to_ascii_lowercase();
            text::check_host(&h).map_err(|e| Error::input("--exchange-host", e))?;
            Ok(h)
        }
        None => Ok(preset
            .exchange
            .as_ref()
            .map_or_else(|| EXCHANGE_ONLINE.to_string(), |x| x.host.clone())),
    }
}

fn given_username(req: &Request, warnings: &mut Vec<String>) -> Result<Option<String>> {
    match &req.username {
        Some(u) if u.trim().is_empty() => Err(Error::input(
            "--username",
            crate::i18n::tr(
                "is empty; leave it out to use the preset's rule",
                "が空です。プリセットの規則を使うなら指定しないでください",
            ),
        )),
        Some(u) => {
            let (u, widened) = text::halfwidth(u.trim());
            let u = u.trim();
            text::check_line(u).map_err(|e| Error::input("--username", e))?;
            text::check_visible(u).map_err(|e| Error::input("--username", e))?;
            if widened {
                warnings.push(
                    crate::i18n::Msg::WarnFullWidthUsername
                        .fill(req.lang, &[("username", &format!("{u:?}"))]),
                );
            }
            Ok(Some(u.to_string()))
        }
        None => Ok(None),
    }
}

fn given_password(req: &Request) -> Result<Option<Secret>> {
    match &req.password {
        Some(p) if p.expose().is_empty() => Err(Error::input(
            "password",
            crate::i18n::tr(
                "is empty; leave it out and the phone asks for it",
                "が空です。入れなければインストール時にiPhoneが尋ねます",
            ),
        )),
        Some(p) => {
            text::check_line(p.expose()).map_err(|_| {
                Error::input(
                    "password",
                    crate::i18n::tr(
                        "contains a control character or a character XML cannot hold",
                        "に制御文字かXMLに入れられない文字が含まれています",
                    ),
                )
            })?;
            Ok(Some(p.clone()))
        }
        None => Ok(None),
    }
}

fn choose_protocol(req: &Request, preset: &Preset) -> Protocol {
    match req.protocol {
        Some(p) => p,
        None if req.servers.pop_host.is_some() && req.servers.imap_host.is_none() => Protocol::Pop,
        None if preset.imap.is_some() || req.servers.imap_host.is_some() => Protocol::Imap,
        None => Protocol::Pop,
    }
}

/// The templated, human-readable text of a profile.
struct Text {
    display_name: String,
    description: String,
    account_description: String,
    file_name: String,
}

fn shaped_text(req: &Request, templates: &Templates, ctx: &Context<'_>) -> Result<Text> {
    let ctx = &minijinja::Value::from_serialize(ctx);
    let templated =
        |flag: &str, given: &Option<String>, template: &str, multiline: bool| -> Result<String> {
            let (s, field) = match given {
                Some(s) => (s.trim().to_string(), flag.to_string()),
                None => (
                    templates.render(template, ctx)?,
                    format!("template {template}"),
                ),
            };
            if s.is_empty() {
                return Err(Error::input(field, crate::i18n::tr("is empty", "が空です")));
            }
            if multiline {
                text::check_multiline(&s)
            } else {
                text::check_line(&s)
            }
            .map_err(|e| Error::input(field, e))?;
            Ok(s)
        };
    let display_name = templated(
        "--display-name",
        &req.display_name,
        "display_name.j2",
        false,
    )?;
    let description = templated("--description", &req.description, "description.j2", true)?;
    let account_description = templated(
        "--account-description",
        &req.account_description,
        "account_description.j2",
        false,
    )?;
    let mut file_name = text::sanitize_file_name(&templates.render("file_name.j2", ctx)?);
    if file_name.is_empty() || file_name == "_" {
        return Err(Error::input(
            "template file_name.j2",
            crate::i18n::tr(
                "renders an empty file name",
                "の結果が空のファイル名になります",
            ),
        ));
    }
    if !file_name.ends_with(".mobileconfig") {
        file_name.push_str(".mobileconfig");
    }
    Ok(Text {
        display_name,
        description,
        account_description,
        file_name,
    })
}

/// What every account payload of a profile shares.
struct Account<'a> {
    email: &'a str,
    /// The part before the `@` (an MDM's variable for it, if it has one).
    local: Option<String>,
    name: Option<String>,
    user_given: Option<String>,
    password: Option<Secret>,
    description: String,
}

impl Account<'_> {
    fn username_for(&self, rule: UsernameRule) -> Option<String> {
        if let Some(u) = &self.user_given {
            return Some(u.clone());
        }
        match rule {
            UsernameRule::Email => Some(self.email.to_string()),
            UsernameRule::LocalPart => self.local.clone(),
            UsernameRule::Ask => None,
        }
    }
}

/// The `com.apple.mail.managed` payload: the preset's servers after overrides.
#[allow(clippy::too_many_arguments)]
fn mail_payload(
    req: &Request,
    preset: &Preset,
    account: &Account<'_>,
    protocol: Protocol,
    payload_type: &str,
    identifier: &str,
    email_key: &str,
    warnings: &mut Vec<String>,
) -> Result<MailPayload> {
    let incoming = match protocol {
        Protocol::Imap => resolve(
            "imap",
            preset.imap.as_ref(),
            &req.servers.imap_host,
            req.servers.imap_port,
            993,
            warnings,
            req.lang,
        )?,
        Protocol::Pop => {
            if preset.pop.is_none() && req.servers.pop_host.is_none() {
                return Err(Error::input(
                    "--protocol",
                    crate::i18n::tr(
                        format!(
                            "the {} preset offers no POP server; use IMAP or give --pop-host",
                            preset.id
                        ),
                        format!(
                            "{} のプリセットにはPOPサーバがありません。IMAPを使うか --pop-host を指定してください",
                            preset.id
                        ),
                    ),
                ));
            }
            resolve(
                "pop",
                preset.pop.as_ref(),
                &req.servers.pop_host,
                req.servers.pop_port,
                995,
                warnings,
                req.lang,
            )?
        }
    };
    let outgoing = resolve(
        "smtp",
        preset.smtp.as_ref(),
        &req.servers.smtp_host,
        req.servers.smtp_port,
        465,
        warnings,
        req.lang,
    )?;

    let incoming_username = account.username_for(incoming.username);
    let outgoing_username = account.username_for(outgoing.username);
    if incoming_username.is_none() || outgoing_username.is_none() {
        warnings.push(
            crate::i18n::Msg::WarnUsernameAsked
                .fill(req.lang, &[("provider", preset.display_name(req.lang))]),
        );
    }
    let protocol_name = match protocol {
        Protocol::Imap => "IMAP",
        Protocol::Pop => "POP",
    };
    let payload_identifier = format!("{identifier}.mail");
    let password = account.password.clone();
    let account_type = match protocol {
        Protocol::Imap => AccountType::Imap,
        Protocol::Pop => AccountType::Pop,
    };
    Ok(MailPayload {
        account_description: Some(account.description.clone()),
        account_name: account.name.clone(),
        account_type,
        email_address: Some(account.email.to_string()),
        incoming_auth: incoming.auth,
        incoming_host: incoming.host,
        imap_path_prefix: None,
        incoming_port: Some(incoming.port),
        incoming_ssl: true,
        incoming_username,
        incoming_password: password.clone(),
        outgoing_auth: outgoing.auth,
        outgoing_host: outgoing.host,
        outgoing_port: Some(outgoing.port),
        outgoing_ssl: true,
        outgoing_username,
        outgoing_password: password.clone(),
        outgoing_password_same_as_incoming: if password.is_none() { Some(true) } else { None },
        payload_description: None,
        payload_display_name: Some(account.description.clone()),
        payload_identifier: payload_identifier.clone(),
        payload_organization: None,
        payload_type: payload_type.into(),
        payload_uuid: make_uuid(
            req.uuids,
            &format!("{payload_identifier}\n{email_key}\n{protocol_name}"),
        ),
        payload_version: 1,
        prevent_app_sheet: None,
        prevent_move: None,
        smime_encryption_enabled: None,
        smime_encryption_certificate_uuid: None,
        smime_signing_enabled: None,
        smime_signing_certificate_uuid: None,
        vpn_uuid: None,
        allow_mail_drop: None,
        disable_mail_recents_syncing: None,
    })
}

/// A CalDAV or CardDAV payload from the preset's server, with the mail account's login.
fn dav_payload(
    extra: Extra,
    preset: &Preset,
    account: &Account<'_>,
    header: &dyn Fn(&str, &str, Option<String>) -> PayloadHeader,
) -> Payload {
    let (server, suffix, ty) = match extra {
        Extra::Calendar => (preset.caldav.as_ref(), "caldav", CALDAV_PAYLOAD_TYPE),
        Extra::Contacts => (preset.carddav.as_ref(), "carddav", CARDDAV_PAYLOAD_TYPE),
    };
    // check_extras made sure the preset serves it.
    let server = server.expect("checked by check_extras");
    let what = match extra {
        Extra::Calendar => crate::i18n::tr("Calendars", "カレンダー"),
        Extra::Contacts => crate::i18n::tr("Contacts", "連絡先"),
    };
    let description = crate::i18n::tr(
        format!("{} ({what})", account.description),
        format!("{}({what})", account.description),
    );
    let username = account.username_for(server.username);
    let h = header(suffix, ty, Some(description.clone()));
    match extra {
        Extra::Calendar => Payload::CalDav(Box::new(CalDavPayload {
            account_description: Some(description),
            host: server.host.clone(),
            password: account.password.clone(),
            port: server.port,
            principal_url: server.principal_url.clone(),
            ssl: true,
            username,
            header: h,
        })),
        Extra::Contacts => Payload::CardDav(Box::new(CardDavPayload {
            account_description: Some(description),
            host: server.host.clone(),
            password: account.password.clone(),
            port: server.port,
            principal_url: server.principal_url.clone(),
            ssl: true,
            username,
            header: h,
        })),
    }
}

/// The linter's verdict on what is about to be written (Apple's schema included): errors
/// refuse, warnings are said.
fn check_written(
    profile: &Profile,
    registry: &Registry,
    mdm: Option<&crate::mdm::Mdm>,
    lang: Lang,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let value = profile.to_value();
    let Some(root) = value.as_dictionary() else {
        return Ok(());
    };
    let findings = crate::lint::check_profile(root, registry, mdm);
    let (errors, rest): (Vec<_>, Vec<_>) = findings
        .into_iter()
        .partition(|f| f.severity == crate::lint::Severity::Error);
    if !errors.is_empty() {
        return Err(Error::Refused {
            findings: errors,
            lang,
        });
    }
    for f in rest {
        let detail = format!(
            "{}{}",
            f.message,
            f.help.map(|h| format!("; {h}")).unwrap_or_default()
        );
        warnings.push(match (lang, crate::lint::ja::texts(f.rule)) {
            (crate::preset::Lang::Ja, Some((summary, _))) => {
                format!("{} ({}): {summary}(詳細: {detail})", f.rule, f.path)
            }
            _ => format!("{} ({}): {detail}", f.rule, f.path),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Registry, Templates) {
        (Registry::builtin().unwrap(), Templates::load(None).unwrap())
    }

    #[test]
    fn derived_uuids_are_version_5_uuids() {
        for name in [
            "",
            "jp.profilegen.mail.taro.at.i.softbank.jp\ntaro@i.softbank.jp\nprofile",
            "ü",
        ] {
            assert_eq!(
                derived_uuid(name.as_bytes()),
                Uuid::new_v5(&uuid_namespace(), name.as_bytes())
            );
        }
    }

    #[test]
    fn softbank_profile() {
        let (reg, t) = setup();
        let r = render(&Request::new("taro@i.softbank.jp"), &reg, &t).unwrap();
        let Payload::Mail(m) = &r.profile.content[0] else {
            panic!("a mail payload")
        };
        assert_eq!(m.incoming_host, "imap.softbank.jp");
        assert_eq!(m.incoming_port, Some(993));
        assert!(m.incoming_ssl && m.outgoing_ssl);
        assert_eq!(m.outgoing_host, "smtp.softbank.jp");
        assert_eq!(m.outgoing_port, Some(587));
        assert_eq!(m.incoming_username.as_deref(), Some("taro"));
        assert_eq!(r.file_name, "taro@i.softbank.jp.mobileconfig");
        assert_eq!(
            r.profile.identifier,
            "jp.profilegen.mail.taro.at.i.softbank.jp"
        );
    }

    #[test]
    fn identifier_component_is_safe() {
        let a = Address::parse("Taro+Tag_1@Docomo.ne.jp").unwrap();
        assert_eq!(identifier_component(&a), "taro-x2btag-x5f1.at.docomo.ne.jp");
        // Ordinary addresses read as themselves (identifiers of installed profiles stay).
        for (addr, id) in [
            ("taro@i.softbank.jp", "taro.at.i.softbank.jp"),
            ("taro.yamada@gmail.com", "taro.yamada.at.gmail.com"),
            ("taro-1@docomo.ne.jp", "taro-1.at.docomo.ne.jp"),
        ] {
            assert_eq!(identifier_component(&Address::parse(addr).unwrap()), id);
        }
    }

    #[test]
    fn identifier_component_is_one_to_one() {
        let pairs = [
            ("taro.@docomo.ne.jp", "taro@docomo.ne.jp"),
            ("taro+tag@gmail.com", "taro-x2btag@gmail.com"),
            ("a_b@gmail.com", "a-x5fb@gmail.com"),
            ("a..b@docomo.ne.jp", "a.b@docomo.ne.jp"),
            (".taro@docomo.ne.jp", "-x2etaro@docomo.ne.jp"),
            ("taro-x@gmail.com", "taro-x2d@gmail.com"),
        ];
        for (a, b) in pairs {
            let ia = identifier_component(&Address::parse(a).unwrap());
            let ib = identifier_component(&Address::parse(b).unwrap());
            assert_ne!(ia, ib, "{a} and {b} share {ia}");
            // Only identifier characters.
            assert!(ia
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
        }
    }

    #[test]
    fn derived_uuids_are_stable_and_distinct() {
        let (reg, t) = setup();
        let a = render(&Request::new("taro@i.softbank.jp"), &reg, &t).unwrap();
        let b = render(&Request::new("taro@i.softbank.jp"), &reg, &t).unwrap();
        let c = render(&Request::new("hanako@i.softbank.jp"), &reg, &t).unwrap();
        assert_eq!(a.profile.uuid, b.profile.uuid);
        assert_ne!(a.profile.uuid, c.profile.uuid);
        let Payload::Mail(m) = &a.profile.content[0] else {
            panic!("a mail payload")
        };
        assert_ne!(m.payload_uuid, a.profile.uuid);
        assert_eq!(
            Uuid::parse_str(&a.profile.uuid).unwrap().get_version_num(),
            5
        );
    }
}

//! What the user gives (address, name, options) merged with a preset into a typed [`Profile`]:
//! deterministic identifiers and UUIDs, templated human-readable text.

use crate::error::{Error, Result};
use crate::preset::{self, Auth, Lang, Preset, Registry, Server, Status, UsernameRule};
use crate::profile::{
    AccountType, AuthMethod, MailPayload, Payload, Profile, Secret, MAIL_PAYLOAD_TYPE,
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
            t.render(name, &sample).map_err(|e| match e {
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

    fn render(&self, name: &str, ctx: &Context<'_>) -> Result<String> {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    Imap,
    Pop,
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

impl From<crate::cli::ServerArgs> for ServerOverrides {
    fn from(a: crate::cli::ServerArgs) -> ServerOverrides {
        ServerOverrides {
            imap_host: a.imap_host,
            imap_port: a.imap_port,
            pop_host: a.pop_host,
            pop_port: a.pop_port,
            smtp_host: a.smtp_host,
            smtp_port: a.smtp_port,
        }
    }
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

/// Namespace for derived UUIDs: UUID v5 of the URL "urn:profilegen".
pub fn uuid_namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:profilegen")
}

fn make_uuid(mode: UuidMode, name: &str) -> String {
    let u = match mode {
        UuidMode::Derived => Uuid::new_v5(&uuid_namespace(), name.as_bytes()),
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
    let (typed, widened) = text::halfwidth(&req.email);
    let addr = Address::parse(&typed).map_err(|e| Error::input("email", e))?;
    let email = addr.full();
    if widened {
        warnings.push(crate::i18n::Msg::WarnFullWidthAddress.fill(req.lang, &[("email", &email)]));
    }
    check_prefix(&req.identifier_prefix)?;

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
                address: email,
                reason: req.lang.pick(&u.ja, &u.en).to_string(),
                instead: u.instead.clone(),
            });
        }
    }
    let custom;
    let preset = match preset {
        Some(p) => p,
        None if req.servers.any_incoming_host() && req.servers.smtp_host.is_some() => {
            custom = custom_preset(&addr.domain);
            &custom
        }
        None => {
            return Err(Error::UnknownDomain {
                domain: addr.domain.clone(),
            })
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

    let protocol = match req.protocol {
        Some(p) => p,
        None if req.servers.pop_host.is_some() && req.servers.imap_host.is_none() => Protocol::Pop,
        None if preset.imap.is_some() || req.servers.imap_host.is_some() => Protocol::Imap,
        None => Protocol::Pop,
    };
    let incoming = match protocol {
        Protocol::Imap => resolve(
            "imap",
            preset.imap.as_ref(),
            &req.servers.imap_host,
            req.servers.imap_port,
            993,
            &mut warnings,
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
                &mut warnings,
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
        &mut warnings,
        req.lang,
    )?;

    let name = opt_line("--name", &req.name)?;
    let organization = opt_line("--org", &req.organization)?;
    let user_given = match &req.username {
        Some(u) if u.trim().is_empty() => {
            return Err(Error::input(
                "--username",
                crate::i18n::tr(
                    "is empty; leave it out to use the preset's rule",
                    "が空です。プリセットの規則を使うなら指定しないでください",
                ),
            ))
        }
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
            Some(u.to_string())
        }
        None => None,
    };
    let username_for = |rule: UsernameRule| -> Option<String> {
        if let Some(u) = &user_given {
            return Some(u.clone());
        }
        match rule {
            UsernameRule::Email => Some(email.clone()),
            UsernameRule::LocalPart => Some(addr.local.clone()),
            UsernameRule::Ask => None,
        }
    };
    let incoming_username = username_for(incoming.username);
    let outgoing_username = username_for(outgoing.username);
    if incoming_username.is_none() || outgoing_username.is_none() {
        warnings.push(
            crate::i18n::Msg::WarnUsernameAsked
                .fill(req.lang, &[("provider", preset.display_name(req.lang))]),
        );
    }
    let password = match &req.password {
        Some(p) if p.expose().is_empty() => {
            return Err(Error::input(
                "password",
                crate::i18n::tr(
                    "is empty; leave it out and the phone asks for it",
                    "が空です。入れなければインストール時にiPhoneが尋ねます",
                ),
            ))
        }
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
            Some(p.clone())
        }
        None => None,
    };

    let protocol_name = match protocol {
        Protocol::Imap => "IMAP",
        Protocol::Pop => "POP",
    };
    let ctx = Context {
        email: &email,
        local_part: &addr.local,
        domain: &addr.domain,
        name: name.as_deref(),
        organization: organization.as_deref(),
        username: user_given.as_deref(),
        protocol: protocol_name,
        lang: req.lang,
        password_included: password.is_some(),
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
    let templated =
        |flag: &str, given: &Option<String>, template: &str, multiline: bool| -> Result<String> {
            let (s, field) = match given {
                Some(s) => (s.trim().to_string(), flag.to_string()),
                None => (
                    templates.render(template, &ctx)?,
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
    let mut file_name = text::sanitize_file_name(&templates.render("file_name.j2", &ctx)?);
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

    let identifier = format!("{}.{}", req.identifier_prefix, identifier_component(&addr));
    let payload_identifier = format!("{identifier}.mail");
    let email_key = email.to_lowercase();
    let account_type = match protocol {
        Protocol::Imap => AccountType::Imap,
        Protocol::Pop => AccountType::Pop,
    };
    let mail = MailPayload {
        account_description: Some(account_description.clone()),
        account_name: name,
        account_type,
        email_address: Some(email.clone()),
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
        payload_display_name: Some(account_description),
        payload_identifier: payload_identifier.clone(),
        payload_organization: None,
        payload_type: MAIL_PAYLOAD_TYPE.into(),
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
    };
    let profile = Profile {
        content: vec![Payload::Mail(Box::new(mail))],
        description: Some(description),
        display_name: Some(display_name),
        identifier: identifier.clone(),
        organization,
        removal_disallowed: None,
        payload_type: "Configuration".into(),
        uuid: make_uuid(req.uuids, &format!("{identifier}\n{email_key}\nprofile")),
        version: 1,
    };
    let value = profile.to_value();
    // The linter's verdict on what is about to be written (Apple's schema included): errors
    // refuse, warnings are said.
    if let Some(root) = value.as_dictionary() {
        let findings = crate::lint::check_profile(root, registry);
        let (errors, rest): (Vec<_>, Vec<_>) = findings
            .into_iter()
            .partition(|f| f.severity == crate::lint::Severity::Error);
        if !errors.is_empty() {
            return Err(Error::Refused {
                findings: errors,
                lang: req.lang,
            });
        }
        for f in rest {
            let detail = format!(
                "{}{}",
                f.message,
                f.help.map(|h| format!("; {h}")).unwrap_or_default()
            );
            warnings.push(match (req.lang, crate::lint::ja::texts(f.rule)) {
                (crate::preset::Lang::Ja, Some((summary, _))) => {
                    format!("{} ({}): {summary}(詳細: {detail})", f.rule, f.path)
                }
                _ => format!("{} ({}): {detail}", f.rule, f.path),
            });
        }
    }
    Ok(Rendered {
        profile,
        file_name,
        preset_id: (preset.id != "custom").then(|| preset.id.clone()),
        warnings,
        notes: preset
            .notes
            .iter()
            .map(|n| req.lang.pick(&n.ja, &n.en).to_string())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Registry, Templates) {
        (Registry::builtin().unwrap(), Templates::load(None).unwrap())
    }

    #[test]
    fn softbank_profile() {
        let (reg, t) = setup();
        let r = render(&Request::new("taro@i.softbank.jp"), &reg, &t).unwrap();
        let Payload::Mail(m) = &r.profile.content[0];
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
        let Payload::Mail(m) = &a.profile.content[0];
        assert_ne!(m.payload_uuid, a.profile.uuid);
        assert_eq!(
            Uuid::parse_str(&a.profile.uuid).unwrap().get_version_num(),
            5
        );
    }
}

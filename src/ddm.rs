//! Declarative Device Management output (`--format ddm`): the account configurations of a
//! rendered profile as declarations — `com.apple.configuration.account.{mail,exchange,google,
//! caldav,carddav}` — with the user-identity asset they refer to, a credential asset where
//! `--credential-url` names where the MDM serves the user's credential, and a
//! `com.apple.activation.simple` that activates the configurations. Identifiers are derived from
//! the profile's; `ServerToken` is a hash of the declaration's content, so output is
//! byte-identical across runs and changes exactly when the content does.
//!
//! `account.mail` has no TLS key: Apple documents no rule for it, and the device can only go by
//! the port (implicit TLS on 993, 995 and 465; STARTTLS on 587). A port whose TLS is not
//! implied by its number (143, 110, 25 or any other) would risk a password in clear text, so it
//! is refused.

use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::profile::{AccountType, AuthMethod, MailPayload, Payload, Profile};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Where the MDM serves each user's credential (`{"UserName": …, "Password": …}`), for the
/// credential asset. `{email}` is replaced by the address, `{server}` by incoming/outgoing.
#[derive(Debug, Clone, Default)]
pub struct DdmOptions {
    pub credential_url: Option<String>,
}

/// One declaration.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Declaration {
    #[serde(rename = "Type")]
    pub ty: String,
    #[serde(rename = "Identifier")]
    pub identifier: String,
    #[serde(rename = "ServerToken")]
    pub server_token: String,
    #[serde(rename = "Payload")]
    pub payload: Value,
}

impl Declaration {
    fn new(ty: &str, identifier: String, payload: Value) -> Declaration {
        let content = serde_json::to_vec(&json!([ty, identifier, payload])).expect("JSON");
        let digest = openssl::sha::sha256(&content);
        let server_token = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Declaration {
            ty: ty.into(),
            identifier,
            server_token,
            payload,
        }
    }

    /// The declaration as the pretty JSON file an MDM takes.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("JSON");
        out.push(b'\n');
        out
    }
}

/// A set of declarations as one JSON array.
pub fn to_json_array(set: &[Declaration]) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(set).expect("JSON");
    out.push(b'\n');
    out
}

fn auth(a: AuthMethod) -> &'static str {
    match a {
        AuthMethod::None => "None",
        AuthMethod::Password => "Password",
        AuthMethod::CramMd5 => "CRAMMD5",
        AuthMethod::Ntlm => "NTLM",
        AuthMethod::HttpMd5 => "HTTPMD5",
    }
}

/// The ports whose number tells the device to use TLS.
fn tls_by_port(port: u16) -> bool {
    matches!(port, 993 | 995 | 465 | 587)
}

fn refuse_plaintext(side: &str, host: &str, port: u16) -> Error {
    Error::input(
        "--format ddm",
        tr(
            format!("{side} server {host}:{port}: a mail declaration has no TLS setting, and port {port} does not imply TLS, so the password could go in clear text; use 993/995 (incoming) or 465/587 (outgoing)"),
            format!("{side}サーバ {host}:{port}: メールの宣言には TLS の設定がなく、ポート {port} では TLS が決まらないため、パスワードが平文で流れるおそれがあります。993/995(受信)か 465/587(送信)を使ってください"),
        ),
    )
}

fn credential_url(opts: &DdmOptions, email: &str, server: &str) -> Result<String> {
    let url = opts.credential_url.as_deref().ok_or_else(|| {
        Error::input(
            "--credential-url",
            tr(
                "a mail or calendar declaration needs a credential asset (its servers use a password): give --credential-url https://… where the MDM serves each user's {\"UserName\", \"Password\"} JSON",
                "メールやカレンダーの宣言にはパスワードの資格情報アセットが必要です。MDM が利用者ごとの {\"UserName\", \"Password\"} の JSON を提供する場所を --credential-url https://… で指定してください",
            ),
        )
    })?;
    if !url.starts_with("https://") {
        return Err(Error::input(
            "--credential-url",
            tr(
                format!("{url:?}: the asset's DataURL must start with https://"),
                format!("{url:?}: アセットの DataURL は https:// で始まる必要があります"),
            ),
        ));
    }
    let encoded: String = email
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    Ok(url.replace("{email}", &encoded).replace("{server}", server))
}

fn credential_asset(id: String, url: String) -> Declaration {
    Declaration::new(
        "com.apple.asset.credential.userpassword",
        id,
        json!({
            "Reference": { "DataURL": url, "ContentType": "application/json" },
            "Authentication": { "Type": "MDM" },
        }),
    )
}

/// The declarations for a rendered profile. `mdm` names an MDM whose variables would go in:
/// none of the MDMs profilegen knows documents variables in declarations, so that is refused.
pub fn declarations(
    profile: &Profile,
    opts: &DdmOptions,
    mdm: Option<&crate::mdm::Mdm>,
) -> Result<Vec<Declaration>> {
    if let Some(m) = mdm {
        return Err(Error::input(
            "--format ddm",
            tr(
                format!("{} documents no variables inside declarations, so one declaration set cannot serve all its users: write one set per user with `bulk --format ddm`", m.name),
                format!("{} は宣言の中の変数を文書化していないため、1組の宣言で全利用者には使えません。`bulk --format ddm` で利用者ごとに作ってください", m.name),
            ),
        ));
    }
    let base = &profile.identifier;
    let email = profile.email_address().unwrap_or_default().to_string();
    let mut assets: Vec<Declaration> = Vec::new();
    let mut configs: Vec<Declaration> = Vec::new();
    let identity_id = format!("{base}.asset.identity");
    let mut identity = Map::new();
    identity.insert("EmailAddress".into(), json!(email));
    for p in &profile.content {
        if let Payload::Mail(m) = p {
            if let Some(n) = &m.account_name {
                identity.insert("FullName".into(), json!(n));
            }
        }
    }
    assets.push(Declaration::new(
        "com.apple.asset.useridentity",
        identity_id.clone(),
        Value::Object(identity),
    ));
    for p in &profile.content {
        match p {
            Payload::Mail(m) => {
                configs.push(mail(m, base, &email, &identity_id, opts, &mut assets)?);
            }
            Payload::Exchange(e) => {
                let mut pl = Map::new();
                pl.insert("VisibleName".into(), json!(e.header.display_name));
                pl.insert("EnabledProtocolTypes".into(), json!(["EAS"]));
                pl.insert("UserIdentityAssetReference".into(), json!(identity_id));
                if let Some(h) = &e.host {
                    pl.insert("HostName".into(), json!(h));
                }
                if e.oauth {
                    pl.insert("OAuth".into(), json!({ "Enabled": true }));
                } else {
                    let id = format!("{base}.asset.credential.exchange");
                    assets.push(credential_asset(
                        id.clone(),
                        credential_url(opts, &email, "exchange")?,
                    ));
                    pl.insert("AuthenticationCredentialsAssetReference".into(), json!(id));
                }
                configs.push(Declaration::new(
                    "com.apple.configuration.account.exchange",
                    format!("{base}.exchange"),
                    Value::Object(pl),
                ));
            }
            Payload::Ews(e) => {
                let mut pl = Map::new();
                pl.insert("VisibleName".into(), json!(e.header.display_name));
                pl.insert("EnabledProtocolTypes".into(), json!(["EWS"]));
                pl.insert("UserIdentityAssetReference".into(), json!(identity_id));
                pl.insert("HostName".into(), json!(e.host));
                if e.oauth {
                    pl.insert("OAuth".into(), json!({ "Enabled": true }));
                } else {
                    let id = format!("{base}.asset.credential.exchange");
                    assets.push(credential_asset(
                        id.clone(),
                        credential_url(opts, &email, "exchange")?,
                    ));
                    pl.insert("AuthenticationCredentialsAssetReference".into(), json!(id));
                }
                configs.push(Declaration::new(
                    "com.apple.configuration.account.exchange",
                    format!("{base}.exchange"),
                    Value::Object(pl),
                ));
            }
            Payload::Google(g) => configs.push(Declaration::new(
                "com.apple.configuration.account.google",
                format!("{base}.google"),
                json!({
                    "VisibleName": g.account_description,
                    "UserIdentityAssetReference": identity_id,
                }),
            )),
            Payload::CalDav(c) => {
                let id = format!("{base}.asset.credential.caldav");
                assets.push(credential_asset(
                    id.clone(),
                    credential_url(opts, &email, "caldav")?,
                ));
                configs.push(Declaration::new(
                    "com.apple.configuration.account.caldav",
                    format!("{base}.caldav"),
                    json!({
                        "VisibleName": c.account_description,
                        "HostName": c.host,
                        "Port": c.port,
                        "AuthenticationCredentialsAssetReference": id,
                    }),
                ));
            }
            Payload::CardDav(c) => {
                let id = format!("{base}.asset.credential.carddav");
                assets.push(credential_asset(
                    id.clone(),
                    credential_url(opts, &email, "carddav")?,
                ));
                configs.push(Declaration::new(
                    "com.apple.configuration.account.carddav",
                    format!("{base}.carddav"),
                    json!({
                        "VisibleName": c.account_description,
                        "HostName": c.host,
                        "Port": c.port,
                        "AuthenticationCredentialsAssetReference": id,
                    }),
                ));
            }
        }
    }
    let activation = Declaration::new(
        "com.apple.activation.simple",
        format!("{base}.activation"),
        json!({
            "StandardConfigurations": configs.iter().map(|c| c.identifier.clone()).collect::<Vec<_>>(),
        }),
    );
    let mut out = configs;
    out.extend(assets);
    out.push(activation);
    // Checked like any declaration lint reads: a schema error is a bug, never output.
    for d in &out {
        let errors: Vec<String> = crate::lint::declaration::lint(&d.to_json())
            .into_iter()
            .filter(|f| f.severity == crate::lint::Severity::Error)
            .map(|f| format!("{}: {}: {}", d.identifier, f.path, f.message))
            .collect();
        if !errors.is_empty() {
            return Err(Error::Other(errors.join("; ")));
        }
    }
    Ok(out)
}

fn mail(
    m: &MailPayload,
    base: &str,
    email: &str,
    identity_id: &str,
    opts: &DdmOptions,
    assets: &mut Vec<Declaration>,
) -> Result<Declaration> {
    let in_port = m.incoming_port.unwrap_or(0);
    let out_port = m.outgoing_port.unwrap_or(0);
    if !tls_by_port(in_port) || !m.incoming_ssl {
        return Err(refuse_plaintext(
            &tr("incoming", "受信"),
            &m.incoming_host,
            in_port,
        ));
    }
    if !tls_by_port(out_port) || !m.outgoing_ssl {
        return Err(refuse_plaintext(
            &tr("outgoing", "送信"),
            &m.outgoing_host,
            out_port,
        ));
    }
    // One credential asset when both servers take the same login; else one per server.
    let same = m.incoming_username == m.outgoing_username;
    let (in_cred, out_cred) = if same {
        let id = format!("{base}.asset.credential");
        assets.push(credential_asset(
            id.clone(),
            credential_url(opts, email, "mail")?,
        ));
        (id.clone(), id)
    } else {
        let url = opts.credential_url.clone().unwrap_or_default();
        if !url.contains("{server}") {
            return Err(Error::input(
                "--credential-url",
                tr(
                    "the incoming and outgoing logins differ, so each needs its own credential: put {server} in --credential-url (it becomes incoming or outgoing)",
                    "受信と送信でログイン名が違うため、それぞれに資格情報が必要です。--credential-url に {server} を入れてください(incoming か outgoing になります)",
                ),
            ));
        }
        let i = format!("{base}.asset.credential.incoming");
        let o = format!("{base}.asset.credential.outgoing");
        assets.push(credential_asset(
            i.clone(),
            credential_url(opts, email, "incoming")?,
        ));
        assets.push(credential_asset(
            o.clone(),
            credential_url(opts, email, "outgoing")?,
        ));
        (i, o)
    };
    let server_type = match m.account_type {
        AccountType::Imap => "IMAP",
        AccountType::Pop => "POP",
    };
    Ok(Declaration::new(
        "com.apple.configuration.account.mail",
        format!("{base}.mail"),
        json!({
            "VisibleName": m.account_description,
            "UserIdentityAssetReference": identity_id,
            "IncomingServer": {
                "ServerType": server_type,
                "HostName": m.incoming_host,
                "Port": in_port,
                "AuthenticationMethod": auth(m.incoming_auth),
                "AuthenticationCredentialsAssetReference": in_cred,
            },
            "OutgoingServer": {
                "HostName": m.outgoing_host,
                "Port": out_port,
                "AuthenticationMethod": auth(m.outgoing_auth),
                "AuthenticationCredentialsAssetReference": out_cred,
            },
        }),
    ))
}

//! The typed model of a configuration profile and of the `com.apple.mail.managed` payload,
//! serialised with the `plist` crate. Key names and types are those of [`crate::schema`]; a test
//! (and every run of `new`) checks the serialised dictionary against that table.

use serde::{Deserialize, Serialize};
use std::fmt;

/// `EmailAccountType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountType {
    #[serde(rename = "EmailTypeIMAP")]
    Imap,
    #[serde(rename = "EmailTypePOP")]
    Pop,
}

/// `IncomingMailServerAuthentication` / `OutgoingMailServerAuthentication`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthMethod {
    #[serde(rename = "EmailAuthNone")]
    None,
    #[serde(rename = "EmailAuthPassword")]
    Password,
    #[serde(rename = "EmailAuthCRAMMD5")]
    CramMd5,
    #[serde(rename = "EmailAuthNTLM")]
    Ntlm,
    #[serde(rename = "EmailAuthHTTPMD5")]
    HttpMd5,
}

/// A password. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Self {
        Secret(s)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A `com.apple.mail.managed` payload. Fields are in the order they are written (sorted as
/// Apple's own tools sort keys); `None` fields are left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailPayload {
    #[serde(
        rename = "EmailAccountDescription",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_description: Option<String>,
    #[serde(rename = "EmailAccountName", skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    #[serde(rename = "EmailAccountType")]
    pub account_type: AccountType,
    #[serde(rename = "EmailAddress", skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(rename = "IncomingMailServerAuthentication")]
    pub incoming_auth: AuthMethod,
    #[serde(rename = "IncomingMailServerHostName")]
    pub incoming_host: String,
    #[serde(
        rename = "IncomingMailServerIMAPPathPrefix",
        skip_serializing_if = "Option::is_none"
    )]
    pub imap_path_prefix: Option<String>,
    #[serde(
        rename = "IncomingMailServerPortNumber",
        skip_serializing_if = "Option::is_none"
    )]
    pub incoming_port: Option<u16>,
    /// Always written: Apple's default is `false`.
    #[serde(rename = "IncomingMailServerUseSSL")]
    pub incoming_ssl: bool,
    #[serde(
        rename = "IncomingMailServerUsername",
        skip_serializing_if = "Option::is_none"
    )]
    pub incoming_username: Option<String>,
    #[serde(rename = "IncomingPassword", skip_serializing_if = "Option::is_none")]
    pub incoming_password: Option<Secret>,
    #[serde(rename = "OutgoingMailServerAuthentication")]
    pub outgoing_auth: AuthMethod,
    #[serde(rename = "OutgoingMailServerHostName")]
    pub outgoing_host: String,
    #[serde(
        rename = "OutgoingMailServerPortNumber",
        skip_serializing_if = "Option::is_none"
    )]
    pub outgoing_port: Option<u16>,
    /// Always written: Apple's default is `false`.
    #[serde(rename = "OutgoingMailServerUseSSL")]
    pub outgoing_ssl: bool,
    #[serde(
        rename = "OutgoingMailServerUsername",
        skip_serializing_if = "Option::is_none"
    )]
    pub outgoing_username: Option<String>,
    #[serde(rename = "OutgoingPassword", skip_serializing_if = "Option::is_none")]
    pub outgoing_password: Option<Secret>,
    #[serde(
        rename = "OutgoingPasswordSameAsIncomingPassword",
        skip_serializing_if = "Option::is_none"
    )]
    pub outgoing_password_same_as_incoming: Option<bool>,
    #[serde(rename = "PayloadDescription", skip_serializing_if = "Option::is_none")]
    pub payload_description: Option<String>,
    #[serde(rename = "PayloadDisplayName", skip_serializing_if = "Option::is_none")]
    pub payload_display_name: Option<String>,
    #[serde(rename = "PayloadIdentifier")]
    pub payload_identifier: String,
    #[serde(
        rename = "PayloadOrganization",
        skip_serializing_if = "Option::is_none"
    )]
    pub payload_organization: Option<String>,
    #[serde(rename = "PayloadType")]
    pub payload_type: String,
    #[serde(rename = "PayloadUUID")]
    pub payload_uuid: String,
    #[serde(rename = "PayloadVersion")]
    pub payload_version: i64,
    #[serde(rename = "PreventAppSheet", skip_serializing_if = "Option::is_none")]
    pub prevent_app_sheet: Option<bool>,
    #[serde(rename = "PreventMove", skip_serializing_if = "Option::is_none")]
    pub prevent_move: Option<bool>,
    #[serde(
        rename = "SMIMEEncryptionEnabled",
        skip_serializing_if = "Option::is_none"
    )]
    pub smime_encryption_enabled: Option<bool>,
    #[serde(
        rename = "SMIMEEncryptionCertificateUUID",
        skip_serializing_if = "Option::is_none"
    )]
    pub smime_encryption_certificate_uuid: Option<String>,
    #[serde(
        rename = "SMIMESigningEnabled",
        skip_serializing_if = "Option::is_none"
    )]
    pub smime_signing_enabled: Option<bool>,
    #[serde(
        rename = "SMIMESigningCertificateUUID",
        skip_serializing_if = "Option::is_none"
    )]
    pub smime_signing_certificate_uuid: Option<String>,
    #[serde(rename = "VPNUUID", skip_serializing_if = "Option::is_none")]
    pub vpn_uuid: Option<String>,
    #[serde(rename = "allowMailDrop", skip_serializing_if = "Option::is_none")]
    pub allow_mail_drop: Option<bool>,
    #[serde(
        rename = "disableMailRecentsSyncing",
        skip_serializing_if = "Option::is_none"
    )]
    pub disable_mail_recents_syncing: Option<bool>,
}

pub const MAIL_PAYLOAD_TYPE: &str = "com.apple.mail.managed";
pub const EAS_PAYLOAD_TYPE: &str = "com.apple.eas.account";
pub const EWS_PAYLOAD_TYPE: &str = "com.apple.ews.account";
pub const GOOGLE_PAYLOAD_TYPE: &str = "com.apple.google-oauth";
pub const CALDAV_PAYLOAD_TYPE: &str = "com.apple.caldav.account";
pub const CARDDAV_PAYLOAD_TYPE: &str = "com.apple.carddav.account";

/// An optional value that is present: written as the value itself. (A struct with a flattened
/// field is written as a map, and plist writes a map's `Some(x)` as a `{Some: x}` dictionary.)
fn present<T: Serialize, S: serde::Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) => x.serialize(s),
        None => s.serialize_unit(),
    }
}

/// The keys every payload has, flattened into each payload type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayloadHeader {
    #[serde(
        rename = "PayloadDisplayName",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub display_name: Option<String>,
    #[serde(rename = "PayloadIdentifier")]
    pub identifier: String,
    #[serde(rename = "PayloadType")]
    pub payload_type: String,
    #[serde(rename = "PayloadUUID")]
    pub uuid: String,
    #[serde(rename = "PayloadVersion")]
    pub version: i64,
}

/// A `com.apple.eas.account` payload (Exchange ActiveSync; iOS only). With `OAuth` the phone
/// signs in through Microsoft's page after installation and no password is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangePayload {
    #[serde(rename = "EmailAddress")]
    pub email_address: String,
    #[serde(
        rename = "Host",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub host: Option<String>,
    #[serde(
        rename = "MailNumberOfPastDaysToSync",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub past_days: Option<i64>,
    #[serde(rename = "OAuth")]
    pub oauth: bool,
    #[serde(
        rename = "Password",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub password: Option<Secret>,
    #[serde(flatten)]
    pub header: PayloadHeader,
    #[serde(rename = "SSL")]
    pub ssl: bool,
    #[serde(
        rename = "UserName",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub user_name: Option<String>,
}

/// A `com.apple.ews.account` payload (Exchange Web Services; macOS only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EwsPayload {
    #[serde(rename = "EmailAddress")]
    pub email_address: String,
    #[serde(rename = "Host")]
    pub host: String,
    #[serde(rename = "OAuth")]
    pub oauth: bool,
    #[serde(
        rename = "Password",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub password: Option<Secret>,
    #[serde(flatten)]
    pub header: PayloadHeader,
    #[serde(rename = "SSL")]
    pub ssl: bool,
    #[serde(
        rename = "UserName",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub user_name: Option<String>,
}

/// A `com.apple.google-oauth` payload (iOS only): never a credential; the user signs in to
/// Google after installation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GooglePayload {
    #[serde(
        rename = "AccountDescription",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub account_description: Option<String>,
    #[serde(
        rename = "AccountName",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub account_name: Option<String>,
    #[serde(rename = "EmailAddress")]
    pub email_address: String,
    #[serde(flatten)]
    pub header: PayloadHeader,
}

/// A `com.apple.caldav.account` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalDavPayload {
    #[serde(
        rename = "CalDAVAccountDescription",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub account_description: Option<String>,
    #[serde(rename = "CalDAVHostName")]
    pub host: String,
    #[serde(
        rename = "CalDAVPassword",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub password: Option<Secret>,
    #[serde(rename = "CalDAVPort")]
    pub port: u16,
    #[serde(
        rename = "CalDAVPrincipalURL",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub principal_url: Option<String>,
    #[serde(rename = "CalDAVUseSSL")]
    pub ssl: bool,
    #[serde(
        rename = "CalDAVUsername",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub username: Option<String>,
    #[serde(flatten)]
    pub header: PayloadHeader,
}

/// A `com.apple.carddav.account` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardDavPayload {
    #[serde(
        rename = "CardDAVAccountDescription",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub account_description: Option<String>,
    #[serde(rename = "CardDAVHostName")]
    pub host: String,
    #[serde(
        rename = "CardDAVPassword",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub password: Option<Secret>,
    #[serde(rename = "CardDAVPort")]
    pub port: u16,
    #[serde(
        rename = "CardDAVPrincipalURL",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub principal_url: Option<String>,
    #[serde(rename = "CardDAVUseSSL")]
    pub ssl: bool,
    #[serde(
        rename = "CardDAVUsername",
        skip_serializing_if = "Option::is_none",
        serialize_with = "present"
    )]
    pub username: Option<String>,
    #[serde(flatten)]
    pub header: PayloadHeader,
}

/// One entry of `PayloadContent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Payload {
    Mail(Box<MailPayload>),
    Exchange(Box<ExchangePayload>),
    Ews(Box<EwsPayload>),
    Google(Box<GooglePayload>),
    CalDav(Box<CalDavPayload>),
    CardDav(Box<CardDavPayload>),
}

impl Payload {
    /// The account's address (every account kind but CalDAV and CardDAV names one).
    pub fn email_address(&self) -> Option<&str> {
        match self {
            Payload::Mail(m) => m.email_address.as_deref(),
            Payload::Exchange(e) => Some(&e.email_address),
            Payload::Ews(e) => Some(&e.email_address),
            Payload::Google(g) => Some(&g.email_address),
            Payload::CalDav(_) | Payload::CardDav(_) => None,
        }
    }

    /// True when the payload carries a password.
    pub fn holds_secret(&self) -> bool {
        match self {
            Payload::Mail(m) => m.incoming_password.is_some() || m.outgoing_password.is_some(),
            Payload::Exchange(e) => e.password.is_some(),
            Payload::Ews(e) => e.password.is_some(),
            Payload::Google(_) => false,
            Payload::CalDav(c) => c.password.is_some(),
            Payload::CardDav(c) => c.password.is_some(),
        }
    }
}

/// A configuration profile (the top-level dictionary).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(rename = "PayloadContent")]
    pub content: Vec<Payload>,
    #[serde(rename = "PayloadDescription", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "PayloadDisplayName", skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(rename = "PayloadIdentifier")]
    pub identifier: String,
    #[serde(
        rename = "PayloadOrganization",
        skip_serializing_if = "Option::is_none"
    )]
    pub organization: Option<String>,
    #[serde(
        rename = "PayloadRemovalDisallowed",
        skip_serializing_if = "Option::is_none"
    )]
    pub removal_disallowed: Option<bool>,
    #[serde(rename = "PayloadType")]
    pub payload_type: String,
    #[serde(rename = "PayloadUUID")]
    pub uuid: String,
    #[serde(rename = "PayloadVersion")]
    pub version: i64,
    /// 1 for iPhone/iPad only (Exchange ActiveSync, Google), 5 for Mac only; absent when the
    /// profile installs anywhere.
    #[serde(rename = "TargetDeviceType", skip_serializing_if = "Option::is_none")]
    pub target_device_type: Option<i64>,
}

impl Profile {
    /// True when any payload carries a password.
    pub fn holds_secret(&self) -> bool {
        self.content.iter().any(Payload::holds_secret)
    }

    /// The account's address: that of the first payload naming one.
    pub fn email_address(&self) -> Option<&str> {
        self.content.iter().find_map(Payload::email_address)
    }

    /// The profile as a plist value.
    pub fn to_value(&self) -> plist::Value {
        plist::to_value(self).expect("a Profile always serialises")
    }

    /// The profile as an XML plist (UTF-8, tab-indented, as Apple's tools write it).
    pub fn to_xml(&self) -> Vec<u8> {
        // A mail profile is 2–3 KiB: one allocation, no growth.
        let mut out = Vec::with_capacity(4096);
        plist::to_writer_xml(&mut out, self).expect("a Profile always serialises");
        out.push(b'\n');
        out
    }

    /// Checks the serialised profile against the schema table. `new` runs this on every profile
    /// it writes, so a profile that contradicts the schema never leaves the program.
    pub fn schema_problems(&self) -> Vec<String> {
        Profile::schema_problems_in(&self.to_value())
    }

    /// [`Profile::schema_problems`] of a profile already turned into a value.
    pub fn schema_problems_in(value: &plist::Value) -> Vec<String> {
        use crate::schema;
        let Some(top) = value.as_dictionary() else {
            return vec!["the profile is not a dictionary".into()];
        };
        let mut out: Vec<String> = schema::check_dict(top, schema::TOP_LEVEL.keys, &[])
            .into_iter()
            .map(|p| format!("{p:?}"))
            .collect();
        if let Some(items) = top.get("PayloadContent").and_then(|v| v.as_array()) {
            for (i, item) in items.iter().enumerate() {
                let d = item.as_dictionary().expect("payload is a dictionary");
                let ty = d
                    .get("PayloadType")
                    .and_then(|v| v.as_string())
                    .unwrap_or("");
                let Some(s) = schema::payload_schema(ty) else {
                    out.push(format!("PayloadContent[{i}]: unknown payload type {ty:?}"));
                    continue;
                };
                out.extend(
                    schema::check_dict(d, s.keys, schema::COMMON)
                        .into_iter()
                        .map(|p| format!("PayloadContent[{i}]: {p:?}")),
                );
            }
        }
        out
    }
}

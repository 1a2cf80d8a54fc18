//! Lint fixtures shared by `lint_rules` (each rule fires on its fixture, not on its near miss)
//! and `lint_fix` (each fixable rule's fix removes its finding and nothing else): a profile
//! `profilegen new` writes, changed in one place.
#![allow(dead_code)]

use plist::{Dictionary, Value};
use profilegen::preset::Registry;
use profilegen::render::{render, Request, Templates};

pub fn base() -> Dictionary {
    let registry = Registry::builtin().unwrap();
    let templates = Templates::load(None).unwrap();
    let mut req = Request::new("taro@i.softbank.jp");
    req.name = Some("山田 太郎".into());
    let r = render(&req, &registry, &templates).unwrap();
    r.profile.to_value().into_dictionary().unwrap()
}

pub fn xml(d: &Dictionary) -> Vec<u8> {
    let mut out = Vec::new();
    Value::Dictionary(d.clone())
        .to_writer_xml(&mut out)
        .unwrap();
    out
}

pub fn mail(d: &mut Dictionary) -> &mut Dictionary {
    d.get_mut("PayloadContent").unwrap().as_array_mut().unwrap()[0]
        .as_dictionary_mut()
        .unwrap()
}

pub fn set(d: &mut Dictionary, k: &str, v: Value) {
    d.insert(k.to_string(), v);
}

pub fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

pub type Mutation = fn(&mut Dictionary);

/// Adds a CalDAV payload with this port value.
pub fn add_caldav(d: &mut Dictionary, port: Value) {
    let mut c = Dictionary::new();
    set(&mut c, "PayloadType", s("com.apple.caldav.account"));
    set(&mut c, "PayloadVersion", Value::Integer(1.into()));
    set(&mut c, "PayloadIdentifier", s("jp.profilegen.caldav"));
    set(
        &mut c,
        "PayloadUUID",
        s("0A1B2C3D-0000-4000-8000-0000000000CA"),
    );
    set(&mut c, "CalDAVHostName", s("caldav.icloud.com"));
    set(&mut c, "CalDAVPort", port);
    set(&mut c, "CalDAVUseSSL", Value::Boolean(true));
    d.get_mut("PayloadContent")
        .unwrap()
        .as_array_mut()
        .unwrap()
        .push(Value::Dictionary(c));
}

/// The last payload of the profile (the one just added).
pub fn last(d: &mut Dictionary) -> &mut Dictionary {
    d.get_mut("PayloadContent")
        .unwrap()
        .as_array_mut()
        .unwrap()
        .last_mut()
        .unwrap()
        .as_dictionary_mut()
        .unwrap()
}

/// Adds an Exchange ActiveSync payload for Exchange Online with OAuth.
pub fn add_exchange(d: &mut Dictionary) {
    let mut c = Dictionary::new();
    set(&mut c, "EmailAddress", s("taro@i.softbank.jp"));
    set(&mut c, "Host", s("outlook.office365.com"));
    set(&mut c, "OAuth", Value::Boolean(true));
    set(&mut c, "PayloadType", s("com.apple.eas.account"));
    set(&mut c, "PayloadVersion", Value::Integer(1.into()));
    set(&mut c, "PayloadIdentifier", s("jp.profilegen.exchange"));
    set(
        &mut c,
        "PayloadUUID",
        s("0A1B2C3D-0000-4000-8000-0000000000EA"),
    );
    set(&mut c, "SSL", Value::Boolean(true));
    set(&mut c, "UserName", s("taro@i.softbank.jp"));
    d.get_mut("PayloadContent")
        .unwrap()
        .as_array_mut()
        .unwrap()
        .push(Value::Dictionary(c));
}

/// (rule, triggering change, near-miss change that must not trigger it)
pub fn cases() -> Vec<(&'static str, Mutation, Mutation)> {
    vec![
        (
            "PG101",
            |d| set(d, "PayloadType", s("com.apple.mail.managed")),
            |_| {},
        ),
        (
            "PG102",
            |d| set(mail(d), "PayloadVersion", Value::Real(1.0)),
            |d| set(mail(d), "PayloadVersion", Value::Integer(1.into())),
        ),
        (
            "PG103",
            |d| set(d, "PayloadUUID", s("")),
            |d| set(d, "PayloadUUID", s("0A1B2C3D-0000-4000-8000-000000000001")),
        ),
        (
            "PG104",
            |d| {
                let u = d["PayloadUUID"].clone();
                set(mail(d), "PayloadUUID", u);
            },
            |d| {
                set(
                    mail(d),
                    "PayloadUUID",
                    s("0A1B2C3D-0000-4000-8000-000000000002"),
                )
            },
        ),
        (
            "PG105",
            |d| {
                mail(d).remove("PayloadIdentifier");
            },
            |d| set(mail(d), "PayloadIdentifier", s("com.example.other")),
        ),
        (
            "PG106",
            |d| {
                let mut second = mail(d).clone();
                set(
                    &mut second,
                    "PayloadUUID",
                    s("0A1B2C3D-0000-4000-8000-000000000003"),
                );
                d.get_mut("PayloadContent")
                    .unwrap()
                    .as_array_mut()
                    .unwrap()
                    .push(Value::Dictionary(second));
            },
            |d| {
                let mut second = mail(d).clone();
                set(
                    &mut second,
                    "PayloadUUID",
                    s("0A1B2C3D-0000-4000-8000-000000000003"),
                );
                set(
                    &mut second,
                    "PayloadIdentifier",
                    s("jp.profilegen.mail.second"),
                );
                d.get_mut("PayloadContent")
                    .unwrap()
                    .as_array_mut()
                    .unwrap()
                    .push(Value::Dictionary(second));
            },
        ),
        (
            "PG107",
            |d| set(mail(d), "IncomingMailServerHostname", s("imap.softbank.jp")),
            |d| set(d, "PayloadEnabled", Value::Boolean(true)),
        ),
        (
            "PG108",
            |d| set(mail(d), "IncomingMailServerPortNumber", s("993")),
            |d| {
                set(
                    mail(d),
                    "IncomingMailServerPortNumber",
                    Value::Integer(993.into()),
                )
            },
        ),
        (
            "PG109",
            |d| set(mail(d), "EmailAccountType", s("IMAP")),
            |d| set(mail(d), "EmailAccountType", s("EmailTypePOP")),
        ),
        (
            "PG110",
            |d| {
                mail(d).remove("OutgoingMailServerHostName");
            },
            |d| {
                mail(d).remove("EmailAccountDescription");
            },
        ),
        (
            "PG111",
            |d| set(mail(d), "SMIMEEnabled", Value::Boolean(false)),
            |d| set(mail(d), "SMIMESigningEnabled", Value::Boolean(false)),
        ),
        (
            "PG112",
            |d| {
                d.get_mut("PayloadContent")
                    .unwrap()
                    .as_array_mut()
                    .unwrap()
                    .push(s("oops"))
            },
            |_| {},
        ),
        // PG113 works on bytes; see `junk_before_declaration` below.
        (
            "PG201",
            |d| {
                mail(d).remove("OutgoingMailServerUseSSL");
            },
            |d| set(mail(d), "OutgoingMailServerUseSSL", Value::Boolean(true)),
        ),
        (
            "PG202",
            |d| set(mail(d), "IncomingMailServerUseSSL", Value::Boolean(false)),
            |d| {
                // Loopback bridges without TLS are legitimate (PG201 stays quiet too).
                set(mail(d), "IncomingMailServerHostName", s("127.0.0.1"));
                set(
                    mail(d),
                    "IncomingMailServerPortNumber",
                    Value::Integer(1143.into()),
                );
                set(mail(d), "IncomingMailServerUseSSL", Value::Boolean(false));
            },
        ),
        (
            "PG203",
            |d| {
                set(
                    mail(d),
                    "IncomingMailServerPortNumber",
                    Value::Integer(143.into()),
                )
            },
            |d| {
                set(
                    mail(d),
                    "OutgoingMailServerPortNumber",
                    Value::Integer(587.into()),
                )
            },
        ),
        (
            "PG204",
            |d| {
                set(
                    mail(d),
                    "IncomingMailServerHostName",
                    s("imap.softbank.jp "),
                )
            },
            |d| set(mail(d), "IncomingMailServerHostName", s("imap.softbank.jp")),
        ),
        (
            "PG205",
            |d| set(mail(d), "IncomingMailServerHostName", s("IMAP.softbank.jp")),
            |_| {},
        ),
        (
            "PG206",
            |d| set(mail(d), "IncomingMailServerHostName", s("imap.sofbank.jp")),
            |d| set(mail(d), "IncomingMailServerHostName", s("imap.softbank.jp")),
        ),
        (
            "PG207",
            |d| {
                set(
                    mail(d),
                    "IncomingMailServerPortNumber",
                    Value::Integer(994.into()),
                )
            },
            |d| {
                set(
                    mail(d),
                    "OutgoingMailServerPortNumber",
                    Value::Integer(465.into()),
                )
            },
        ),
        (
            "PG208",
            |d| set(mail(d), "IncomingMailServerUsername", s("hanako")),
            |d| {
                set(
                    mail(d),
                    "IncomingMailServerUsername",
                    s("taro@i.softbank.jp"),
                )
            },
        ),
        (
            "PG209",
            |d| {
                set(
                    mail(d),
                    "OutgoingMailServerAuthentication",
                    s("EmailAuthNone"),
                )
            },
            |d| {
                set(
                    mail(d),
                    "OutgoingMailServerAuthentication",
                    s("EmailAuthCRAMMD5"),
                )
            },
        ),
        (
            "PG216",
            |d| set(mail(d), "IncomingMailServerUsername", s("ｔａｒｏ")),
            |d| set(mail(d), "IncomingMailServerUsername", s("taro")),
        ),
        (
            "PG217",
            |d| {
                add_exchange(d);
                set(last(d), "Password", s("Winter2026!"));
            },
            |d| {
                add_exchange(d);
                set(last(d), "OAuth", Value::Boolean(false));
                set(last(d), "Password", s("Winter2026!"));
            },
        ),
        (
            "PG218",
            |d| {
                add_exchange(d);
                last(d).remove("Host");
                set(
                    last(d),
                    "OAuthSignInURL",
                    s("https://login.corp.example.jp/oauth"),
                );
            },
            |d| {
                add_exchange(d);
                set(
                    last(d),
                    "OAuthSignInURL",
                    s("https://login.corp.example.jp/oauth"),
                );
            },
        ),
        (
            "PG219",
            |d| {
                add_exchange(d);
                set(d, "TargetDeviceType", Value::Integer(5.into()));
            },
            |d| {
                add_exchange(d);
                set(d, "TargetDeviceType", Value::Integer(1.into()));
            },
        ),
        (
            "PG220",
            |d| add_caldav(d, Value::Real(443.0)),
            |d| add_caldav(d, Value::Integer(443.into())),
        ),
        (
            "PG221",
            |d| {
                add_caldav(d, Value::Integer(443.into()));
                set(last(d), "CalDAVUseSSL", Value::Boolean(false));
            },
            |d| {
                add_caldav(d, Value::Integer(443.into()));
                last(d).remove("CalDAVUseSSL");
            },
        ),
        (
            "PG222",
            |d| {
                add_caldav(d, Value::Integer(443.into()));
                set(
                    last(d),
                    "CalDAVPrincipalURL",
                    s("http://dav.example.org/principals/taro/"),
                );
            },
            |d| {
                add_caldav(d, Value::Integer(443.into()));
                set(
                    last(d),
                    "CalDAVPrincipalURL",
                    s("https://caldav.icloud.com/123456/principal/"),
                );
            },
        ),
        (
            "PG114",
            |d| set(mail(d), "PayloadType", s("com.apple.mail.manged")),
            |_| {},
        ),
        (
            "PG115",
            |d| add_caldav(d, Value::Integer(98765.into())),
            |d| add_caldav(d, Value::Integer(443.into())),
        ),
        (
            "PG215",
            |d| {
                set(
                    mail(d),
                    "OutgoingMailServerPortNumber",
                    Value::Integer(993.into()),
                )
            },
            |d| {
                set(
                    mail(d),
                    "OutgoingMailServerPortNumber",
                    Value::Integer(465.into()),
                )
            },
        ),
        (
            "PG210",
            |d| set(mail(d), "IncomingPassword", s("Password123")),
            |d| {
                set(d, "IsEncrypted", Value::Boolean(true));
                set(mail(d), "IncomingPassword", s("Password123"));
            },
        ),
        (
            "PG211",
            |d| {
                set(mail(d), "EmailAddress", s("taro@docomo.ne.jp"));
                mail(d).remove("IncomingMailServerUsername");
                mail(d).remove("OutgoingMailServerUsername");
            },
            |d| set(mail(d), "EmailAddress", s("taro@i.softbank.jp")),
        ),
        (
            "PG212",
            |d| set(mail(d), "IncomingPassword", s("")),
            |d| {
                mail(d).remove("IncomingMailServerUsername");
            },
        ),
        (
            "PG213",
            |d| {
                mail(d).remove("OutgoingMailServerPortNumber");
            },
            |_| {},
        ),
        (
            "PG214",
            |d| set(mail(d), "EmailAddress", s("taro@softbank.ne.jp")),
            |_| {},
        ),
        (
            "PG401",
            |d| {
                set(
                    d,
                    "RemovalDate",
                    Value::Date(std::time::SystemTime::UNIX_EPOCH.into()),
                )
            },
            |d| {
                let future =
                    std::time::SystemTime::now() + std::time::Duration::from_secs(86400 * 365);
                set(d, "RemovalDate", Value::Date(future.into()));
            },
        ),
        (
            "PG402",
            |d| set(d, "PayloadRemovalDisallowed", Value::Boolean(true)),
            |d| set(d, "PayloadRemovalDisallowed", Value::Boolean(false)),
        ),
        (
            "PG501",
            |d| set(mail(d), "EmailAccountName", s("{{ display_name }}")),
            |d| {
                set(
                    d,
                    "PayloadDescription",
                    s("100% sure: 50% off, {braces} and 100 %"),
                )
            },
        ),
        (
            "PG502",
            |d| set(mail(d), "PayloadUUID", s("UUID1")),
            |d| set(mail(d), "EmailAccountName", s("TARO YAMADA")),
        ),
        (
            "PG503",
            |d| set(mail(d), "EmailAddress", s("taro@example.com")),
            |d| set(mail(d), "EmailAddress", s("taro@examples.co.jp")),
        ),
        (
            "PG504",
            |d| set(mail(d), "OutgoingMailServerHostName", s("mailserver")),
            |d| set(mail(d), "OutgoingMailServerHostName", s("localhost")),
        ),
        (
            "PG601",
            |d| {
                let id = d["PayloadIdentifier"].clone();
                set(mail(d), "PayloadIdentifier", id);
            },
            |_| {},
        ),
        (
            "PG602",
            |d| set(d, "PayloadIdentifier", s("\n    jp.profilegen.mail.taro")),
            |d| set(d, "PayloadIdentifier", s("jp.profilegen.mail.taro")),
        ),
        (
            "PG603",
            |d| {
                set(
                    mail(d),
                    "PayloadUUID",
                    s("b8fd6fd7a55e4eb196afd9c4d8562e38"),
                )
            },
            |d| {
                set(
                    mail(d),
                    "PayloadUUID",
                    s("b0a2f449-fda8-2b22-4980-cbbf9c5a85be"),
                )
            },
        ),
        (
            "PG604",
            |d| set(d, "PayloadUUID", s("48C88203-4DB9-49E8-B593-4831903605A0")),
            |d| set(d, "PayloadUUID", s("48C88203-4DB9-49E8-B593-4831903605A1")),
        ),
    ]
}

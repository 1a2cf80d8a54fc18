//! Each lint rule has a fixture that triggers it and a near miss that does not. Fixtures are
//! made from a profile `profilegen new` writes, changed in one place.

mod common;

use plist::{Dictionary, Value};
use profilegen::container::{Trust, Verifier};
use profilegen::lint::{self, rules, Options};
use profilegen::preset::Registry;
use profilegen::render::{render, Request, Templates};
use profilegen::sign::{Identity, IdentitySource, Passphrase, Signer};
use std::collections::{BTreeMap, BTreeSet};

fn base() -> Dictionary {
    let registry = Registry::builtin().unwrap();
    let templates = Templates::load(None).unwrap();
    let mut req = Request::new("taro@i.softbank.jp");
    req.name = Some("山田 太郎".into());
    let r = render(&req, &registry, &templates).unwrap();
    r.profile.to_value().into_dictionary().unwrap()
}

fn xml(d: &Dictionary) -> Vec<u8> {
    let mut out = Vec::new();
    Value::Dictionary(d.clone())
        .to_writer_xml(&mut out)
        .unwrap();
    out
}

fn mail(d: &mut Dictionary) -> &mut Dictionary {
    d.get_mut("PayloadContent").unwrap().as_array_mut().unwrap()[0]
        .as_dictionary_mut()
        .unwrap()
}

fn set(d: &mut Dictionary, k: &str, v: Value) {
    d.insert(k.to_string(), v);
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

type Mutation = fn(&mut Dictionary);

/// Adds a CalDAV payload with this port value.
fn add_caldav(d: &mut Dictionary, port: Value) {
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

/// (rule, triggering change, near-miss change that must not trigger it)
fn cases() -> Vec<(&'static str, Mutation, Mutation)> {
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

fn run(bytes: &[u8], store: &Verifier) -> Vec<lint::Finding> {
    let registry = Registry::builtin().unwrap();
    let opts = Options {
        presets: &registry,
        verifier: store,
        overrides: BTreeMap::new(),
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    };
    lint::lint_bytes(bytes, &opts)
}

fn ids(f: &[lint::Finding]) -> BTreeSet<&'static str> {
    f.iter().map(|f| f.rule).collect()
}

fn system() -> Verifier {
    Verifier::from_trust(&Trust::System).unwrap()
}

#[test]
fn the_base_profile_is_clean_but_unsigned() {
    let f = run(&xml(&base()), &system());
    assert_eq!(ids(&f), BTreeSet::from(["PG301"]), "{f:#?}");
}

#[test]
fn every_rule_triggers_on_its_fixture_and_not_on_its_near_miss() {
    let store = system();
    for (id, bad, good) in cases() {
        let mut d = base();
        bad(&mut d);
        let found = run(&xml(&d), &store);
        assert!(
            ids(&found).contains(id),
            "{id} did not fire on its fixture: {found:#?}"
        );
        let f = found.iter().find(|f| f.rule == id).unwrap();
        assert!(!f.message.is_empty());
        let mut d = base();
        good(&mut d);
        let found = run(&xml(&d), &store);
        assert!(
            !ids(&found).contains(id),
            "{id} fired on its near miss: {found:#?}"
        );
    }
}

#[test]
fn finding_paths_point_at_the_key() {
    let mut d = base();
    set(
        mail(&mut d),
        "IncomingMailServerPortNumber",
        Value::Integer(143.into()),
    );
    let f = run(&xml(&d), &system());
    let f = f.iter().find(|f| f.rule == "PG203").unwrap();
    assert_eq!(f.path, "PayloadContent[0].IncomingMailServerPortNumber");
    let mut d = base();
    set(
        mail(&mut d),
        "IncomingMailServerHostName",
        s("imap.sofbank.jp"),
    );
    let f = run(&xml(&d), &system());
    let f = f.iter().find(|f| f.rule == "PG206").unwrap();
    assert_eq!(f.help.as_deref(), Some("did you mean imap.softbank.jp?"));
    let mut d = base();
    set(mail(&mut d), "IncomingMailServerHostname", s("x"));
    let f = run(&xml(&d), &system());
    let f = f.iter().find(|f| f.rule == "PG107").unwrap();
    assert_eq!(
        f.help.as_deref(),
        Some("did you mean IncomingMailServerHostName?")
    );
}

#[test]
fn junk_before_declaration() {
    let mut bytes = b"\n\n".to_vec();
    bytes.extend(xml(&base()));
    assert!(ids(&run(&bytes, &system())).contains("PG113"));
    assert!(!ids(&run(&xml(&base()), &system())).contains("PG113"));
}

#[test]
fn unreadable_inputs_are_findings_not_panics() {
    let store = system();
    let deep = format!(
        "<?xml version=\"1.0\"?><plist version=\"1.0\">{}{}</plist>",
        "<array>".repeat(100_000),
        "</array>".repeat(100_000)
    );
    let cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"hello".to_vec(),
        b"<?xml version=\"1.0\"?><plist><dict><key>a</key>".to_vec(),
        b"<plist version=\"1.0\"><array><string>x</string></array></plist>".to_vec(),
        deep.into_bytes(),
        b"bplist00\xff\xff\xff".to_vec(),
        vec![
            0x30, 0x82, 0xff, 0xff, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07,
            0x02,
        ],
        b"-----BEGIN PKCS7-----\n!!!!\n-----END PKCS7-----\n".to_vec(),
        vec![0xff, 0xfe, 0x3c, 0x00, 0xd8],
    ];
    for c in cases {
        let f = run(&c, &store);
        assert!(
            ids(&f).contains("PG100"),
            "{:?}: {f:#?}",
            String::from_utf8_lossy(&c[..c.len().min(40)])
        );
    }
    // Truncations of a real profile never panic.
    let full = xml(&base());
    for cut in (0..full.len()).step_by(7) {
        let _ = run(&full[..cut], &store);
    }
}

#[test]
fn binary_and_utf16_profiles_are_read() {
    let d = base();
    let mut bin = Vec::new();
    Value::Dictionary(d.clone())
        .to_writer_binary(&mut bin)
        .unwrap();
    assert_eq!(ids(&run(&bin, &system())), BTreeSet::from(["PG301"]));
    let text = String::from_utf8(xml(&d))
        .unwrap()
        .replace("UTF-8", "UTF-16");
    let mut utf16 = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    assert_eq!(ids(&run(&utf16, &system())), BTreeSet::from(["PG301"]));
}

#[test]
fn every_rule_has_a_fixture() {
    let mut covered: BTreeSet<&str> = cases().iter().map(|(id, _, _)| *id).collect();
    // Tested elsewhere in this file: PG100 (unreadable inputs), PG113 (bytes before the
    // declaration), PG3xx (signed fixtures below).
    covered.extend([
        "PG100", "PG113", "PG116", "PG301", "PG302", "PG303", "PG304", "PG305",
    ]);
    // Found on live servers: tests/probe.rs has their fixtures.
    covered.extend([
        "PG701", "PG702", "PG703", "PG704", "PG705", "PG706", "PG707", "PG708", "PG709", "PG710",
        "PG711", "PG712", "PG713", "PG714", "PG715", "PG716", "PG717", "PG718",
    ]);
    for r in rules::ALL {
        assert!(covered.contains(r.id), "{} has no fixture", r.id);
    }
}

fn signer(pki: &common::Pki, cert: &str, key: &str, chain: bool) -> Signer {
    let identity = Identity::load(
        &IdentitySource::Pem {
            cert: pki.path(cert),
            key: pki.path(key),
            chain: chain.then(|| pki.path("chain.pem")),
        },
        &Passphrase::Env("UNUSED".into()),
    )
    .unwrap();
    Signer::new(identity, None).unwrap()
}

#[test]
fn signing_rules() {
    let pki = common::Pki::new();
    let store = Verifier::from_trust(&Trust::from_file(&pki.path("ca.pem")).unwrap()).unwrap();
    let content = xml(&base());

    let good = signer(&pki, "signer.pem", "signer.key", true)
        .sign(&content)
        .unwrap();
    let clean = ids(&run(&good, &store));
    assert!(
        clean.is_empty(),
        "a well-signed profile is clean: {clean:?}"
    );

    let mut flipped = good.clone();
    let at = flipped
        .windows(16)
        .position(|w| w == b"imap.softbank.jp")
        .unwrap();
    flipped[at] ^= 1;
    assert!(ids(&run(&flipped, &store)).contains("PG302"));

    let expired = signer(&pki, "expired.pem", "expired.key", true)
        .sign(&content)
        .unwrap();
    let f = ids(&run(&expired, &store));
    assert!(f.contains("PG303") && !f.contains("PG305"), "{f:?}");

    let leaf_only = signer(&pki, "signer.pem", "signer.key", false)
        .sign(&content)
        .unwrap();
    let f = ids(&run(&leaf_only, &store));
    assert!(f.contains("PG305") && !f.contains("PG302"), "{f:?}");

    // SHA-1, made by the openssl command.
    assert!(
        common::openssl_available(),
        "the openssl command is needed (apt-get install openssl)"
    );
    std::fs::write(pki.path("p.mobileconfig"), &content).unwrap();
    let st = std::process::Command::new("openssl")
        .args([
            "smime",
            "-sign",
            "-nodetach",
            "-binary",
            "-md",
            "sha1",
            "-outform",
            "der",
            "-in",
        ])
        .arg(pki.path("p.mobileconfig"))
        .arg("-signer")
        .arg(pki.path("signer.pem"))
        .arg("-inkey")
        .arg(pki.path("signer.key"))
        .arg("-certfile")
        .arg(pki.path("chain.pem"))
        .arg("-out")
        .arg(pki.path("sha1.der"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let f = ids(&run(&std::fs::read(pki.path("sha1.der")).unwrap(), &store));
    assert!(f.contains("PG304"), "{f:?}");
    assert!(!ids(&run(&good, &store)).contains("PG304"));
}

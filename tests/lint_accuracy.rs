//! Lint on profiles nobody here wrote: each false alarm and each miss found on third-party
//! profiles has a fixture here (written for this project, shaped like what generators and
//! admins produce).

mod common;

use assert_cmd::Command;
use plist::{Dictionary, Value};
use predicates::prelude::*;
use profilegen::container::{Trust, Verifier};
use profilegen::lint::{self, Finding, Options, Severity};
use profilegen::preset::Registry;
use std::collections::BTreeMap;

fn run(bytes: &[u8]) -> Vec<Finding> {
    let registry = Registry::builtin().unwrap();
    let verifier = Verifier::from_trust(&Trust::System).unwrap();
    let opts = Options {
        presets: &registry,
        verifier: &verifier,
        overrides: BTreeMap::new(),
        now: 1_800_000_000,
        mdm: None,
    };
    lint::lint_bytes(bytes, &opts)
}

fn has(f: &[Finding], rule: &str) -> bool {
    f.iter().any(|x| x.rule == rule)
}

fn find<'a>(f: &'a [Finding], rule: &str) -> &'a Finding {
    f.iter()
        .find(|x| x.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} in {f:#?}"))
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

/// A profile around these payloads.
fn profile(payloads: Vec<Dictionary>) -> Vec<u8> {
    let mut d = Dictionary::new();
    d.insert(
        "PayloadContent".into(),
        Value::Array(payloads.into_iter().map(Value::Dictionary).collect()),
    );
    d.insert("PayloadIdentifier".into(), s("jp.example.corp.profile"));
    d.insert("PayloadType".into(), s("Configuration"));
    d.insert(
        "PayloadUUID".into(),
        s("3F1D6C2A-8B7E-4C51-9A0D-6E2F4B8C1D70"),
    );
    d.insert("PayloadVersion".into(), int(1));
    d.insert("PayloadDisplayName".into(), s("Corp"));
    let mut out = Vec::new();
    Value::Dictionary(d).to_writer_xml(&mut out).unwrap();
    out
}

fn payload(ty: &str, n: u32, keys: &[(&str, Value)]) -> Dictionary {
    let mut d = Dictionary::new();
    d.insert("PayloadType".into(), s(ty));
    d.insert("PayloadVersion".into(), int(1));
    d.insert(
        "PayloadIdentifier".into(),
        s(&format!("jp.example.corp.profile.p{n}")),
    );
    d.insert(
        "PayloadUUID".into(),
        s(&format!("3F1D6C2A-8B7E-4C51-9A0D-6E2F4B8C1D{n:02}")),
    );
    for (k, v) in keys {
        d.insert((*k).into(), v.clone());
    }
    d
}

/// An IMAP account at a company's own server (no preset knows its ports).
fn corp_mail(extra: &[(&str, Value)]) -> Dictionary {
    let mut keys = vec![
        ("EmailAccountType", s("EmailTypeIMAP")),
        ("EmailAddress", s("hanako@corp-mail.co.jp")),
        ("IncomingMailServerAuthentication", s("EmailAuthPassword")),
        ("IncomingMailServerHostName", s("mail.corp-mail.co.jp")),
        ("IncomingMailServerPortNumber", int(993)),
        ("IncomingMailServerUseSSL", Value::Boolean(true)),
        ("IncomingMailServerUsername", s("hanako@corp-mail.co.jp")),
        ("OutgoingMailServerAuthentication", s("EmailAuthPassword")),
        ("OutgoingMailServerHostName", s("mail.corp-mail.co.jp")),
        ("OutgoingMailServerPortNumber", int(587)),
        ("OutgoingMailServerUseSSL", Value::Boolean(true)),
        ("OutgoingMailServerUsername", s("hanako@corp-mail.co.jp")),
    ];
    for (k, v) in extra {
        keys.retain(|(x, _)| x != k);
        keys.push((k, v.clone()));
    }
    payload("com.apple.mail.managed", 1, &keys)
}

#[test]
fn a_well_formed_company_profile_is_clean() {
    let f = run(&profile(vec![corp_mail(&[])]));
    let loud: Vec<_> = f.iter().filter(|x| x.severity > Severity::Info).collect();
    assert!(loud.is_empty(), "{loud:#?}");
}

// ---- false alarms ----

#[test]
fn starttls_on_143_at_an_unknown_host_is_not_a_plaintext_port() {
    let f = run(&profile(vec![corp_mail(&[(
        "IncomingMailServerPortNumber",
        int(143),
    )])]));
    assert!(!has(&f, "PG203"), "{f:#?}");
    // At a provider whose ports are known it is still reported.
    let gmail = payload(
        "com.apple.mail.managed",
        2,
        &[
            ("EmailAccountType", s("EmailTypeIMAP")),
            ("EmailAddress", s("taro@gmail.com")),
            ("IncomingMailServerAuthentication", s("EmailAuthPassword")),
            ("IncomingMailServerHostName", s("imap.gmail.com")),
            ("IncomingMailServerPortNumber", int(143)),
            ("IncomingMailServerUseSSL", Value::Boolean(true)),
            ("OutgoingMailServerAuthentication", s("EmailAuthPassword")),
            ("OutgoingMailServerHostName", s("smtp.gmail.com")),
            ("OutgoingMailServerPortNumber", int(465)),
            ("OutgoingMailServerUseSSL", Value::Boolean(true)),
        ],
    );
    assert!(has(&run(&profile(vec![gmail])), "PG203"));
}

#[test]
fn capitals_in_a_host_are_info_only() {
    let f = run(&profile(vec![corp_mail(&[(
        "IncomingMailServerHostName",
        s("Mail.Corp-Mail.co.jp"),
    )])]));
    assert_eq!(find(&f, "PG205").severity, Severity::Info);
}

#[test]
fn a_consistent_non_hex_uuid_is_info_only() {
    let mut p = corp_mail(&[]);
    p.insert("PayloadUUID".into(), s("corp-mail-account-hanako"));
    let f = run(&profile(vec![p]));
    let u = find(&f, "PG603");
    assert_eq!(u.severity, Severity::Info);
    assert!(u.help.is_some());
}

#[test]
fn an_encrypted_profile_needs_no_payload_content() {
    // What Apple's iPhone Configuration Utility wrote: EncryptedPayloadContent, no IsEncrypted.
    let mut d = Dictionary::new();
    d.insert(
        "EncryptedPayloadContent".into(),
        Value::Data(vec![0x30, 0x80, 0x06, 0x09, 1, 2, 3]),
    );
    d.insert("PayloadIdentifier".into(), s("jp.example.corp.enc"));
    d.insert("PayloadType".into(), s("Configuration"));
    d.insert(
        "PayloadUUID".into(),
        s("3F1D6C2A-8B7E-4C51-9A0D-6E2F4B8C1D99"),
    );
    d.insert("PayloadVersion".into(), int(1));
    let mut out = Vec::new();
    Value::Dictionary(d).to_writer_xml(&mut out).unwrap();
    let f = run(&out);
    assert!(!has(&f, "PG110"), "{f:#?}");
}

#[test]
fn an_unreadable_file_is_not_also_unsigned() {
    let f = run(b"<?xml version=\"1.0\"?><plist><dict><key>a</key>");
    assert!(has(&f, "PG100"));
    assert!(!has(&f, "PG301"), "{f:#?}");
}

// ---- misses ----

#[test]
fn a_port_of_the_other_direction_is_an_error() {
    for (key, port) in [
        ("OutgoingMailServerPortNumber", 993),
        ("OutgoingMailServerPortNumber", 110),
        ("IncomingMailServerPortNumber", 587),
        ("IncomingMailServerPortNumber", 25),
    ] {
        let f = run(&profile(vec![corp_mail(&[(key, int(port))])]));
        let x = find(&f, "PG215");
        assert_eq!(x.severity, Severity::Error, "{key} {port}");
        assert!(x.path.ends_with(key));
    }
}

fn caldav(port: Value) -> Dictionary {
    payload(
        "com.apple.caldav.account",
        2,
        &[
            ("CalDAVHostName", s("dav.corp-mail.co.jp")),
            ("CalDAVPort", port),
            ("CalDAVUseSSL", Value::Boolean(true)),
            ("CalDAVUsername", s("hanako")),
        ],
    )
}

#[test]
fn caldav_ports_are_checked_against_apples_schema() {
    let f = run(&profile(vec![caldav(int(98765))]));
    assert_eq!(find(&f, "PG115").path, "PayloadContent[0].CalDAVPort");
    // A port as <real> (mailcow's bug) is the DAV port rule's, said once.
    let f = run(&profile(vec![caldav(Value::Real(443.0))]));
    let x = find(&f, "PG220");
    assert!(x.message.contains("<real>"), "{x:?}");
    assert!(!has(&f, "PG108"), "{f:#?}");
    let f = run(&profile(vec![caldav(int(8443))]));
    assert!(
        !has(&f, "PG115") && !has(&f, "PG108") && !has(&f, "PG220"),
        "{f:#?}"
    );
}

#[test]
fn exchange_payloads_are_checked_too() {
    let eas = payload(
        "com.apple.eas.account",
        3,
        &[
            ("Host", s("{{ exchange_host }}")),
            ("EmailAddress", s("hanako@corp-mail.co.jp")),
            ("UserName", s("hanako")),
            ("Password", s("Winter2024!")),
            ("payload_type", s("exchange")),
            ("ExternalSSL", Value::Boolean(true)),
        ],
    );
    let f = run(&profile(vec![eas]));
    let unknown: Vec<&str> = f
        .iter()
        .filter(|x| x.rule == "PG107")
        .map(|x| x.path.as_str())
        .collect();
    assert!(
        unknown.contains(&"PayloadContent[0].payload_type"),
        "{unknown:?}"
    );
    assert!(
        unknown.contains(&"PayloadContent[0].ExternalSSL"),
        "{unknown:?}"
    );
    let pw = find(&f, "PG210");
    assert_eq!(pw.path, "PayloadContent[0].Password");
    assert!(
        !pw.message.contains("Winter2024"),
        "a password is never quoted"
    );
    assert_eq!(find(&f, "PG501").path, "PayloadContent[0].Host");
    // CalDAV and LDAP passwords too.
    let mut c = caldav(int(443));
    c.insert("CalDAVPassword".into(), s("hunter2"));
    assert!(has(&run(&profile(vec![c])), "PG210"));
}

#[test]
fn other_payload_types_are_checked_against_apples_schema() {
    // A Gatekeeper flag written as a string, a misspelt Wi-Fi key, a type Apple does not define.
    let gatekeeper = payload(
        "com.apple.systempolicy.control",
        4,
        &[("EnableAssessment", s("Enable"))],
    );
    let f = run(&profile(vec![gatekeeper]));
    assert!(find(&f, "PG108").message.contains("EnableAssessment"));
    let wifi = payload(
        "com.apple.wifi.managed",
        5,
        &[
            ("SSID_STR", s("corp")),
            ("EncryptionType", s("WPA2")),
            ("Hidden", Value::Boolean(true)),
        ],
    );
    let f = run(&profile(vec![wifi]));
    let x = f
        .iter()
        .find(|x| x.rule == "PG107" && x.path.ends_with("Hidden"))
        .unwrap_or_else(|| panic!("{f:#?}"));
    assert_eq!(x.help.as_deref(), Some("did you mean HIDDEN_NETWORK?"));
    let typo = payload("com.apple.wifi.manged", 6, &[]);
    let f = run(&profile(vec![typo]));
    let x = find(&f, "PG114");
    assert_eq!(x.severity, Severity::Warning);
    assert_eq!(
        x.help.as_deref(),
        Some("did you mean com.apple.wifi.managed?")
    );
    // An app's preference domain is legitimate on macOS: info, not a warning.
    let f = run(&profile(vec![payload("com.example.app", 7, &[])]));
    assert_eq!(find(&f, "PG114").severity, Severity::Info);
}

#[test]
fn xml_that_the_phones_parser_refuses_is_unreadable() {
    let good = String::from_utf8(profile(vec![corp_mail(&[])])).unwrap();
    for (what, bad) in [
        (
            "comment with --",
            good.replacen("<dict>", "<dict>\n<!-- old -- settings -->", 1),
        ),
        ("control character", good.replacen("Corp<", "Co\u{1}rp<", 1)),
        (
            "character reference to U+0001",
            good.replacen("Corp<", "Co&#1;rp<", 1),
        ),
        (
            "second XML declaration",
            good.replacen("<dict>", "<dict><?xml version=\"1.0\"?>", 1),
        ),
    ] {
        let f = run(bad.as_bytes());
        let x = find(&f, "PG100");
        assert!(
            x.message.contains("not well-formed XML") && x.message.contains("line"),
            "{what}: {x:?}"
        );
    }
    // A comment without "--" is fine.
    let ok = good.replacen("<dict>", "<dict>\n<!-- old settings -->", 1);
    assert!(!has(&run(ok.as_bytes()), "PG100"));
}

#[test]
fn a_template_that_does_not_parse_still_gets_findings() {
    let template = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>PayloadContent</key>
  <array>
    <dict>
      <key>EmailAccountType</key><string>EmailTypeIMAP</string>
      <key>EmailAddress</key><string>{{ .Email }}</string>
      <key>IncomingMailServerAuthentication</key><string>EmailAuthPassword</string>
      <key>IncomingMailServerHostName</key><string>{{ .Host }}</string>
      <key>IncomingMailServerPortNumber</key><integer>{{ .Port }}</integer>
      <key>IncomingMailServerUseSSL</key>{{ if .SSL }}<true/>{{ else }}<false/>{{ end }}
      <key>OutgoingMailServerAuthentication</key><string>EmailAuthPassword</string>
      <key>OutgoingMailServerHostName</key><string>{{ .Host }}</string>
      <key>OutgoingMailServerPortNumber</key><integer>993</integer>
      <key>OutgoingMailServerUseSSL</key><true/>
      <key>PayloadIdentifier</key><string>com.example.mail</string>
      <key>PayloadType</key><string>com.apple.mail.managed</string>
      <key>PayloadUUID</key><string>UUID1</string>
      <key>PayloadVersion</key><real>1</real>
    </dict>
  </array>
  <key>PayloadIdentifier</key><string>com.example</string>
  <key>PayloadType</key><string>Configuration</string>
  <key>PayloadUUID</key><string>0C6B1E52-7D4A-4F0B-8E33-2A9C5D7E1F60</string>
  <key>PayloadVersion</key><integer>1</integer>
</dict>
</plist>
"#;
    let f = run(template.as_bytes());
    let lines: Vec<&str> = f
        .iter()
        .filter(|x| x.rule == "PG501")
        .map(|x| x.path.as_str())
        .collect();
    assert_eq!(
        lines,
        ["line 9", "line 11", "line 12", "line 13", "line 15"]
    );
    assert!(find(&f, "PG100").message.contains("template"));
    // What the template's fixed parts get wrong is found too.
    assert!(find(&f, "PG102").path.ends_with("PayloadVersion"));
    assert_eq!(find(&f, "PG502").path, "PayloadContent[0].PayloadUUID");
    assert!(has(&f, "PG215"));
    // Nothing is said about the blanked-out expressions themselves.
    assert!(
        !f.iter().any(|x| x.rule == "PG504" || x.rule == "PG204"),
        "{f:#?}"
    );
    assert!(!has(&f, "PG301"));
}

#[test]
fn sha1_signatures_without_signed_attributes_are_found() {
    if !common::openssl_available() {
        eprintln!("openssl not installed; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.mobileconfig");
    std::fs::write(&p, profile(vec![corp_mail(&[])])).unwrap();
    let pki = common::Pki::new();
    // -stream writes BER with indefinite lengths; -noattr leaves the signed attributes out.
    let out = dir.path().join("s.der");
    let st = std::process::Command::new("openssl")
        .args([
            "cms",
            "-sign",
            "-md",
            "sha1",
            "-noattr",
            "-nodetach",
            "-binary",
            "-stream",
        ])
        .args(["-outform", "der", "-in"])
        .arg(&p)
        .arg("-signer")
        .arg(pki.path("signer.pem"))
        .arg("-inkey")
        .arg(pki.path("signer.key"))
        .arg("-out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let f = run(&std::fs::read(&out).unwrap());
    assert!(find(&f, "PG304").message.contains("SHA-1"), "{f:#?}");
    Command::cargo_bin("profilegen")
        .unwrap()
        .arg("inspect")
        .arg(&out)
        .assert()
        .stdout(predicate::str::contains("digest:      SHA-1"));
}

#[test]
fn directories_are_searched_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let good = profile(vec![corp_mail(&[])]);
    std::fs::write(dir.path().join("a.mobileconfig"), &good).unwrap();
    std::fs::write(dir.path().join("b.plist"), &good).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/c.xml"), &good).unwrap();
    // Not profiles: skipped, and counted.
    std::fs::write(
        dir.path().join("autoconfig.xml"),
        "<?xml version=\"1.0\"?><clientConfig version=\"1.1\"/>",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    let out = Command::cargo_bin("profilegen")
        .unwrap()
        .args(["lint", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let j: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut files: Vec<String> = j
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    files.sort();
    files.dedup();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("b.plist")));
    assert!(files.iter().any(|f| f.ends_with("c.xml")));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("skipped 2 files that are not a profile"),
        "{err}"
    );
    // --extension narrows the walk.
    let out = Command::cargo_bin("profilegen")
        .unwrap()
        .args(["lint", "--format", "json", "--extension", "plist"])
        .arg(dir.path())
        .output()
        .unwrap();
    let j: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(j
        .iter()
        .all(|f| f["file"].as_str().unwrap().ends_with("b.plist")));
    assert!(String::from_utf8_lossy(&out.stderr).contains("with another extension"));
}

#[test]
fn declarations_are_checked_against_their_schema() {
    let good = serde_json::json!({
        "Type": "com.apple.configuration.account.mail",
        "Identifier": "mail.hanako",
        "ServerToken": "1",
        "Payload": {
            "VisibleName": "Corp",
            "UserIdentityAssetReference": "identity.hanako",
            "IncomingServer": {
                "ServerType": "IMAP",
                "HostName": "mail.corp-mail.co.jp",
                "Port": 993,
                "AuthenticationMethod": "Password",
                "AuthenticationCredentialsAssetReference": "credential.hanako"
            },
            "OutgoingServer": {
                "HostName": "mail.corp-mail.co.jp",
                "Port": 465,
                "AuthenticationMethod": "Password",
                "AuthenticationCredentialsAssetReference": "credential.hanako"
            }
        }
    });
    let bytes = serde_json::to_vec_pretty(&good).unwrap();
    let f = run(&bytes);
    assert!(f.is_empty(), "{f:#?}");
    let mut bad = good.clone();
    bad["Payload"]["IncomingServer"]["Port"] = serde_json::json!(99_999);
    bad["Payload"]["IncomingServer"]["HostNmae"] = serde_json::json!("x");
    bad["Payload"]["OutgoingServer"]["Port"] = serde_json::json!("465");
    bad.as_object_mut().unwrap().remove("ServerToken");
    let f = run(&serde_json::to_vec(&bad).unwrap());
    assert_eq!(find(&f, "PG115").path, "Payload.IncomingServer.Port");
    let typo = find(&f, "PG107");
    assert_eq!(typo.path, "Payload.IncomingServer.HostNmae");
    assert_eq!(typo.help.as_deref(), Some("did you mean HostName?"));
    assert_eq!(find(&f, "PG108").path, "Payload.OutgoingServer.Port");
    assert_eq!(find(&f, "PG110").path, "ServerToken");
    let mut wrong = good;
    wrong["Type"] = serde_json::json!("com.apple.configuration.account.mial");
    let f = run(&serde_json::to_vec(&wrong).unwrap());
    assert_eq!(
        find(&f, "PG114").help.as_deref(),
        Some("did you mean com.apple.configuration.account.mail?")
    );
}

#[test]
fn broken_binary_plists_are_described_in_words() {
    let mut bytes = b"bplist00".to_vec();
    bytes.extend([0u8; 30]);
    bytes.extend([0xff; 4]);
    let f = run(&bytes);
    let m = &find(&f, "PG100").message;
    assert!(m.contains("binary plist"), "{m}");
    assert!(
        !m.chars().any(|c| c.is_ascii_uppercase()),
        "no CamelCase names: {m}"
    );
}

//! Account kinds end to end: for every preset and every kind it offers (mail, Exchange, Google,
//! with calendars and contacts), `new` writes a profile that Python's plistlib reads back, whose
//! every key Apple's schema files define with that type and an allowed value, whose required
//! keys are there, whose values are the preset's, and that lints clean. Then the refusals.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use profilegen::preset::Registry;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;

fn bin() -> Command {
    let mut c = Command::cargo_bin("profilegen").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("SOURCE_DATE_EPOCH");
    c
}

/// The profile `new` writes for these arguments, read back by Python's plistlib (as JSON).
fn generate(args: &[&str]) -> Json {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.mobileconfig");
    let out = bin()
        .args(["new", "-q", "-o"])
        .arg(&p)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    read_with_python(&p)
}

fn read_with_python(p: &Path) -> Json {
    let script = r#"
import json, plistlib, sys
d = plistlib.load(open(sys.argv[1], 'rb'))
def conv(v):
    if isinstance(v, bool): return {'bool': v}
    if isinstance(v, int): return {'int': v}
    if isinstance(v, float): return {'real': v}
    if isinstance(v, str): return {'string': v}
    if isinstance(v, bytes): return {'data': len(v)}
    if isinstance(v, list): return {'array': [conv(x) for x in v]}
    if isinstance(v, dict): return {'dict': {k: conv(x) for k, x in v.items()}}
    return {'other': str(type(v))}
print(json.dumps(conv(d)))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(p)
        .output()
        .expect("python3 (plistlib) is needed: .ci/run installs it");
    assert!(
        out.status.success(),
        "plistlib refused the profile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// One key of Apple's schema: its type tag and allowed values.
struct KeyRule {
    ty: String,
    required: bool,
    allowed: Vec<serde_yaml::Value>,
}

/// The keys Apple's schema file for `payload_type` defines (top level of the payload).
fn apple_keys(file: &str) -> BTreeMap<String, KeyRule> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema/apple/profiles")
        .join(format!("{file}.yaml"));
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for k in doc["payloadkeys"].as_sequence().unwrap() {
        out.insert(
            k["key"].as_str().unwrap().to_string(),
            KeyRule {
                ty: k["type"].as_str().unwrap().to_string(),
                required: k["presence"].as_str() == Some("required"),
                allowed: k["rangelist"].as_sequence().cloned().unwrap_or_default(),
            },
        );
    }
    out
}

fn tag(v: &Json) -> &'static str {
    match v
        .as_object()
        .and_then(|o| o.keys().next())
        .map(String::as_str)
    {
        Some("bool") => "<boolean>",
        Some("int") => "<integer>",
        Some("real") => "<real>",
        Some("string") => "<string>",
        Some("data") => "<data>",
        Some("array") => "<array>",
        Some("dict") => "<dictionary>",
        _ => "?",
    }
}

fn inner(v: &Json) -> &Json {
    v.as_object().unwrap().values().next().unwrap()
}

/// Checks a dictionary against a schema file's keys (and the common payload keys).
fn check_against(d: &serde_json::Map<String, Json>, file: &str, with_common: bool, what: &str) {
    let mut keys = apple_keys(file);
    if with_common {
        keys.extend(apple_keys("CommonPayloadKeys"));
    }
    for (k, v) in d {
        let rule = keys
            .get(k)
            .unwrap_or_else(|| panic!("{what}: {k} is not a key of {file}"));
        assert_eq!(tag(v), rule.ty, "{what}: {k} has the wrong type");
        if !rule.allowed.is_empty() {
            let value = inner(v);
            let ok = rule.allowed.iter().any(|a| match (a, value) {
                (serde_yaml::Value::String(x), Json::String(y)) => x == y,
                (serde_yaml::Value::Number(x), Json::Number(y)) => x.as_i64() == y.as_i64(),
                _ => false,
            });
            assert!(ok, "{what}: {k} = {value} is not an allowed value");
        }
    }
    for (k, rule) in &keys {
        if rule.required && !(with_common && k == "PayloadDisplayName") {
            assert!(d.contains_key(k), "{what}: required key {k} missing");
        }
    }
}

fn payloads(profile: &Json) -> Vec<&serde_json::Map<String, Json>> {
    inner(&inner(profile)["PayloadContent"])
        .as_array()
        .unwrap()
        .iter()
        .map(|p| inner(p).as_object().unwrap())
        .collect()
}

fn string<'a>(d: &'a serde_json::Map<String, Json>, k: &str) -> Option<&'a str> {
    d.get(k).map(inner).and_then(Json::as_str)
}

fn int(d: &serde_json::Map<String, Json>, k: &str) -> Option<i64> {
    d.get(k).map(inner).and_then(Json::as_i64)
}

fn lints_clean(args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.mobileconfig");
    bin()
        .args(["new", "-q", "-o"])
        .arg(&p)
        .args(args)
        .assert()
        .success();
    let out = bin()
        .args(["lint", "--fail-on", "warning"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?} does not lint clean: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn every_preset_and_kind_it_offers_is_right_by_apples_schema() {
    let registry = Registry::builtin().unwrap();
    let mut checked = 0;
    for p in registry.iter() {
        if p.unsupported.is_some() || p.domains.is_empty() {
            continue;
        }
        let domain = p.domains[0].replace("*.", "x.");
        let email = format!("taro@{domain}");
        let mut kinds: Vec<(&str, Vec<&str>)> = Vec::new();
        if p.imap.is_some() || p.pop.is_some() {
            kinds.push(("mail", vec![]));
            let mut with = Vec::new();
            if p.caldav.is_some() {
                with.push("calendar");
            }
            if p.carddav.is_some() {
                with.push("contacts");
            }
            if !with.is_empty() {
                kinds.push(("mail", with));
            }
        }
        if p.exchange.is_some() {
            kinds.push(("exchange", vec![]));
        }
        if p.google {
            kinds.push(("google", vec![]));
        }
        for (kind, with) in kinds {
            let joined = with.join(",");
            let mut args = vec!["--email", email.as_str(), "--account", kind];
            if !with.is_empty() {
                args.extend(["--with", joined.as_str()]);
            }
            let what = format!("{} {kind} {joined}", p.id);
            let profile = generate(&args);
            check_against(
                inner(&profile).as_object().unwrap(),
                "TopLevel",
                false,
                &what,
            );
            let items = payloads(&profile);
            assert_eq!(items.len(), 1 + with.len(), "{what}");
            for d in &items {
                let ty = string(d, "PayloadType").unwrap();
                check_against(d, ty, true, &what);
                match ty {
                    "com.apple.mail.managed" => {
                        let server = p.imap.as_ref().or(p.pop.as_ref()).unwrap();
                        assert_eq!(
                            string(d, "IncomingMailServerHostName"),
                            Some(server.host.as_str()),
                            "{what}"
                        );
                        assert_eq!(
                            int(d, "IncomingMailServerPortNumber"),
                            Some(i64::from(server.port)),
                            "{what}"
                        );
                        let smtp = p.smtp.as_ref().unwrap();
                        assert_eq!(
                            string(d, "OutgoingMailServerHostName"),
                            Some(smtp.host.as_str()),
                            "{what}"
                        );
                        assert_eq!(
                            int(d, "OutgoingMailServerPortNumber"),
                            Some(i64::from(smtp.port)),
                            "{what}"
                        );
                    }
                    "com.apple.eas.account" => {
                        let x = p.exchange.as_ref().unwrap();
                        assert_eq!(string(d, "Host"), Some(x.host.as_str()), "{what}");
                        assert_eq!(
                            d.get("OAuth").map(inner),
                            Some(&Json::Bool(x.oauth)),
                            "{what}"
                        );
                        assert!(!d.contains_key("Password"), "{what}: a password with OAuth");
                        assert_eq!(string(d, "EmailAddress"), Some(email.as_str()));
                    }
                    "com.apple.google-oauth" => {
                        assert_eq!(string(d, "EmailAddress"), Some(email.as_str()));
                    }
                    "com.apple.caldav.account" => {
                        let c = p.caldav.as_ref().unwrap();
                        assert_eq!(string(d, "CalDAVHostName"), Some(c.host.as_str()));
                        assert_eq!(int(d, "CalDAVPort"), Some(i64::from(c.port)));
                        assert_eq!(d.get("CalDAVUseSSL").map(inner), Some(&Json::Bool(true)));
                    }
                    "com.apple.carddav.account" => {
                        let c = p.carddav.as_ref().unwrap();
                        assert_eq!(string(d, "CardDAVHostName"), Some(c.host.as_str()));
                        assert_eq!(int(d, "CardDAVPort"), Some(i64::from(c.port)));
                    }
                    other => panic!("{what}: unexpected payload {other}"),
                }
            }
            // iPhone-only payloads say so; a mail profile installs anywhere.
            let target = int(inner(&profile).as_object().unwrap(), "TargetDeviceType");
            let expected = if kind == "mail" { None } else { Some(1) };
            assert_eq!(target, expected, "{what}");
            lints_clean(&args);
            checked += 1;
        }
    }
    assert!(checked >= 14, "only {checked} combinations");
}

#[test]
fn outlook_addresses_get_exchange_with_oauth_and_no_password() {
    for email in ["taro@outlook.jp", "taro@hotmail.co.jp", "taro@outlook.com"] {
        let profile = generate(&["--email", email]);
        let items = payloads(&profile);
        assert_eq!(items.len(), 1);
        let d = items[0];
        assert_eq!(string(d, "PayloadType"), Some("com.apple.eas.account"));
        assert_eq!(d.get("OAuth").map(inner), Some(&Json::Bool(true)));
        assert_eq!(string(d, "UserName"), Some(email));
        assert_eq!(string(d, "Host"), Some("outlook.office365.com"));
        assert!(!d.contains_key("Password"));
    }
    // A password with OAuth is refused: the phone signs in.
    bin()
        .args(["new", "--email", "taro@outlook.jp", "--password-env", "PW"])
        .env("PW", "secret")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("OAuth"));
}

#[test]
fn a_company_domain_gets_exchange_online_or_google_on_request() {
    let profile = generate(&[
        "--email",
        "hanako@corp.example.co.jp",
        "--account",
        "exchange",
    ]);
    let d = payloads(&profile)[0];
    assert_eq!(string(d, "PayloadType"), Some("com.apple.eas.account"));
    assert_eq!(string(d, "Host"), Some("outlook.office365.com"));
    let profile = generate(&[
        "--email",
        "hanako@corp.example.co.jp",
        "--account",
        "google",
    ]);
    let d = payloads(&profile)[0];
    assert_eq!(string(d, "PayloadType"), Some("com.apple.google-oauth"));
    assert_eq!(string(d, "EmailAddress"), Some("hanako@corp.example.co.jp"));
    // On-premises Exchange with a password, embedded on request (the file is then 0600).
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.mobileconfig");
    bin()
        .args([
            "new",
            "-q",
            "--email",
            "hanako@corp.example.co.jp",
            "--account",
            "exchange",
            "--exchange-host",
            "mail.corp.example.co.jp",
            "--no-oauth",
            "--password-env",
            "PW",
            "-o",
        ])
        .arg(&p)
        .env("PW", "Winter2026!")
        .assert()
        .success();
    let profile = read_with_python(&p);
    let d = payloads(&profile)[0];
    assert_eq!(string(d, "Host"), Some("mail.corp.example.co.jp"));
    assert_eq!(d.get("OAuth").map(inner), Some(&Json::Bool(false)));
    assert_eq!(string(d, "Password"), Some("Winter2026!"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn icloud_with_calendars_and_contacts() {
    let profile = generate(&["--email", "me@icloud.com", "--with", "calendar,contacts"]);
    let types: Vec<&str> = payloads(&profile)
        .iter()
        .map(|d| string(d, "PayloadType").unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "com.apple.mail.managed",
            "com.apple.caldav.account",
            "com.apple.carddav.account"
        ]
    );
    let ids: std::collections::BTreeSet<&str> = payloads(&profile)
        .iter()
        .map(|d| string(d, "PayloadUUID").unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "each payload its own UUID");
}

#[test]
fn what_a_provider_or_platform_lacks_is_refused_with_the_reason() {
    for (args, expect) in [
        (
            vec!["--email", "taro@i.softbank.jp", "--account", "google"],
            "offers mail",
        ),
        (
            vec!["--email", "taro@gmail.com", "--with", "calendar"],
            "not calendar",
        ),
        (
            vec!["--email", "taro@outlook.jp", "--account", "mail"],
            "offers exchange",
        ),
        (
            vec![
                "--email",
                "taro@gmail.com",
                "--account",
                "google",
                "--platform",
                "macos",
            ],
            "Internet Accounts",
        ),
        (
            vec!["--email", "taro@outlook.jp", "--platform", "macos"],
            "EWS",
        ),
        (
            vec!["--email", "taro@outlook.jp", "--with", "contacts"],
            "--with is for mail accounts",
        ),
        (
            vec![
                "--email",
                "taro@i.softbank.jp",
                "--exchange-host",
                "x.example.jp",
            ],
            "--account exchange",
        ),
        (
            vec!["--email", "taro@i.softbank.jp", "--account", "imap"],
            "mail, exchange, google",
        ),
    ] {
        bin()
            .arg("new")
            .args(&args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(expect));
    }
    // macOS and an on-premises Exchange: Exchange Web Services, for the Mac only.
    let profile = generate(&[
        "--email",
        "hanako@corp.example.co.jp",
        "--account",
        "exchange",
        "--exchange-host",
        "mail.corp.example.co.jp",
        "--platform",
        "macos",
    ]);
    let d = payloads(&profile)[0];
    assert_eq!(string(d, "PayloadType"), Some("com.apple.ews.account"));
    assert_eq!(
        int(inner(&profile).as_object().unwrap(), "TargetDeviceType"),
        Some(5)
    );
}

#[test]
fn bulk_takes_account_and_with_columns() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("users.csv");
    std::fs::write(
        &csv,
        "email,account,with\n\
         taro@i.softbank.jp,,\n\
         me@icloud.com,,\"calendar,contacts\"\n\
         hanako@outlook.jp,,\n\
         ichiro@gmail.com,google,\n\
         jiro@gmail.com,,calendar\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("users.csv:6").and(predicate::str::contains("with:")));
    let kinds = |name: &str| -> Vec<String> {
        payloads(&read_with_python(&out.join(name)))
            .iter()
            .map(|d| string(d, "PayloadType").unwrap().to_string())
            .collect()
    };
    assert_eq!(kinds("me@icloud.com.mobileconfig").len(), 3);
    assert_eq!(
        kinds("hanako@outlook.jp.mobileconfig"),
        ["com.apple.eas.account"]
    );
    assert_eq!(
        kinds("ichiro@gmail.com.mobileconfig"),
        ["com.apple.google-oauth"]
    );
    assert!(!out.join("jiro@gmail.com.mobileconfig").exists());
}

#[test]
fn the_web_page_offers_calendars_and_contacts() {
    let server = common::Server::start(&[]);
    let page = ureq::get(&server.url)
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(page.contains("name=\"calendar\"") && page.contains("name=\"contacts\""));
    let r = ureq::post(&format!("{}profile", server.url))
        .send_form(&[
            ("email", "me@icloud.com"),
            ("calendar", "on"),
            ("contacts", "on"),
        ])
        .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut r.into_reader(), &mut bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("web.mobileconfig");
    std::fs::write(&p, bytes).unwrap();
    assert_eq!(payloads(&read_with_python(&p)).len(), 3);
    // An Outlook address from the page is an Exchange account.
    let r = ureq::post(&format!("{}profile", server.url))
        .send_form(&[("email", "taro@outlook.jp")])
        .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut r.into_reader(), &mut bytes).unwrap();
    std::fs::write(&p, bytes).unwrap();
    let profile = read_with_python(&p);
    assert_eq!(
        string(payloads(&profile)[0], "PayloadType"),
        Some("com.apple.eas.account")
    );
    server.stop();
}

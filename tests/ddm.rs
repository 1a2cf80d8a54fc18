//! `--format ddm`: declaration sets for each account kind, checked key by key against Apple's
//! declarative schema files (read here, not through profilegen's tables), with every reference
//! resolving to a declaration of the right type, and byte-identical across runs; the refusals;
//! lint on declaration sets.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn bin() -> Command {
    let mut c = Command::cargo_bin("profilegen").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("SOURCE_DATE_EPOCH");
    c
}

const URL: &str = "https://mdm.example.jp/credentials/{email}/{server}.json";

fn ddm(args: &[&str]) -> (Vec<u8>, Vec<Value>) {
    let out = bin()
        .args(["new", "-q", "--format", "ddm", "--single-file"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let set: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    (out.stdout, set)
}

/// Apple's schema for each declaration type, from the YAML files.
fn schemas() -> BTreeMap<String, serde_yaml::Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/apple/declarations");
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            let doc: serde_yaml::Value =
                serde_yaml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            if let Some(t) = doc["payload"]["declarationtype"].as_str() {
                out.insert(t.to_string(), doc);
            }
        }
    }
    out
}

fn json_tag(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "<boolean>",
        Value::Number(n) if n.is_i64() || n.is_u64() => "<integer>",
        Value::Number(_) => "<real>",
        Value::String(_) => "<string>",
        Value::Array(_) => "<array>",
        Value::Object(_) => "<dictionary>",
        Value::Null => "null",
    }
}

/// Checks an object against a `payloadkeys`/`subkeys` list: known keys, types, allowed values,
/// required keys.
fn check(obj: &serde_json::Map<String, Value>, keys: &serde_yaml::Value, what: &str) {
    let keys = keys.as_sequence().unwrap();
    for (k, v) in obj {
        let spec = keys
            .iter()
            .find(|s| s["key"].as_str() == Some(k))
            .unwrap_or_else(|| panic!("{what}: {k} is not in Apple's schema"));
        assert_eq!(json_tag(v), spec["type"].as_str().unwrap(), "{what}: {k}");
        if let Some(range) = spec["rangelist"].as_sequence() {
            let ok = range.iter().any(|r| match (r, v) {
                (serde_yaml::Value::String(a), Value::String(b)) => a == b,
                (serde_yaml::Value::Number(a), Value::Number(b)) => a.as_i64() == b.as_i64(),
                _ => false,
            });
            assert!(ok, "{what}: {k} = {v} not allowed");
        }
        if let (Value::Object(inner), Some(sub)) = (v, spec.get("subkeys")) {
            check(inner, sub, &format!("{what}.{k}"));
        }
        if let (Value::Array(items), Some(sub)) = (v, spec.get("subkeys")) {
            let item_spec = &sub[0];
            for item in items {
                assert_eq!(
                    json_tag(item),
                    item_spec["type"].as_str().unwrap(),
                    "{what}.{k}[]"
                );
            }
        }
    }
    for s in keys {
        if s["presence"].as_str() == Some("required") {
            let k = s["key"].as_str().unwrap();
            assert!(obj.contains_key(k), "{what}: required {k} missing");
        }
    }
}

fn check_set(set: &[Value]) {
    let schemas = schemas();
    let ids: BTreeMap<&str, &str> = set
        .iter()
        .map(|d| {
            (
                d["Identifier"].as_str().unwrap(),
                d["Type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(ids.len(), set.len(), "identifiers are unique");
    for d in set {
        let ty = d["Type"].as_str().unwrap();
        let o = d.as_object().unwrap();
        for k in ["Type", "Identifier", "ServerToken", "Payload"] {
            assert!(o.contains_key(k), "{ty}: {k}");
        }
        let schema = schemas
            .get(ty)
            .unwrap_or_else(|| panic!("{ty} is not a declaration type"));
        check(
            d["Payload"].as_object().unwrap(),
            &schema["payloadkeys"],
            ty,
        );
        // Every reference resolves, to the declaration type the schema names.
        fn refs(v: &Value, out: &mut Vec<(String, String)>) {
            if let Some(o) = v.as_object() {
                for (k, x) in o {
                    match x {
                        Value::String(s) if k.ends_with("AssetReference") => {
                            out.push((k.clone(), s.clone()))
                        }
                        _ => refs(x, out),
                    }
                }
            }
        }
        let mut found = Vec::new();
        refs(&d["Payload"], &mut found);
        for (k, target) in found {
            let t = ids
                .get(target.as_str())
                .unwrap_or_else(|| panic!("{ty}: {k} → {target} unresolved"));
            let want = if k == "UserIdentityAssetReference" {
                "com.apple.asset.useridentity"
            } else {
                "com.apple.asset.credential.userpassword"
            };
            assert_eq!(*t, want, "{ty}: {k}");
        }
    }
    // The activation lists exactly the configurations.
    let act: Vec<&Value> = set
        .iter()
        .filter(|d| d["Type"] == "com.apple.activation.simple")
        .collect();
    assert_eq!(act.len(), 1);
    let listed: Vec<&str> = act[0]["Payload"]["StandardConfigurations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let configs: Vec<&str> = set
        .iter()
        .filter(|d| {
            d["Type"]
                .as_str()
                .unwrap()
                .starts_with("com.apple.configuration.")
        })
        .map(|d| d["Identifier"].as_str().unwrap())
        .collect();
    assert_eq!(listed, configs);
}

#[test]
fn every_account_kind_as_declarations() {
    for (args, types) in [
        (
            vec!["--email", "taro@i.softbank.jp", "--credential-url", URL],
            vec!["com.apple.configuration.account.mail"],
        ),
        (
            vec![
                "--email",
                "me@icloud.com",
                "--with",
                "calendar,contacts",
                "--credential-url",
                URL,
            ],
            vec![
                "com.apple.configuration.account.mail",
                "com.apple.configuration.account.caldav",
                "com.apple.configuration.account.carddav",
            ],
        ),
        (
            vec!["--email", "taro@outlook.jp"],
            vec!["com.apple.configuration.account.exchange"],
        ),
        (
            vec!["--email", "taro@gmail.com", "--account", "google"],
            vec!["com.apple.configuration.account.google"],
        ),
    ] {
        let (bytes, set) = ddm(&args);
        check_set(&set);
        let configs: Vec<&str> = set
            .iter()
            .map(|d| d["Type"].as_str().unwrap())
            .filter(|t| t.starts_with("com.apple.configuration."))
            .collect();
        assert_eq!(configs, types, "{args:?}");
        // Deterministic: the same bytes again.
        assert_eq!(ddm(&args).0, bytes, "{args:?}");
        // No password anywhere: the credential is served by the MDM.
        assert!(!String::from_utf8_lossy(&bytes).contains("\"Password\":"));
    }
    // The address is filled into the credential URL, percent-encoded.
    let (_, set) = ddm(&["--email", "taro@i.softbank.jp", "--credential-url", URL]);
    let cred = set
        .iter()
        .find(|d| d["Type"] == "com.apple.asset.credential.userpassword")
        .unwrap();
    assert_eq!(
        cred["Payload"]["Reference"]["DataURL"],
        "https://mdm.example.jp/credentials/taro%40i.softbank.jp/mail.json"
    );
    // A change in content changes the ServerToken, and only there.
    let (_, other) = ddm(&["--email", "jiro@i.softbank.jp", "--credential-url", URL]);
    assert_ne!(set[0]["ServerToken"], other[0]["ServerToken"]);
}

#[test]
fn a_file_per_declaration_and_lint_on_the_set() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args([
            "new",
            "-q",
            "--email",
            "me@icloud.com",
            "--format",
            "ddm",
            "--credential-url",
            URL,
            "-o",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        files.len(),
        5,
        "mail, identity, two credentials, activation: {files:?}"
    );
    bin().arg("lint").arg(dir.path()).assert().success();
    // A set missing the identity asset: every reference to it is PG117.
    let identity = files
        .iter()
        .find(|p| p.to_string_lossy().ends_with("asset.identity.json"))
        .unwrap();
    std::fs::remove_file(identity).unwrap();
    bin()
        .arg("lint")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("PG117"));
    // Profiles before and after the declarations in the walk, one a copy of another: the report
    // keeps the walk's order, PG117 stays on the declarations, PG604 on the copy.
    for name in ["0-first.mobileconfig", "zz-last.mobileconfig"] {
        bin()
            .args(["new", "-q", "--email", "taro@i.softbank.jp", "-o"])
            .arg(dir.path().join(name))
            .assert()
            .success();
    }
    let copy = std::fs::read_to_string(dir.path().join("zz-last.mobileconfig"))
        .unwrap()
        .replace("<string>jp.profilegen.mail.", "<string>jp.other.mail.");
    std::fs::write(dir.path().join("zz-last.mobileconfig"), copy).unwrap();
    let out = bin()
        .args(["lint", "--jobs", "2", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<&str> = report.iter().map(|f| f["file"].as_str().unwrap()).collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "the walk's order");
    let rules_of = |suffix: &str| -> Vec<&str> {
        report
            .iter()
            .filter(|f| f["file"].as_str().unwrap().ends_with(suffix))
            .map(|f| f["rule"].as_str().unwrap())
            .collect()
    };
    assert!(rules_of(".json").contains(&"PG117"), "{report:?}");
    assert!(
        rules_of("zz-last.mobileconfig").contains(&"PG604"),
        "{report:?}"
    );
    assert!(!rules_of("0-first.mobileconfig").contains(&"PG604"));
    // In one array file: a reference to the wrong type is PG117 too.
    let (_, mut set) = ddm(&["--email", "taro@outlook.jp"]);
    let activation = set.last().unwrap()["Identifier"].clone();
    set[0]["Payload"]["UserIdentityAssetReference"] = activation;
    let p = dir.path().join("array.json");
    std::fs::write(&p, serde_json::to_vec(&set).unwrap()).unwrap();
    bin().arg("lint").arg(&p).assert().code(1).stdout(
        predicate::str::contains("PG117")
            .and(predicate::str::contains("com.apple.asset.useridentity")),
    );
}

#[test]
fn what_declarations_cannot_carry_is_refused() {
    for (args, expect) in [
        (vec!["--email", "taro@i.softbank.jp"], "--credential-url"),
        (
            vec![
                "--email",
                "taro@i.softbank.jp",
                "--credential-url",
                "http://mdm.example.jp/c",
            ],
            "https://",
        ),
        (
            vec![
                "--email",
                "taro@corp.co.jp",
                "--imap-host",
                "mail.corp.co.jp",
                "--imap-port",
                "143",
                "--smtp-host",
                "mail.corp.co.jp",
                "--credential-url",
                URL,
            ],
            "clear text",
        ),
        (
            vec![
                "--mdm",
                "jamf",
                "--carrier",
                "gmail",
                "--credential-url",
                URL,
            ],
            "bulk --format ddm",
        ),
        (
            vec![
                "--email",
                "me@icloud.com",
                "--credential-url",
                "https://mdm.example.jp/c.json",
            ],
            "{server}",
        ),
    ] {
        bin()
            .args(["new", "--format", "ddm"])
            .args(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(expect));
    }
}

#[test]
fn bulk_writes_a_declaration_set_per_row() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("u.csv");
    std::fs::write(&csv, "email\ntaro@i.softbank.jp\nhanako@outlook.jp\n").unwrap();
    let out = dir.path().join("out");
    bin()
        .arg("bulk")
        .arg(&csv)
        .args(["--format", "ddm", "--credential-url", URL, "--out-dir"])
        .arg(&out)
        .assert()
        .success();
    for f in ["taro@i.softbank.jp.json", "hanako@outlook.jp.json"] {
        let set: Vec<Value> = serde_json::from_slice(&std::fs::read(out.join(f)).unwrap()).unwrap();
        check_set(&set);
    }
}

//! One profile for an MDM's users: for every MDM and several presets, `new --mdm` writes a profile
//! whose per-user values are that MDM's variables (read back by Python's plistlib), that lints
//! clean with `lint --mdm` and against Apple's schema, that is byte-identical across runs; a
//! preset whose login the MDM cannot express is refused; lint catches a misspelt variable.

use assert_cmd::Command;
use predicates::prelude::*;
use profilegen::mdm::Mdm;
use serde_json::Value as Json;

fn bin() -> Command {
    let mut c = Command::cargo_bin("profilegen").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("SOURCE_DATE_EPOCH");
    c
}

/// Every string value of a plist, read by Python's plistlib, with its key.
fn strings_with_python(p: &std::path::Path) -> Vec<(String, String)> {
    let script = r#"
import json, plistlib, sys
out = []
def walk(k, v):
    if isinstance(v, dict):
        for kk, vv in v.items(): walk(kk, vv)
    elif isinstance(v, list):
        for x in v: walk(k, x)
    elif isinstance(v, str):
        out.append([k, v])
walk('', plistlib.load(open(sys.argv[1], 'rb')))
print(json.dumps(out))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(p)
        .output()
        .expect("python3 (plistlib) is needed: .ci/run installs it");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Vec<(String, String)> = serde_json::from_slice(&out.stdout).unwrap();
    v
}

fn lint_json(p: &std::path::Path, mdm: Option<&str>) -> Vec<Json> {
    let mut c = bin();
    c.args(["lint", "--format", "json"]);
    if let Some(m) = mdm {
        c.args(["--mdm", m]);
    }
    let out = c.arg(p).output().unwrap();
    serde_json::from_slice::<Vec<Json>>(&out.stdout).unwrap()
}

/// (what selects the preset, the login rule the preset needs: "email", "local" or "id")
const PRESETS: &[(&[&str], &str)] = &[
    (&["--carrier", "gmail"], "email"),
    (&["--carrier", "softbank"], "local"),
    (&["--carrier", "docomo"], "id"),
    (
        &[
            "--domain",
            "corp.co.jp",
            "--imap-host",
            "imap.corp.co.jp",
            "--smtp-host",
            "smtp.corp.co.jp",
        ],
        "email",
    ),
];

#[test]
fn every_mdm_and_preset_gets_that_mdms_variables() {
    let dir = tempfile::tempdir().unwrap();
    let mut written = 0;
    for m in Mdm::all() {
        for (select, rule) in PRESETS {
            let what = format!("{} {select:?}", m.id);
            let p = dir.path().join(format!("{}-{written}.mobileconfig", m.id));
            let mut c = bin();
            c.args(["new", "-q", "--mdm", &m.id])
                .args(*select)
                .arg("-o")
                .arg(&p);
            let expressible = match *rule {
                "email" => true,
                "local" => m.roles.local_part.is_some(),
                _ => false,
            };
            if !expressible {
                // Never guessed: refused, naming --username-var.
                c.assert()
                    .code(1)
                    .stderr(predicate::str::contains("--username-var"));
                assert!(!p.exists(), "{what}");
                // ... and made with the variable that holds the login.
                let login = m.variables.last().unwrap().clone();
                bin()
                    .args(["new", "-q", "--mdm", &m.id])
                    .args(*select)
                    .args(["--username-var", &login, "-o"])
                    .arg(&p)
                    .assert()
                    .success();
            } else {
                c.assert().success();
            }
            written += 1;
            let values = strings_with_python(&p);
            let get = |k: &str| {
                values
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.as_str())
            };
            assert_eq!(get("EmailAddress"), m.roles.email.as_deref(), "{what}");
            if let Some(name) = &m.roles.full_name {
                assert_eq!(get("EmailAccountName"), Some(name.as_str()), "{what}");
            }
            let login_ok = |u: &str| m.tokens(u).len() == 1 && m.tokens(u)[0].1 == u && m.knows(u);
            for k in ["IncomingMailServerUsername", "OutgoingMailServerUsername"] {
                let u = get(k).unwrap_or_else(|| panic!("{what}: no {k}"));
                assert!(
                    login_ok(u),
                    "{what}: {k} = {u:?} is not one of the MDM's variables"
                );
            }
            // The address used to find the preset never leaks into the profile.
            assert!(
                values.iter().all(|(_, v)| !v.contains("mdm-user")),
                "{what}: {values:?}"
            );
            // Clean by lint --mdm and by Apple's schema (no PG1xx), and no leftovers.
            let findings = lint_json(&p, Some(&m.id));
            for f in &findings {
                let rule = f["rule"].as_str().unwrap();
                assert!(
                    f["severity"] != "error"
                        && !rule.starts_with("PG1")
                        && !["PG501", "PG502", "PG503", "PG504", "PG505"].contains(&rule),
                    "{what}: {f}"
                );
            }
            // Re-running gives the same bytes (a re-upload replaces the profile).
            let again = dir.path().join(format!("again-{written}.mobileconfig"));
            let mut c = bin();
            c.args(["new", "-q", "--mdm", &m.id]).args(*select);
            if !expressible {
                c.args(["--username-var", m.variables.last().unwrap()]);
            }
            c.arg("-o").arg(&again).assert().success();
            assert_eq!(
                std::fs::read(&p).unwrap(),
                std::fs::read(&again).unwrap(),
                "{what}"
            );
        }
    }
    assert!(written >= 32);
}

#[test]
fn lint_catches_a_misspelt_variable_and_hints_without_mdm() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("intune.mobileconfig");
    bin()
        .args(["new", "-q", "--mdm", "intune", "--carrier", "gmail", "-o"])
        .arg(&p)
        .assert()
        .success();
    // Without --mdm: a hint naming the MDM (PG507); with it: no leftover findings.
    let plain = lint_json(&p, None);
    assert!(plain
        .iter()
        .any(|f| f["rule"] == "PG507" && f["message"].as_str().unwrap().contains("--mdm intune")));
    let with = lint_json(&p, Some("intune"));
    assert!(
        with.iter()
            .all(|f| f["rule"] != "PG501" && f["rule"] != "PG505"),
        "{with:?}"
    );
    // The name variable of an MDM not known to escape XML: PG506.
    assert!(with.iter().any(|f| f["rule"] == "PG506"));
    // {{Mail}} instead of {{mail}}: an error with the right spelling.
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("{{mail}}", "{{Mail}}");
    let typo = dir.path().join("typo.mobileconfig");
    std::fs::write(&typo, text).unwrap();
    let f = lint_json(&typo, Some("intune"));
    let e = f.iter().find(|f| f["rule"] == "PG505").expect("PG505");
    assert!(e["help"].as_str().unwrap().contains("{{mail}}"), "{e}");
    bin()
        .args(["lint", "--mdm", "intune"])
        .arg(&typo)
        .assert()
        .code(1);
    // Fleet escapes what it substitutes: no PG506.
    let fleet = dir.path().join("fleet.mobileconfig");
    bin()
        .args(["new", "-q", "--mdm", "fleet", "--carrier", "gmail", "-o"])
        .arg(&fleet)
        .assert()
        .success();
    assert!(lint_json(&fleet, Some("fleet"))
        .iter()
        .all(|f| f["rule"] != "PG506"));
}

#[test]
fn generic_mdm_and_what_is_refused() {
    let out = bin()
        .args([
            "new",
            "-q",
            "--mdm",
            "generic",
            "--var",
            "email=%_EMAILADDRESS_%",
            "--var",
            "name=%_USERNAME_%",
            "--carrier",
            "gmail",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(xml.contains("<string>%_EMAILADDRESS_%</string>"));
    for (args, expect) in [
        (vec!["--mdm", "nosuch", "--carrier", "gmail"], "jamf"),
        (vec!["--mdm", "jamf"], "--domain"),
        (
            vec!["--mdm", "generic", "--carrier", "gmail"],
            "--var email",
        ),
        (
            vec!["--mdm", "jamf", "--var", "email=$X", "--carrier", "gmail"],
            "generic",
        ),
        (
            vec!["--mdm", "jamf", "--email", "a@gmail.com"],
            "cannot be used",
        ),
    ] {
        bin()
            .arg("new")
            .args(&args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(expect));
    }
    // One profile for everyone cannot hold a password.
    bin()
        .args([
            "new",
            "--mdm",
            "jamf",
            "--carrier",
            "gmail",
            "--password-env",
            "PW",
        ])
        .env("PW", "x")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("password"));
    // The list and one MDM's page, in both languages.
    bin()
        .args(["mdm"])
        .assert()
        .success()
        .stdout(predicate::str::contains("intune").and(predicate::str::contains("{{mail}}")));
    bin()
        .args(["--lang", "ja", "mdm", "show", "intune"])
        .assert()
        .success()
        .stdout(predicate::str::contains("表示名").or(predicate::str::contains("アップロード")));
}

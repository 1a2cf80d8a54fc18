//! `lint --fix`: each fixable rule's fix removes its finding and changes nothing else; unsafe
//! fixes wait for `--unsafe-fixes`; `--diff` writes nothing (and its diff applies with patch(1));
//! files keep their form, mode and everything the linter does not understand; signed files are
//! re-signed, written unsigned on request, or left alone.

#[path = "common/cases.rs"]
mod cases;
mod common;

use assert_cmd::Command;
use cases::*;
use plist::{Dictionary, Value};
use profilegen::container::{Trust, Verifier};
use profilegen::lint::fix::{self, Applicability, Change};
use profilegen::lint::{self, rules, Options};
use profilegen::preset::Registry;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn bin() -> Command {
    let mut c = Command::cargo_bin("profilegen").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("SOURCE_DATE_EPOCH");
    c
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Every leaf path where two values differ ("PayloadContent[0].IncomingMailServerUseSSL").
fn differences(a: &Value, b: &Value, path: &str, out: &mut BTreeSet<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (a, b) {
        (Value::Dictionary(x), Value::Dictionary(y)) => {
            for k in x.keys().chain(y.keys()) {
                match (x.get(k), y.get(k)) {
                    (Some(v), Some(w)) => differences(v, w, &join(k), out),
                    _ => {
                        out.insert(join(k));
                    }
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differences(v, w, &format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => {
            out.insert(path.to_string());
        }
        _ => {}
    }
}

#[test]
fn each_fix_removes_its_finding_and_changes_nothing_else() {
    let registry = Registry::builtin().unwrap();
    let store = Verifier::from_trust(&Trust::System).unwrap();
    let mut covered = BTreeSet::new();
    for (id, bad, _) in cases() {
        let Some((declared, _)) = fix::fixable(id) else {
            continue;
        };
        // Only this rule reports, so only its fix applies.
        let only: BTreeMap<String, Option<lint::Severity>> = rules::ALL
            .iter()
            .filter(|r| r.id != id)
            .map(|r| (r.id.to_string(), None))
            .collect();
        let opts = Options {
            presets: &registry,
            verifier: &store,
            overrides: only,
            now: now(),
            mdm: None,
        };
        let mut d = base();
        bad(&mut d);
        let findings = lint::lint_bytes(&xml(&d), &opts);
        let mine: Vec<&lint::Finding> = findings.iter().filter(|f| f.rule == id).collect();
        assert!(!mine.is_empty(), "{id}: fixture does not trigger");
        let edits: Vec<&fix::Edit> = mine.iter().filter_map(|f| f.fix.as_ref()).collect();
        assert!(
            !edits.is_empty(),
            "{id}: listed as fixable, but its finding carries no fix"
        );
        for e in &edits {
            assert!(
                e.applicability <= declared,
                "{id}: a fix more dangerous than --explain says"
            );
        }
        // Unsafe fixes wait for consent.
        if edits
            .iter()
            .any(|e| e.applicability == Applicability::Unsafe)
        {
            let held = fix::fix(d.clone(), findings.clone(), &opts, Applicability::Safe);
            assert!(held.unsafe_left > 0, "{id}");
            assert!(
                held.applied
                    .iter()
                    .all(|a| a.applicability == Applicability::Safe),
                "{id}: an unsafe fix applied without --unsafe-fixes"
            );
        }
        let fixed = fix::fix(d.clone(), findings.clone(), &opts, Applicability::Unsafe);
        assert!(!fixed.applied.is_empty(), "{id}: nothing applied");
        // Nothing changed but the keys the edits name.
        let named: BTreeSet<String> = edits
            .iter()
            .flat_map(|e| &e.changes)
            .filter_map(|c| match c {
                Change::Set(p, _) | Change::Remove(p) => Some(p.clone()),
                Change::Rewrite => None,
            })
            .collect();
        let mut changed = BTreeSet::new();
        differences(
            &Value::Dictionary(d.clone()),
            &Value::Dictionary(fixed.root.clone()),
            "",
            &mut changed,
        );
        assert!(!changed.is_empty(), "{id}: the fix changed nothing");
        assert!(
            changed.is_subset(&named),
            "{id}: changed {changed:?}, but the fix names only {named:?}"
        );
        // The finding is gone, also with every rule on.
        let all = Options {
            presets: &registry,
            verifier: &store,
            overrides: BTreeMap::new(),
            now: now(),
            mdm: None,
        };
        let after = lint::lint_bytes(&xml(&fixed.root), &all);
        assert!(
            after.iter().all(|f| f.rule != id),
            "{id} still reported after its fix: {after:#?}"
        );
        assert!(
            after.iter().all(|f| f.rule != "PG100"),
            "{id}: the fixed profile does not parse"
        );
        covered.insert(id);
    }
    // Every fixable rule has a fixture here, except the two about the file's form (tested below).
    let listed: BTreeSet<&str> = fix::FIXABLE.iter().map(|(id, ..)| *id).collect();
    let untested: Vec<&&str> = listed
        .difference(&covered)
        .filter(|id| !["PG113", "PG116"].contains(*id))
        .collect();
    assert!(
        untested.is_empty(),
        "fixable rules without a fix test: {untested:?}"
    );
}

fn write(dir: &Path, name: &str, d: &Dictionary) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, xml(d)).unwrap();
    p
}

fn mail_of(v: &Value) -> &Dictionary {
    v.as_dictionary().unwrap()["PayloadContent"]
        .as_array()
        .unwrap()[0]
        .as_dictionary()
        .unwrap()
}

/// TLS off on 993, a host with a trailing space and capitals, a typo in the SMTP host, and
/// things lint does not judge: an unknown key, an extra payload with data and a date.
fn broken() -> Dictionary {
    let mut d = base();
    let m = mail(&mut d);
    set(m, "IncomingMailServerUseSSL", Value::Boolean(false));
    set(m, "IncomingMailServerHostName", s("IMAP.softbank.jp "));
    set(m, "OutgoingMailServerHostName", s("smtp.sofbank.jp"));
    set(m, "XCompanyNote", s("kept"));
    let mut extra = Dictionary::new();
    set(&mut extra, "PayloadType", s("com.example.settings"));
    set(&mut extra, "PayloadVersion", Value::Integer(1.into()));
    set(&mut extra, "PayloadIdentifier", s("jp.profilegen.extra"));
    set(
        &mut extra,
        "PayloadUUID",
        s("0A1B2C3D-0000-4000-8000-0000000000EE"),
    );
    set(&mut extra, "Blob", Value::Data(vec![0, 1, 2, 255]));
    set(
        &mut extra,
        "When",
        Value::Date(plist::Date::from_xml_format("2031-02-03T04:05:06Z").unwrap()),
    );
    d.get_mut("PayloadContent")
        .unwrap()
        .as_array_mut()
        .unwrap()
        .push(Value::Dictionary(extra));
    d
}

#[test]
fn fix_rewrites_in_place_keeping_form_mode_and_what_lint_does_not_judge() {
    let dir = tempfile::tempdir().unwrap();
    let original = broken();
    let p = write(dir.path(), "old.mobileconfig", &original);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    // Safe fixes only: the typo (unsafe) stays, and the exit status says so.
    let out = bin().args(["lint", "--fix"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fixed PG202"), "{err}");
    assert!(err.contains("more with --unsafe-fixes"), "{err}");
    let v = Value::from_file(&p).unwrap();
    let m = mail_of(&v);
    assert_eq!(
        m["IncomingMailServerHostName"].as_string(),
        Some("imap.softbank.jp")
    );
    assert_eq!(m["IncomingMailServerUseSSL"].as_boolean(), Some(true));
    assert_eq!(
        m["OutgoingMailServerHostName"].as_string(),
        Some("smtp.sofbank.jp")
    );
    // Everything else as it was, in the same order.
    let mut changed = BTreeSet::new();
    differences(&Value::Dictionary(original.clone()), &v, "", &mut changed);
    assert_eq!(
        changed,
        BTreeSet::from([
            "PayloadContent[0].IncomingMailServerHostName".to_string(),
            "PayloadContent[0].IncomingMailServerUseSSL".to_string(),
        ])
    );
    let keys = |d: &Dictionary| d.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(mail_of(&v)),
        keys(mail_of(&Value::Dictionary(original)))
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
    assert!(std::fs::read(&p).unwrap().starts_with(b"<?xml"));
    // Then the unsafe one; afterwards the file lints clean of errors.
    bin()
        .args(["lint", "--fix", "--unsafe-fixes"])
        .arg(&p)
        .assert()
        .success();
    let v = Value::from_file(&p).unwrap();
    assert_eq!(
        mail_of(&v)["OutgoingMailServerHostName"].as_string(),
        Some("smtp.softbank.jp")
    );
    // Leftover temporary files: none.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["old.mobileconfig".to_string()]);
}

#[test]
fn a_binary_profile_stays_binary() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.mobileconfig");
    Value::Dictionary(broken()).to_file_binary(&p).unwrap();
    bin().args(["lint", "--fix"]).arg(&p).assert().code(1);
    let bytes = std::fs::read(&p).unwrap();
    assert!(bytes.starts_with(b"bplist00"));
    let v = Value::from_reader(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        mail_of(&v)["IncomingMailServerUseSSL"].as_boolean(),
        Some(true)
    );
}

#[test]
fn diff_writes_nothing_and_its_diff_applies() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.mobileconfig", &broken());
    let before = std::fs::read(&p).unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args(["lint", "--diff", "--unsafe-fixes", "a.mobileconfig"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(std::fs::read(&p).unwrap(), before, "--diff wrote the file");
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.starts_with("--- a/a.mobileconfig\n+++ b/a.mobileconfig\n"),
        "{diff}"
    );
    assert!(
        diff.contains(
            "-\t\t\t<string>smtp.sofbank.jp</string>\n+\t\t\t<string>smtp.softbank.jp</string>"
        ),
        "{diff}"
    );
    // The diff is what --fix writes: patch(1) turns the file into it.
    if std::process::Command::new("patch")
        .arg("--version")
        .output()
        .is_ok()
    {
        let copy = dir.path().join("copy");
        std::fs::create_dir(&copy).unwrap();
        std::fs::write(copy.join("a.mobileconfig"), &before).unwrap();
        let mut patch = std::process::Command::new("patch")
            .current_dir(&copy)
            .args(["-p1", "--quiet"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(patch.stdin.as_mut().unwrap(), diff.as_bytes()).unwrap();
        assert!(patch.wait().unwrap().success());
        bin()
            .args(["lint", "--fix", "--unsafe-fixes"])
            .arg(&p)
            .assert()
            .success();
        assert_eq!(
            std::fs::read(copy.join("a.mobileconfig")).unwrap(),
            std::fs::read(&p).unwrap()
        );
    }
}

#[test]
fn signed_profiles_are_re_signed_unsigned_on_request_or_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let pki = common::Pki::new();
    let plain = write(dir.path(), "plain.mobileconfig", &broken());
    let signed = dir.path().join("signed.mobileconfig");
    let sign_args = |c: &mut Command| {
        c.arg("--sign-cert")
            .arg(pki.path("signer.pem"))
            .arg("--sign-key")
            .arg(pki.path("signer.key"))
            .arg("--sign-chain")
            .arg(pki.path("chain.pem"));
    };
    let mut c = bin();
    c.arg("sign").arg(&plain).arg("-o").arg(&signed);
    sign_args(&mut c);
    c.assert().success();
    let before = std::fs::read(&signed).unwrap();
    // No way to sign again: left alone, and said.
    let out = bin().args(["lint", "--fix"]).arg(&signed).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--unsign"));
    assert_eq!(std::fs::read(&signed).unwrap(), before);
    // Signed again: the signature holds and the fix is in it.
    let mut c = bin();
    c.args(["lint", "--fix"]).arg(&signed);
    sign_args(&mut c);
    let out = c.output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("signed again"),
        "{out:?}"
    );
    let after = std::fs::read(&signed).unwrap();
    assert_ne!(after, before);
    bin()
        .args(["inspect", "--ca"])
        .arg(pki.path("ca.pem"))
        .arg(&signed)
        .assert()
        .success();
    let opened = profilegen::container::open(
        &after,
        &Verifier::from_trust(&Trust::Roots(Vec::new())).unwrap(),
    );
    let v = Value::from_reader(std::io::Cursor::new(opened.content.unwrap())).unwrap();
    assert_eq!(
        mail_of(&v)["IncomingMailServerUseSSL"].as_boolean(),
        Some(true)
    );
    // --unsign: written as a plain profile.
    let mut c = bin();
    c.arg("sign").arg(&plain).arg("-o").arg(&signed);
    sign_args(&mut c);
    c.assert().success();
    bin()
        .args(["lint", "--fix", "--unsign"])
        .arg(&signed)
        .assert()
        .code(1);
    assert!(std::fs::read(&signed).unwrap().starts_with(b"<?xml"));
}

#[test]
fn a_key_given_twice_and_junk_before_the_declaration() {
    let dir = tempfile::tempdir().unwrap();
    let text = String::from_utf8(xml(&base())).unwrap();
    let twice = text.replacen(
        "<key>IncomingMailServerUseSSL</key>\n\t\t\t<true/>",
        "<key>IncomingMailServerUseSSL</key>\n\t\t\t<false/>\n\t\t\t<key>IncomingMailServerUseSSL</key>\n\t\t\t<true/>\n\t\t\t<key>OutgoingMailServerHostName</key>\n\t\t\t<string>SMTP.softbank.jp</string>",
        1,
    );
    assert_ne!(twice, text, "fixture not built");
    let p = dir.path().join("twice.mobileconfig");
    std::fs::write(&p, &twice).unwrap();
    // Writing it would drop a value: not without --unsafe-fixes.
    let out = bin().args(["lint", "--fix"]).arg(&p).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--unsafe-fixes"));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), twice);
    bin()
        .args(["lint", "--fix", "--unsafe-fixes"])
        .arg(&p)
        .assert()
        .success();
    let v = Value::from_file(&p).unwrap();
    // The last value, the one the phone reads.
    assert_eq!(
        mail_of(&v)["IncomingMailServerUseSSL"].as_boolean(),
        Some(true)
    );
    let j = dir.path().join("junk.mobileconfig");
    std::fs::write(&j, format!("\n\n  {text}")).unwrap();
    bin().args(["lint", "--fix"]).arg(&j).assert().success();
    assert!(std::fs::read(&j).unwrap().starts_with(b"<?xml"));
}

#[test]
fn stdin_needs_an_output_and_o_takes_one_input() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.mobileconfig", &broken());
    bin()
        .args(["lint", "--fix", "-"])
        .pipe_stdin(&p)
        .unwrap()
        .assert()
        .code(2);
    let out = dir.path().join("out.mobileconfig");
    bin()
        .args(["lint", "--fix", "-", "-o"])
        .arg(&out)
        .pipe_stdin(&p)
        .unwrap()
        .assert()
        .code(1);
    let v = Value::from_file(&out).unwrap();
    assert_eq!(
        mail_of(&v)["IncomingMailServerUseSSL"].as_boolean(),
        Some(true)
    );
    bin()
        .args(["lint", "--fix", "-o"])
        .arg(&out)
        .arg(&p)
        .arg(&p)
        .assert()
        .code(2);
    bin()
        .args(["lint", "--unsafe-fixes"])
        .arg(&p)
        .assert()
        .code(2);
}

#[test]
fn fixing_says_it_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.mobileconfig", &broken());
    let out = bin()
        .args(["--lang", "ja", "lint", "--fix"])
        .arg(&p)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PG202 を修正しました"), "{err}");
    assert!(err.contains("--unsafe-fixes でさらに"), "{err}");
    let explain = bin()
        .args(["lint", "--lang", "ja", "--explain", "PG206"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&explain.stdout).contains("--fix --unsafe-fixes で適用"));
    let list = bin().args(["lint", "--list-rules"]).output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list
        .lines()
        .any(|l| l.starts_with("PG202") && l.contains(" fix ")));
    assert!(list
        .lines()
        .any(|l| l.starts_with("PG206") && l.contains(" fix! ")));
    assert!(list
        .lines()
        .any(|l| l.starts_with("PG101") && !l.contains(" fix")));
}

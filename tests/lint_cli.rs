//! `profilegen lint` as a user runs it: outputs parsed back, exit codes, paths.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use profilegen::preset::{Registry, Status};
use serde_json::Value as Json;
use std::path::Path;

fn bin() -> Command {
    let mut c = Command::cargo_bin("profilegen").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env("NO_COLOR", "1");
    c
}

fn write_profile(dir: &Path, name: &str, args: &[&str]) -> std::path::PathBuf {
    let p = dir.join(name);
    bin()
        .args(["new", "-q", "-o"])
        .arg(&p)
        .args(args)
        .assert()
        .success();
    p
}

/// A profile with SSL off on the outgoing server and a port-143 incoming server.
fn broken(dir: &Path) -> std::path::PathBuf {
    let good = write_profile(
        dir,
        "good-src.mobileconfig",
        &["--email", "taro@i.softbank.jp"],
    );
    let text = std::fs::read_to_string(&good).unwrap();
    let text = text
        .replacen("<integer>993</integer>", "<integer>143</integer>", 1)
        .replacen(
            "<key>OutgoingMailServerUseSSL</key>\n\t\t\t<true/>",
            "<key>OutgoingMailServerUseSSL</key>\n\t\t\t<false/>",
            1,
        );
    std::fs::remove_file(&good).unwrap();
    let p = dir.join("broken.mobileconfig");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn every_profile_new_writes_lints_clean() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::builtin().unwrap();
    let mut n = 0;
    for p in registry.iter().filter(|p| p.status != Status::Unsupported) {
        for domain in &p.domains {
            let d = domain
                .strip_prefix("*.")
                .map_or(domain.clone(), |r| format!("sub.{r}"));
            for protocol in ["imap", "pop"] {
                let has = if protocol == "imap" {
                    p.imap.is_some()
                } else {
                    p.pop.is_some()
                };
                if !has {
                    continue;
                }
                let name = format!("{}-{protocol}-{d}.mobileconfig", p.id);
                write_profile(
                    dir.path(),
                    &name,
                    &[
                        "--email",
                        &format!("taro@{d}"),
                        "--protocol",
                        protocol,
                        "--name",
                        "山田 <太郎> & Co",
                    ],
                );
                n += 1;
            }
        }
    }
    // Also with a username given.
    write_profile(
        dir.path(),
        "docomo-user.mobileconfig",
        &["--email", "a@docomo.ne.jp", "--username", "d-id"],
    );
    let out = bin()
        .args([
            "lint",
            "--format",
            "json",
            "--fail-on",
            "info",
            "--ignore",
            "PG301",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let findings: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings.as_array().unwrap().len(), 0, "{findings:#}");
    assert_eq!(out.status.code(), Some(0));
    assert!(n >= 15);
}

#[test]
fn text_output_names_file_path_rule_and_symptom() {
    let dir = tempfile::tempdir().unwrap();
    let p = broken(dir.path());
    bin().arg("lint").arg(&p).assert().code(1).stdout(
        predicate::str::contains(
            "broken.mobileconfig: PayloadContent[0].OutgoingMailServerUseSSL: PG201 error:",
        )
        .and(predicate::str::contains(
            "PayloadContent[0].IncomingMailServerPortNumber: PG203 warning:",
        ))
        .and(predicate::str::contains("help:"))
        .and(predicate::str::contains("phone: Cannot Connect Using SSL"))
        .and(predicate::str::contains("1 file checked")),
    );
    bin()
        .args(["lint", "--lang", "ja"])
        .arg(&p)
        .assert()
        .stdout(predicate::str::contains("SSLで接続できません"));
    // Colour only when asked (or on a terminal).
    bin()
        .args(["lint", "--color", "always"])
        .arg(&p)
        .assert()
        .stdout(predicate::str::contains("\u{1b}[1;31merror"));
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_profile(
        dir.path(),
        "good.mobileconfig",
        &["--email", "taro@i.softbank.jp"],
    );
    // Clean apart from the info finding "unsigned".
    bin().arg("lint").arg(&good).assert().code(0);
    bin()
        .args(["lint", "--fail-on", "info"])
        .arg(&good)
        .assert()
        .code(1);
    bin()
        .args(["lint", "--fail-on", "info", "--ignore", "PG301"])
        .arg(&good)
        .assert()
        .code(0);
    bin()
        .args(["lint", "--fail-on", "info", "--severity", "PG301=off"])
        .arg(&good)
        .assert()
        .code(0);
    bin()
        .args(["lint", "--severity", "unsigned=error"])
        .arg(&good)
        .assert()
        .code(1);
    // Warnings only: 0 by default, 1 with --fail-on warning.
    let text = std::fs::read_to_string(&good).unwrap().replacen(
        "<integer>993</integer>",
        "<integer>143</integer>",
        1,
    );
    let warn = dir.path().join("warn.mobileconfig");
    std::fs::write(&warn, text).unwrap();
    bin().arg("lint").arg(&warn).assert().code(0);
    bin()
        .args(["lint", "--fail-on", "warning"])
        .arg(&warn)
        .assert()
        .code(1);
    // Could not run: 2.
    bin()
        .args(["lint", "--ignore", "PG999"])
        .arg(&good)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("PG999"));
    bin().arg("lint").assert().code(2);
    bin()
        .args(["lint", "--severity", "PG201"])
        .arg(&good)
        .assert()
        .code(2);
}

#[test]
fn json_output_parses_back() {
    let dir = tempfile::tempdir().unwrap();
    let p = broken(dir.path());
    let out = bin()
        .args(["lint", "--format", "json"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Json = serde_json::from_slice(&out.stdout).unwrap();
    let items = v.as_array().unwrap();
    let ssl = items
        .iter()
        .find(|f| f["rule"] == "PG201")
        .expect("PG201 finding");
    assert_eq!(ssl["severity"], "error");
    assert_eq!(ssl["name"], "ssl-off");
    assert_eq!(ssl["path"], "PayloadContent[0].OutgoingMailServerUseSSL");
    assert!(ssl["file"]
        .as_str()
        .unwrap()
        .ends_with("broken.mobileconfig"));
    assert!(ssl["phone"]["ja"].as_str().unwrap().contains("SSL"));
    assert!(ssl["help"].as_str().unwrap().contains("<true/>"));
}

#[test]
fn sarif_output_has_the_2_1_0_shape() {
    let dir = tempfile::tempdir().unwrap();
    let p = broken(dir.path());
    let report = dir.path().join("lint.sarif");
    bin()
        .args(["lint", "--format", "sarif", "-o"])
        .arg(&report)
        .arg(&p)
        .assert()
        .code(1)
        .stdout("");
    let v: Json = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &v["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "profilegen");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), profilegen::lint::rules::ALL.len());
    for r in rules {
        assert!(r["id"].as_str().unwrap().starts_with("PG"));
        assert!(r["shortDescription"]["text"].is_string());
        assert!(["error", "warning", "note"]
            .contains(&r["defaultConfiguration"]["level"].as_str().unwrap()));
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for res in results {
        let id = res["ruleId"].as_str().unwrap();
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], id, "ruleIndex points at the rule");
        assert!(["error", "warning", "note", "none"].contains(&res["level"].as_str().unwrap()));
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
        let loc = &res["locations"][0];
        assert!(loc["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("broken.mobileconfig"));
    }
    let ssl = results.iter().find(|r| r["ruleId"] == "PG201").unwrap();
    assert_eq!(
        ssl["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "PayloadContent[0].OutgoingMailServerUseSSL"
    );
}

#[test]
fn directories_stdin_and_unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    write_profile(&sub, "one.mobileconfig", &["--email", "taro@i.softbank.jp"]);
    std::fs::write(sub.join("notes.txt"), "not linted").unwrap();
    std::fs::write(dir.path().join("bad.mobileconfig"), "<plist><dict><key>x").unwrap();
    let missing = dir.path().join("missing.mobileconfig");
    let out = bin()
        .args(["lint", "--format", "json"])
        .arg(dir.path())
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Json = serde_json::from_slice(&out.stdout).unwrap();
    let files: std::collections::BTreeSet<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("one.mobileconfig")),
        "the good file was linted: {files:?}"
    );
    assert!(!files.iter().any(|f| f.ends_with("notes.txt")));
    let unreadable: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "PG100")
        .collect();
    assert_eq!(unreadable.len(), 2, "{unreadable:#?}");

    let good = std::fs::read(sub.join("one.mobileconfig")).unwrap();
    bin()
        .args(["lint", "-"])
        .write_stdin(good)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("<stdin>: PG301 info"));
}

#[test]
fn a_report_file_appears_complete_and_replaces_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let bad = broken(dir.path());
    let good = write_profile(
        dir.path(),
        "good.mobileconfig",
        &["--email", "taro@i.softbank.jp"],
    );
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for (format, report) in [("json", "lint.json"), ("sarif", "lint.sarif")] {
        let report = out.join(report);
        // Findings, then a clean file: the second report replaces the first, and an empty one
        // is still a whole document.
        for (file, code, empty) in [(&bad, 1, false), (&good, 0, true)] {
            bin()
                .args([
                    "lint",
                    "--fail-on",
                    "error",
                    "--ignore",
                    "PG301",
                    "--format",
                    format,
                    "-o",
                ])
                .arg(&report)
                .arg(file)
                .assert()
                .code(code)
                .stdout("");
            let v: Json = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
            let items = match format {
                "json" => v.as_array().unwrap().clone(),
                _ => v["runs"][0]["results"].as_array().unwrap().clone(),
            };
            assert_eq!(items.is_empty(), empty, "{format}: {v}");
            assert_eq!(
                common::temporaries(&out).len(),
                0,
                "no temporary file is left"
            );
        }
    }
    // A report that cannot be placed: an error naming it, and nothing written.
    let missing = out.join("no-such-dir").join("lint.json");
    bin()
        .args(["lint", "--format", "json", "-o"])
        .arg(&missing)
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-dir"));
    assert!(!missing.exists());
    assert_eq!(common::temporaries(&out).len(), 0);
}

#[test]
fn uuids_shared_between_different_profiles_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_profile(
        dir.path(),
        "a.mobileconfig",
        &["--email", "taro@i.softbank.jp"],
    );
    let text = std::fs::read_to_string(&a)
        .unwrap()
        .replace("jp.profilegen.mail.taro", "com.example.other");
    std::fs::write(dir.path().join("b.mobileconfig"), text).unwrap();
    bin().arg("lint").arg(dir.path()).assert().stdout(
        predicate::str::contains("PG604").and(predicate::str::contains("a different profile")),
    );
    // The same profile twice (same identifier) is not a collision.
    std::fs::remove_file(dir.path().join("b.mobileconfig")).unwrap();
    std::fs::copy(&a, dir.path().join("c.mobileconfig")).unwrap();
    bin()
        .arg("lint")
        .arg(dir.path())
        .assert()
        .stdout(predicate::str::contains("PG604").not());
}

#[test]
fn explain_and_list_rules() {
    bin()
        .args(["lint", "--explain", "PG201"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("PG201 (ssl-off)")
                .and(predicate::str::contains("SSLで接続できません"))
                .and(predicate::str::contains("Fix:"))
                .and(predicate::str::contains("Example:")),
        );
    bin()
        .args(["lint", "--explain", "host-typo"])
        .assert()
        .success()
        .stdout(predicate::str::contains("PG206"));
    bin()
        .args(["lint", "--explain", "PG2O1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean PG201"));
    let out = bin().args(["lint", "--list-rules"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), profilegen::lint::rules::ALL.len());
}

/// Files are checked in parallel and reported in the order of the inputs, the same with one
/// worker or several; cross-file checks (a UUID used twice) still see every file.
#[test]
fn parallel_lint_keeps_the_order_and_the_cross_file_checks() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..150 {
        let host = if i % 7 == 0 {
            "imap.sofbank.jp"
        } else {
            "imap.softbank.jp"
        };
        let out = bin()
            .args([
                "new",
                "-q",
                "--email",
                &format!("u{i}@i.softbank.jp"),
                "--imap-host",
                "imap.softbank.jp",
                "-o",
            ])
            .arg(dir.path().join(format!("p{i:03}.mobileconfig")))
            .output()
            .unwrap();
        assert!(out.status.success());
        if host != "imap.softbank.jp" {
            let p = dir.path().join(format!("p{i:03}.mobileconfig"));
            let t = std::fs::read_to_string(&p)
                .unwrap()
                .replace("imap.softbank.jp", host);
            std::fs::write(&p, t).unwrap();
        }
    }
    // A copy: the same PayloadUUID in two files.
    let copy = std::fs::read_to_string(dir.path().join("p001.mobileconfig"))
        .unwrap()
        .replace("jp.profilegen.mail", "jp.other.mail");
    std::fs::write(dir.path().join("zz-copy.mobileconfig"), copy).unwrap();
    let run = |jobs: &str| {
        let out = bin()
            .args(["lint", "--jobs", jobs])
            .arg(dir.path())
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (code1, one) = run("1");
    let (code4, four) = run("4");
    assert_eq!(code1, Some(1));
    assert_eq!(code1, code4);
    assert_eq!(one, four);
    assert!(
        one.contains("PG206") && one.contains("zz-copy.mobileconfig: PayloadUUID: PG604"),
        "{one}"
    );
    let order: Vec<&str> = one
        .lines()
        .filter_map(|l| l.split(':').next())
        .filter(|f| f.ends_with(".mobileconfig"))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "files are reported in the walk's order");
    bin()
        .args(["lint", "--jobs", "0"])
        .arg(dir.path())
        .assert()
        .code(2);
}

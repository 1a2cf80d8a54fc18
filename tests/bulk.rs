//! `profilegen bulk`: good rows written, bad rows reported with their line, nothing half-written.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;

fn bin() -> Command {
    let mut c = Command::cargo_bin("profilegen").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("SOURCE_DATE_EPOCH");
    c
}

fn files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn parse(p: &Path) -> plist::Dictionary {
    plist::Value::from_file(p)
        .unwrap()
        .into_dictionary()
        .unwrap()
}

/// BOM, CRLF, quoted fields with commas, quotes and a line break; good and bad rows.
const MIXED: &str = "\u{feff}email,name,carrier,username\r\n\
taro@i.softbank.jp,\"山田, 太郎\",,\r\n\
hanako@docomo.ne.jp,\"Hanako \"\"H\"\" Sato\",,d-id-1\r\n\
not-an-address,x,,\r\n\
TARO@i.softbank.jp,duplicate,,\r\n\
jiro@gmail.com,\"two\r\nlines\",,\r\n\
saburo@gmail.com,Saburo,nosuch,\r\n\
shiro@softbank.ne.jp,Shiro,,\r\n\
goro@icloud.com,Goro,,\r\n";

#[test]
fn good_rows_are_written_and_bad_rows_reported_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("users.csv");
    std::fs::write(&csv, MIXED).unwrap();
    let out = dir.path().join("out");
    let assert = bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    for (line, what) in [
        (4, "has no '@'"),
        (5, "duplicate address"),
        (6, "name:"),
        (8, "no preset with the id \"nosuch\""),
        (9, "Messages app"),
    ] {
        assert!(
            stderr.contains(&format!("users.csv:{line}:")) && stderr.contains(what),
            "line {line} ({what}) in {stderr}"
        );
    }
    assert!(
        stderr.contains("8 rows: 3 written, 0 unchanged, 5 failed"),
        "{stderr}"
    );
    assert_eq!(
        files(&out),
        BTreeSet::from([
            "taro@i.softbank.jp.mobileconfig".to_string(),
            "hanako@docomo.ne.jp.mobileconfig".to_string(),
            "goro@icloud.com.mobileconfig".to_string(),
        ])
    );
    let taro = parse(&out.join("taro@i.softbank.jp.mobileconfig"));
    let m = taro["PayloadContent"].as_array().unwrap()[0]
        .as_dictionary()
        .unwrap();
    assert_eq!(m["EmailAccountName"].as_string(), Some("山田, 太郎"));
    let hanako = parse(&out.join("hanako@docomo.ne.jp.mobileconfig"));
    let m = hanako["PayloadContent"].as_array().unwrap()[0]
        .as_dictionary()
        .unwrap();
    assert_eq!(m["EmailAccountName"].as_string(), Some("Hanako \"H\" Sato"));
    assert_eq!(m["IncomingMailServerUsername"].as_string(), Some("d-id-1"));
}

#[test]
fn strict_writes_nothing_when_a_row_is_bad() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("users.csv");
    std::fs::write(&csv, MIXED).unwrap();
    let out = dir.path().join("out");
    bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out)
        .arg("--strict")
        .arg("--manifest")
        .arg(dir.path().join("m.csv"))
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("nothing written (--strict)")
                .and(predicate::str::contains("users.csv:4:")),
        );
    assert!(files(&out).is_empty(), "{:?}", files(&out));
    assert!(!dir.path().join("m.csv").exists());
    // All good: --strict writes everything.
    std::fs::write(&csv, "email\na@i.softbank.jp\nb@i.softbank.jp\n").unwrap();
    bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out)
        .arg("--strict")
        .assert()
        .success();
    assert_eq!(files(&out).len(), 2);
}

#[test]
fn two_rows_writing_one_file_are_an_error_for_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("t");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(templates.join("file_name.j2"), "{{ local_part }}").unwrap();
    let csv = dir.path().join("u.csv");
    std::fs::write(&csv, "email\ntaro@i.softbank.jp\ntaro@gmail.com\n").unwrap();
    let out = dir.path().join("out");
    bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out)
        .arg("--templates")
        .arg(&templates)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("u.csv:3:")
                .and(predicate::str::contains("already written by line 2")),
        );
    assert_eq!(
        files(&out),
        BTreeSet::from(["taro.mobileconfig".to_string()])
    );
    let p = parse(&out.join("taro.mobileconfig"));
    assert!(p["PayloadIdentifier"]
        .as_string()
        .unwrap()
        .ends_with("i.softbank.jp"));
}

#[test]
fn unknown_and_missing_columns_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("u.csv");
    std::fs::write(&csv, "email,nmae\na@i.softbank.jp,x\n").unwrap();
    bin()
        .arg("bulk")
        .arg(&csv)
        .args(["--out-dir"])
        .arg(dir.path().join("o"))
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("unknown column \"nmae\"").and(predicate::str::contains(
                "email, name, carrier, username, description, organization, password",
            )),
        );
    std::fs::write(&csv, "name\nx\n").unwrap();
    bin()
        .arg("bulk")
        .arg(&csv)
        .args(["--out-dir"])
        .arg(dir.path().join("o"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no \"email\" column"));
}

#[cfg(unix)]
#[test]
fn rerun_is_identical_untouched_and_force_replaces() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("u.csv");
    std::fs::write(&csv, "email,name\na@i.softbank.jp,A\nb@docomo.ne.jp,B\n").unwrap();
    let out = dir.path().join("out");
    let run = || {
        bin()
            .arg("bulk")
            .arg(&csv)
            .arg("--out-dir")
            .arg(&out)
            .output()
            .unwrap()
    };
    assert!(run().status.success());
    let a = out.join("a@i.softbank.jp.mobileconfig");
    let first = std::fs::read(&a).unwrap();
    let inode = std::fs::metadata(&a).unwrap().ino();
    let second = run();
    assert!(second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr)
            .contains("2 rows: 0 written, 2 unchanged, 0 failed"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(std::fs::read(&a).unwrap(), first, "byte-identical");
    assert_eq!(
        std::fs::metadata(&a).unwrap().ino(),
        inode,
        "an identical file is left untouched"
    );

    // A different profile at the same name: refused without --force.
    std::fs::write(&csv, "email,name\na@i.softbank.jp,A changed\n").unwrap();
    bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "exists and differs; --force replaces it",
        ));
    assert_eq!(std::fs::read(&a).unwrap(), first);
    bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out)
        .arg("--force")
        .assert()
        .success();
    assert_ne!(std::fs::read(&a).unwrap(), first);
}

#[test]
fn manifest_in_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("u.csv");
    std::fs::write(&csv, "email\na@i.softbank.jp\nbad\n").unwrap();
    let out = dir.path().join("out");
    for name in ["m.csv", "m.json"] {
        let manifest = dir.path().join(name);
        bin()
            .arg("bulk")
            .arg(&csv)
            .arg("--out-dir")
            .arg(&out)
            .arg("--manifest")
            .arg(&manifest)
            .assert()
            .code(1);
        let rows: Vec<serde_json::Value> = if name.ends_with(".json") {
            serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap()
        } else {
            let mut r = csv::Reader::from_path(&manifest).unwrap();
            let headers = r.headers().unwrap().clone();
            r.records()
                .map(|rec| {
                    let rec = rec.unwrap();
                    let mut m = serde_json::Map::new();
                    for (h, v) in headers.iter().zip(rec.iter()) {
                        m.insert(h.to_string(), serde_json::Value::String(v.to_string()));
                    }
                    serde_json::Value::Object(m)
                })
                .collect()
        };
        assert_eq!(rows.len(), 2);
        let good = &rows[0];
        let file = out.join(good["file"].as_str().unwrap());
        let sha = openssl::sha::sha256(&std::fs::read(&file).unwrap());
        let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(good["sha256"].as_str().unwrap(), hex);
        let profile = parse(&file);
        assert_eq!(
            good["payload_uuid"].as_str().unwrap(),
            profile["PayloadUUID"].as_string().unwrap()
        );
        assert_eq!(
            good["payload_identifier"].as_str().unwrap(),
            profile["PayloadIdentifier"].as_string().unwrap()
        );
        assert_eq!(good["line"].to_string().trim_matches('"'), "2");
        let bad = &rows[1];
        assert_eq!(bad["status"], "error");
        assert_eq!(bad["line"].to_string().trim_matches('"'), "3");
        assert!(bad["error"].as_str().unwrap().contains("'@'"));
    }
}

#[cfg(unix)]
#[test]
fn password_column_files_are_0600_and_the_password_is_not_printed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("u.csv");
    std::fs::write(
        &csv,
        "email,password\na@gmail.com,App Pass&word 1\nb@gmail.com,\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("1 profile holds a password"), "{stderr}");
    assert!(!stderr.contains("App Pass"));
    let a = out.join("a@gmail.com.mobileconfig");
    assert_eq!(
        std::fs::metadata(&a).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let m = parse(&a);
    let m = m["PayloadContent"].as_array().unwrap()[0]
        .as_dictionary()
        .unwrap();
    assert_eq!(m["IncomingPassword"].as_string(), Some("App Pass&word 1"));
    let b = out.join("b@gmail.com.mobileconfig");
    assert_eq!(
        std::fs::metadata(&b).unwrap().permissions().mode() & 0o777,
        0o644
    );
}

#[test]
fn signed_bulk_verifies_and_reruns_untouched() {
    let pki = common::Pki::new();
    let csv = pki.path("u.csv");
    std::fs::write(&csv, "email\na@i.softbank.jp\nb@icloud.com\n").unwrap();
    let out = pki.path("out");
    let run = || {
        bin()
            .arg("bulk")
            .arg(&csv)
            .arg("--out-dir")
            .arg(&out)
            .arg("--sign-cert")
            .arg(pki.path("signer.pem"))
            .arg("--sign-key")
            .arg(pki.path("signer.key"))
            .arg("--sign-chain")
            .arg(pki.path("chain.pem"))
            .output()
            .unwrap()
    };
    let first_run = run();
    assert!(first_run.status.success());
    // The test CA is private: the public-roots verdict is said, once.
    let said = String::from_utf8_lossy(&first_run.stderr);
    assert_eq!(said.matches("public roots").count(), 1, "{said}");
    let a = out.join("a@i.softbank.jp.mobileconfig");
    let first = std::fs::read(&a).unwrap();
    bin()
        .arg("inspect")
        .arg(&a)
        .arg("--ca")
        .arg(pki.path("ca.pem"))
        .assert()
        .code(0);
    let again = run();
    assert!(again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("0 written, 2 unchanged"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        std::fs::read(&a).unwrap(),
        first,
        "signed files of an unchanged row are left as they are"
    );
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_no_partial_file() {
    const ROWS: usize = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("u.csv");
    let mut text = String::from("email,name\n");
    for i in 0..ROWS {
        text.push_str(&format!("user{i}@i.softbank.jp,User {i}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let out = dir.path().join("out");
    let bin_path = assert_cmd::cargo::cargo_bin("profilegen");
    let _ = std::fs::remove_dir_all(&out);
    let mut child = std::process::Command::new(&bin_path)
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it (SIGKILL) as soon as it has written a few files.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while files(&out).len() < 20
        && std::time::Instant::now() < deadline
        && child.try_wait().unwrap().is_none()
    {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let finished = child.try_wait().unwrap().is_some();
    child.kill().ok();
    child.wait().unwrap();
    let written: Vec<_> = files(&out)
        .into_iter()
        .filter(|f| f.ends_with(".mobileconfig"))
        .collect();
    assert!(
        !finished && !written.is_empty() && written.len() < ROWS,
        "the run was not caught in the middle ({} files)",
        written.len()
    );
    for f in &written {
        let p = out.join(f);
        let v = plist::Value::from_file(&p).unwrap_or_else(|e| panic!("{f} is partial: {e}"));
        assert!(v.as_dictionary().unwrap().contains_key("PayloadUUID"));
    }
    // A rerun completes, removes the killed run's temporary files and keeps what was written.
    bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(&out)
        .arg("-q")
        .assert()
        .success();
    let all = files(&out);
    assert_eq!(
        all.iter().filter(|f| f.ends_with(".mobileconfig")).count(),
        ROWS
    );
    assert!(
        all.iter().all(|f| !f.ends_with(".tmp")),
        "temporary files left"
    );
}

/// Two runs into one directory at once: each file is written by one of them and is complete; a
/// run never replaces the other's different file without --force; no temporary file is left.
#[test]
fn two_runs_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("users.csv");
    let mut rows = String::from("email,name\n");
    for i in 0..2000 {
        rows.push_str(&format!("user{i}@i.softbank.jp,User {i}\n"));
    }
    std::fs::write(&csv, rows).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let spawn = |org: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("profilegen"))
            .args(["bulk", "-q", "--org", org])
            .arg(&csv)
            .arg("--out-dir")
            .arg(&out)
            .env_remove("LANG")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // The same profiles from both: every row is written or found unchanged, both succeed.
    let (a, b) = (spawn("Same"), spawn("Same"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(
        a.status.success() && b.status.success(),
        "{}{}",
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr)
    );
    assert_eq!(files(&out).len(), 2000);
    // Different profiles from both, without --force: each file is one run's, whole; every row the
    // other run could not write is an error naming the file.
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::create_dir(&out).unwrap();
    let (a, b) = (spawn("Alpha"), spawn("Beta"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let names = files(&out);
    assert_eq!(
        names.len(),
        2000,
        "no temporary file is left: {:?}",
        names.iter().find(|n| n.ends_with(".tmp"))
    );
    let (mut alpha, mut beta) = (0, 0);
    for n in &names {
        let d = parse(&out.join(n));
        match d.get("PayloadOrganization").and_then(|v| v.as_string()) {
            Some("Alpha") => alpha += 1,
            Some("Beta") => beta += 1,
            other => panic!("{n}: {other:?}"),
        }
    }
    let refused = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stderr)
            .matches("exists and differs")
            .count()
    };
    assert_eq!(refused(&a), beta, "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(refused(&b), alpha);
}

//! The first hour of a new user: provider choice, the generator agreeing with the linter,
//! severities by consequence, text typed with a Japanese IME, output files, the README's claims.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn bin() -> Command {
    let mut c = Command::cargo_bin("profilegen").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("SOURCE_DATE_EPOCH");
    c
}

fn profile(args: &[&str]) -> plist::Dictionary {
    let out = bin()
        .args(["new", "-q", "-o", "-"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    plist::Value::from_reader_xml(&out.stdout[..])
        .unwrap()
        .into_dictionary()
        .unwrap()
}

fn mail(d: &plist::Dictionary) -> &plist::Dictionary {
    d["PayloadContent"].as_array().unwrap()[0]
        .as_dictionary()
        .unwrap()
}

// 1. One rule for provider choice.
#[test]
fn a_domains_owner_wins_over_a_chosen_provider() {
    bin()
        .args([
            "new",
            "--email",
            "taro@softbank.ne.jp",
            "--carrier",
            "softbank",
        ])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("belongs to").and(predicate::str::contains("softbank-mms")),
        );
    bin()
        .args(["new", "--email", "taro@gmail.com", "--carrier", "docomo"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("belongs to Gmail"));
    // A domain no preset owns: the choice applies (a company domain hosted at Gmail).
    let d = profile(&["--email", "taro@corp-example.co.jp", "--carrier", "gmail"]);
    assert_eq!(
        mail(&d)["IncomingMailServerHostName"].as_string(),
        Some("imap.gmail.com")
    );
    // bulk: the CSV column follows the same rule.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("u.csv");
    std::fs::write(
        &csv,
        "email,carrier\ntaro@softbank.ne.jp,softbank\nhanako@corp-example.co.jp,gmail\n",
    )
    .unwrap();
    bin()
        .arg("bulk")
        .arg(&csv)
        .arg("--out-dir")
        .arg(dir.path().join("out"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("u.csv:2").and(predicate::str::contains("carrier: ")));
    assert!(dir
        .path()
        .join("out/hanako@corp-example.co.jp.mobileconfig")
        .is_file());
    // serve: the menu choice too, explained in words on the page.
    let server = common::Server::start(&[]);
    let r = ureq::get(&format!(
        "{}profile?email=taro@softbank.ne.jp&carrier=softbank",
        server.url
    ))
    .call();
    match r {
        Err(ureq::Error::Status(400, resp)) => {
            let body = resp.into_string().unwrap();
            assert!(body.contains("belongs to"), "{body}");
            assert!(!body.contains("--carrier"), "{body}");
        }
        other => panic!("expected 400, got {:?}", other.map(|r| r.status())),
    }
}

// 2. The generator and the linter agree.
#[test]
fn new_refuses_what_lint_calls_an_error_and_says_its_warnings() {
    bin()
        .args([
            "new",
            "--email",
            "taro@i.softbank.jp",
            "--imap-host",
            "imap.sofbank.jp",
        ])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("PG206").and(predicate::str::contains(
                "help: did you mean imap.softbank.jp?",
            )),
        );
    bin()
        .args([
            "new",
            "--email",
            "taro@i.softbank.jp",
            "--username",
            "taro@au.com",
            "-o",
            "-",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: PG208"));
}

/// Every override combination the README shows gives a profile that lints without an error.
#[test]
fn every_readme_combination_lints_clean() {
    let dir = tempfile::tempdir().unwrap();
    let combos: Vec<Vec<&str>> = vec![
        vec!["--email", "taro@i.softbank.jp", "--name", "山田 太郎"],
        vec!["--email", "taro@i.softbank.jp", "--smtp-port", "465"],
        vec![
            "--email",
            "hanako@docomo.ne.jp",
            "--username",
            "d-account-id",
        ],
        vec!["--email", "taro@gmail.com", "--protocol", "pop"],
        vec!["--email", "taro@icloud.com"],
        vec!["--email", "taro@yahoo.co.jp", "--org", "Example 株式会社"],
        vec![
            "--email",
            "a@example-corp.co.jp",
            "--imap-host",
            "mail.example-corp.co.jp",
            "--smtp-host",
            "mail.example-corp.co.jp",
        ],
        vec![
            "--email",
            "a@example-corp.co.jp",
            "--carrier",
            "gmail",
            "--identifier-prefix",
            "com.example.mail",
            "--display-name",
            "社内メール",
            "--description",
            "設定",
            "--account-description",
            "仕事",
        ],
    ];
    for (i, c) in combos.iter().enumerate() {
        let p = dir.path().join(format!("{i}.mobileconfig"));
        bin()
            .args(["new", "-q", "-o"])
            .arg(&p)
            .args(c)
            .assert()
            .success();
        bin().arg("lint").arg(&p).assert().code(0);
    }
}

// 3. Severity by consequence.
#[test]
fn settings_that_cannot_work_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.mobileconfig");
    let base = |email: &str| {
        bin()
            .args(["new", "-q", "--email", email, "-o"])
            .arg(&p)
            .arg("--force")
            .assert()
            .success();
        std::fs::read_to_string(&p).unwrap()
    };
    let cases = [
        (
            "taro@i.softbank.jp",
            "imap.softbank.jp",
            "imap.softbank.co.jp",
        ),
        (
            "taro@i.softbank.jp",
            "imap.softbank.jp",
            "imap.softbank.ne.jp",
        ),
        (
            "hanako@docomo.ne.jp",
            "imap.spmode.ne.jp",
            "imap.docomo.ne.jp",
        ),
        (
            "taro@i.softbank.jp",
            "<integer>587</integer>",
            "<integer>25</integer>",
        ),
        (
            "taro@icloud.com",
            "<integer>587</integer>",
            "<integer>465</integer>",
        ),
    ];
    for (email, from, to) in cases {
        let text = base(email).replacen(from, to, 1);
        std::fs::write(&p, text).unwrap();
        bin()
            .arg("lint")
            .arg(&p)
            .assert()
            .code(1)
            .stdout(predicate::str::contains("PG207 error"));
    }
    // Another host in the provider's own domain may work: a warning only.
    let text = base("taro@i.softbank.jp").replacen("imap.softbank.jp", "mail.softbank.jp", 1);
    std::fs::write(&p, text).unwrap();
    bin()
        .arg("lint")
        .arg(&p)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PG207 warning"));
}

// 4. Text from an IME.
#[test]
fn full_width_and_invisible_input() {
    let out = bin()
        .args([
            "new",
            "--email",
            "ｔａｒｏ＠ｉ．ｓｏｆｔｂａｎｋ．ｊｐ",
            "-o",
            "-",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("full-width"));
    let d = plist::Value::from_reader_xml(&out.stdout[..])
        .unwrap()
        .into_dictionary()
        .unwrap();
    assert_eq!(
        mail(&d)["IncomingMailServerUsername"].as_string(),
        Some("taro")
    );
    bin()
        .args([
            "new",
            "--email",
            "taro@i.softbank.jp",
            "--username",
            "ta\u{200b}ro",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("zero-width space")
                .and(predicate::str::contains("position 3")),
        );
    // lint finds both in a file.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.mobileconfig");
    bin()
        .args(["new", "-q", "--email", "taro@i.softbank.jp", "-o"])
        .arg(&p)
        .assert()
        .success();
    let text = std::fs::read_to_string(&p).unwrap();
    for bad in ["ｔａｒｏ", "ta\u{200b}ro"] {
        std::fs::write(
            &p,
            text.replacen(
                "<string>taro</string>",
                &format!("<string>{bad}</string>"),
                1,
            ),
        )
        .unwrap();
        bin()
            .arg("lint")
            .arg(&p)
            .assert()
            .code(1)
            .stdout(predicate::str::contains("PG216"));
    }
}

// 6. Output files.
#[test]
fn new_never_replaces_a_file_silently() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.mobileconfig");
    let run = |email: &str| {
        let mut c = bin();
        c.args(["new", "-q", "--email", email, "-o"]).arg(&p);
        c
    };
    run("taro@i.softbank.jp").assert().success();
    // The same profile again: left as it is.
    run("taro@i.softbank.jp").assert().success();
    run("hanako@i.softbank.jp")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--force"));
    assert!(std::fs::read_to_string(&p).unwrap().contains("taro"));
    run("hanako@i.softbank.jp")
        .arg("--force")
        .assert()
        .success();
    assert!(std::fs::read_to_string(&p).unwrap().contains("hanako"));
    // A folder that does not exist.
    bin()
        .args(["new", "--email", "taro@i.softbank.jp", "-o"])
        .arg(dir.path().join("nosuch/x.mobileconfig"))
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("does not exist")
                .and(predicate::str::contains("os error").not()),
        );
    // A password to stdout: no word of a file mode.
    bin()
        .args([
            "new",
            "--email",
            "taro@gmail.com",
            "--password-env",
            "PW",
            "-o",
            "-",
        ])
        .env("PW", "app-password")
        .assert()
        .success()
        .stderr(predicate::str::contains("0600").not());
}

// 7. The README's claims.
#[test]
fn the_minimum_rust_is_what_the_lockfile_needs() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let ours = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let v = |s: &str| -> (u32, u32) {
        let mut it = s.split('.').map(|x| x.parse::<u32>().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    };
    let (needed, who) = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            p["rust_version"]
                .as_str()
                .map(|r| (v(r), p["name"].as_str().unwrap().to_string()))
        })
        .max()
        .unwrap();
    assert_eq!(
        v(&ours),
        needed,
        "Cargo.toml says rust-version {ours}; {who} needs {}.{}",
        needed.0,
        needed.1
    );
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("Rust toolchain ({ours} or newer")),
        "README names another minimum"
    );
    assert!(readme.contains("cargo install --locked --path ."));
}

#[test]
fn every_finding_has_a_help_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.mobileconfig");
    // A profile with many problems at once.
    std::fs::write(
        &p,
        "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>PayloadType</key><string>Configuration</string>\
<key>PayloadUUID</key><string></string><key>PayloadContent</key><array><dict>\
<key>PayloadType</key><string>com.apple.mail.managed</string><key>PayloadUUID</key><string>UUID1</string>\
<key>PayloadIdentifier</key><string>{{ id }}</string><key>PayloadVersion</key><integer>1</integer>\
<key>EmailAddress</key><string>taro@softbank.ne.jp</string></dict></array></dict></plist>",
    )
    .unwrap();
    let out = bin()
        .args(["lint", "--format", "json"])
        .arg(&p)
        .output()
        .unwrap();
    let j: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(j.len() >= 5);
    for f in &j {
        assert!(f["help"].as_str().is_some_and(|h| !h.is_empty()), "{f:#}");
    }
}

// 8. The phone's message fits the server the finding is about.
#[test]
fn phone_messages_follow_the_direction() {
    assert_eq!(
        profilegen::lint::report::phone_for(
            "送信できません / メールを取得できません",
            "PayloadContent[0].OutgoingMailServerPortNumber"
        ),
        "送信できません"
    );
    assert_eq!(
        profilegen::lint::report::phone_for(
            "Cannot Send Mail / Cannot Get Mail",
            "PayloadContent[0].IncomingMailServerPortNumber"
        ),
        "Cannot Get Mail"
    );
}

// 9. A legacy PKCS#12 (RC2-40), as older Windows and macOS exports are.
#[test]
fn a_legacy_pkcs12_signs() {
    if !common::openssl_available() {
        return;
    }
    let pki = common::Pki::new();
    let legacy = pki.path("legacy.p12");
    let st = std::process::Command::new("openssl")
        .args(["pkcs12", "-export", "-legacy", "-in"])
        .arg(pki.path("signer.pem"))
        .arg("-inkey")
        .arg(pki.path("signer.key"))
        .arg("-certfile")
        .arg(pki.path("chain.pem"))
        .arg("-out")
        .arg(&legacy)
        .args(["-passout", "pass:old-export"])
        .status()
        .unwrap();
    assert!(st.success());
    let p = pki.path("u.mobileconfig");
    bin()
        .args(["new", "-q", "--email", "taro@i.softbank.jp", "-o"])
        .arg(&p)
        .assert()
        .success();
    bin()
        .arg("sign")
        .arg(&p)
        .arg("-o")
        .arg(pki.path("s.mobileconfig"))
        .arg("--sign-p12")
        .arg(&legacy)
        .args(["--passphrase-env", "P12"])
        .env("P12", "old-export")
        .assert()
        .success();
    bin()
        .arg("inspect")
        .arg(pki.path("s.mobileconfig"))
        .arg("--ca")
        .arg(pki.path("ca.pem"))
        .assert()
        .code(0);
}

// 10. The smaller things.
#[test]
fn smaller_things() {
    // serve --listen with a name.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("profilegen"))
        .args(["serve", "--listen", "localhost:0", "--no-qr"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.starts_with("profilegen is serving on http://"),
        "{line}"
    );
    // bulk - reads standard input, and names it so.
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args(["bulk", "-", "--out-dir"])
        .arg(dir.path().join("out"))
        .write_stdin("email\ntaro@i.softbank.jp\nnot-an-address\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("<stdin>:3"));
    assert!(dir
        .path()
        .join("out/taro@i.softbank.jp.mobileconfig")
        .is_file());
    // Every man page the top page names.
    let man = dir.path().join("man");
    bin()
        .args(["completions", "man"])
        .arg(&man)
        .assert()
        .success();
    for page in [
        "profilegen.1",
        "profilegen-new.1",
        "profilegen-lint.1",
        "profilegen-probe.1",
    ] {
        assert!(man.join(page).is_file(), "{page}");
    }
    // One name when both languages' names are the same.
    bin()
        .args(["carriers", "show", "gmail"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Gmail / Gmail").not());
    // sign signs only a profile.
    let plist = dir.path().join("prefs.plist");
    std::fs::write(
        &plist,
        "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>a</key><true/></dict></plist>",
    )
    .unwrap();
    let pki = common::Pki::new();
    bin()
        .arg("sign")
        .arg(&plist)
        .arg("-o")
        .arg(dir.path().join("x"))
        .arg("--sign-cert")
        .arg(pki.path("signer.pem"))
        .arg("--sign-key")
        .arg(pki.path("signer.key"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a profile"));
    assert!(!dir.path().join("x").exists());
    // new --help: the output options are not under "Signing".
    let help = bin().args(["new", "--help"]).output().unwrap().stdout;
    let help = String::from_utf8(help).unwrap();
    let signing = help.find("Signing:").unwrap();
    assert!(help.find("--output").unwrap() < signing);
    assert!(help.find("--templates").unwrap() < signing);
    // inspect's exit status: --help and README agree (1 for an unsigned profile).
    let ih = String::from_utf8(bin().args(["inspect", "--help"]).output().unwrap().stdout).unwrap();
    assert!(ih.contains("1 unsigned"), "{ih}");
}

// 5 (part): the web page shows the providers' notes and the unverified warning before the
// download, and its rate-limit answer in the page's language.
#[test]
fn the_page_shows_provider_notes_and_answers_in_japanese() {
    let server = common::Server::start(&["--rate-limit", "1"]);
    let page = ureq::get(&server.url)
        .set("Accept-Language", "ja")
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(page.contains("IMAP専用パスワード"), "docomo's note");
    assert!(page.contains("dアカウントID"));
    assert!(page.contains("この設定は未確認です"), "au is unverified");
    // A validation error on the Japanese page is Japanese.
    match ureq::get(&format!("{}profile?email=taro&lang=ja", server.url)).call() {
        Err(ureq::Error::Status(400, r)) => {
            let body = r.into_string().unwrap();
            assert!(body.contains("「@」がありません"), "{body}");
        }
        other => panic!("expected 400, got {:?}", other.map(|r| r.status())),
    }
    let url = format!("{}profile?email=taro@gmail.com", server.url);
    let _ = ureq::get(&url).set("Accept-Language", "ja").call();
    match ureq::get(&url).set("Accept-Language", "ja").call() {
        Err(ureq::Error::Status(429, r)) => {
            assert!(r.into_string().unwrap().contains("秒後にもう一度"));
        }
        other => panic!("expected 429, got {:?}", other.map(|r| r.status())),
    }
}

// 5 (part): the carriers command in Japanese, its table aligned by display width; the labels of
// every message line in the user's language.
#[test]
fn carriers_and_message_labels_in_japanese() {
    let out = bin().args(["carriers", "--lang", "ja"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for word in ["STATUS", "supported", "unverified", "issues no address"] {
        assert!(!text.contains(word), "{word} in {text}");
    }
    // The last column starts at one display column on every line.
    use unicode_width::UnicodeWidthStr;
    let starts: std::collections::BTreeSet<usize> = text
        .lines()
        .map(|l| {
            let cut = l.rfind("  ").unwrap() + 2;
            l[..cut].width()
        })
        .collect();
    assert_eq!(starts.len(), 1, "{text}");
    let show = bin()
        .args(["carriers", "show", "icloud", "--lang", "ja"])
        .output()
        .unwrap();
    let show = String::from_utf8(show.stdout).unwrap();
    assert!(
        show.contains("状態: 対応") && show.contains("使えないポート: 25, 465"),
        "{show}"
    );
    // Labels: error, help, warning.
    bin()
        .args([
            "new",
            "--lang",
            "ja",
            "--email",
            "taro@gmail.com",
            "--carrier",
            "docomo",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("エラー: "));
    bin()
        .args([
            "new",
            "--lang",
            "ja",
            "--email",
            "taro@i.softbank.jp",
            "--username",
            "x@au.com",
            "-o",
            "-",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("警告: PG208"));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.mobileconfig");
    std::fs::write(&p, b"<?xml version=\"1.0\"?><plist><dict>").unwrap();
    bin()
        .args(["lint", "--lang", "ja"])
        .arg(&p)
        .assert()
        .stdout(
            predicate::str::contains("PG100 エラー")
                .and(predicate::str::contains("対処:"))
                .and(predicate::str::contains("1件を検査: エラー 1件")),
        );
}

// 5 (part): lint findings, --list-rules and --explain lead with the rule's Japanese summary and
// fix; the finding's own specifics follow as the detail.
#[test]
fn lint_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.mobileconfig");
    bin()
        .args(["new", "-q", "--email", "taro@i.softbank.jp", "-o"])
        .arg(&p)
        .assert()
        .success();
    let text =
        std::fs::read_to_string(&p)
            .unwrap()
            .replacen("imap.softbank.jp", "imap.sofbank.jp", 1);
    std::fs::write(&p, text).unwrap();
    bin()
        .args(["lint", "--lang", "ja"])
        .arg(&p)
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains(
                "PG206 エラー: 既知のプロバイダのサーバ名と1〜2文字だけ違うホスト名です",
            )
            .and(predicate::str::contains(
                "  詳細: \"imap.sofbank.jp\" は imap.softbank.jp の打ち間違いのようです",
            ))
            .and(predicate::str::contains(
                "  対処: プロバイダの正確なホスト名",
            ))
            .and(predicate::str::contains(
                "  ヒント: imap.softbank.jp のことですか?",
            )),
        );
    let list = String::from_utf8(
        bin()
            .args(["lint", "--lang", "ja", "--list-rules"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(list.lines().count(), profilegen::lint::rules::ALL.len());
    assert!(
        list.lines().all(|l| !l.is_ascii()),
        "every summary is Japanese"
    );
    bin()
        .args(["lint", "--lang", "ja", "--explain", "PG201"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("既定の重大度: エラー")
                .and(predicate::str::contains("対処:"))
                .and(predicate::str::contains("SSLで接続できません")),
        );
}

// 5 (part): inspect and probe in Japanese.
#[test]
fn inspect_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.mobileconfig");
    bin()
        .args(["new", "-q", "--email", "taro@i.softbank.jp", "-o"])
        .arg(&p)
        .assert()
        .success();
    bin()
        .args(["inspect", "--lang", "ja"])
        .arg(&p)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("署名:").and(predicate::str::contains("「未検証」")));
    let pki = common::Pki::new();
    let s = dir.path().join("s.mobileconfig");
    bin()
        .arg("sign")
        .arg(&p)
        .arg("-o")
        .arg(&s)
        .arg("--sign-cert")
        .arg(pki.path("signer.pem"))
        .arg("--sign-key")
        .arg(pki.path("signer.key"))
        .arg("--sign-chain")
        .arg(pki.path("chain.pem"))
        .assert()
        .success();
    bin()
        .args(["inspect", "--lang", "ja", "--ca"])
        .arg(pki.path("unrelated.pem"))
        .arg(&s)
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("チェーン:")
                .and(predicate::str::contains("iPhoneが信頼しないルート"))
                .and(predicate::str::contains("残り")),
        );
}

/// True when `line` has a Japanese character (kana, kanji or full-width punctuation).
fn has_japanese(line: &str) -> bool {
    line.chars().any(|c| {
        matches!(c, '\u{3000}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}' | '\u{ff01}'..='\u{ff60}')
    })
}

// Under `--lang ja` every line a person reads about a failure is Japanese: the usage errors clap
// reports, preset and template files, keys and certificates, passphrases, CSV headers, lint's
// severity overrides, probe's name overrides, schema deprecations. (Technical details from
// OpenSSL or YAML may follow a Japanese sentence; a line of English alone fails.)
#[test]
fn every_error_reads_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pki = common::Pki::new();
    let p = d.join("p.mobileconfig");
    bin()
        .args(["new", "-q", "--email", "taro@i.softbank.jp", "-o"])
        .arg(&p)
        .assert()
        .success();
    std::fs::create_dir(d.join("bad-preset")).unwrap();
    std::fs::write(
        d.join("bad-preset/x.yaml"),
        "id: x\nname: X\nname_en: X\nstatus: supported\ndomains: [x.example]\nimap: {host: imap.x.example, port: 993}\n",
    )
    .unwrap();
    std::fs::create_dir(d.join("bad-yaml")).unwrap();
    std::fs::write(d.join("bad-yaml/y.yaml"), "id: [unclosed\n").unwrap();
    std::fs::create_dir(d.join("tpl-name")).unwrap();
    std::fs::write(d.join("tpl-name/nonsense.j2"), "x").unwrap();
    std::fs::create_dir(d.join("tpl-syntax")).unwrap();
    std::fs::write(d.join("tpl-syntax/display_name.j2"), "{{ email").unwrap();
    std::fs::write(d.join("junk.pem"), "not a certificate\n").unwrap();
    std::fs::write(d.join("junk.p12"), b"\x30\x03\x02\x01\x00").unwrap();
    std::fs::write(
        d.join("users.csv"),
        "email,colour\ntaro@i.softbank.jp,blue\n",
    )
    .unwrap();
    let dep = String::from_utf8(std::fs::read(&p).unwrap())
        .unwrap()
        .replacen("<key>PayloadType</key>\n\t\t\t<string>com.apple.mail.managed</string>", "<key>PayloadType</key>\n\t\t\t<string>com.apple.mail.managed</string>\n\t\t\t<key>SMIMEEnabled</key>\n\t\t\t<false/>", 1);
    assert!(dep.contains("SMIMEEnabled"), "fixture not built");
    std::fs::write(d.join("dep.mobileconfig"), dep).unwrap();
    let s = |x: &Path| x.to_str().unwrap().to_string();
    let new = |extra: &[String]| -> Vec<String> {
        let mut v: Vec<String> = ["new", "--email", "taro@i.softbank.jp", "-o", "-"]
            .iter()
            .map(|x| x.to_string())
            .collect();
        v.extend_from_slice(extra);
        v
    };
    let sign = |extra: &[String]| -> Vec<String> {
        let mut v = vec!["sign".into(), s(&p), "-o".into(), s(&d.join("out"))];
        v.extend_from_slice(extra);
        v
    };
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "misspelt flag",
            vec!["new".into(), "--emial".into(), "x".into()],
        ),
        (
            "bad value",
            vec!["lint".into(), "--format".into(), "xml".into(), s(&p)],
        ),
        ("missing argument", vec!["new".into()]),
        (
            "bad --resolve",
            vec!["probe".into(), "--resolve".into(), "nonsense".into()],
        ),
        ("preset without smtp", {
            let mut v = vec!["--carriers".into(), s(&d.join("bad-preset"))];
            v.extend(new(&[]));
            v
        }),
        ("preset not YAML", {
            let mut v = vec!["--carriers".into(), s(&d.join("bad-yaml"))];
            v.extend(new(&[]));
            v
        }),
        (
            "unknown template",
            new(&["--templates".into(), s(&d.join("tpl-name"))]),
        ),
        (
            "template syntax",
            new(&["--templates".into(), s(&d.join("tpl-syntax"))]),
        ),
        ("port 0", new(&["--imap-port".into(), "0".into()])),
        (
            "not a certificate",
            sign(&[
                "--sign-cert".into(),
                s(&d.join("junk.pem")),
                "--sign-key".into(),
                s(&pki.path("signer.key")),
            ]),
        ),
        (
            "not a PKCS#12",
            sign(&[
                "--sign-p12".into(),
                s(&d.join("junk.p12")),
                "--passphrase-env".into(),
                "PG_TEST_PASS".into(),
            ]),
        ),
        (
            "wrong passphrase",
            sign(&[
                "--sign-cert".into(),
                s(&pki.path("signer.pem")),
                "--sign-key".into(),
                s(&pki.path("enc.key")),
                "--passphrase-env".into(),
                "PG_TEST_PASS".into(),
            ]),
        ),
        (
            "unset passphrase variable",
            sign(&[
                "--sign-p12".into(),
                s(&pki.path("signer.p12")),
                "--passphrase-env".into(),
                "PG_TEST_UNSET".into(),
            ]),
        ),
        (
            "cert without key",
            sign(&["--sign-cert".into(), s(&pki.path("signer.pem"))]),
        ),
        ("no such shell", vec!["completions".into(), "tcsh".into()]),
        (
            "bad severity",
            vec![
                "lint".into(),
                "--severity".into(),
                "PG201=loud".into(),
                s(&p),
            ],
        ),
        (
            "unknown CSV column",
            vec![
                "bulk".into(),
                s(&d.join("users.csv")),
                "--out-dir".into(),
                s(&d.join("o")),
            ],
        ),
        (
            "zero jobs",
            vec![
                "bulk".into(),
                s(&d.join("users.csv")),
                "--out-dir".into(),
                s(&d.join("o")),
                "--jobs".into(),
                "0".into(),
            ],
        ),
        (
            "missing file",
            vec!["inspect".into(), s(&d.join("absent.mobileconfig"))],
        ),
        (
            "deprecated key",
            vec![
                "lint".into(),
                "--fail-on".into(),
                "info".into(),
                s(&d.join("dep.mobileconfig")),
            ],
        ),
    ];
    for (what, args) in cases {
        let out = bin()
            .arg("--lang")
            .arg("ja")
            .args(&args)
            .env("PG_TEST_PASS", "wrong")
            .env_remove("PG_TEST_UNSET")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{what}: succeeded");
        let text = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(!text.trim().is_empty(), "{what}: said nothing");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            // A usage line ("  profilegen new --email <ADDRESS>") and a file path are not prose.
            let prose = line.trim_start();
            if prose.starts_with("profilegen ") {
                continue;
            }
            assert!(
                has_japanese(line),
                "{what}: English line {line:?} in\n{text}"
            );
        }
    }
}

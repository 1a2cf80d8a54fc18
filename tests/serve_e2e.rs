//! End to end in a real browser: Debian's headless Chromium, driven by playwright-core
//! (tests/e2e/serve.mjs), fills in the page, downloads the profile, and the profile is parsed
//! and linted here. `.ci/run` installs chromium, node and the script's package.

mod common;

use std::path::Path;
use std::process::Command;

fn require(ok: bool, what: &str) {
    assert!(
        ok,
        "the browser test needs {what}; `.ci/run` installs it (see README)"
    );
}

#[test]
fn a_person_downloads_a_profile_in_chromium() {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    require(
        Path::new(&chromium).exists(),
        "Chromium (apt-get install chromium)",
    );
    require(
        Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "Node.js",
    );
    require(
        e2e.join("node_modules/playwright-core").is_dir(),
        "playwright-core (npm ci --prefix tests/e2e)",
    );

    let server = common::Server::start(&[]);
    let out = tempfile::tempdir().unwrap();
    let run = Command::new("node")
        .arg(e2e.join("serve.mjs"))
        .arg(&server.url)
        .arg(out.path())
        .env("CHROMIUM", &chromium)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "browser run failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(run.stdout.trim_ascii()).unwrap();
    assert_eq!(
        summary["lang"], "ja",
        "the page follows the browser's language"
    );
    assert_eq!(summary["title"], "メール設定プロファイル");
    assert_eq!(
        summary["passwordFields"], 0,
        "the page never asks for the mail password"
    );
    assert_eq!(summary["file"], "taro@i.softbank.jp.mobileconfig");
    assert!(
        summary["error"]
            .as_str()
            .unwrap()
            .contains("メッセージアプリ"),
        "{summary}"
    );
    assert_eq!(
        summary["kept"], "taro@softbank.ne.jp",
        "the form keeps what was typed"
    );

    let bytes = std::fs::read(out.path().join("taro@i.softbank.jp.mobileconfig")).unwrap();
    let p = plist::Value::from_reader_xml(&bytes[..])
        .unwrap()
        .into_dictionary()
        .unwrap();
    let m = p["PayloadContent"].as_array().unwrap()[0]
        .as_dictionary()
        .unwrap();
    assert_eq!(m["EmailAccountName"].as_string(), Some("山田 太郎 <&>"));
    assert_eq!(
        m["IncomingMailServerHostName"].as_string(),
        Some("imap.softbank.jp")
    );
    // Lints clean (apart from "unsigned": this server has no signing identity).
    let verifier =
        profilegen::container::Verifier::from_trust(&profilegen::container::Trust::System).unwrap();
    let registry = profilegen::preset::Registry::builtin().unwrap();
    let opts = profilegen::lint::Options {
        presets: &registry,
        verifier: &verifier,
        overrides: Default::default(),
        now: 1_800_000_000,
        mdm: None,
    };
    let findings: Vec<_> = profilegen::lint::lint_bytes(&bytes, &opts)
        .into_iter()
        .filter(|f| f.rule != "PG301")
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
}

//! End-to-end tests of `profilegen new` and `profilegen carriers`: the binary is run and its output
//! parsed back.

use assert_cmd::Command;
use plist::{Dictionary, Value};
use predicates::prelude::*;
use profilegen::preset::{Registry, Status, UsernameRule};
use std::path::Path;

fn bin() -> Command {
    let mut c = Command::cargo_bin("profilegen").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    c
}

fn parse(bytes: &[u8]) -> Dictionary {
    Value::from_reader_xml(bytes)
        .expect("output is an XML plist")
        .into_dictionary()
        .expect("top level is a dictionary")
}

fn mail(top: &Dictionary) -> &Dictionary {
    let content = top["PayloadContent"].as_array().unwrap();
    assert_eq!(content.len(), 1);
    content[0].as_dictionary().unwrap()
}

fn s<'a>(d: &'a Dictionary, k: &str) -> &'a str {
    d.get(k)
        .unwrap_or_else(|| panic!("{k} missing"))
        .as_string()
        .unwrap_or_else(|| panic!("{k} not a string"))
}

fn i(d: &Dictionary, k: &str) -> u64 {
    d[k].as_unsigned_integer()
        .unwrap_or_else(|| panic!("{k} not an integer"))
}

/// A sample address for a preset's first domain (`*.x` becomes `sub.x`).
fn sample_address(domain: &str) -> String {
    match domain.strip_prefix("*.") {
        Some(rest) => format!("taro.yamada@sub.{rest}"),
        None => format!("taro.yamada@{domain}"),
    }
}

#[test]
fn every_preset_writes_a_profile_that_matches_it() {
    let registry = Registry::builtin().unwrap();
    let mut checked = 0;
    for p in registry.iter().filter(|p| p.status != Status::Unsupported) {
        for (protocol, incoming) in [("imap", &p.imap), ("pop", &p.pop)] {
            let Some(incoming) = incoming else { continue };
            for domain in &p.domains {
                let email = sample_address(domain);
                let out = bin()
                    .args(["new", "--email", &email, "--protocol", protocol])
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{} {email}: {}",
                    p.id,
                    String::from_utf8_lossy(&out.stderr)
                );
                let top = parse(&out.stdout);
                assert_eq!(s(&top, "PayloadType"), "Configuration");
                assert_eq!(i(&top, "PayloadVersion"), 1);
                let m = mail(&top);
                let smtp = p.smtp.as_ref().unwrap();
                assert_eq!(s(m, "PayloadType"), "com.apple.mail.managed");
                assert_eq!(
                    s(m, "EmailAccountType"),
                    if protocol == "imap" {
                        "EmailTypeIMAP"
                    } else {
                        "EmailTypePOP"
                    }
                );
                assert_eq!(s(m, "EmailAddress"), email);
                assert_eq!(
                    s(m, "IncomingMailServerHostName"),
                    incoming.host,
                    "{}",
                    p.id
                );
                assert_eq!(
                    i(m, "IncomingMailServerPortNumber"),
                    u64::from(incoming.port)
                );
                assert_eq!(s(m, "OutgoingMailServerHostName"), smtp.host);
                assert_eq!(i(m, "OutgoingMailServerPortNumber"), u64::from(smtp.port));
                // Apple's default is false: both must be written, and true.
                assert_eq!(m["IncomingMailServerUseSSL"].as_boolean(), Some(true));
                assert_eq!(m["OutgoingMailServerUseSSL"].as_boolean(), Some(true));
                assert_eq!(
                    s(m, "IncomingMailServerAuthentication"),
                    "EmailAuthPassword"
                );
                assert_eq!(
                    s(m, "OutgoingMailServerAuthentication"),
                    "EmailAuthPassword"
                );
                let local = email.split('@').next().unwrap();
                for (key, rule) in [
                    ("IncomingMailServerUsername", incoming.username),
                    ("OutgoingMailServerUsername", smtp.username),
                ] {
                    match rule {
                        UsernameRule::Email => assert_eq!(s(m, key), email),
                        UsernameRule::LocalPart => assert_eq!(s(m, key), local),
                        UsernameRule::Ask => {
                            assert!(!m.contains_key(key), "{key} must be left out for {}", p.id)
                        }
                    }
                }
                assert!(!m.contains_key("IncomingPassword"));
                assert!(!m.contains_key("OutgoingPassword"));
                assert_eq!(
                    m["OutgoingPasswordSameAsIncomingPassword"].as_boolean(),
                    Some(true)
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "only {checked} combinations checked");
}

#[test]
fn softbank_example_from_the_issue() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("taro.mobileconfig");
    bin()
        .args([
            "new",
            "--email",
            "taro@i.softbank.jp",
            "--name",
            "山田 太郎",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote"));
    let top = parse(&std::fs::read(&out).unwrap());
    let m = mail(&top);
    assert_eq!(s(m, "IncomingMailServerHostName"), "imap.softbank.jp");
    assert_eq!(i(m, "IncomingMailServerPortNumber"), 993);
    assert_eq!(s(m, "OutgoingMailServerHostName"), "smtp.softbank.jp");
    assert_eq!(i(m, "OutgoingMailServerPortNumber"), 587);
    assert_eq!(s(m, "EmailAccountName"), "山田 太郎");
    assert_eq!(s(m, "IncomingMailServerUsername"), "taro");
}

#[test]
fn softbank_accepts_465_without_a_warning_and_refuses_25() {
    let out = bin()
        .args(["new", "--email", "taro@i.softbank.jp", "--smtp-port", "465"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        i(mail(&parse(&out.stdout)), "OutgoingMailServerPortNumber"),
        465
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
    // Outbound port 25 is blocked on Japanese networks: the profile could never send.
    bin()
        .args(["new", "--email", "taro@i.softbank.jp", "--smtp-port", "25"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("PG207").and(predicate::str::contains("port 25")));
}

#[test]
fn output_is_deterministic_and_per_account() {
    let run = |email: &str| {
        bin()
            .args(["new", "--email", email])
            .output()
            .unwrap()
            .stdout
    };
    let a = run("taro@i.softbank.jp");
    let b = run("taro@i.softbank.jp");
    assert_eq!(a, b, "same input must give byte-identical output");
    let c = run("hanako@i.softbank.jp");
    let (ta, tc) = (parse(&a), parse(&c));
    assert_ne!(s(&ta, "PayloadUUID"), s(&tc, "PayloadUUID"));
    assert_ne!(s(&ta, "PayloadIdentifier"), s(&tc, "PayloadIdentifier"));
    assert_ne!(s(mail(&ta), "PayloadUUID"), s(mail(&tc), "PayloadUUID"));
    assert_ne!(
        s(mail(&ta), "PayloadIdentifier"),
        s(&ta, "PayloadIdentifier")
    );
    // The identifier prefix is the admin's to choose.
    let out = bin()
        .args([
            "new",
            "--email",
            "taro@i.softbank.jp",
            "--identifier-prefix",
            "com.example.mail",
        ])
        .output()
        .unwrap();
    assert!(s(&parse(&out.stdout), "PayloadIdentifier").starts_with("com.example.mail."));
    // Random UUIDs only when asked.
    let r1 = bin()
        .args(["new", "--email", "taro@i.softbank.jp", "--random-uuids"])
        .output()
        .unwrap()
        .stdout;
    let r2 = bin()
        .args(["new", "--email", "taro@i.softbank.jp", "--random-uuids"])
        .output()
        .unwrap()
        .stdout;
    assert_ne!(s(&parse(&r1), "PayloadUUID"), s(&parse(&r2), "PayloadUUID"));
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn embedded_password_file_is_0600_and_password_is_never_printed() {
    let secret = "S3cr3t-pa55&<word>";
    let dir = tempfile::tempdir().unwrap();
    let with = dir.path().join("with.mobileconfig");
    let out = bin()
        .args([
            "new",
            "--email",
            "ichiro@gmail.com",
            "--password-stdin",
            "-o",
        ])
        .arg(&with)
        .write_stdin(format!("{secret}\n"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&with), 0o600);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("password in clear text"), "{stderr}");
    assert!(!stderr.contains(secret) && !String::from_utf8_lossy(&out.stdout).contains(secret));
    let top = parse(&std::fs::read(&with).unwrap());
    let m = mail(&top);
    assert_eq!(s(m, "IncomingPassword"), secret);
    assert_eq!(s(m, "OutgoingPassword"), secret);
    assert!(!m.contains_key("OutgoingPasswordSameAsIncomingPassword"));

    let env = dir.path().join("env.mobileconfig");
    let out = bin()
        .args([
            "new",
            "--email",
            "ichiro@gmail.com",
            "--password-env",
            "PG_TEST_PW",
            "-o",
        ])
        .arg(&env)
        .env("PG_TEST_PW", secret)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(mode(&env), 0o600);
    assert!(!String::from_utf8_lossy(&out.stderr).contains(secret));
    assert_eq!(
        s(
            mail(&parse(&std::fs::read(&env).unwrap())),
            "IncomingPassword"
        ),
        secret
    );

    let without = dir.path().join("without.mobileconfig");
    bin()
        .args(["new", "--email", "ichiro@gmail.com", "-o"])
        .arg(&without)
        .assert()
        .success();
    assert_eq!(mode(&without), 0o644);
}

#[test]
fn password_is_never_taken_from_argv() {
    bin()
        .args(["new", "--email", "ichiro@gmail.com", "--password", "x"])
        .assert()
        .code(2);
    bin()
        .args([
            "new",
            "--email",
            "ichiro@gmail.com",
            "--password-env",
            "PG_SURELY_UNSET_VAR",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("PG_SURELY_UNSET_VAR is not set"));
}

#[test]
fn metacharacters_round_trip_exactly() {
    let name = "山田 \"太郎\" <taro> & 'Co' 🎌 ﾃｽﾄ ]]> &amp;";
    let org = "A&B <Mail> 株式会社";
    let desc = "line one\n\ttab & <b>two</b> 🚀";
    let out = bin()
        .args([
            "new",
            "--email",
            "taro@i.softbank.jp",
            "--name",
            name,
            "--org",
            org,
            "--description",
            desc,
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let top = parse(&out.stdout);
    assert_eq!(s(mail(&top), "EmailAccountName"), name);
    assert_eq!(s(&top, "PayloadOrganization"), org);
    assert_eq!(s(&top, "PayloadDescription"), desc);
}

#[test]
fn control_characters_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mobileconfig");
    for bad in ["ta\u{1}ro", "ta\u{1b}[31mro", "a\u{FFFF}", "two\nlines"] {
        bin()
            .args(["new", "--email", "taro@i.softbank.jp", "--name", bad, "-o"])
            .arg(&out)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("--name"));
        assert!(!out.exists());
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no temporary file left"
    );
}

#[test]
fn addresses_no_profile_can_serve_are_refused() {
    for (email, expect) in [
        ("taro@softbank.ne.jp", "i.softbank.jp"),
        ("taro@ymobile.ne.jp", "Messages"),
        ("taro@rakumail.jp", "Rakuten Link"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        bin()
            .args(["new", "--email", email, "-o"])
            .arg(dir.path().join("x.mobileconfig"))
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains(expect));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
    for plan in ["povo", "ahamo", "linemo"] {
        bin()
            .args(["new", "--email", "taro@example.jp", "--carrier", plan])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("no carrier mail address"));
    }
}

#[test]
fn docomo_username_is_asked_unless_given() {
    let out = bin()
        .args(["new", "--email", "hanako@docomo.ne.jp"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ask"));
    assert!(!mail(&parse(&out.stdout)).contains_key("IncomingMailServerUsername"));
    let out = bin()
        .args([
            "new",
            "--email",
            "hanako@docomo.ne.jp",
            "--username",
            "d-id-123",
        ])
        .output()
        .unwrap();
    let top = parse(&out.stdout);
    assert_eq!(s(mail(&top), "IncomingMailServerUsername"), "d-id-123");
    assert_eq!(s(mail(&top), "OutgoingMailServerUsername"), "d-id-123");
}

#[test]
fn icloud_uses_local_part_for_imap_and_address_for_smtp() {
    let out = bin()
        .args(["new", "--email", "me@icloud.com"])
        .output()
        .unwrap();
    let top = parse(&out.stdout);
    let m = mail(&top);
    assert_eq!(s(m, "IncomingMailServerUsername"), "me");
    assert_eq!(s(m, "OutgoingMailServerUsername"), "me@icloud.com");
    assert_eq!(i(m, "OutgoingMailServerPortNumber"), 587);
}

#[test]
fn input_mistakes_get_clear_errors() {
    // A trailing space (a copy-paste leftover) is forgiven in the address...
    let out = bin()
        .args(["new", "--email", " taro@i.softbank.jp "])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        s(mail(&parse(&out.stdout)), "EmailAddress"),
        "taro@i.softbank.jp"
    );
    // ...but not inside a host name.
    bin()
        .args([
            "new",
            "--email",
            "a@example.jp",
            "--imap-host",
            "imap.exa mple.jp",
            "--smtp-host",
            "smtp.example.jp",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("--imap-host").and(predicate::str::contains("white space")),
        );
    bin()
        .args(["new", "--email", "taro@unknown-provider.example"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("no preset for the domain")
                .and(predicate::str::contains("--carrier")),
        );
    bin()
        .args([
            "new",
            "--email",
            "taro@i.softbank.jp",
            "--carrier",
            "sofbank",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did you mean \"softbank\""));
    bin()
        .args(["new", "--email", "taro"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("email").and(predicate::str::contains("'@'")));
    bin()
        .args(["new", "--email", "taro@i.softbank.jp", "--smtp-port", "0"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--smtp-port"));
    bin()
        .args(["new", "--email", "taro@docomo.ne.jp", "--protocol", "pop"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no POP server"));
}

#[test]
fn custom_servers_without_a_preset() {
    let out = bin()
        .args([
            "new",
            "--email",
            "jiro@example.co.jp",
            "--imap-host",
            "imap.example.co.jp",
            "--smtp-host",
            "smtp.example.co.jp",
            "--smtp-port",
            "587",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let top = parse(&out.stdout);
    let m = mail(&top);
    assert_eq!(i(m, "IncomingMailServerPortNumber"), 993);
    assert_eq!(i(m, "OutgoingMailServerPortNumber"), 587);
    assert_eq!(m["OutgoingMailServerUseSSL"].as_boolean(), Some(true));
    assert_eq!(s(m, "IncomingMailServerUsername"), "jiro@example.co.jp");
}

#[test]
fn output_directory_gets_the_templated_file_name() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args(["new", "--email", "taro@i.softbank.jp", "-o"])
        .arg(dir.path())
        .assert()
        .success();
    assert!(dir.path().join("taro@i.softbank.jp.mobileconfig").is_file());
}

fn carriers_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    dir
}

const GOOD: &str = "id: corp
name: 社内メール
name_en: Corp mail
domains: [corp.example.jp]
status: supported
confidence: high
imap: { host: imap.corp.example.jp, port: 993, tls: ssl, auth: password, username: email }
smtp: { host: smtp.corp.example.jp, port: 465, tls: ssl, auth: password, username: email }
";

#[test]
fn extra_presets_are_used_and_may_override() {
    let dir = carriers_dir(&[("corp.yaml", GOOD)]);
    let out = bin()
        .arg("--carriers")
        .arg(dir.path())
        .args(["new", "--email", "a@corp.example.jp"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        s(mail(&parse(&out.stdout)), "IncomingMailServerHostName"),
        "imap.corp.example.jp"
    );
    // Same id as a built-in preset: replaces it.
    let over = GOOD
        .replace("id: corp", "id: softbank")
        .replace("corp.example.jp]", "i.softbank.jp]");
    let dir = carriers_dir(&[("softbank.yaml", &over)]);
    let out = bin()
        .arg("--carriers")
        .arg(dir.path())
        .args(["new", "--email", "a@i.softbank.jp"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        s(mail(&parse(&out.stdout)), "IncomingMailServerHostName"),
        "imap.corp.example.jp"
    );
}

#[test]
fn invalid_presets_name_the_file_and_the_field() {
    let cases: &[(&str, String, &[&str])] = &[
        (
            "unknown.yaml",
            GOOD.replace("confidence: high", "confidence: high\ncolour: blue"),
            &["unknown.yaml", "colour"],
        ),
        (
            "port0.yaml",
            GOOD.replace("port: 993", "port: 0"),
            &["port0.yaml", "imap.port", "port 0"],
        ),
        (
            "tls.yaml",
            GOOD.replace(
                "tls: ssl, auth: password, username: email }\nsmtp",
                "tls: tls13, auth: password, username: email }\nsmtp",
            ),
            &["tls.yaml", "imap.tls", "tls13"],
        ),
        (
            "plain.yaml",
            GOOD.replace("port: 465, tls: ssl", "port: 25, tls: none"),
            &["plain.yaml", "smtp.tls", "none"],
        ),
        (
            "host.yaml",
            GOOD.replace("imap.corp.example.jp", "\"imap.corp.example.jp \""),
            &["host.yaml", "imap.host", "white space"],
        ),
        (
            "claim.yaml",
            GOOD.replace("corp.example.jp]", "docomo.ne.jp]"),
            &["claim.yaml", "domains[0]", "docomo"],
        ),
        (
            "nosmtp.yaml",
            GOOD.lines()
                .filter(|l| !l.starts_with("smtp"))
                .collect::<Vec<_>>()
                .join("\n"),
            &["nosmtp.yaml", "smtp"],
        ),
    ];
    for (file, body, expect) in cases {
        let dir = carriers_dir(&[(file, body)]);
        let assert = bin()
            .arg("--carriers")
            .arg(dir.path())
            .args(["carriers"])
            .assert()
            .code(1);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        for e in *expect {
            assert!(stderr.contains(e), "{file}: expected {e:?} in {stderr:?}");
        }
    }
}

#[test]
fn templates_can_be_replaced_and_unknown_variables_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("display_name.j2"),
        "{{ organization or 'Mail' }} – {{ email }}",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("file_name.j2"),
        "{{ carrier.id }}/{{ local_part }}",
    )
    .unwrap();
    let outdir = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "new",
            "--email",
            "taro@i.softbank.jp",
            "--org",
            "A&B",
            "--templates",
        ])
        .arg(dir.path())
        .arg("-o")
        .arg(outdir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The file name is sanitised: no directory is created from a template's '/'.
    let written = outdir.path().join("softbank_taro.mobileconfig");
    assert!(written.is_file());
    assert_eq!(
        s(
            &parse(&std::fs::read(&written).unwrap()),
            "PayloadDisplayName"
        ),
        "A&B – taro@i.softbank.jp"
    );

    std::fs::write(dir.path().join("display_name.j2"), "{{ emial }}").unwrap();
    bin()
        .args(["new", "--email", "taro@i.softbank.jp", "--templates"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("display_name.j2").and(predicate::str::contains("undefined")),
        );

    // Template output is validated like user input.
    std::fs::write(dir.path().join("display_name.j2"), "{{ email }}\u{7}").unwrap();
    bin()
        .args(["new", "--email", "taro@i.softbank.jp", "--templates"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("display_name.j2"));
}

#[test]
fn carriers_list_and_show() {
    bin().arg("carriers").assert().success().stdout(
        predicate::str::contains("softbank")
            .and(predicate::str::contains("docomo"))
            .and(predicate::str::contains("unverified")),
    );
    bin()
        .args(["carriers", "show", "docomo", "--lang", "ja"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("imap.spmode.ne.jp:993")
                .and(predicate::str::contains("IMAP専用パスワード"))
                .and(predicate::str::contains("出典:")),
        );
    bin()
        .args(["carriers", "show", "taro@juno.ocn.ne.jp"])
        .assert()
        .success()
        .stdout(predicate::str::contains("imap.ocn.ne.jp"));
    bin().args(["carriers", "show", "nope"]).assert().code(1);
}

#[test]
fn completions_and_man_page_come_from_the_definitions() {
    bin()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("profilegen")
                .and(predicate::str::contains("--identifier-prefix")),
        );
    bin()
        .args(["completions", "man"])
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH profilegen").and(predicate::str::contains("lint")));
    bin()
        .args(["completions", "tcsh"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a shell"));
}

//! Each lint rule has a fixture that triggers it and a near miss that does not. Fixtures are
//! made from a profile `profilegen new` writes, changed in one place.

#[path = "common/cases.rs"]
mod cases;
mod common;
use cases::*;

use plist::Value;
use profilegen::container::{Trust, Verifier};
use profilegen::lint::{self, rules, Options};
use profilegen::preset::Registry;
use profilegen::sign::{Identity, IdentitySource, Passphrase, Signer};
use std::collections::{BTreeMap, BTreeSet};

fn run(bytes: &[u8], store: &Verifier) -> Vec<lint::Finding> {
    let registry = Registry::builtin().unwrap();
    let opts = Options {
        presets: &registry,
        verifier: store,
        overrides: BTreeMap::new(),
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
        mdm: None,
    };
    lint::lint_bytes(bytes, &opts)
}

fn ids(f: &[lint::Finding]) -> BTreeSet<&'static str> {
    f.iter().map(|f| f.rule).collect()
}

fn system() -> Verifier {
    Verifier::from_trust(&Trust::System).unwrap()
}

#[test]
fn the_base_profile_is_clean_but_unsigned() {
    let f = run(&xml(&base()), &system());
    assert_eq!(ids(&f), BTreeSet::from(["PG301"]), "{f:#?}");
}

#[test]
fn every_rule_triggers_on_its_fixture_and_not_on_its_near_miss() {
    let store = system();
    for (id, bad, good) in cases() {
        let mut d = base();
        bad(&mut d);
        let found = run(&xml(&d), &store);
        assert!(
            ids(&found).contains(id),
            "{id} did not fire on its fixture: {found:#?}"
        );
        let f = found.iter().find(|f| f.rule == id).unwrap();
        assert!(!f.message.is_empty());
        let mut d = base();
        good(&mut d);
        let found = run(&xml(&d), &store);
        assert!(
            !ids(&found).contains(id),
            "{id} fired on its near miss: {found:#?}"
        );
    }
}

#[test]
fn finding_paths_point_at_the_key() {
    let mut d = base();
    set(
        mail(&mut d),
        "IncomingMailServerPortNumber",
        Value::Integer(143.into()),
    );
    let f = run(&xml(&d), &system());
    let f = f.iter().find(|f| f.rule == "PG203").unwrap();
    assert_eq!(f.path, "PayloadContent[0].IncomingMailServerPortNumber");
    let mut d = base();
    set(
        mail(&mut d),
        "IncomingMailServerHostName",
        s("imap.sofbank.jp"),
    );
    let f = run(&xml(&d), &system());
    let f = f.iter().find(|f| f.rule == "PG206").unwrap();
    assert_eq!(f.help.as_deref(), Some("did you mean imap.softbank.jp?"));
    let mut d = base();
    set(mail(&mut d), "IncomingMailServerHostname", s("x"));
    let f = run(&xml(&d), &system());
    let f = f.iter().find(|f| f.rule == "PG107").unwrap();
    assert_eq!(
        f.help.as_deref(),
        Some("did you mean IncomingMailServerHostName?")
    );
}

#[test]
fn junk_before_declaration() {
    let mut bytes = b"\n\n".to_vec();
    bytes.extend(xml(&base()));
    assert!(ids(&run(&bytes, &system())).contains("PG113"));
    assert!(!ids(&run(&xml(&base()), &system())).contains("PG113"));
}

#[test]
fn unreadable_inputs_are_findings_not_panics() {
    let store = system();
    let deep = format!(
        "<?xml version=\"1.0\"?><plist version=\"1.0\">{}{}</plist>",
        "<array>".repeat(100_000),
        "</array>".repeat(100_000)
    );
    let cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"hello".to_vec(),
        b"<?xml version=\"1.0\"?><plist><dict><key>a</key>".to_vec(),
        b"<plist version=\"1.0\"><array><string>x</string></array></plist>".to_vec(),
        deep.into_bytes(),
        b"bplist00\xff\xff\xff".to_vec(),
        vec![
            0x30, 0x82, 0xff, 0xff, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07,
            0x02,
        ],
        b"-----BEGIN PKCS7-----\n!!!!\n-----END PKCS7-----\n".to_vec(),
        vec![0xff, 0xfe, 0x3c, 0x00, 0xd8],
    ];
    for c in cases {
        let f = run(&c, &store);
        assert!(
            ids(&f).contains("PG100"),
            "{:?}: {f:#?}",
            String::from_utf8_lossy(&c[..c.len().min(40)])
        );
    }
    // Truncations of a real profile never panic.
    let full = xml(&base());
    for cut in (0..full.len()).step_by(7) {
        let _ = run(&full[..cut], &store);
    }
}

#[test]
fn binary_and_utf16_profiles_are_read() {
    let d = base();
    let mut bin = Vec::new();
    Value::Dictionary(d.clone())
        .to_writer_binary(&mut bin)
        .unwrap();
    assert_eq!(ids(&run(&bin, &system())), BTreeSet::from(["PG301"]));
    let text = String::from_utf8(xml(&d))
        .unwrap()
        .replace("UTF-8", "UTF-16");
    let mut utf16 = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    assert_eq!(ids(&run(&utf16, &system())), BTreeSet::from(["PG301"]));
}

#[test]
fn every_rule_has_a_fixture() {
    let mut covered: BTreeSet<&str> = cases().iter().map(|(id, _, _)| *id).collect();
    // Tested elsewhere in this file: PG100 (unreadable inputs), PG113 (bytes before the
    // declaration), PG3xx (signed fixtures below).
    covered.extend([
        "PG100", "PG113", "PG116", "PG301", "PG302", "PG303", "PG304", "PG305",
    ]);
    // Need `--mdm` (or its absence) on the command line: tests/mdm.rs has their fixtures.
    covered.extend(["PG505", "PG506", "PG507"]);
    // Declarations referring to each other: tests/ddm.rs.
    covered.insert("PG117");
    // Found on live servers: tests/probe.rs has their fixtures.
    covered.extend([
        "PG701", "PG702", "PG703", "PG704", "PG705", "PG706", "PG707", "PG708", "PG709", "PG710",
        "PG711", "PG712", "PG713", "PG714", "PG715", "PG716", "PG717", "PG718",
    ]);
    for r in rules::ALL {
        assert!(covered.contains(r.id), "{} has no fixture", r.id);
    }
}

fn signer(pki: &common::Pki, cert: &str, key: &str, chain: bool) -> Signer {
    let identity = Identity::load(
        &IdentitySource::Pem {
            cert: pki.path(cert),
            key: pki.path(key),
            chain: chain.then(|| pki.path("chain.pem")),
        },
        &Passphrase::Env("UNUSED".into()),
    )
    .unwrap();
    Signer::new(identity, None).unwrap()
}

#[test]
fn signing_rules() {
    let pki = common::Pki::new();
    let store = Verifier::from_trust(&Trust::from_file(&pki.path("ca.pem")).unwrap()).unwrap();
    let content = xml(&base());

    let good = signer(&pki, "signer.pem", "signer.key", true)
        .sign(&content)
        .unwrap();
    let clean = ids(&run(&good, &store));
    assert!(
        clean.is_empty(),
        "a well-signed profile is clean: {clean:?}"
    );

    let mut flipped = good.clone();
    let at = flipped
        .windows(16)
        .position(|w| w == b"imap.softbank.jp")
        .unwrap();
    flipped[at] ^= 1;
    assert!(ids(&run(&flipped, &store)).contains("PG302"));

    let expired = signer(&pki, "expired.pem", "expired.key", true)
        .sign(&content)
        .unwrap();
    let f = ids(&run(&expired, &store));
    assert!(f.contains("PG303") && !f.contains("PG305"), "{f:?}");

    let leaf_only = signer(&pki, "signer.pem", "signer.key", false)
        .sign(&content)
        .unwrap();
    let f = ids(&run(&leaf_only, &store));
    assert!(f.contains("PG305") && !f.contains("PG302"), "{f:?}");

    // SHA-1, made by the openssl command.
    assert!(
        common::openssl_available(),
        "the openssl command is needed (apt-get install openssl)"
    );
    std::fs::write(pki.path("p.mobileconfig"), &content).unwrap();
    let st = std::process::Command::new("openssl")
        .args([
            "smime",
            "-sign",
            "-nodetach",
            "-binary",
            "-md",
            "sha1",
            "-outform",
            "der",
            "-in",
        ])
        .arg(pki.path("p.mobileconfig"))
        .arg("-signer")
        .arg(pki.path("signer.pem"))
        .arg("-inkey")
        .arg(pki.path("signer.key"))
        .arg("-certfile")
        .arg(pki.path("chain.pem"))
        .arg("-out")
        .arg(pki.path("sha1.der"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let f = ids(&run(&std::fs::read(pki.path("sha1.der")).unwrap(), &store));
    assert!(f.contains("PG304"), "{f:?}");
    assert!(!ids(&run(&good, &store)).contains("PG304"));
}

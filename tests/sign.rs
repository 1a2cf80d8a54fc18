//! Signing (`new --sign-*`, `sign`) and `inspect`, checked against the openssl command.

mod common;

use assert_cmd::Command;
use common::{read, Pki};
use predicates::prelude::*;
use std::path::Path;

fn bin() -> Command {
    let mut c = Command::cargo_bin("profilegen").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("SOURCE_DATE_EPOCH");
    c
}

fn openssl() -> std::process::Command {
    assert!(
        common::openssl_available(),
        "the openssl command is needed for these tests (apt-get install openssl)"
    );
    std::process::Command::new("openssl")
}

/// `openssl cms -verify` against our CA; returns the content it yields.
fn openssl_verify(signed: &Path, ca: &Path) -> Vec<u8> {
    let out = signed.with_extension("verified");
    let st = openssl()
        .args(["cms", "-verify", "-inform", "DER", "-binary", "-in"])
        .arg(signed)
        .arg("-CAfile")
        .arg(ca)
        .arg("-out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "openssl cms -verify refused: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    read(&out)
}

fn unsigned(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("plain.mobileconfig");
    bin()
        .args([
            "new",
            "--email",
            "taro@i.softbank.jp",
            "--name",
            "山田 太郎",
            "-q",
            "-o",
        ])
        .arg(&p)
        .assert()
        .success();
    p
}

#[test]
fn openssl_accepts_what_new_signs_and_yields_identical_content() {
    let pki = Pki::new();
    let plain = unsigned(pki.dir.path());
    let signed = pki.path("signed.mobileconfig");
    bin()
        .args([
            "new",
            "--email",
            "taro@i.softbank.jp",
            "--name",
            "山田 太郎",
            "-q",
            "--sign-cert",
        ])
        .arg(pki.path("signer.pem"))
        .arg("--sign-key")
        .arg(pki.path("signer.key"))
        .arg("--sign-chain")
        .arg(pki.path("chain.pem"))
        .arg("-o")
        .arg(&signed)
        .assert()
        .success();
    assert_eq!(&read(&signed)[..1], &[0x30], "DER output");
    assert_eq!(openssl_verify(&signed, &pki.path("ca.pem")), read(&plain));
    // Our own verifier agrees, with the chain the file carries.
    bin()
        .arg("inspect")
        .arg(&signed)
        .arg("--ca")
        .arg(pki.path("ca.pem"))
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("signature:   valid")
                .and(predicate::str::contains("SHA-256"))
                .and(predicate::str::contains("Mail Profile Signer"))
                .and(predicate::str::contains("chain:       trusted"))
                .and(predicate::str::contains("imap.softbank.jp")),
        );
}

#[test]
fn sign_with_pkcs12_and_passphrase_from_env_or_stdin() {
    let pki = Pki::new();
    let plain = unsigned(pki.dir.path());
    let out = pki.path("p12.mobileconfig");
    bin()
        .arg("sign")
        .arg(&plain)
        .arg("-o")
        .arg(&out)
        .arg("--sign-p12")
        .arg(pki.path("signer.p12"))
        .args(["--passphrase-env", "PG_P12"])
        .env("PG_P12", "p12-pass")
        .assert()
        .success()
        .stderr(predicate::str::contains("p12-pass").not());
    assert_eq!(openssl_verify(&out, &pki.path("ca.pem")), read(&plain));

    let out2 = pki.path("enc.mobileconfig");
    bin()
        .arg("sign")
        .arg(&plain)
        .arg("-o")
        .arg(&out2)
        .arg("--sign-cert")
        .arg(pki.path("signer.pem"))
        .arg("--sign-key")
        .arg(pki.path("enc.key"))
        .arg("--sign-chain")
        .arg(pki.path("chain.pem"))
        .arg("--passphrase-stdin")
        .write_stdin("key-pass\n")
        .assert()
        .success();
    assert_eq!(openssl_verify(&out2, &pki.path("ca.pem")), read(&plain));

    // Wrong passphrase, and no passphrase with no terminal: clear errors, no file.
    let out3 = pki.path("bad.mobileconfig");
    bin()
        .arg("sign")
        .arg(&plain)
        .arg("-o")
        .arg(&out3)
        .arg("--sign-p12")
        .arg(pki.path("signer.p12"))
        .args(["--passphrase-env", "PG_P12"])
        .env("PG_P12", "wrong")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("wrong passphrase"));
    bin()
        .arg("sign")
        .arg(&plain)
        .arg("-o")
        .arg(&out3)
        .arg("--sign-cert")
        .arg(pki.path("signer.pem"))
        .arg("--sign-key")
        .arg(pki.path("enc.key"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--passphrase-env"));
    assert!(!out3.exists());
}

#[test]
fn passphrase_is_never_an_argument() {
    bin()
        .args([
            "sign",
            "x",
            "-o",
            "y",
            "--sign-p12",
            "x.p12",
            "--passphrase",
            "secret",
        ])
        .assert()
        .code(2);
}

#[test]
fn inspect_accepts_what_openssl_smime_signs() {
    let pki = Pki::new();
    let plain = unsigned(pki.dir.path());
    let der = pki.path("smime.der");
    let st = openssl()
        .args([
            "smime",
            "-sign",
            "-nodetach",
            "-binary",
            "-outform",
            "der",
            "-in",
        ])
        .arg(&plain)
        .arg("-signer")
        .arg(pki.path("signer.pem"))
        .arg("-inkey")
        .arg(pki.path("signer.key"))
        .arg("-certfile")
        .arg(pki.path("chain.pem"))
        .arg("-out")
        .arg(&der)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    bin()
        .arg("inspect")
        .arg(&der)
        .arg("--ca")
        .arg(pki.path("ca.pem"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("verified:    yes"));
    // PEM-armoured CMS too; --extract gives back the exact unsigned bytes.
    let pem = pki.path("smime.pem");
    let st = openssl()
        .args([
            "cms",
            "-sign",
            "-nodetach",
            "-binary",
            "-outform",
            "PEM",
            "-in",
        ])
        .arg(&plain)
        .arg("-signer")
        .arg(pki.path("signer.pem"))
        .arg("-inkey")
        .arg(pki.path("signer.key"))
        .arg("-certfile")
        .arg(pki.path("chain.pem"))
        .arg("-out")
        .arg(&pem)
        .output()
        .unwrap();
    assert!(st.status.success());
    let extracted = pki.path("extracted.mobileconfig");
    bin()
        .arg("inspect")
        .arg(&pem)
        .arg("--ca")
        .arg(pki.path("ca.pem"))
        .arg("--extract")
        .arg("-o")
        .arg(&extracted)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PEM"));
    assert_eq!(read(&extracted), read(&plain));
}

#[test]
fn a_flipped_byte_is_a_broken_signature() {
    let pki = Pki::new();
    let plain = unsigned(pki.dir.path());
    let signed = pki.path("s.mobileconfig");
    bin()
        .arg("sign")
        .arg(&plain)
        .arg("-o")
        .arg(&signed)
        .arg("--sign-cert")
        .arg(pki.path("signer.pem"))
        .arg("--sign-key")
        .arg(pki.path("signer.key"))
        .arg("--sign-chain")
        .arg(pki.path("chain.pem"))
        .assert()
        .success();
    let mut bytes = read(&signed);
    let at = bytes
        .windows(16)
        .position(|w| w == b"imap.softbank.jp")
        .expect("content is attached");
    bytes[at] ^= 0x01;
    let flipped = pki.path("flipped.mobileconfig");
    std::fs::write(&flipped, &bytes).unwrap();
    bin()
        .arg("inspect")
        .arg(&flipped)
        .arg("--ca")
        .arg(pki.path("ca.pem"))
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("BROKEN").and(predicate::str::contains("verified:    no")),
        );
    // Also in the signature value itself (the last bytes of the file).
    let mut bytes = read(&signed);
    let n = bytes.len();
    bytes[n - 10] ^= 0x80;
    std::fs::write(&flipped, &bytes).unwrap();
    bin()
        .arg("inspect")
        .arg(&flipped)
        .arg("--ca")
        .arg(pki.path("ca.pem"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("BROKEN"));
}

#[test]
fn chain_problems_are_reported() {
    let pki = Pki::new();
    let plain = unsigned(pki.dir.path());
    let leaf_only = pki.path("leaf.mobileconfig");
    bin()
        .arg("sign")
        .arg(&plain)
        .arg("-o")
        .arg(&leaf_only)
        .arg("--sign-cert")
        .arg(pki.path("signer.pem"))
        .arg("--sign-key")
        .arg(pki.path("signer.key"))
        .assert()
        .success()
        .stderr(
            predicate::str::contains("not in the file")
                .and(predicate::str::contains("--sign-chain"))
                .and(predicate::str::contains("intermediate certificates of").not()),
        );
    bin()
        .arg("inspect")
        .arg(&leaf_only)
        .arg("--ca")
        .arg(pki.path("ca.pem"))
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("signature:   valid")
                .and(predicate::str::contains("NOT TRUSTED")),
        );
    // Against the system roots our test CA is unknown.
    bin().arg("inspect").arg(&leaf_only).assert().code(1);
}

#[test]
fn expired_and_mismatched_identities_are_refused() {
    let pki = Pki::new();
    let plain = unsigned(pki.dir.path());
    let out = pki.path("x.mobileconfig");
    let sign = |cert: &str, key: &str| {
        let mut c = bin();
        c.arg("sign")
            .arg(&plain)
            .arg("-o")
            .arg(&out)
            .arg("--sign-cert")
            .arg(pki.path(cert))
            .arg("--sign-key")
            .arg(pki.path(key));
        c
    };
    sign("expired.pem", "expired.key").assert().code(1).stderr(
        predicate::str::contains("expired on").and(predicate::str::contains("--allow-expired")),
    );
    assert!(!out.exists());
    sign("signer.pem", "other.key")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not match the certificate"));
    assert!(!out.exists());
    // --allow-expired signs, with a warning, and inspect then reports the expiry.
    sign("expired.pem", "expired.key")
        .arg("--allow-expired")
        .arg("--sign-chain")
        .arg(pki.path("chain.pem"))
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").and(predicate::str::contains("expired")));
    bin()
        .arg("inspect")
        .arg(&out)
        .arg("--ca")
        .arg(pki.path("ca.pem"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("EXPIRED"));
}

#[test]
fn weak_identities_are_warned_about() {
    let pki = Pki::new();
    let plain = unsigned(pki.dir.path());
    bin()
        .arg("sign")
        .arg(&plain)
        .arg("-o")
        .arg(pki.path("n.mobileconfig"))
        .arg("--sign-cert")
        .arg(pki.path("nodsig.pem"))
        .arg("--sign-key")
        .arg(pki.path("nodsig.key"))
        .assert()
        .success()
        .stderr(predicate::str::contains("digitalSignature"));
    bin()
        .arg("sign")
        .arg(&plain)
        .arg("-o")
        .arg(pki.path("u.mobileconfig"))
        .arg("--sign-cert")
        .arg(pki.path("signer.pem"))
        .arg("--sign-key")
        .arg(pki.path("signer.key"))
        .arg("--sign-chain")
        .arg(pki.path("unrelated.pem"))
        .assert()
        .success()
        .stderr(predicate::str::contains("not on the path"));
}

#[test]
fn signing_is_reproducible_with_source_date_epoch() {
    let pki = Pki::new();
    let plain = unsigned(pki.dir.path());
    // An hour ago: inside the test signer's validity (it starts a day ago).
    let epoch = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3600)
        .to_string();
    let run = |name: &str| {
        let p = pki.path(name);
        bin()
            .env("SOURCE_DATE_EPOCH", &epoch)
            .arg("sign")
            .arg(&plain)
            .arg("-o")
            .arg(&p)
            .arg("--sign-cert")
            .arg(pki.path("signer.pem"))
            .arg("--sign-key")
            .arg(pki.path("signer.key"))
            .assert()
            .success();
        read(&p)
    };
    assert_eq!(run("a"), run("b"));
    let t = openssl::asn1::Asn1Time::from_unix(epoch.parse().unwrap()).unwrap();
    let _ = t;
    bin().arg("inspect").arg(pki.path("a")).assert().stdout(
        predicate::str::contains("signed at:").and(predicate::str::contains(
            "at signing:  valid at the signing time",
        )),
    );
}

/// An ECDSA signer on `curve`, issued by the test intermediate; writes NAME.pem and NAME.key.
fn ec_signer(pki: &Pki, name: &str, curve: openssl::nid::Nid) {
    use openssl::ec::{EcGroup, EcKey};
    let key = openssl::pkey::PKey::from_ec_key(
        EcKey::generate(&EcGroup::from_curve_name(curve).unwrap()).unwrap(),
    )
    .unwrap();
    let mut n = openssl::x509::X509NameBuilder::new().unwrap();
    n.append_entry_by_text("CN", &format!("EC Signer {name}"))
        .unwrap();
    let n = n.build();
    let mut b = openssl::x509::X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(
        &openssl::asn1::Asn1Integer::from_bn(
            &openssl::bn::BigNum::from_u32(7000 + curve.as_raw() as u32).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    b.set_subject_name(&n).unwrap();
    b.set_issuer_name(pki.inter.cert.subject_name()).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    b.sign(&pki.inter.key, openssl::hash::MessageDigest::sha256())
        .unwrap();
    std::fs::write(
        pki.path(&format!("{name}.pem")),
        b.build().to_pem().unwrap(),
    )
    .unwrap();
    std::fs::write(
        pki.path(&format!("{name}.key")),
        key.private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
}

#[test]
fn ecdsa_signing_is_reproducible_too_and_openssl_verifies_it() {
    let pki = Pki::new();
    let plain = unsigned(pki.dir.path());
    let epoch = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 60)
        .to_string();
    for (name, curve) in [
        ("p256", openssl::nid::Nid::X9_62_PRIME256V1),
        ("p384", openssl::nid::Nid::SECP384R1),
    ] {
        ec_signer(&pki, name, curve);
        let run = |out: &str| {
            let p = pki.path(out);
            bin()
                .env("SOURCE_DATE_EPOCH", &epoch)
                .arg("sign")
                .arg(&plain)
                .arg("-o")
                .arg(&p)
                .arg("--sign-cert")
                .arg(pki.path(&format!("{name}.pem")))
                .arg("--sign-key")
                .arg(pki.path(&format!("{name}.key")))
                .arg("--sign-chain")
                .arg(pki.path("chain.pem"))
                .assert()
                .success();
            p
        };
        let (a, b) = (run(&format!("{name}-a")), run(&format!("{name}-b")));
        assert_eq!(read(&a), read(&b), "{name}: two runs differ");
        assert_eq!(
            openssl_verify(&a, &pki.path("ca.pem")),
            read(&plain),
            "{name}"
        );
    }
}

#[test]
fn a_signing_time_outside_the_signers_validity_is_refused() {
    let pki = Pki::new();
    let plain = unsigned(pki.dir.path());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // The signer is valid from a day ago for 200 days.
    for (what, epoch, says) in [
        ("before notBefore", now - 5 * 86_400, "becomes valid on"),
        ("after notAfter", now + 400 * 86_400, "expired on"),
    ] {
        let out = pki.path("t.mobileconfig");
        bin()
            .env("SOURCE_DATE_EPOCH", epoch.to_string())
            .arg("sign")
            .arg(&plain)
            .arg("-o")
            .arg(&out)
            .arg("--sign-cert")
            .arg(pki.path("signer.pem"))
            .arg("--sign-key")
            .arg(pki.path("signer.key"))
            .assert()
            .code(1)
            .stderr(
                predicate::str::contains(says)
                    .and(predicate::str::contains("signing time"))
                    .and(predicate::str::contains("SOURCE_DATE_EPOCH")),
            );
        assert!(!out.exists(), "{what}");
    }
}

#[test]
fn an_untrusted_root_is_named_as_such_by_sign_and_inspect() {
    let pki = Pki::new();
    let plain = unsigned(pki.dir.path());
    // A profile carrying its signer and the intermediate, checked without the private root.
    let out = pki.path("pair.mobileconfig");
    bin()
        .arg("sign")
        .arg(&plain)
        .arg("-o")
        .arg(&out)
        .arg("--sign-cert")
        .arg(pki.path("signer.pem"))
        .arg("--sign-key")
        .arg(pki.path("signer.key"))
        .arg("--sign-chain")
        .arg(pki.path("chain.pem"))
        .assert()
        .success()
        .stderr(
            predicate::str::contains("profilegen Test Root")
                .and(predicate::str::contains("a root the phone does not trust"))
                .and(predicate::str::contains("intermediate").not()),
        );
    let o = bin()
        .args(["inspect", "--format", "json", "--ca"])
        .arg(pki.path("unrelated.pem"))
        .arg(&out)
        .output()
        .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["signature"]["chain_incomplete"], false, "{j:#}");
    assert_eq!(j["signature"]["chain_problem"], "untrusted-root", "{j:#}");
    bin()
        .arg("inspect")
        .arg(&out)
        .arg("--ca")
        .arg(pki.path("unrelated.pem"))
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("a root the phone does not trust")
                .and(predicate::str::contains("missing from the file").not()),
        );
    // lint's PG305 gives the same fix.
    bin()
        .args(["lint", "--ca"])
        .arg(pki.path("unrelated.pem"))
        .arg(&out)
        .assert()
        .stdout(
            predicate::str::contains("PG305")
                .and(predicate::str::contains("a root the phone does not trust")),
        );
    // A signer issued straight by the root, with the root as its chain.
    let root_leaf = common::issue("Root-issued Signer", Some(&pki.ca), false, -1, 30, true);
    std::fs::write(pki.path("rl.pem"), root_leaf.cert.to_pem().unwrap()).unwrap();
    std::fs::write(
        pki.path("rl.key"),
        root_leaf.key.private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
    bin()
        .arg("sign")
        .arg(&plain)
        .arg("-o")
        .arg(pki.path("rl.mobileconfig"))
        .arg("--sign-cert")
        .arg(pki.path("rl.pem"))
        .arg("--sign-key")
        .arg(pki.path("rl.key"))
        .arg("--sign-chain")
        .arg(pki.path("ca.pem"))
        .assert()
        .success()
        .stderr(
            predicate::str::contains("chain ends at CN=profilegen Test Root")
                .and(predicate::str::contains("intermediate").not()),
        );
}

#[test]
fn inspect_unsigned_and_unreadable_files() {
    let pki = Pki::new();
    let plain = unsigned(pki.dir.path());
    bin()
        .arg("inspect")
        .arg(&plain)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("signature:   none"));
    let junk = pki.path("junk");
    std::fs::write(&junk, b"hello world").unwrap();
    bin().arg("inspect").arg(&junk).assert().code(2);
    bin()
        .arg("inspect")
        .arg(pki.path("missing"))
        .assert()
        .code(2);
    // A signed file whose content is not a profile.
    let der = pki.path("string.der");
    std::fs::write(pki.path("string.txt"), b"just a string").unwrap();
    let st = openssl()
        .args([
            "smime",
            "-sign",
            "-nodetach",
            "-binary",
            "-outform",
            "der",
            "-in",
        ])
        .arg(pki.path("string.txt"))
        .arg("-signer")
        .arg(pki.path("signer.pem"))
        .arg("-inkey")
        .arg(pki.path("signer.key"))
        .arg("-out")
        .arg(&der)
        .output()
        .unwrap();
    assert!(st.status.success());
    bin()
        .arg("inspect")
        .arg(&der)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("not a property list"));
    // Signing refuses what is not a plist, and what is signed already.
    bin()
        .arg("sign")
        .arg(&junk)
        .arg("-o")
        .arg(pki.path("o"))
        .arg("--sign-cert")
        .arg(pki.path("signer.pem"))
        .arg("--sign-key")
        .arg(pki.path("signer.key"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a property list"));
    bin()
        .arg("sign")
        .arg(&der)
        .arg("-o")
        .arg(pki.path("o"))
        .arg("--sign-cert")
        .arg(pki.path("signer.pem"))
        .arg("--sign-key")
        .arg(pki.path("signer.key"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already signed"));
}

#[test]
fn one_signer_signs_from_many_threads() {
    use profilegen::sign::{Identity, IdentitySource, Passphrase, Signer};
    let pki = Pki::new();
    let identity = Identity::load(
        &IdentitySource::Pem {
            cert: pki.path("signer.pem"),
            key: pki.path("signer.key"),
            chain: Some(pki.path("chain.pem")),
        },
        &Passphrase::Env("UNUSED".into()),
    )
    .unwrap();
    let signer = Signer::new(identity, Some(1_760_000_000)).unwrap();
    let store = profilegen::container::Verifier::from_trust(
        &profilegen::container::Trust::from_file(&pki.path("ca.pem")).unwrap(),
    )
    .unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let signer = &signer;
            let store = &store;
            s.spawn(move || {
                for i in 0..20 {
                    let content = format!("<plist><string>{t}-{i}</string></plist>");
                    let der = signer.sign(content.as_bytes()).unwrap();
                    let opened = profilegen::container::open(&der, store);
                    assert!(opened.signature.unwrap().verified());
                    assert_eq!(opened.content.unwrap(), content.as_bytes());
                }
            });
        }
    });
}

#[test]
fn ecdsa_identities_sign_too() {
    use openssl::ec::{EcGroup, EcKey};
    use openssl::nid::Nid;
    let pki = Pki::new();
    let key = openssl::pkey::PKey::from_ec_key(
        EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
    )
    .unwrap();
    let mut name = openssl::x509::X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "EC Signer").unwrap();
    let name = name.build();
    let mut b = openssl::x509::X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(
        &openssl::asn1::Asn1Integer::from_bn(&openssl::bn::BigNum::from_u32(77).unwrap()).unwrap(),
    )
    .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(pki.inter.cert.subject_name()).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    b.sign(&pki.inter.key, openssl::hash::MessageDigest::sha256())
        .unwrap();
    std::fs::write(pki.path("ec.pem"), b.build().to_pem().unwrap()).unwrap();
    std::fs::write(pki.path("ec.key"), key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let plain = unsigned(pki.dir.path());
    let out = pki.path("ec.mobileconfig");
    bin()
        .arg("sign")
        .arg(&plain)
        .arg("-o")
        .arg(&out)
        .arg("--sign-cert")
        .arg(pki.path("ec.pem"))
        .arg("--sign-key")
        .arg(pki.path("ec.key"))
        .arg("--sign-chain")
        .arg(pki.path("chain.pem"))
        .assert()
        .success();
    assert_eq!(openssl_verify(&out, &pki.path("ca.pem")), read(&plain));
    bin()
        .arg("inspect")
        .arg(&out)
        .arg("--ca")
        .arg(pki.path("ca.pem"))
        .assert()
        .code(0);
}

#[test]
fn inspect_never_prints_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("pw.mobileconfig");
    bin()
        .args([
            "new",
            "-q",
            "--email",
            "a@gmail.com",
            "--password-env",
            "PG_PW",
            "-o",
        ])
        .arg(&p)
        .env("PG_PW", "Sup3r{{secret}}")
        .assert()
        .success();
    bin()
        .arg("inspect")
        .arg(&p)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("********").and(predicate::str::contains("Sup3r").not()));
    bin()
        .arg("lint")
        .arg(&p)
        .assert()
        .stdout(predicate::str::contains("PG210").and(predicate::str::contains("Sup3r").not()));
    // --extract still gives the content unchanged.
    let out = dir.path().join("x.mobileconfig");
    bin()
        .arg("inspect")
        .arg(&p)
        .arg("--extract")
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    assert_eq!(read(&out), read(&p));
}

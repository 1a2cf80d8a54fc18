//! `profilegen probe` against a real Dovecot IMAP server (Debian's dovecot-imapd, installed by
//! `.ci/run`), started here on loopback ports with a throw-away certificate and configuration:
//! implicit TLS and STARTTLS both come out clean.
//!
//! Dovecot treats a client whose address equals the server's as secure and then offers plain-text
//! login before STARTTLS; so the server listens on 127.0.0.2 and the probe comes from 127.0.0.1,
//! as a phone would come from another address. Both are loopback addresses.

mod common;

use assert_cmd::Command;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

struct Dovecot {
    child: Child,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        common::unsafe_kill(self.child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.2:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[cfg(unix)]
fn open_up(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn dovecot_is_clean_on_implicit_tls_and_starttls() {
    let dovecot_bin = ["/usr/sbin/dovecot", "/usr/bin/dovecot"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("the Dovecot test needs Debian's dovecot-imapd (apt-get install dovecot-imapd); .ci/run installs it");
    let pki = common::Pki::new();
    let (cert, key) = common::issue_server_cert(&pki, "127.0.0.2");
    let dir = pki.dir.path();
    open_up(dir);
    for sub in ["run", "state", "home", "mail"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        open_up(&dir.join(sub));
    }
    let (p_imap, p_imaps) = (free_port(), free_port());
    let conf = dir.join("dovecot.conf");
    std::fs::write(
        &conf,
        format!(
            r#"protocols = imap
listen = 127.0.0.2
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = static
  args = password=unused-test-password
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={d}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.2
    port = {p_imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.2
    port = {p_imaps}
    ssl = yes
  }}
}}
default_login_user = dovenull
default_internal_user = dovecot
"#,
            d = dir.display(),
            cert = cert.display(),
            key = key.display(),
        ),
    )
    .unwrap();
    let child = std::process::Command::new(dovecot_bin)
        .arg("-F")
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Dovecot { child };
    // Wait for both listeners.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let up = TcpStream::connect(("127.0.0.2", p_imap)).is_ok()
            && TcpStream::connect(("127.0.0.2", p_imaps)).is_ok();
        if up {
            break;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            let log = std::fs::read_to_string(dir.join("dovecot.log")).unwrap_or_default();
            let mut err = String::new();
            if let Some(mut e) = server.child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            panic!("dovecot exited ({status}):\n{err}\n{log}");
        }
        assert!(Instant::now() < deadline, "dovecot did not start listening");
        std::thread::sleep(Duration::from_millis(100));
    }

    let out = Command::cargo_bin("profilegen")
        .unwrap()
        .args(["probe", "--format", "json", "--timeout", "10", "--ca"])
        .arg(pki.path("ca.pem"))
        .args([
            "--imap",
            &format!("imaps://127.0.0.2:{p_imaps}"),
            "--imap",
            &format!("imap://127.0.0.2:{p_imap}"),
        ])
        .output()
        .unwrap();
    let reports: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{reports:#?}");
    for r in &reports {
        assert!(r["findings"].as_array().unwrap().is_empty(), "{r:#}");
        assert!(r["greeting"].as_str().unwrap().contains("Dovecot"), "{r:#}");
        assert_eq!(r["certificate"]["verified"], true);
        assert!(
            r["auth_mechanisms"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m == "PLAIN"),
            "{r:#}"
        );
    }
    assert_eq!(reports[1]["target"]["mode"], "starttls");
    // Before STARTTLS Dovecot refuses plain-text login, so PG710 stays quiet.
    assert!(reports[1]["capabilities_before_tls"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "LOGINDISABLED"));
    assert!(reports[1]["capabilities_before_tls"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "STARTTLS"));
}

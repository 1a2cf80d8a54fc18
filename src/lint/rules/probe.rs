//! What `profilegen probe` finds on live servers. These rules do not look at files (their check
//! does nothing); they give probe findings an ID, documentation and the phone's message, so that
//! `lint --explain` documents them and probe's output reads like lint's.

use crate::lint::{Rule, Severity};

const NOTHING: fn(&crate::lint::Ctx<'_>, &mut crate::lint::Sink<'_>) = |_, _| {};

pub static DNS: Rule = Rule {
    id: "PG701",
    name: "dns-failed",
    severity: Severity::Error,
    summary: "The server's host name does not resolve",
    why: "A host name that does not exist (a typo, an old server) cannot be reached.",
    phone_ja: "サーバに接続できません",
    phone_en: "Cannot connect to the server",
    example: "profilegen probe --imap imap.sofbank.jp:993",
    fix: "Use the provider's exact host name.",
    check: NOTHING,
};

pub static CONNECT: Rule = Rule {
    id: "PG702",
    name: "connect-failed",
    severity: Severity::Error,
    summary: "The TCP connection is refused or times out",
    why: "The port is closed on the server, or blocked by this network (public Wi-Fi and company networks often block 993/465/587).",
    phone_ja: "サーバに接続できません / メールを取得できません",
    phone_en: "Cannot connect to the server / Cannot Get Mail",
    example: "a connection to port 993 that times out on a hotel network",
    fix: "Check the port; try another network (mobile data).",
    check: NOTHING,
};

pub static TLS_FAILED: Rule = Rule {
    id: "PG703",
    name: "tls-handshake-failed",
    severity: Severity::Error,
    summary: "The TLS handshake fails (no common TLS 1.2+ version or cipher, or no TLS on the port)",
    why: "The phone offers only modern TLS; a server limited to old versions or ciphers, or a port that does not speak TLS, fails the handshake.",
    phone_ja: "SSLで接続できません",
    phone_en: "Cannot Connect Using SSL",
    example: "port 993 of a server that speaks plain IMAP",
    fix: "Use the provider's SSL port; a server administrator must enable TLS 1.2 or newer.",
    check: NOTHING,
};

pub static CERT_EXPIRED: Rule = Rule {
    id: "PG704",
    name: "server-cert-expired",
    severity: Severity::Error,
    summary: "The server's certificate has expired or is not yet valid",
    why: "The phone refuses expired certificates; a certificate that is not yet valid usually means a wrong clock.",
    phone_ja: "サーバの識別情報を検証できません",
    phone_en: "Cannot Verify Server Identity",
    example: "a certificate whose notAfter has passed",
    fix: "The server administrator renews the certificate; check the phone's date and time.",
    check: NOTHING,
};

pub static CERT_NAME: Rule = Rule {
    id: "PG705",
    name: "server-cert-name",
    severity: Severity::Error,
    summary: "The server's certificate is for another name",
    why: "Using an alias or one's own domain (mail.example.jp) instead of the provider's canonical host gives a certificate for another name.",
    phone_ja: "サーバの識別情報を検証できません",
    phone_en: "Cannot Verify Server Identity",
    example: "connecting to mail.example.jp whose certificate names imap.provider.jp",
    fix: "Use the host name the certificate names (the provider's canonical host).",
    check: NOTHING,
};

pub static CERT_UNTRUSTED: Rule = Rule {
    id: "PG706",
    name: "server-cert-untrusted",
    severity: Severity::Error,
    summary: "The server's certificate is self-signed or from a CA the phone does not trust",
    why: "The phone trusts public CAs and CAs installed by a profile; anything else is refused.",
    phone_ja: "サーバの識別情報を検証できません",
    phone_en: "Cannot Verify Server Identity",
    example: "a self-signed certificate on a home server",
    fix:
        "Use a certificate from a public CA, or install the CA's certificate profile on the phone.",
    check: NOTHING,
};

pub static MISSING_INTERMEDIATE: Rule = Rule {
    id: "PG707",
    name: "missing-intermediate",
    severity: Severity::Error,
    summary: "The server sends its certificate without the intermediate CA certificate",
    why: "The phone cannot build the chain to a trusted root without the intermediate; some desktop clients fetch it themselves and hide the mistake.",
    phone_ja: "サーバの識別情報を検証できません",
    phone_en: "Cannot Verify Server Identity",
    example: "a server configured with cert.pem instead of fullchain.pem",
    fix: "Server side: configure the full chain (leaf followed by the intermediates).",
    check: NOTHING,
};

pub static OLD_TLS: Rule = Rule {
    id: "PG708",
    name: "old-tls",
    severity: Severity::Warning,
    summary: "The server negotiates TLS 1.0 or 1.1",
    why: "Apple deprecated TLS 1.0/1.1; a future iOS may refuse them.",
    phone_ja: "SSLで接続できません(今後のiOS)",
    phone_en: "Cannot Connect Using SSL (future iOS)",
    example: "a handshake that ends in TLSv1.1",
    fix: "The server administrator enables TLS 1.2 and 1.3.",
    check: NOTHING,
};

pub static NO_STARTTLS: Rule = Rule {
    id: "PG709",
    name: "starttls-missing",
    severity: Severity::Error,
    summary: "A STARTTLS port (143, 110, 587, 25) that does not offer STARTTLS",
    why: "With UseSSL on, the phone needs STARTTLS on these ports; without it, it cannot encrypt the connection.",
    phone_ja: "SSLで接続できません",
    phone_en: "Cannot Connect Using SSL",
    example: "an SMTP server on 587 whose EHLO lists no STARTTLS",
    fix: "Use the provider's SSL port (993, 995, 465).",
    check: NOTHING,
};

pub static PLAINTEXT_LOGIN: Rule = Rule {
    id: "PG710",
    name: "plaintext-login-before-tls",
    severity: Severity::Warning,
    summary: "The server accepts a password before TLS starts",
    why: "A client that skips STARTTLS (or an attacker who strips it) sends the password in clear text.",
    phone_ja: "",
    phone_en: "",
    example: "IMAP CAPABILITY without LOGINDISABLED before STARTTLS",
    fix: "Server side: refuse authentication before TLS (Dovecot: disable_plaintext_auth = yes).",
    check: NOTHING,
};

pub static NO_AUTH: Rule = Rule {
    id: "PG711",
    name: "no-password-login",
    severity: Severity::Warning,
    summary: "No password login offered over TLS (no SMTP AUTH, or IMAP LOGINDISABLED)",
    why: "The phone logs in with a password; without a mechanism it cannot authenticate, and sending fails.",
    phone_ja: "送信できません / アカウントエラー",
    phone_en: "Cannot Send Mail / Account Error",
    example: "port 25 of a relay that offers no AUTH",
    fix: "Use the submission port (465 or 587); check the server's authentication settings.",
    check: NOTHING,
};

pub static CERT_EXPIRES_SOON: Rule = Rule {
    id: "PG712",
    name: "server-cert-expires-soon",
    severity: Severity::Warning,
    summary: "The server's certificate expires within 14 days",
    why: "When it expires, every phone shows a certificate error.",
    phone_ja: "(期限後)サーバの識別情報を検証できません",
    phone_en: "(after expiry) Cannot Verify Server Identity",
    example: "notAfter in 5 days",
    fix: "The server administrator renews the certificate.",
    check: NOTHING,
};

pub static PROTOCOL: Rule = Rule {
    id: "PG713",
    name: "protocol-error",
    severity: Severity::Error,
    summary: "The server does not answer like an IMAP, POP or SMTP server",
    why:
        "A wrong port (an SMTP port set as IMAP, a web server) gives answers the phone cannot use.",
    phone_ja: "サーバに接続できません / サーバが応答しません",
    phone_en: "Cannot connect to the server / The server is not responding",
    example: "IMAP settings pointed at port 465",
    fix: "Check which port serves which protocol.",
    check: NOTHING,
};

pub static CERT_CN_ONLY: Rule = Rule {
    id: "PG714",
    name: "server-cert-name-only-in-cn",
    severity: Severity::Error,
    summary: "The server's certificate names its host only in the subject's CN, not in subjectAltName",
    why: "iOS 13 and later match the host name against subjectAltName only and ignore the CN (Apple's requirements for trusted certificates, support.apple.com/103769). Desktop clients that still read the CN hide the mistake.",
    phone_ja: "サーバの識別情報を検証できません",
    phone_en: "Cannot Verify Server Identity",
    example: "openssl req -x509 -subj /CN=mail.example.jp without -addext subjectAltName",
    fix: "Server side: reissue the certificate with the host name in subjectAltName (DNS:mail.example.jp).",
    check: NOTHING,
};

pub static CERT_NO_SERVER_AUTH: Rule = Rule {
    id: "PG715",
    name: "server-cert-no-server-auth",
    severity: Severity::Error,
    summary: "The server's certificate lacks the serverAuth extended key usage",
    why: "iOS 13 and later require an extendedKeyUsage extension with id-kp-serverAuth in TLS server certificates issued after 2019-07-01.",
    phone_ja: "サーバの識別情報を検証できません",
    phone_en: "Cannot Verify Server Identity",
    example: "a certificate issued with extendedKeyUsage = clientAuth, or without the extension",
    fix: "Server side: reissue the certificate with extendedKeyUsage = serverAuth.",
    check: NOTHING,
};

pub static CERT_TOO_LONG: Rule = Rule {
    id: "PG716",
    name: "server-cert-validity-too-long",
    severity: Severity::Error,
    summary: "The server's certificate is valid for longer than iOS accepts (825 days; 398 for public CAs)",
    why: "iOS 13 and later refuse TLS server certificates issued after 2019-07-01 that are valid for more than 825 days; for certificates from public CAs issued after 2020-09-01 the limit is 398 days.",
    phone_ja: "サーバの識別情報を検証できません",
    phone_en: "Cannot Verify Server Identity",
    example: "a home server's certificate made with openssl -days 3650",
    fix: "Server side: reissue the certificate valid for at most 825 days (398 from a public CA).",
    check: NOTHING,
};

pub static CERT_WEAK_KEY: Rule = Rule {
    id: "PG717",
    name: "server-cert-weak-key",
    severity: Severity::Error,
    summary: "The server's certificate or an issuing CA has an RSA key under 2048 bits",
    why: "iOS 13 and later do not trust TLS certificates with RSA keys smaller than 2048 bits.",
    phone_ja: "サーバの識別情報を検証できません",
    phone_en: "Cannot Verify Server Identity",
    example: "a 1024-bit RSA certificate on an old appliance",
    fix: "Server side: reissue the certificate with an RSA key of 2048 bits or more (or ECDSA P-256).",
    check: NOTHING,
};

pub static CERT_WEAK_SIGNATURE: Rule = Rule {
    id: "PG718",
    name: "server-cert-sha1",
    severity: Severity::Error,
    summary: "The server's certificate or an issuing CA is signed with SHA-1 (or MD5)",
    why: "iOS 13 and later do not trust TLS certificates signed with SHA-1.",
    phone_ja: "サーバの識別情報を検証できません",
    phone_en: "Cannot Verify Server Identity",
    example: "a certificate made with openssl x509 -sha1",
    fix: "Server side: reissue the certificate signed with SHA-256.",
    check: NOTHING,
};

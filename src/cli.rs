//! Command-line definitions. The help text lives here, next to the flags it describes.

use crate::preset::Lang;
use crate::render::{AccountKind, Platform, Protocol, ServerOverrides, DEFAULT_IDENTIFIER_PREFIX};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

pub(crate) const ABOUT: &str =
    "Writes correct iOS/macOS mail configuration profiles (.mobileconfig)";
pub(crate) const LONG_ABOUT: &str = "Writes correct iOS/macOS mail configuration profiles \
(.mobileconfig) from provider presets: the right servers, ports, TLS and username for docomo, \
SoftBank, iCloud, Gmail and more, so that the iPhone never shows \"Cannot Connect Using SSL\" or \
\"Cannot Get Mail\" because of a typo.";
pub(crate) const EXIT_STATUS: &str = "Exit status: 0 success; 1 error (for lint and probe: \
findings; for inspect: not verified); 2 bad command line (for lint, probe and inspect: could not \
run).";

#[derive(Debug, Parser)]
#[command(
    name = "profilegen",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXIT_STATUS
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Directory of extra provider presets (*.yaml); a preset with a built-in preset's id replaces it
    #[arg(long, global = true, value_name = "DIR")]
    pub carriers: Option<PathBuf>,

    /// Language of notes and of the text put in profiles [default: from LANG; ja or en]
    #[arg(long, global = true, value_parser = named::<Lang>())]
    pub lang: Option<Lang>,

    /// Print only warnings and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write one profile from a provider preset
    #[command(after_help = NEW_EXAMPLES)]
    New(Box<NewArgs>),
    /// List the provider presets, or show one
    Carriers(CarriersArgs),
    /// List the MDMs whose variables `new --mdm` and `lint --mdm` know, or show one
    Mdm(MdmArgs),
    /// Find a domain's mail settings (presets, autoconfig, ISPDB, MX, SRV) and verify them
    #[command(after_help = DISCOVER_HELP)]
    Discover(DiscoverArgs),
    /// Sign an existing profile (XML or binary plist) unchanged
    #[command(after_help = SIGN_EXAMPLES)]
    Sign(SignCmdArgs),
    /// Say whether a profile is signed, by whom, and whether the signature holds
    #[command(after_help = INSPECT_HELP)]
    Inspect(InspectArgs),
    /// Find what is wrong with existing profiles, and what the phone shows because of it
    #[command(after_help = LINT_HELP)]
    Lint(Box<LintArgs>),
    /// Write one profile per row of a CSV file, in parallel
    #[command(after_help = BULK_HELP)]
    Bulk(Box<BulkArgs>),
    /// Serve a web page (and a QR code of its address) that puts a profile on a phone
    #[command(after_help = SERVE_HELP)]
    Serve(Box<ServeArgs>),
    /// Check mail servers' TLS the way the phone will, and name what it would show
    #[command(after_help = PROBE_HELP)]
    Probe(ProbeArgs),
    /// Print shell completions (bash, zsh, fish, …) or the man page, generated from these definitions
    Completions {
        /// A shell, or "man" for the man page (roff)
        #[arg(value_name = "SHELL|man")]
        target: String,
        /// With "man": write every page (profilegen.1 and profilegen-SUBCOMMAND.1) into this
        /// directory instead of printing the top page
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

pub(crate) const PROBE_HELP: &str = "\
Examples:
  profilegen probe --carrier softbank
  profilegen probe taro.mobileconfig
  profilegen probe --imap imap.example.jp:993 --smtp smtp.example.jp:587
  profilegen probe --imap imap://mail.example.jp:143      # scheme picks STARTTLS or implicit TLS

Ports 993, 995 and 465 use implicit TLS; 143, 110, 587 and 25 STARTTLS (as the phone does).
Only greetings, capability requests and STARTTLS are sent: never a password.
Exit status: 0 no finding at or above --fail-on, 1 findings, 2 could not run.";

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// A profile whose servers to probe (XML, binary or signed)
    #[arg(value_name = "FILE", conflicts_with = "carrier")]
    pub file: Option<PathBuf>,
    /// Probe a preset's servers (IMAP, POP and SMTP, every documented port)
    #[arg(short, long, value_name = "ID")]
    pub carrier: Option<String>,
    /// IMAP server: HOST:PORT, imaps://HOST:PORT or imap://HOST:PORT (STARTTLS)
    #[arg(long, value_name = "SERVER")]
    pub imap: Vec<String>,
    /// POP server: HOST:PORT, pop3s://HOST:PORT or pop3://HOST:PORT (STARTTLS)
    #[arg(long, value_name = "SERVER")]
    pub pop: Vec<String>,
    /// SMTP server: HOST:PORT, smtps://HOST:PORT or smtp://HOST:PORT (STARTTLS)
    #[arg(long, value_name = "SERVER")]
    pub smtp: Vec<String>,
    /// Trust only these CA certificates (PEM) instead of the system roots
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Seconds to wait for each look-up, connection and answer
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub timeout: u64,
    /// Seconds one server's whole conversation may take [default: 3 × --timeout]
    #[arg(long, value_name = "SECS")]
    pub deadline: Option<u64>,
    /// Answer a host name with this address instead of asking DNS (repeatable), e.g.
    /// --resolve imap.example.jp=127.0.0.1
    #[arg(long, value_name = "NAME=ADDR", value_parser = parse_resolve)]
    pub resolve: Vec<(String, std::net::IpAddr)>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit with 1 when a finding is at least this severe
    #[arg(long, value_parser = named::<crate::lint::Severity>(), default_value = "error", value_name = "LEVEL")]
    pub fail_on: crate::lint::Severity,
}

/// A domain type's names as clap's possible values (the domain modules do not know clap).
fn named<T>() -> impl clap::builder::TypedValueParser<Value = T>
where
    T: crate::Named + std::str::FromStr + Clone + Send + Sync + 'static,
{
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(T::NAMES).map(|s| {
        s.parse::<T>()
            .unwrap_or_else(|_| unreachable!("a listed name"))
    })
}

impl From<ServerArgs> for ServerOverrides {
    fn from(a: ServerArgs) -> ServerOverrides {
        ServerOverrides {
            imap_host: a.imap_host,
            imap_port: a.imap_port,
            pop_host: a.pop_host,
            pop_port: a.pop_port,
            smtp_host: a.smtp_host,
            smtp_port: a.smtp_port,
        }
    }
}

/// `ADDR:PORT` or `NAME:PORT` (`localhost:8080`): the first address the name resolves to, IPv4
/// first.
fn parse_listen(s: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::ToSocketAddrs;
    if let Ok(a) = s.parse() {
        return Ok(a);
    }
    let addrs: Vec<std::net::SocketAddr> = s
        .to_socket_addrs()
        .map_err(|e| {
            crate::i18n::tr(
                format!("{s:?} is not ADDR:PORT or NAME:PORT ({e})"),
                format!("{s:?} は ADDR:PORT でも NAME:PORT でもありません({e})"),
            )
        })?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| {
            crate::i18n::tr(
                format!("{s:?} resolves to no address"),
                format!("{s:?} のアドレスが見つかりません"),
            )
        })
}

fn parse_resolve(s: &str) -> Result<(String, std::net::IpAddr), String> {
    let (name, addr) = s.split_once('=').ok_or_else(|| {
        crate::i18n::tr(
            format!("{s:?}: give NAME=ADDRESS, e.g. imap.example.jp=127.0.0.1"),
            format!("{s:?}: NAME=ADDRESS の形で指定してください(例: imap.example.jp=127.0.0.1)"),
        )
    })?;
    let addr = addr
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| {
            crate::i18n::tr(
                format!("{addr:?} is not an IP address"),
                format!("{addr:?} は IP アドレスではありません"),
            )
        })?;
    if name.is_empty() {
        return Err(crate::i18n::tr(
            format!("{s:?} has no name before '='"),
            format!("{s:?} は '=' の前に名前がありません"),
        ));
    }
    Ok((name.trim_end_matches('.').to_string(), addr))
}

pub(crate) const SERVE_HELP: &str = "\
Examples:
  profilegen serve                                   # http://127.0.0.1:8080/, this machine only
  profilegen serve --listen 0.0.0.0:8080             # on the LAN: scan the QR code with the phone
  profilegen serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem --sign-p12 corp.p12

Routes: GET / (the page), POST /profile (the form), GET /profile?email=ADDRESS[&name=…&carrier=ID]
(a direct link for admins to send), GET /healthz. The page never asks for the mail password.";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on; anything but loopback must be given explicitly
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080", value_parser = parse_listen)]
    pub listen: std::net::SocketAddr,
    /// TLS certificate chain (PEM) for HTTPS
    #[arg(long, value_name = "CERT.pem", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM) for HTTPS
    #[arg(long, value_name = "KEY.pem", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Profile requests allowed per minute from one client address (0: no limit)
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub rate_limit: u32,
    /// What to log: off, requests (no personal data), addresses (also the address asked for)
    #[arg(long, value_parser = named::<crate::serve::LogLevel>(), default_value = "off")]
    pub log: crate::serve::LogLevel,
    /// Start of the PayloadIdentifier; the account is appended
    #[arg(long, value_name = "PREFIX", default_value = DEFAULT_IDENTIFIER_PREFIX)]
    pub identifier_prefix: String,
    /// Organisation shown on the install screen
    #[arg(long, value_name = "NAME")]
    pub org: Option<String>,
    /// Directory of templates replacing the built-in ones
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Do not print the QR code
    #[arg(long)]
    pub no_qr: bool,
    /// For addresses at a domain no preset owns: find the domain's settings (see `profilegen discover`); off by default
    #[arg(long)]
    pub discover: bool,
    /// New domains looked up per minute at most, for the whole server (with --discover)
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub discover_rate: u32,
    #[command(flatten)]
    pub discovery: DiscoverNet,
    #[command(flatten)]
    pub sign: SignArgs,
}

pub(crate) const BULK_HELP: &str = "\
CSV columns (header row required, UTF-8 with or without BOM):
  email (required), name, carrier, username, description, organization, password,
  account (mail, exchange or google), with (calendar, contacts)

Examples:
  profilegen bulk users.csv --out-dir profiles --manifest profiles/manifest.csv
  profilegen bulk users.csv --out-dir out --sign-p12 corp.p12 --passphrase-env P12_PASS --strict

A bad row is reported with its line number and every good row is still written (exit 1);
--strict writes nothing unless every row is good. Files are written atomically; an identical
existing file is left untouched, a different one needs --force.";

#[derive(Debug, Args)]
pub struct BulkArgs {
    /// The CSV file of users
    #[arg(value_name = "USERS.csv")]
    pub csv: PathBuf,
    /// Directory to write the profiles into (created if missing)
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Worker threads [default: all cores]
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Check every row first; write nothing if any row is bad
    #[arg(long)]
    pub strict: bool,
    /// Replace existing files that differ
    #[arg(long)]
    pub force: bool,
    /// Write a manifest of every row (CSV, or JSON when FILE ends in .json)
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Flush every file to disk before renaming it (slower; survives power loss)
    #[arg(long)]
    pub sync: bool,
    /// Preset for rows without a carrier column value [default: from each address]
    #[arg(short, long, value_name = "ID")]
    pub carrier: Option<String>,
    /// Incoming protocol for every row
    #[arg(long, value_parser = named::<Protocol>())]
    pub protocol: Option<Protocol>,
    /// Account kind for rows without an account value: mail, exchange, google [default: each provider's]
    #[arg(long, value_name = "KIND", value_parser = named::<AccountKind>())]
    pub account: Option<AccountKind>,
    /// Calendars and/or contacts for rows without a with value, e.g. calendar,contacts
    #[arg(long, value_name = "LIST")]
    pub with: Option<String>,
    /// Platform of every profile: ios or macos [default: ios]
    #[arg(long, value_name = "PLATFORM", value_parser = named::<Platform>())]
    pub platform: Option<Platform>,
    /// Output: mobileconfig, or ddm (each row's declarations as one JSON array, NAME.json)
    #[arg(long, value_name = "FORMAT", default_value = "mobileconfig", value_parser = named::<crate::render::OutputFormat>())]
    pub format: crate::render::OutputFormat,
    /// With --format ddm: the https:// URL where the MDM serves each user's credential JSON ({email} and {server} are filled in)
    #[arg(long, value_name = "URL")]
    pub credential_url: Option<String>,
    /// Organisation for rows without an organization value
    #[arg(long, value_name = "NAME")]
    pub org: Option<String>,
    /// Start of the PayloadIdentifier; the account is appended
    #[arg(long, value_name = "PREFIX", default_value = DEFAULT_IDENTIFIER_PREFIX)]
    pub identifier_prefix: String,
    /// Directory of templates replacing the built-in ones
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// For rows at a domain no preset owns: find the domain's settings once (see `profilegen discover`) and use them
    #[arg(long)]
    pub discover: bool,
    #[command(flatten)]
    pub servers: ServerArgs,
    #[command(flatten)]
    pub discovery: DiscoverNet,
    #[command(flatten)]
    pub sign: SignArgs,
}

pub(crate) const LINT_HELP: &str = "\
Examples:
  profilegen lint taro.mobileconfig
  profilegen lint profiles/ --format sarif -o lint.sarif
  profilegen lint --explain PG201
  cat old.mobileconfig | profilegen lint -
  profilegen lint --fix --diff old.mobileconfig         # what --fix would change
  profilegen lint --fix --unsafe-fixes old.mobileconfig -o new.mobileconfig

--fix applies the safe fixes (TLS switched on, a host's spaces, scheme or capitals, a port
written as text); --unsafe-fixes also those that change what the account does (a mistyped or
stale host replaced by the provider's, new UUIDs, a clear-text password removed). A signed file
is re-signed with the signing options, or written unsigned with --unsign.
Exit status: 0 no finding at or above --fail-on (after fixing), 1 findings, 2 could not run.";

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files, directories (every profile below them, recognised by content) or '-' for stdin
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// In directories, look only at files with this extension (repeatable), e.g. --extension
    /// mobileconfig
    #[arg(long, value_name = "EXT")]
    pub extension: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: LintFormat,
    /// Exit with 1 when a finding is at least this severe
    #[arg(long, value_parser = named::<crate::lint::Severity>(), default_value = "error", value_name = "LEVEL")]
    pub fail_on: crate::lint::Severity,
    /// Do not report this rule (repeatable)
    #[arg(long, value_name = "ID")]
    pub ignore: Vec<String>,
    /// Change a rule's severity: ID=error|warning|info|off (repeatable)
    #[arg(long, value_name = "ID=LEVEL")]
    pub severity: Vec<String>,
    /// Trust only these CA certificates (PEM) when verifying signed profiles
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Write the report here instead of stdout; with --fix, write the fixed profile here (one input)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Repair what the rules know how to repair safely, rewriting each file in place
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff, also apply fixes that change what the account does
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff of the XML and write nothing
    #[arg(long)]
    pub diff: bool,
    /// Write a fixed signed profile unsigned (without it, a signed profile is re-signed with the signing options, or left alone)
    #[arg(long)]
    pub unsign: bool,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
    /// The MDM whose variables the profiles hold (see `profilegen mdm`)
    #[arg(long, value_name = "MDM")]
    pub mdm: Option<String>,
    /// Print a rule's documentation and exit
    #[arg(long, value_name = "ID", conflicts_with = "list_rules")]
    pub explain: Option<String>,
    /// List every rule and exit
    #[arg(long)]
    pub list_rules: bool,
    /// Files checked at once (default: one per core); the output order stays that of the inputs
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Compare the servers of profiles at a domain no preset owns with what the domain publishes (see `profilegen discover`)
    #[arg(long)]
    pub discover: bool,
    #[command(flatten)]
    pub discovery: DiscoverNet,
    #[command(flatten)]
    pub sign: SignArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

pub(crate) const SIGN_EXAMPLES: &str = "\
Examples:
  profilegen sign taro.mobileconfig -o taro.signed.mobileconfig --sign-p12 corp.p12 --passphrase-env P12_PASS
  profilegen sign in.mobileconfig -o out.mobileconfig --sign-cert cert.pem --sign-key key.pem --sign-chain chain.pem

Set SOURCE_DATE_EPOCH to fix the signing time and make signed output byte-identical across runs.";

pub(crate) const INSPECT_HELP: &str = "\
Exit status: 0 signed and verified, 1 unsigned, or signature or chain not verified, 2 cannot read.";

#[derive(Debug, Args)]
#[command(next_help_heading = "Signing")]
pub struct SignArgs {
    /// Signing certificate (PEM; further certificates in the file are sent as the chain)
    #[arg(
        long,
        value_name = "CERT.pem",
        requires = "sign_key",
        conflicts_with = "sign_p12"
    )]
    pub sign_cert: Option<PathBuf>,
    /// Private key of the signing certificate (PEM or DER, may be encrypted)
    #[arg(long, value_name = "KEY.pem", requires = "sign_cert")]
    pub sign_key: Option<PathBuf>,
    /// Intermediate certificates to include (PEM)
    #[arg(long, value_name = "CHAIN.pem", requires = "sign_cert")]
    pub sign_chain: Option<PathBuf>,
    /// Signing identity as PKCS#12 (certificate, key and chain)
    #[arg(long, value_name = "ID.p12")]
    pub sign_p12: Option<PathBuf>,
    /// Take the key or PKCS#12 passphrase from this environment variable
    #[arg(long, value_name = "VAR", conflicts_with = "passphrase_stdin")]
    pub passphrase_env: Option<String>,
    /// Read the key or PKCS#12 passphrase from standard input
    #[arg(long)]
    pub passphrase_stdin: bool,
    /// Sign even with an expired or not yet valid certificate
    #[arg(long)]
    pub allow_expired: bool,
}

impl SignArgs {
    pub fn wanted(&self) -> bool {
        self.sign_cert.is_some() || self.sign_p12.is_some()
    }
}

#[derive(Debug, Args)]
pub struct SignCmdArgs {
    /// The profile to sign ('-' for stdin)
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// Where to write the signed profile ('-' for stdout)
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    #[command(flatten)]
    pub sign: SignArgs,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The profile ('-' for stdin): XML, binary, or signed (DER or PEM)
    pub file: PathBuf,
    /// Trust only these CA certificates (PEM) instead of the system roots
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Write the unsigned content to -o instead of printing it
    #[arg(long, requires = "output")]
    pub extract: bool,
    /// Output file for --extract ('-' for stdout)
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub(crate) const NEW_EXAMPLES: &str = "\
Examples:
  profilegen new --email taro@i.softbank.jp --name '山田 太郎' -o taro.mobileconfig
  profilegen new --email hanako@docomo.ne.jp --username my-d-account-id -o .
  profilegen new --email ichiro@gmail.com --protocol pop > ichiro.mobileconfig
  profilegen new --email jiro@example.co.jp --imap-host imap.example.co.jp --smtp-host smtp.example.co.jp
  printf '%s' \"$APP_PASSWORD\" | profilegen new --email me@icloud.com --password-stdin -o me.mobileconfig

By default no password goes into the profile: the phone asks for it during installation.";

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The mail address; its domain picks the preset
    #[arg(
        short,
        long,
        value_name = "ADDRESS",
        required_unless_present = "mdm",
        conflicts_with = "mdm"
    )]
    pub email: Option<String>,

    /// One profile for all users of this MDM, with its variables: jamf, jamf-school, intune, kandji, workspace-one, mosyle, fleet, addigy, or generic with --var
    #[arg(long, value_name = "MDM")]
    pub mdm: Option<String>,

    /// With --mdm: the users' mail domain (its preset applies) [default: the --carrier preset's]
    #[arg(long, value_name = "DOMAIN", requires = "mdm")]
    pub domain: Option<String>,

    /// With --mdm generic: the variable for email, name, local_part or username (repeatable), e.g. --var email='{{mail}}'
    #[arg(long = "var", value_name = "ROLE=VARIABLE", requires = "mdm")]
    pub vars: Vec<String>,

    /// With --mdm: the variable holding the login name, where the preset needs one the MDM has no variable for
    #[arg(long, value_name = "VARIABLE", requires = "mdm")]
    pub username_var: Option<String>,

    /// The sender name shown in sent mail (EmailAccountName)
    #[arg(short, long)]
    pub name: Option<String>,

    /// Use this preset instead of the one the address's domain picks
    #[arg(short, long, value_name = "ID")]
    pub carrier: Option<String>,

    /// Incoming protocol [default: imap, or pop when the provider has only POP]
    #[arg(long, value_parser = named::<Protocol>())]
    pub protocol: Option<Protocol>,

    /// Account kind: mail (IMAP/POP), exchange (Exchange ActiveSync, OAuth sign-in on the phone), google (Google sign-in on the phone) [default: the provider's]
    #[arg(long, value_name = "KIND", value_parser = named::<AccountKind>())]
    pub account: Option<AccountKind>,

    /// Add the provider's calendars and/or contacts to a mail account, e.g. calendar,contacts
    #[arg(long, value_name = "LIST")]
    pub with: Option<String>,

    /// Exchange server of an on-premises Exchange [default: the provider's, or outlook.office365.com]
    #[arg(long, value_name = "HOST")]
    pub exchange_host: Option<String>,

    /// Exchange with a password instead of OAuth (servers without modern authentication)
    #[arg(long)]
    pub no_oauth: bool,

    /// Platform: ios, or macos (where Exchange ActiveSync and Google payloads do not exist) [default: ios]
    #[arg(long, value_name = "PLATFORM", value_parser = named::<Platform>())]
    pub platform: Option<Platform>,

    /// Login name for both servers, replacing the preset's rule (e.g. docomo's dアカウントID)
    #[arg(short, long)]
    pub username: Option<String>,

    /// Organisation shown on the install screen (PayloadOrganization)
    #[arg(long, value_name = "NAME")]
    pub org: Option<String>,

    /// Profile description, replacing the description.j2 template
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,

    /// Profile name, replacing the display_name.j2 template
    #[arg(long, value_name = "TEXT")]
    pub display_name: Option<String>,

    /// Account name in Settings and Mail, replacing the account_description.j2 template
    #[arg(long, value_name = "TEXT")]
    pub account_description: Option<String>,

    /// Start of the PayloadIdentifier; the account is appended
    #[arg(long, value_name = "PREFIX", default_value = DEFAULT_IDENTIFIER_PREFIX)]
    pub identifier_prefix: String,

    /// Use random PayloadUUIDs instead of ones derived from the account
    #[arg(long)]
    pub random_uuids: bool,

    /// Directory of templates (display_name.j2, description.j2, account_description.j2, file_name.j2) replacing the built-in ones
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Output file, or a directory to write the templated file name into; '-' or nothing: stdout
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Replace an existing output file that differs
    #[arg(long)]
    pub force: bool,

    /// For a domain no preset owns: find its settings (see `profilegen discover`) and use them
    #[arg(long)]
    pub discover: bool,

    /// Output: mobileconfig, or ddm (Declarative Device Management declarations as JSON)
    #[arg(long, value_name = "FORMAT", default_value = "mobileconfig", value_parser = named::<crate::render::OutputFormat>())]
    pub format: crate::render::OutputFormat,

    /// With --format ddm: one JSON array instead of a file per declaration
    #[arg(long)]
    pub single_file: bool,

    /// With --format ddm: the https:// URL where the MDM serves each user's credential JSON ({email} and {server} are filled in)
    #[arg(long, value_name = "URL")]
    pub credential_url: Option<String>,

    // The groups with headings of their own come last, so that clap's "next heading" does not
    // pull the plain options above under "Signing".
    #[command(flatten)]
    pub servers: ServerArgs,

    #[command(flatten)]
    pub password: PasswordArgs,

    #[command(flatten)]
    pub discovery: DiscoverNet,

    #[command(flatten)]
    pub sign: SignArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Server overrides")]
pub struct ServerArgs {
    /// IMAP server host name
    #[arg(long, value_name = "HOST")]
    pub imap_host: Option<String>,
    /// IMAP server port
    #[arg(long, value_name = "PORT")]
    pub imap_port: Option<u16>,
    /// POP server host name
    #[arg(long, value_name = "HOST")]
    pub pop_host: Option<String>,
    /// POP server port
    #[arg(long, value_name = "PORT")]
    pub pop_port: Option<u16>,
    /// SMTP server host name
    #[arg(long, value_name = "HOST")]
    pub smtp_host: Option<String>,
    /// SMTP server port (SoftBank: 587 or 465)
    #[arg(long, value_name = "PORT")]
    pub smtp_port: Option<u16>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Password (left out unless asked: the phone prompts for it)")]
#[group(multiple = false)]
pub struct PasswordArgs {
    /// Read the password from standard input and embed it (the file is created 0600)
    #[arg(long, conflicts_with = "passphrase_stdin")]
    pub password_stdin: bool,
    /// Take the password from this environment variable and embed it
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Prompt for the password on the terminal and embed it
    #[arg(long)]
    pub ask_password: bool,
}

pub(crate) const DISCOVER_HELP: &str = "\
Order: presets, the domain's autoconfig over HTTPS, ISPDB, MX, SRV, autoconfig over plain HTTP.
The first source with usable settings (TLS on every server) whose servers pass the TLS checks wins.
Exit status: 0 settings found, 1 none, 2 could not run.";

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The mail address whose settings to find
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write what was found as a preset YAML into this directory (for review and --carriers)
    #[arg(long, value_name = "DIR")]
    pub save_preset: Option<PathBuf>,
    #[command(flatten)]
    pub net: DiscoverNet,
}

/// Where discovery looks, and how long it may take.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Discovery")]
pub struct DiscoverNet {
    /// DNS server for MX, SRV and the lookup URLs' names, e.g. 127.0.0.1:5353 [default: the system's]
    #[arg(long, value_name = "IP:PORT")]
    pub resolver: Option<std::net::SocketAddr>,
    /// ISPDB: a base URL or a directory of DOMAIN(.xml) files [default: Thunderbird's]
    #[arg(long, value_name = "DIR|URL")]
    pub ispdb: Option<String>,
    /// Autoconfig URL to try instead of the two standard ones (repeatable; {domain} and {email} are filled in)
    #[arg(long = "autoconfig-url", value_name = "URL")]
    pub autoconfig_urls: Vec<String>,
    /// Trust these CA certificates (PEM) too, for the lookups and the verification
    #[arg(id = "discover_ca", long = "discover-ca", value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Look settings up only in presets and a local ISPDB directory (the servers found are still probed unless --no-verify)
    #[arg(long)]
    pub offline: bool,
    /// Do not probe the servers found before choosing them
    #[arg(long)]
    pub no_verify: bool,
    /// Seconds for each lookup
    #[arg(long = "discover-timeout", value_name = "SECONDS", default_value = "5")]
    pub timeout: u64,
    /// Seconds for the whole discovery
    #[arg(
        long = "discover-deadline",
        value_name = "SECONDS",
        default_value = "30"
    )]
    pub deadline: u64,
}

impl DiscoverNet {
    pub fn settings(&self) -> crate::discover::Settings {
        let d = crate::discover::Settings::default();
        crate::discover::Settings {
            resolver: self.resolver,
            ispdb: self.ispdb.clone().unwrap_or(d.ispdb),
            autoconfig: if self.autoconfig_urls.is_empty() {
                d.autoconfig
            } else {
                self.autoconfig_urls.clone()
            },
            ca: self.ca.clone(),
            offline: self.offline,
            verify: !self.no_verify,
            timeout: std::time::Duration::from_secs(self.timeout.max(1)),
            deadline: std::time::Duration::from_secs(self.deadline.max(1)),
            public_only: false,
        }
    }
}

#[derive(Debug, Args)]
pub struct MdmArgs {
    #[command(subcommand)]
    pub command: Option<MdmCommand>,
}

#[derive(Debug, Subcommand)]
pub enum MdmCommand {
    /// List every MDM (the default)
    List,
    /// Show an MDM's variables, what each holds, how to upload, pitfalls and sources
    Show {
        /// MDM id (see `profilegen mdm`)
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct CarriersArgs {
    #[command(subcommand)]
    pub command: Option<CarriersCommand>,
}

#[derive(Debug, Subcommand)]
pub enum CarriersCommand {
    /// List every preset (the default)
    List,
    /// Show everything a preset says: servers, ports, username rule, notes and sources
    Show {
        /// Preset id (see `profilegen carriers`), or a mail address or domain
        id: String,
    },
}

//! One module per subcommand, each with a single entry point `run`.

pub mod bulk;
pub mod carriers;
pub mod discover;
pub mod fix;
pub mod inspect;
pub mod lint;
pub mod mdm;
pub mod new;
pub mod probe;
pub mod serve;
pub mod sign;

use crate::i18n::tr;
use crate::preset::Lang;
use std::io::Write;

/// What every subcommand needs from the global options.
pub struct Ctx {
    pub lang: Lang,
    pub quiet: bool,
}

impl Ctx {
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            let _ = writeln!(
                std::io::stderr(),
                "{}: {msg}",
                crate::i18n::Msg::NoteLabel.text(self.lang)
            );
        }
    }

    pub fn info(&self, msg: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr(), "{msg}");
        }
    }

    pub fn warn(&self, msg: &str) {
        let _ = writeln!(std::io::stderr(), "{}", self.warning_line(msg));
    }

    /// A warning as [`Ctx::warn`] prints it ("warning: …"), for a caller that prints it itself.
    pub fn warning_line(&self, msg: &str) -> String {
        format!("{}: {msg}", crate::i18n::Msg::WarningLabel.text(self.lang))
    }
}

use crate::cli::SignArgs;
use crate::error::{Error, Result};
use crate::profile::Secret;
use crate::sign::{Identity, IdentitySource, Passphrase, Signer};

/// The signer the options ask for, loaded and checked once; `None` when no signing was asked.
pub fn load_signer(args: &SignArgs, ctx: &Ctx) -> Result<Option<Signer>> {
    let (signer, trust) = load_signer_checking_later(args, ctx)?;
    if let Some(trust) = trust {
        trust.say(ctx);
    }
    Ok(signer)
}

/// What phones with only the public roots will make of the signer, being found out on a thread
/// of its own (loading the system's roots takes a while).
pub struct TrustCheck(std::thread::JoinHandle<Vec<String>>);

impl TrustCheck {
    /// Waits for the verdict and warns.
    pub fn say(self, ctx: &Ctx) {
        for w in self.warnings() {
            ctx.warn(&w);
        }
    }

    /// True once the verdict is in (the warnings can be had without waiting).
    pub fn ready(&self) -> bool {
        self.0.is_finished()
    }

    /// The warnings, once the verdict is in.
    pub fn warnings(self) -> Vec<String> {
        self.0.join().unwrap_or_default()
    }
}

/// [`load_signer`], with the public-roots check still running (for `bulk`, which signs in the
/// meantime and says what it found as soon as it is in).
pub fn load_signer_checking_later(
    args: &SignArgs,
    ctx: &Ctx,
) -> Result<(Option<Signer>, Option<TrustCheck>)> {
    let source = match (&args.sign_cert, &args.sign_key, &args.sign_p12) {
        (Some(cert), Some(key), None) => IdentitySource::Pem {
            cert: cert.clone(),
            key: key.clone(),
            chain: args.sign_chain.clone(),
        },
        (None, None, Some(p12)) => IdentitySource::Pkcs12(p12.clone()),
        (None, None, None) => return Ok((None, None)),
        _ => {
            return Err(Error::input(
                "--sign-cert",
                tr(
                    "give --sign-cert with --sign-key, or --sign-p12",
                    "--sign-cert と --sign-key を一緒に、または --sign-p12 を指定してください",
                ),
            ))
        }
    };
    let passphrase = if let Some(var) = &args.passphrase_env {
        Passphrase::Env(var.clone())
    } else if args.passphrase_stdin {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| Error::io("<stdin>", e))?;
        let s = s.strip_suffix('\n').unwrap_or(&s);
        let s = s.strip_suffix('\r').unwrap_or(s);
        Passphrase::Given(Secret::new(s.to_string()))
    } else {
        Passphrase::Prompt
    };
    let identity = Identity::load(&source, &passphrase)?;
    let signing_time = Signer::signing_time_from_env()?;
    for w in identity.check_own(args.allow_expired, signing_time)? {
        ctx.warn(&w);
    }
    let (cert, chain) = identity.certificates();
    let lang = crate::i18n::lang();
    let trust = TrustCheck(std::thread::spawn(move || {
        crate::i18n::set_lang(lang);
        crate::sign::public_trust_warnings(&cert, &chain)
    }));
    Ok((Some(Signer::new(identity, signing_time)?), Some(trust)))
}

/// The trust store (system roots or `--ca`) could not be set up.
fn trust_store_error(e: &dyn std::fmt::Display) -> Error {
    Error::Other(tr(
        format!("cannot set up the trust store: {e}"),
        format!("信頼する証明書の一覧を用意できません: {e}"),
    ))
}

//! `profilegen sign`: sign an existing profile, unchanged.

use super::Ctx;
use crate::cli::SignCmdArgs;
use crate::container::{self, Form, MAX_SIZE};
use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::output::{self, Mode};
use std::io::Write;
use std::path::Path;

pub fn run(args: SignCmdArgs, ctx: &Ctx) -> Result<()> {
    if args.input == Path::new("-") && args.sign.passphrase_stdin {
        return Err(Error::input(
            "--passphrase-stdin",
            tr(
                "standard input already carries the profile; use --passphrase-env VAR",
                "標準入力はプロファイルの読み込みに使っています。--passphrase-env VAR を使ってください",
            ),
        ));
    }
    let Some(signer) = super::load_signer(&args.sign, ctx)? else {
        return Err(Error::input(
            "sign",
            crate::i18n::tr(
                "no signing identity: give --sign-cert CERT --sign-key KEY, or --sign-p12 FILE",
                "署名に使う証明書がありません: --sign-cert CERT --sign-key KEY か --sign-p12 FILE を指定してください",
            ),
        ));
    };
    let bytes = output::read_limited(&args.input, MAX_SIZE)?;
    let shown = args.input.display().to_string();
    match container::sniff(&bytes) {
        Form::XmlPlist | Form::BinaryPlist => {}
        Form::SignedDer | Form::SignedPem => {
            return Err(Error::input(
                shown,
                crate::i18n::tr(
                    "is already signed; sign the unsigned profile (`profilegen inspect --extract` gives it)",
                    "は既に署名されています。署名のないプロファイルに署名してください(`profilegen inspect --extract` で取り出せます)",
                ),
            ))
        }
        Form::Unknown => {
            return Err(Error::input(
                shown,
                crate::i18n::tr(
                    "is not a property list",
                    "はプロパティリストではありません",
                ),
            ))
        }
    }
    let value = crate::lint::parse_plist(&bytes)
        .map(|(v, _)| v)
        .map_err(|e| Error::input(&shown, e))?;
    // Only a profile is signed: a Configuration dictionary.
    if value
        .as_dictionary()
        .and_then(|d| d.get("PayloadType"))
        .and_then(|v| v.as_string())
        != Some("Configuration")
    {
        return Err(Error::input(
            &shown,
            crate::i18n::tr(
                "is a property list but not a profile (its top-level PayloadType is not Configuration); nothing was signed",
                "はプロパティリストですがプロファイルではありません(最上位の PayloadType が Configuration ではありません)。署名しませんでした",
            ),
        ));
    }
    let secret = holds_password(&value);
    let signed = signer.sign(&bytes)?;
    if args.output == Path::new("-") {
        let mut out = std::io::stdout().lock();
        out.write_all(&signed)
            .and_then(|_| out.flush())
            .map_err(|e| Error::io("<stdout>", e))?;
    } else {
        let mode = if secret { Mode::Secret } else { Mode::Public };
        output::write_atomic(&args.output, &signed, mode)?;
        ctx.info(&format!(
            "signed {} as {} -> {}",
            shown,
            crate::sign::subject(&signer.identity().cert),
            args.output.display()
        ));
    }
    if secret {
        ctx.warn(ctx.lang.pick(
            "プロファイルにはパスワードが平文で入っています。署名しても暗号化はされません",
            "the profile holds a password in clear text; signing does not encrypt it",
        ));
    }
    Ok(())
}

/// True when any dictionary in the plist has a non-empty password key.
pub fn holds_password(v: &plist::Value) -> bool {
    match v {
        plist::Value::Dictionary(d) => d.iter().any(|(k, v)| {
            (k.ends_with("Password") && v.as_string().is_some_and(|s| !s.is_empty()))
                || holds_password(v)
        }),
        plist::Value::Array(a) => a.iter().any(holds_password),
        _ => false,
    }
}

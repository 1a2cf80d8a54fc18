//! `profilegen new`: one profile from a preset.

use super::Ctx;
use crate::cli::{NewArgs, PasswordArgs};
use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::i18n::Msg;
use crate::output::{self, Mode};
use crate::preset::Registry;
use crate::profile::Secret;
use crate::render::{self, Request, ServerOverrides, Templates, UuidMode};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

pub fn run(args: NewArgs, registry: &Registry, ctx: &Ctx) -> Result<()> {
    let templates = Templates::load(args.templates.as_deref())?;
    let signer = super::load_signer(&args.sign, ctx)?;
    let to_stdout = args.output.as_deref().is_none_or(|p| p == Path::new("-"));
    if signer.is_some() && to_stdout && std::io::stdout().is_terminal() {
        return Err(Error::input(
            "--output",
            tr(
                "a signed profile is binary; write it to a file with -o",
                "署名したプロファイルはバイナリです。-o でファイルに書き出してください",
            ),
        ));
    }
    let password = read_password(&args.password, args.email.as_deref().unwrap_or(""))?;
    if password.is_some() && to_stdout && std::io::stdout().is_terminal() {
        return Err(Error::input(
            "--output",
            tr(
                "the profile would hold the password and go to the terminal; write it to a file with -o",
                "パスワード入りのプロファイルが端末に表示されてしまいます。-o でファイルに書き出してください",
            ),
        ));
    }
    let with = match &args.with {
        Some(w) => render::parse_extras(w).map_err(|e| Error::input("--with", e))?,
        None => Vec::new(),
    };
    let mdm = match &args.mdm {
        Some(id) => Some(mdm_request(
            id,
            &args.vars,
            args.domain.as_deref(),
            args.carrier.as_deref(),
            args.username_var.clone(),
            registry,
        )?),
        None => None,
    };
    if mdm.is_some() && password.is_some() {
        return Err(Error::input(
            "--mdm",
            tr(
                "one profile for every user of an MDM cannot hold a password: leave it out and the phone asks",
                "MDM の全ユーザ向けのプロファイルにパスワードは入れられません。入れなければ iPhone が尋ねます",
            ),
        ));
    }
    let req = Request {
        mdm,
        account: args.account,
        with,
        platform: args.platform,
        exchange_host: args.exchange_host,
        oauth: !args.no_oauth,
        email: args.email.clone().unwrap_or_default(),
        name: args.name,
        carrier: args.carrier,
        protocol: args.protocol,
        username: args.username,
        organization: args.org,
        description: args.description,
        display_name: args.display_name,
        account_description: args.account_description,
        password,
        servers: ServerOverrides::from(args.servers),
        identifier_prefix: args.identifier_prefix,
        uuids: if args.random_uuids {
            UuidMode::Random
        } else {
            UuidMode::Derived
        },
        lang: ctx.lang,
    };
    let mut req = req;
    if args.discover {
        apply_discovery(&mut req, &args.discovery, registry, ctx)?;
    }
    let rendered = render::render(&req, registry, &templates)?;
    if let Some(m) = &req.mdm {
        let l = ctx.lang;
        ctx.note(&tr(
            format!(
                "one profile for every {} user: {}",
                m.mdm.name,
                m.mdm.upload_text(l)
            ),
            format!(
                "{} の全利用者向けのプロファイルです。{}",
                m.mdm.name,
                m.mdm.upload_text(l)
            ),
        ));
        for n in &m.mdm.notes {
            ctx.note(l.pick(&n.ja, &n.en));
        }
        if signer.is_some() {
            ctx.warn(&tr(
                "an MDM changes the profile when it fills in the variables, which breaks a signature made here; most MDMs sign what they send (Fleet refuses signed uploads): upload it unsigned",
                "MDM は変数を埋めるときにプロファイルを変えるため、ここで付けた署名は壊れます。多くの MDM は送るときに自分で署名します(Fleet は署名済みのアップロードを受け付けません)。署名せずにアップロードしてください",
            ));
        }
    }
    if args.format == render::OutputFormat::Ddm {
        if signer.is_some() {
            return Err(Error::input(
                "--format ddm",
                tr(
                    "declarations are not signed (the MDM delivers them); leave out the signing options",
                    "宣言には署名しません(MDM が届けます)。署名のオプションを外してください",
                ),
            ));
        }
        let set = crate::ddm::declarations(
            &rendered.profile,
            &crate::ddm::DdmOptions {
                credential_url: args.credential_url.clone(),
            },
            req.mdm.as_ref().map(|m| &m.mdm),
        )?;
        for w in &rendered.warnings {
            ctx.warn(w);
        }
        return write_ddm(
            &set,
            args.output.as_deref(),
            args.single_file,
            args.force,
            ctx,
        );
    }
    let mut bytes = rendered.profile.to_xml();
    if let Some(signer) = &signer {
        bytes = signer.sign(&bytes)?;
    }
    let secret = rendered.profile.holds_secret();
    let target: Option<PathBuf> = match args.output {
        None => None,
        Some(p) if p == Path::new("-") => None,
        Some(p) if p.is_dir() => Some(p.join(&rendered.file_name)),
        Some(p) => Some(p),
    };
    for w in &rendered.warnings {
        ctx.warn(w);
    }
    match &target {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .and_then(|_| out.flush())
                .map_err(|e| Error::io("<stdout>", e))?;
        }
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                if !parent.is_dir() {
                    return Err(Error::input(
                        "--output",
                        Msg::NewNoFolder.fill(ctx.lang, &[("dir", &parent.display().to_string())]),
                    ));
                }
            }
            if output::regular_or_absent(path, "give a file name (or -o - for standard output)")? {
                let same = std::fs::read(path).is_ok_and(|old| old == bytes);
                if same {
                    ctx.info(
                        &Msg::NewUnchanged.fill(ctx.lang, &[("path", &path.display().to_string())]),
                    );
                    for n in &rendered.notes {
                        ctx.note(n);
                    }
                    return Ok(());
                }
                if !args.force {
                    return Err(Error::input(
                        "--output",
                        Msg::NewExists.fill(ctx.lang, &[("path", &path.display().to_string())]),
                    ));
                }
            }
            let mode = if secret { Mode::Secret } else { Mode::Public };
            output::write_atomic(path, &bytes, mode)?;
            ctx.info(
                &Msg::NewWrote.fill(
                    ctx.lang,
                    &[
                        ("path", &path.display().to_string()),
                        (
                            "signed",
                            if signer.is_some() {
                                Msg::NewSigned.text(ctx.lang)
                            } else {
                                ""
                            },
                        ),
                        (
                            "preset",
                            rendered
                                .preset_id
                                .as_deref()
                                .unwrap_or(Msg::NewCustomServers.text(ctx.lang)),
                        ),
                        ("accounts", &rendered.summary(ctx.lang)),
                    ],
                ),
            );
        }
    }
    if secret {
        ctx.warn(&match &target {
            Some(p) => Msg::NewPasswordFile.fill(ctx.lang, &[("path", &p.display().to_string())]),
            None => Msg::NewPasswordStdout.text(ctx.lang).to_string(),
        });
    }
    for n in &rendered.notes {
        ctx.note(n);
    }
    Ok(())
}

fn password_prompt(email: &str) -> String {
    tr(
        format!("Password for {}: ", email.trim()),
        format!("{} のパスワード: ", email.trim()),
    )
}

/// The password, when the user asked to embed one. Never from argv.
fn read_password(args: &PasswordArgs, email: &str) -> Result<Option<Secret>> {
    if args.password_stdin {
        // On a terminal, standard input would echo the password: ask without echo instead.
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            let p = rpassword::prompt_password(password_prompt(email)).map_err(|e| {
                Error::input(
                    "--password-stdin",
                    tr(
                        format!("cannot read it: {}", crate::error::io_words(&e)),
                        format!("読み取れません: {}", crate::error::io_words(&e)),
                    ),
                )
            })?;
            return Ok(Some(Secret::new(p)));
        }
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Error::io("<stdin>", e))?;
        let s = s.strip_suffix('\n').unwrap_or(&s);
        let s = s.strip_suffix('\r').unwrap_or(s);
        return Ok(Some(Secret::new(s.to_string())));
    }
    if let Some(var) = &args.password_env {
        return match std::env::var(var) {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(std::env::VarError::NotPresent) => Err(Error::input(
                "--password-env",
                tr(
                    format!("the environment variable {var} is not set"),
                    format!("環境変数 {var} が設定されていません"),
                ),
            )),
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::input(
                "--password-env",
                tr(
                    format!("the environment variable {var} is not valid UTF-8"),
                    format!("環境変数 {var} が UTF-8 ではありません"),
                ),
            )),
        };
    }
    if args.ask_password {
        let p = rpassword::prompt_password(password_prompt(email)).map_err(|e| {
            Error::input(
                "--ask-password",
                tr(
                    format!(
                        "cannot read from the terminal: {}",
                        crate::error::io_words(&e)
                    ),
                    format!("端末から読み取れません: {}", crate::error::io_words(&e)),
                ),
            )
        })?;
        return Ok(Some(Secret::new(p)));
    }
    Ok(None)
}

/// What `--mdm`, `--var`, `--domain` and `--username-var` ask for.
fn mdm_request(
    id: &str,
    vars: &[String],
    domain: Option<&str>,
    carrier: Option<&str>,
    username_var: Option<String>,
    registry: &Registry,
) -> Result<render::MdmRequest> {
    use crate::mdm::{Mdm, Roles};
    let mdm = if id == "generic" {
        let mut roles = Roles::default();
        for v in vars {
            let (role, value) = v.split_once('=').ok_or_else(|| {
                Error::input(
                    "--var",
                    tr(
                        format!("{v:?} is not ROLE=VARIABLE"),
                        format!("{v:?} は ROLE=VARIABLE の形ではありません"),
                    ),
                )
            })?;
            let slot = match role.trim() {
                "email" => &mut roles.email,
                "name" | "full_name" => &mut roles.full_name,
                "local_part" => &mut roles.local_part,
                "username" => &mut roles.username,
                other => {
                    return Err(Error::input(
                        "--var",
                        tr(
                            format!("{other:?} is not a role: use email, name, local_part or username"),
                            format!("{other:?} は役割ではありません。email、name、local_part、username のどれかにしてください"),
                        ),
                    ))
                }
            };
            crate::text::check_line(value).map_err(|e| Error::input("--var", e))?;
            *slot = Some(value.to_string());
        }
        if roles.email.is_none() {
            return Err(Error::input(
                "--var",
                tr(
                    "--mdm generic needs at least --var email=VARIABLE",
                    "--mdm generic には少なくとも --var email=VARIABLE が必要です",
                ),
            ));
        }
        Mdm::generic(roles)
    } else {
        if !vars.is_empty() {
            return Err(Error::input(
                "--var",
                tr(
                    format!("--var is for --mdm generic; {id} has its own variables (`profilegen mdm show {id}`)"),
                    format!("--var は --mdm generic 用です。{id} には独自の変数があります(`profilegen mdm show {id}`)"),
                ),
            ));
        }
        Mdm::get(id).ok_or_else(|| crate::mdm::unknown(id))?
    };
    let domain = match (domain, carrier) {
        (Some(d), _) => d.trim().trim_start_matches('@').to_ascii_lowercase(),
        (None, Some(c)) => {
            let p = registry.get(c).ok_or_else(|| Error::UnknownCarrier {
                id: c.to_string(),
                suggestion: crate::schema::closest_key(c, registry.ids()).map(str::to_string),
            })?;
            p.domains
                .iter()
                .find(|d| !d.starts_with("*."))
                .cloned()
                .ok_or_else(|| {
                    Error::input(
                        "--domain",
                        tr(
                            format!("the {c} preset has no plain domain: give --domain"),
                            format!("{c} のプリセットには通常のドメインがありません。--domain を指定してください"),
                        ),
                    )
                })?
        }
        (None, None) => {
            return Err(Error::input(
                "--mdm",
                tr(
                    "give --domain DOMAIN (the users' mail domain) or --carrier ID",
                    "--domain DOMAIN(利用者のメールのドメイン)か --carrier ID を指定してください",
                ),
            ))
        }
    };
    Ok(render::MdmRequest {
        mdm,
        domain,
        username_var,
    })
}

/// Declarations: a file each (`-o DIR`), or one JSON array (`--single-file`, or no directory).
fn write_ddm(
    set: &[crate::ddm::Declaration],
    output: Option<&Path>,
    single_file: bool,
    force: bool,
    ctx: &Ctx,
) -> Result<()> {
    let files: Vec<(PathBuf, Vec<u8>)> = match output {
        Some(dir) if dir.is_dir() && !single_file => set
            .iter()
            .map(|d| (dir.join(format!("{}.json", d.identifier)), d.to_json()))
            .collect(),
        Some(p) if p != Path::new("-") => vec![(p.to_path_buf(), crate::ddm::to_json_array(set))],
        _ => {
            let mut out = std::io::stdout().lock();
            return out
                .write_all(&crate::ddm::to_json_array(set))
                .and_then(|_| out.flush())
                .map_err(|e| Error::io("<stdout>", e));
        }
    };
    // Nothing is written unless every file may be.
    for (path, bytes) in &files {
        if output::regular_or_absent(path, "give a file name (or -o - for standard output)")?
            && !force
            && std::fs::read(path).is_ok_and(|old| &old != bytes)
        {
            return Err(Error::input(
                "--output",
                Msg::NewExists.fill(ctx.lang, &[("path", &path.display().to_string())]),
            ));
        }
    }
    for (path, bytes) in &files {
        output::write_atomic(path, bytes, Mode::Public)?;
    }
    ctx.info(&tr(
        format!("wrote {} declarations", set.len()),
        format!("宣言を {} 件書き込みました", set.len()),
    ));
    Ok(())
}

/// `new --discover`: for a domain no preset owns and no servers given, the discovered settings.
fn apply_discovery(
    req: &mut Request,
    net: &crate::cli::DiscoverNet,
    registry: &Registry,
    ctx: &Ctx,
) -> Result<()> {
    let Some(_) = crate::discover::wanted(req, registry) else {
        return Ok(());
    };
    let addr = crate::text::Address::parse(&req.email).map_err(|e| Error::input("email", e))?;
    let report = crate::discover::discover(&addr.full(), registry, &net.settings())?;
    let Some((attempt, found)) = report.chosen() else {
        return Err(Error::input(
            "--discover",
            tr(
                format!("no settings found for {}: {}", addr.domain, report.why),
                format!(
                    "{} の設定は見つかりませんでした: {}",
                    addr.domain, report.why
                ),
            ),
        ));
    };
    ctx.note(&tr(
        format!(
            "discovered from {} ({}): {}",
            attempt.source,
            attempt.asked,
            super::discover::summary(found)
        ),
        format!(
            "{}({})から見つけた設定: {}",
            attempt.source,
            attempt.asked,
            super::discover::summary(found)
        ),
    ));
    crate::discover::apply(req, found);
    Ok(())
}

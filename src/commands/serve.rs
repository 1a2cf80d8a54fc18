//! `profilegen serve`: start the web server.

use super::Ctx;
use crate::cli::ServeArgs;
use crate::error::{Error, Result};
use crate::i18n::tr;
use crate::preset::Registry;
use crate::render::{Request, Templates};
use crate::serve::{self, AppState};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub fn run(args: ServeArgs, registry: Registry, ctx: &Ctx) -> Result<()> {
    let templates = Templates::load(args.templates.as_deref())?;
    let signer = super::load_signer(&args.sign, ctx)?;
    let mut base = Request::new(String::new());
    base.identifier_prefix = args.identifier_prefix;
    base.organization = args.org;
    // Check the prefix and organisation once, with a sample address.
    {
        let mut sample = base.clone();
        sample.email = "taro@i.softbank.jp".into();
        crate::render::render(&sample, &registry, &templates)?;
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => Some(
            axum_server::tls_openssl::OpenSSLConfig::from_pem_chain_file(c, k).map_err(|e| {
                Error::Other(tr(
                    format!(
                        "{} / {}: cannot use for HTTPS: {e}",
                        c.display(),
                        k.display()
                    ),
                    format!("{} / {}: HTTPS に使えません: {e}", c.display(), k.display()),
                ))
            })?,
        ),
        _ => None,
    };
    let listener = std::net::TcpListener::bind(args.listen).map_err(|e| {
        Error::Other(tr(
            format!(
                "cannot listen on {}: {}",
                args.listen,
                crate::error::io_words(&e)
            ),
            format!(
                "{} で待ち受けできません: {}",
                args.listen,
                crate::error::io_words(&e)
            ),
        ))
    })?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Other(e.to_string()))?;
    let mut state = AppState::new(registry, templates, signer, base, args.rate_limit, args.log);
    if args.discover {
        state.discovery = Some(serve::Discovery::new(
            args.discovery.settings(),
            args.discover_rate,
        ));
    }
    let state = Arc::new(state);
    let app = serve::router(state).into_make_service_with_connect_info::<SocketAddr>();

    let (url, qr) = serve::announce(local, tls.is_some());
    // The first line is machine-read by scripts and tests: it stays the same in every language.
    println!("profilegen is serving on {url}");
    if local.ip().is_loopback() {
        println!(
            "{}",
            crate::i18n::tr(
                format!(
                    "(loopback only: phones cannot reach it; use --listen 0.0.0.0:{} for the LAN)",
                    local.port()
                ),
                format!(
                    "(このマシン内だけ: iPhoneからは届きません。LANで使うには --listen 0.0.0.0:{} を指定してください)",
                    local.port()
                ),
            )
        );
    }
    if !args.no_qr {
        println!(
            "{}\n{qr}",
            ctx.lang.pick(
                "iPhoneのカメラで読み取ってください:",
                "Scan with the phone's camera:"
            )
        );
    }
    println!(
        "{}",
        ctx.lang.pick(
            "止めるには Ctrl-C を押してください。",
            "Press Ctrl-C to stop."
        )
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Error::Other(tr(
                format!("cannot start the server runtime: {e}"),
                format!("サーバの実行環境を起動できません: {e}"),
            ))
        })?;
    runtime.block_on(async move {
        let handle = axum_server::Handle::new();
        let h = handle.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            eprintln!("{}", tr("shutting down", "終了します"));
            h.graceful_shutdown(Some(Duration::from_secs(10)));
        });
        let mut server = axum_server::from_tcp(listener)
            .map_err(|e| Error::Other(e.to_string()))?
            .handle(handle)
            .first_request_timeout(serve::HEADER_TIMEOUT);
        // Slow clients: the headers of every request (the first, and each on a kept-alive
        // connection) must arrive within HEADER_TIMEOUT.
        server
            .http_builder()
            .http1()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(serve::HEADER_TIMEOUT);
        let limits = serve::Limits::new(
            max_connections(),
            serve::PER_CLIENT_CONNECTIONS,
            args.log != serve::LogLevel::Off,
        );
        let served = match tls {
            Some(config) => {
                server
                    .acceptor(serve::LimitAcceptor {
                        limits,
                        inner: axum_server::tls_openssl::OpenSSLAcceptor::new(config),
                    })
                    .serve(app)
                    .await
            }
            None => {
                server
                    .acceptor(serve::LimitAcceptor {
                        limits,
                        inner: axum_server::accept::DefaultAcceptor,
                    })
                    .serve(app)
                    .await
            }
        };
        served.map_err(|e| {
            Error::Other(tr(
                format!("server error: {e}"),
                format!("サーバのエラー: {e}"),
            ))
        })
    })
}

/// How many connections the server holds at once: what the file-descriptor limit allows (raised
/// to its hard limit), less a margin for files, logs and the listener.
fn max_connections() -> usize {
    #[cfg(unix)]
    {
        // SAFETY: getrlimit/setrlimit with a valid, owned struct.
        unsafe {
            let mut lim: libc::rlimit = std::mem::zeroed();
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
                if lim.rlim_cur < lim.rlim_max {
                    let mut raised = lim;
                    raised.rlim_cur = lim.rlim_max.min(65_536);
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                        lim = raised;
                    }
                }
                return (lim.rlim_cur as usize).saturating_sub(64).clamp(16, 16_384);
            }
        }
    }
    #[allow(unreachable_code)]
    960
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

//! `profilegen serve`: a small web page (and a direct link) that puts a profile on a phone.
//!
//! The page asks for the address, a name and (optionally) the provider, and answers with the
//! profile as `application/x-apple-aspen-config`, which Safari offers to install. It never asks
//! for the mail password: the phone does, during installation.

use crate::preset::{Lang, Registry, Status};
use crate::render::{self, Request, Templates};
use crate::sign::Signer;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Instant;

/// Largest request body accepted (the form is a few hundred bytes).
pub const BODY_LIMIT: usize = 8 * 1024;

/// A client must send a request's headers within this time (slow-header attacks).
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// A connection on which nothing is read or written for this long is closed (idle keep-alive).
pub const IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// Connections one client address may hold at once; more are closed at once, so that one
/// client cannot take every connection (and file descriptor) from the others and the health
/// checks.
pub const PER_CLIENT_CONNECTIONS: usize = 64;

/// Connection limits, shared by the acceptor of every connection.
pub struct Limits {
    /// Connections in total.
    total: Arc<tokio::sync::Semaphore>,
    /// Connections per client address.
    per_client: std::sync::Mutex<std::collections::HashMap<IpAddr, usize>>,
    per_client_max: usize,
    log: bool,
}

impl Limits {
    pub fn new(total: usize, per_client: usize, log: bool) -> Arc<Limits> {
        Arc::new(Limits {
            total: Arc::new(tokio::sync::Semaphore::new(total)),
            per_client: std::sync::Mutex::new(std::collections::HashMap::new()),
            per_client_max: per_client,
            log,
        })
    }

    /// A slot for a connection from `ip`, or `None` (the connection is then closed).
    fn admit(self: &Arc<Limits>, ip: IpAddr) -> Option<Slot> {
        let Ok(permit) = self.total.clone().try_acquire_owned() else {
            if self.log {
                eprintln!(
                    "refused a connection from {ip}: the server holds its maximum of connections"
                );
            }
            return None;
        };
        let mut map = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= self.per_client_max {
            if self.log {
                eprintln!(
                    "refused a connection from {ip}: it already holds {} connections",
                    self.per_client_max
                );
            }
            return None;
        }
        *n += 1;
        Some(Slot {
            limits: self.clone(),
            ip,
            _permit: permit,
        })
    }
}

/// A connection's place in the limits, given back when the connection ends.
struct Slot {
    limits: Arc<Limits>,
    ip: IpAddr,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self
            .limits
            .per_client
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// An accepted connection under the limits: it holds its slot, and fails once nothing has been
/// read or written for [`IDLE_TIMEOUT`].
pub struct Guarded<S> {
    inner: S,
    _slot: Slot,
    idle: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl<S> Guarded<S> {
    fn touch(&mut self) {
        self.idle
            .as_mut()
            .reset(tokio::time::Instant::now() + IDLE_TIMEOUT);
    }

    fn idle_expired(&mut self, cx: &mut std::task::Context<'_>) -> bool {
        self.idle.as_mut().poll(cx).is_ready()
    }
}

use std::future::Future as _;
use std::task::Poll;
use tokio::io::{AsyncRead, AsyncWrite};

fn idle_error() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "idle connection closed")
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match std::pin::Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.touch();
                }
                Poll::Ready(r)
            }
            Poll::Pending if self.idle_expired(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match std::pin::Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(r) => {
                self.touch();
                Poll::Ready(r)
            }
            Poll::Pending if self.idle_expired(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Admits a TCP connection under the limits (or closes it), then hands it to `inner` (plain or
/// TLS).
#[derive(Clone)]
pub struct LimitAcceptor<A> {
    pub limits: Arc<Limits>,
    pub inner: A,
}

impl<A, S> axum_server::accept::Accept<tokio::net::TcpStream, S> for LimitAcceptor<A>
where
    A: axum_server::accept::Accept<Guarded<tokio::net::TcpStream>, S> + Clone + Send + 'static,
    A::Future: Send + 'static,
    S: Send + 'static,
{
    type Stream = A::Stream;
    type Service = A::Service;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = std::io::Result<(A::Stream, A::Service)>> + Send>,
    >;

    fn accept(&self, stream: tokio::net::TcpStream, service: S) -> Self::Future {
        let ip = stream
            .peer_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let slot = self.limits.admit(ip);
        let inner = self.inner.clone();
        Box::pin(async move {
            let Some(slot) = slot else {
                return Err(std::io::Error::other("connection limit"));
            };
            let guarded = Guarded {
                inner: stream,
                _slot: slot,
                idle: Box::pin(tokio::time::sleep(IDLE_TIMEOUT)),
            };
            inner.accept(guarded, service).await
        })
    }
}

const PAGE: &str = include_str!("../templates/serve/index.html");

/// What the server logs. Nothing by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Method, path, status and latency — no query strings, no addresses.
    Requests,
    /// As `requests`, plus the address each profile was made for.
    Addresses,
}

named!(
    LogLevel,
    "a log level",
    Off = "off",
    Requests = "requests",
    Addresses = "addresses"
);

/// Everything a request handler needs.
pub struct AppState {
    pub registry: Registry,
    pub templates: Templates,
    pub signer: Option<Signer>,
    /// Identifier prefix, organisation and other settings applied to every profile.
    pub base: Request,
    /// Requests per minute per client address for `/profile`; `None` turns the limit off.
    pub limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    pub log: LogLevel,
    /// `--discover`: settings for domains no preset owns.
    pub discovery: Option<Discovery>,
    page: minijinja::Environment<'static>,
}

/// `serve --discover`: a bounded cache of lookups and a limit on new ones for the whole server,
/// so that visitors cannot make it fetch much, nor anything but the fixed lookup URLs of the
/// address's domain.
pub struct Discovery {
    pub cache: crate::discover::Cache,
    pub lookups: governor::DefaultDirectRateLimiter,
}

impl Discovery {
    /// `per_minute` new domains a minute at most; lookups are kept an hour, 10 000 domains at most.
    pub fn new(mut settings: crate::discover::Settings, per_minute: u32) -> Discovery {
        settings.public_only = true;
        Discovery {
            cache: crate::discover::Cache::bounded(
                settings,
                std::time::Duration::from_secs(3600),
                10_000,
            ),
            lookups: RateLimiter::direct(Quota::per_minute(
                NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN),
            )),
        }
    }

    /// Puts the discovered settings of the request's domain in, when it needs them.
    fn apply(&self, req: &mut Request, registry: &Registry) -> crate::Result<()> {
        let Some(domain) = crate::discover::wanted(req, registry) else {
            return Ok(());
        };
        crate::discover::internet_domain(&domain)?;
        if self.cache.get(&domain).is_none() {
            if self.lookups.check().is_err() {
                return Err(crate::Error::Other(crate::i18n::tr(
                    "too many new domains are being looked up; try again in a minute, or choose your provider",
                    "新しいドメインの検索が混み合っています。1分ほどしてから試すか、プロバイダを選んでください",
                )));
            }
            self.cache
                .prepare(vec![(domain.clone(), req.email.clone())], registry);
        }
        self.cache
            .apply_to(req, &domain)
            .map_err(crate::Error::Other)
    }
}

impl AppState {
    pub fn new(
        registry: Registry,
        templates: Templates,
        signer: Option<Signer>,
        base: Request,
        per_minute: u32,
        log: LogLevel,
    ) -> AppState {
        let mut page = minijinja::Environment::new();
        page.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        page.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        page.add_template("index.html", PAGE)
            .expect("the page template parses");
        let limiter = NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)));
        AppState {
            registry,
            templates,
            signer,
            base,
            limiter,
            log,
            discovery: None,
            page,
        }
    }
}

/// The routes.
pub fn router(state: Arc<AppState>) -> Router {
    let profile = Router::new()
        .route("/profile", get(profile_get).post(profile_post))
        .route_layer(middleware::from_fn_with_state(state.clone(), rate_limit));
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(|| async { "ok\n" }))
        .merge(profile)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            log_and_harden,
        ))
        .with_state(state)
}

/// Texts of the page.
#[derive(Serialize)]
struct Texts {
    title: &'static str,
    lead: &'static str,
    email: &'static str,
    name: &'static str,
    name_placeholder: &'static str,
    carrier: &'static str,
    auto: &'static str,
    unverified: &'static str,
    download: &'static str,
    no_password: &'static str,
    steps: [&'static str; 3],
    signed: &'static str,
    unsigned: &'static str,
    other_lang: &'static str,
    notes: &'static str,
    unverified_note: &'static str,
    extras: &'static str,
    calendar: &'static str,
    contacts: &'static str,
}

fn texts(lang: Lang) -> Texts {
    match lang {
        Lang::Ja => Texts {
            title: "メール設定プロファイル",
            lead: "メールアドレスを入れると、iPhoneのメールに正しい設定を入れるプロファイルを作ります。",
            email: "メールアドレス",
            name: "名前(送信者名)",
            name_placeholder: "山田 太郎",
            carrier: "プロバイダ",
            auto: "メールアドレスから自動で選ぶ",
            unverified: "未確認",
            download: "プロファイルをダウンロード",
            no_password: "パスワードはここでは入力しません。インストール中にiPhoneが尋ねます。",
            steps: [
                "「プロファイルがダウンロードされました」と出たら「閉じる」をタップします。",
                "設定アプリ →「ダウンロード済みのプロファイル」を開き、「インストール」をタップします。",
                "求められたらメールのパスワードを入力します。",
            ],
            signed: "このプロファイルには署名があります。",
            unsigned: "このプロファイルには署名がありません(「未検証」と表示されます)。",
            other_lang: "English",
            notes: "インストールの前に: プロバイダごとの注意",
            unverified_note: "この設定は未確認です。プロバイダの案内と照らし合わせてください。",
            extras: "提供しているプロバイダ(iCloud)では、次も設定できます:",
            calendar: "カレンダー",
            contacts: "連絡先",
        },
        Lang::En => Texts {
            title: "Mail settings profile",
            lead: "Enter your mail address to get a profile that sets up the iPhone's Mail app correctly.",
            email: "Mail address",
            name: "Your name (shown as sender)",
            name_placeholder: "Taro Yamada",
            carrier: "Provider",
            auto: "Pick from the address",
            unverified: "unverified",
            download: "Download profile",
            no_password: "You do not enter the password here: the iPhone asks for it while installing.",
            steps: [
                "When \"Profile Downloaded\" appears, tap Close.",
                "Open Settings → \"Profile Downloaded\" and tap Install.",
                "Enter the mail password when asked.",
            ],
            signed: "This profile is signed.",
            unsigned: "This profile is not signed (the phone shows \"Not Verified\").",
            other_lang: "日本語",
            notes: "Before installing: notes for each provider",
            unverified_note: "These settings are unverified; check them against the provider's instructions.",
            extras: "Where the provider offers them (iCloud), also set up:",
            calendar: "Calendars",
            contacts: "Contacts",
        },
    }
}

/// The language: `?lang=` first, then the browser's Accept-Language.
fn language(explicit: Option<&str>, headers: &HeaderMap) -> Lang {
    match explicit.map(str::trim) {
        Some(l) if l.eq_ignore_ascii_case("ja") => return Lang::Ja,
        Some(l) if l.eq_ignore_ascii_case("en") => return Lang::En,
        _ => {}
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // The first language with the highest q that is ja or en.
    let mut best: Option<(f32, Lang)> = None;
    for part in accept.split(',') {
        let mut it = part.split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = if tag.starts_with("ja") {
            Lang::Ja
        } else if tag.starts_with("en") {
            Lang::En
        } else {
            continue;
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::En, |(_, l)| l)
}

#[derive(Serialize)]
struct CarrierOption {
    id: String,
    name: String,
    unverified: bool,
    /// The preset's notes in the page's language (passwords, login IDs, routes).
    notes: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    carrier: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    /// Checkboxes: present ("on") when ticked.
    #[serde(default)]
    calendar: Option<String>,
    #[serde(default)]
    contacts: Option<String>,
}

fn page(state: &AppState, lang: Lang, form: &ProfileForm, error: Option<&str>) -> String {
    let carriers: Vec<CarrierOption> = state
        .registry
        .iter()
        .filter(|p| p.status != Status::Unsupported)
        .map(|p| CarrierOption {
            id: p.id.clone(),
            name: p.display_name(lang).to_string(),
            unverified: p.status == Status::Unverified,
            notes: p
                .notes
                .iter()
                .map(|n| lang.pick(&n.ja, &n.en).to_string())
                .collect(),
        })
        .collect();
    let tmpl = state.page.get_template("index.html").expect("page");
    tmpl.render(minijinja::context! {
        lang => match lang { Lang::Ja => "ja", Lang::En => "en" },
        other_lang => match lang { Lang::Ja => "en", Lang::En => "ja" },
        t => texts(lang),
        error => error,
        email => form.email.as_str(),
        name => form.name.as_deref().unwrap_or(""),
        carrier => form.carrier.as_deref().unwrap_or(""),
        calendar => form.calendar.is_some(),
        contacts => form.contacts.is_some(),
        carriers => carriers,
        signed => state.signer.is_some(),
    })
    .expect("the page renders")
}

async fn index(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ProfileForm>,
    headers: HeaderMap,
) -> Html<String> {
    let lang = language(q.lang.as_deref(), &headers);
    let blank = ProfileForm::default();
    Html(page(&state, lang, &blank, None))
}

async fn profile_get(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(form): Query<ProfileForm>,
) -> Response {
    make_profile(state, headers, form).await
}

async fn profile_post(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(form): Form<ProfileForm>,
) -> Response {
    make_profile(state, headers, form).await
}

/// A marker the logging layer reads to log the address when asked to.
#[derive(Clone)]
struct MadeFor(String);

async fn make_profile(state: Arc<AppState>, headers: HeaderMap, form: ProfileForm) -> Response {
    let lang = language(form.lang.as_deref(), &headers);
    // Percent-escapes that are not UTF-8 (%ff%fe) arrive as U+FFFD: refuse, never guess.
    let fields = [Some(&form.email), form.name.as_ref(), form.carrier.as_ref()];
    if fields.iter().flatten().any(|f| f.contains('\u{fffd}')) {
        let msg = lang.pick(
            "入力に UTF-8 ではない文字が含まれています。もう一度入力してください。",
            "The request holds characters that are not UTF-8; type the address again.",
        );
        return (
            StatusCode::BAD_REQUEST,
            Html(page(&state, lang, &ProfileForm::default(), Some(msg))),
        )
            .into_response();
    }
    if form.email.trim().is_empty() {
        let msg = lang.pick(
            "メールアドレスを入力してください。",
            "Enter your mail address.",
        );
        return (
            StatusCode::BAD_REQUEST,
            Html(page(&state, lang, &form, Some(msg))),
        )
            .into_response();
    }
    let mut req = state.base.clone();
    req.email = form.email.clone();
    req.name = form.name.clone().filter(|s| !s.trim().is_empty());
    req.carrier = form.carrier.clone().filter(|s| !s.trim().is_empty());
    req.lang = lang;
    req.with = [
        (form.calendar.is_some(), render::Extra::Calendar),
        (form.contacts.is_some(), render::Extra::Contacts),
    ]
    .into_iter()
    .filter_map(|(on, e)| on.then_some(e))
    .collect();
    // Rendering and signing are CPU work: off the async threads.
    let st = state.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut req = req;
        crate::i18n::set_lang(req.lang);
        if let Some(d) = &st.discovery {
            d.apply(&mut req, &st.registry)?;
        }
        let r = render::render(&req, &st.registry, &st.templates)?;
        let xml = r.profile.to_xml();
        let bytes = match &st.signer {
            Some(s) => s.sign(&xml)?,
            None => xml,
        };
        Ok::<_, crate::Error>((r.file_name, bytes))
    })
    .await;
    match result {
        Ok(Ok((file_name, bytes))) => {
            let mut resp = (StatusCode::OK, bytes).into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-apple-aspen-config"),
            );
            h.insert(header::CONTENT_DISPOSITION, content_disposition(&file_name));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp.extensions_mut()
                .insert(MadeFor(form.email.trim().to_string()));
            resp
        }
        Ok(Err(e)) => {
            let mut msg = user_message(&e);
            if let Some(h) = e.help() {
                msg.push('\n');
                msg.push_str(&h);
            }
            (
                StatusCode::BAD_REQUEST,
                Html(page(&state, lang, &form, Some(&msg))),
            )
                .into_response()
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response(),
    }
}

/// The error as a person filling in the page reads it: options named as the page's fields.
fn user_message(e: &crate::Error) -> String {
    // Advice in the page's words, not the command line's.
    let msg = e.to_string().replace(
        "leave --carrier out",
        "choose \"automatic\" in the provider menu",
    );
    for (flag, field) in [("--name: ", "name: "), ("email: ", ""), ("--carrier: ", "")] {
        if let Some(rest) = msg.strip_prefix(flag) {
            return format!("{field}{rest}");
        }
    }
    msg
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded`.
fn content_disposition(file_name: &str) -> HeaderValue {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"profile.mobileconfig\""))
}

fn client_ip(req: &axum::extract::Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

async fn rate_limit(
    State(state): State<Arc<AppState>>,
    req: axum::extract::Request,
    next: Next,
) -> Response {
    if let Some(limiter) = &state.limiter {
        let ip = client_ip(&req);
        if let Err(not_until) = limiter.check_key(&ip) {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            // Never shorter than the real wait: round up.
            let secs = wait.as_millis().div_ceil(1000).max(1) as u64;
            let mut resp = (
                StatusCode::TOO_MANY_REQUESTS,
                match language(None, req.headers()) {
                    Lang::Ja => {
                        format!("リクエストが多すぎます。{secs} 秒後にもう一度お試しください。\n")
                    }
                    Lang::En => format!("too many requests; try again in {secs} s\n"),
                },
            )
                .into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            return resp;
        }
        // Forget clients that have not been seen for a while (bounded memory).
        if limiter.len() > 10_000 {
            limiter.retain_recent();
        }
    }
    next.run(req).await
}

/// Security headers on every response, and the optional request log.
async fn log_and_harden(
    State(state): State<Arc<AppState>>,
    req: axum::extract::Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    );
    match state.log {
        LogLevel::Off => {}
        level => {
            let who = match (level, resp.extensions().get::<MadeFor>()) {
                (LogLevel::Addresses, Some(MadeFor(a))) => format!(" for {a}"),
                _ => String::new(),
            };
            eprintln!(
                "{method} {path} {} {:.1} ms{who}",
                resp.status().as_u16(),
                start.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
    resp
}

/// The URL a phone should open, and its QR code for a terminal.
pub fn announce(listen: SocketAddr, tls: bool) -> (String, String) {
    let host = if listen.ip().is_unspecified() {
        local_ip_address::local_ip().unwrap_or(listen.ip())
    } else {
        listen.ip()
    };
    let host = match host {
        IpAddr::V6(v6) => format!("[{v6}]"),
        IpAddr::V4(v4) => v4.to_string(),
    };
    let url = format!(
        "{}://{host}:{}/",
        if tls { "https" } else { "http" },
        listen.port()
    );
    let qr = qrcode::QrCode::new(url.as_bytes())
        .map(|c| {
            c.render::<qrcode::render::unicode::Dense1x2>()
                .dark_color(qrcode::render::unicode::Dense1x2::Light)
                .light_color(qrcode::render::unicode::Dense1x2::Dark)
                .build()
        })
        .unwrap_or_default();
    (url, qr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        let mut h = HeaderMap::new();
        assert_eq!(language(None, &h), Lang::En);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("ja-JP,ja;q=0.9,en-US;q=0.8"),
        );
        assert_eq!(language(None, &h), Lang::Ja);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en-US,en;q=0.9,ja;q=0.8"),
        );
        assert_eq!(language(None, &h), Lang::En);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr;q=1,ja;q=0.5"),
        );
        assert_eq!(language(None, &h), Lang::Ja);
        assert_eq!(language(Some("en"), &h), Lang::En);
    }

    #[test]
    fn content_disposition_is_ascii_with_utf8_name() {
        let v = content_disposition("山田@i.softbank.jp.mobileconfig");
        let s = v.to_str().unwrap();
        assert!(
            s.starts_with("attachment; filename=\"__@i.softbank.jp.mobileconfig\""),
            "{s}"
        );
        assert!(
            s.contains("filename*=UTF-8''%E5%B1%B1%E7%94%B0@i.softbank.jp.mobileconfig"),
            "{s}"
        );
    }

    #[test]
    fn qr_code_of_the_url() {
        let (url, qr) = announce("127.0.0.1:8080".parse().unwrap(), false);
        assert_eq!(url, "http://127.0.0.1:8080/");
        assert!(qr.lines().count() > 10);
    }
}

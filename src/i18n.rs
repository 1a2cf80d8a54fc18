//! The message catalogue: every text of the surfaces moved here so far exists in Japanese and
//! English, and a test walks the catalogue so that a missing translation or a placeholder that
//! one language lacks fails. Texts take named placeholders, `{name}`, filled by [`Msg::fill`].
//!
//! Here: the labels of every message line (error, warning, note, help, phone), the summary lines
//! of lint and probe, the whole `carriers` command, and what `new` says around a profile. Each
//! lint rule's Japanese summary, fix and reasoning are in `lint::ja` (tested for every rule).
//! Messages built deep inside (validation errors, chain fixes, time left) take both languages at
//! once through [`tr`], so neither can be missing, and speak the thread's language
//! ([`set_lang`]: the command's `--lang`, or a web request's). `--help` and clap's usage errors
//! are translated in `cli_ja`.

use crate::preset::Lang;

/// A catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    ErrorLabel,
    WarningLabel,
    NoteLabel,
    HelpLabel,
    PhoneLabel,
    SeverityError,
    SeverityWarning,
    SeverityInfo,
    LintSummary,
    ProbeSummary,
    CarriersHeader,
    StatusSupported,
    StatusUnverified,
    StatusUnsupported,
    IssuesNoAddress,
    ConfidenceHigh,
    ConfidenceMedium,
    ConfidenceLow,
    ShowStatus,
    ShowDomains,
    ShowNoDomains,
    ShowUnsupported,
    ShowInstead,
    ShowServers,
    ShowAlso,
    ShowUsername,
    ShowRefused,
    UsernameEmail,
    UsernameLocalPart,
    UsernameAsk,
    ShowNotes,
    ShowSources,
    ShowDefinedIn,
    WarnPlaintextPort,
    WarnFullWidthAddress,
    WarnFullWidthUsername,
    WarnUnverifiedPreset,
    WarnUsernameAsked,
    NewWrote,
    NewSigned,
    NewCustomServers,
    NewUnchanged,
    NewExists,
    NewNoFolder,
    NewPasswordFile,
    NewPasswordStdout,
    RefusedHeader,
}

impl Msg {
    /// Every entry, for the completeness test.
    pub const ALL: &'static [Msg] = &[
        Msg::ErrorLabel,
        Msg::WarningLabel,
        Msg::NoteLabel,
        Msg::HelpLabel,
        Msg::PhoneLabel,
        Msg::SeverityError,
        Msg::SeverityWarning,
        Msg::SeverityInfo,
        Msg::LintSummary,
        Msg::ProbeSummary,
        Msg::CarriersHeader,
        Msg::StatusSupported,
        Msg::StatusUnverified,
        Msg::StatusUnsupported,
        Msg::IssuesNoAddress,
        Msg::ConfidenceHigh,
        Msg::ConfidenceMedium,
        Msg::ConfidenceLow,
        Msg::ShowStatus,
        Msg::ShowDomains,
        Msg::ShowNoDomains,
        Msg::ShowUnsupported,
        Msg::ShowInstead,
        Msg::ShowServers,
        Msg::ShowAlso,
        Msg::ShowUsername,
        Msg::ShowRefused,
        Msg::UsernameEmail,
        Msg::UsernameLocalPart,
        Msg::UsernameAsk,
        Msg::ShowNotes,
        Msg::ShowSources,
        Msg::ShowDefinedIn,
        Msg::WarnPlaintextPort,
        Msg::WarnFullWidthAddress,
        Msg::WarnFullWidthUsername,
        Msg::WarnUnverifiedPreset,
        Msg::WarnUsernameAsked,
        Msg::NewWrote,
        Msg::NewSigned,
        Msg::NewCustomServers,
        Msg::NewUnchanged,
        Msg::NewExists,
        Msg::NewNoFolder,
        Msg::NewPasswordFile,
        Msg::NewPasswordStdout,
        Msg::RefusedHeader,
    ];

    /// (English, Japanese).
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Msg::ErrorLabel => ("error", "エラー"),
            Msg::WarningLabel => ("warning", "警告"),
            Msg::NoteLabel => ("note", "注意"),
            Msg::HelpLabel => ("help", "対処"),
            Msg::PhoneLabel => ("phone", "iPhoneの表示"),
            Msg::SeverityError => ("error", "エラー"),
            Msg::SeverityWarning => ("warning", "警告"),
            Msg::SeverityInfo => ("info", "情報"),
            Msg::LintSummary => (
                "{files} checked: {errors}, {warnings}, {infos} info",
                "{files}件を検査: エラー {errors}件、警告 {warnings}件、情報 {infos}件",
            ),
            Msg::ProbeSummary => (
                "{servers} probed: {errors}, {warnings}",
                "{servers}台のサーバを確認: エラー {errors}件、警告 {warnings}件",
            ),
            Msg::CarriersHeader => ("ID|STATUS|NAME|DOMAINS", "ID|状態|名前|ドメイン"),
            Msg::StatusSupported => ("supported", "対応"),
            Msg::StatusUnverified => ("unverified", "未確認"),
            Msg::StatusUnsupported => ("unsupported", "非対応"),
            Msg::IssuesNoAddress => ("(issues no address)", "(メールアドレスなし)"),
            Msg::ConfidenceHigh => ("high", "高"),
            Msg::ConfidenceMedium => ("medium", "中"),
            Msg::ConfidenceLow => ("low", "低"),
            Msg::ShowStatus => (
                "status: {status}   confidence: {confidence}",
                "状態: {status}   確度: {confidence}",
            ),
            Msg::ShowDomains => ("domains: {domains}", "ドメイン: {domains}"),
            Msg::ShowNoDomains => (
                "domains: none (issues no mail address)",
                "ドメイン: なし(メールアドレスを発行しません)",
            ),
            Msg::ShowUnsupported => (
                "no profile can serve these addresses:",
                "これらのアドレスはプロファイルでは設定できません:",
            ),
            Msg::ShowInstead => ("instead: {what}", "代わりに: {what}"),
            Msg::ShowServers => (
                "servers (every one is written with UseSSL = true):",
                "サーバ(どれも UseSSL = true で書き込みます):",
            ),
            Msg::ShowAlso => (
                "also accepted: port {port} {tls}",
                "次のポートも使えます: {port} {tls}",
            ),
            Msg::ShowUsername => ("username: {rule}", "ユーザ名: {rule}"),
            Msg::ShowRefused => (
                "refused (cannot work): port {ports}",
                "使えないポート: {ports}",
            ),
            Msg::UsernameEmail => ("the full address", "メールアドレス全体"),
            Msg::UsernameLocalPart => ("the part before the @", "@より前の部分"),
            Msg::UsernameAsk => (
                "a login ID the address does not give (the phone asks)",
                "アドレスとは別のログインID(インストール時にiPhoneが尋ねます)",
            ),
            Msg::ShowNotes => ("notes:", "注意:"),
            Msg::ShowSources => ("sources:", "出典:"),
            Msg::ShowDefinedIn => ("defined in: {origin}", "定義ファイル: {origin}"),
            Msg::WarnPlaintextPort => (
                "{kind} port {port} is a plain-text port: the profile still requires TLS (STARTTLS); if the server does not offer it the phone shows \"Cannot Connect Using SSL\" (SSLで接続できません)",
                "{kind} のポート {port} は平文のポートです。プロファイルはTLS(STARTTLS)を必須にするため、サーバがSTARTTLSに対応していないとiPhoneに「SSLで接続できません」と表示されます",
            ),
            Msg::WarnFullWidthAddress => (
                "the address was typed in full-width characters; using {email}",
                "メールアドレスが全角で入力されていたため、半角の {email} を使います",
            ),
            Msg::WarnFullWidthUsername => (
                "the username was typed in full-width characters; using {username}",
                "ユーザ名が全角で入力されていたため、半角の {username} を使います",
            ),
            Msg::WarnUnverifiedPreset => (
                "the {id} preset is unverified (confidence: {confidence}); check the settings with the provider",
                "{id} のプリセットは未確認です(確度: {confidence})。設定をプロバイダの案内と照らし合わせてください",
            ),
            Msg::WarnUsernameAsked => (
                "the username is not part of the address for {provider}; the phone will ask for it during installation (or pass --username)",
                "{provider} のユーザ名はメールアドレスから分かりません。インストール時にiPhoneが尋ねます(--username で指定することもできます)",
            ),
            Msg::NewWrote => (
                "wrote {path}{signed} ({preset}: {accounts})",
                "{path} に書き込みました{signed}({preset}: {accounts})",
            ),
            Msg::NewSigned => (
                ", signed",
                "(署名付き)",
            ),
            Msg::NewCustomServers => (
                "custom servers",
                "指定したサーバ",
            ),
            Msg::NewUnchanged => (
                "{path} is already this profile; left unchanged",
                "{path} は既にこのプロファイルです。変更しませんでした",
            ),
            Msg::NewExists => (
                "{path} exists and holds another profile; --force replaces it, or choose another name",
                "{path} は既にあり、別のプロファイルが入っています。置き換えるには --force を付けるか、別の名前にしてください",
            ),
            Msg::NewNoFolder => (
                "the folder {dir} does not exist; create it first (mkdir -p {dir})",
                "フォルダ {dir} がありません。先に作成してください(mkdir -p {dir})",
            ),
            Msg::NewPasswordFile => (
                "{path} holds the mail password in clear text (file mode 0600); hand it over only on a channel you trust and delete it after installing",
                "{path} にはメールのパスワードが平文で入っています(ファイルのモードは0600)。信頼できる経路でのみ渡し、インストール後は削除してください",
            ),
            Msg::NewPasswordStdout => (
                "the profile holds the mail password in clear text; hand it over only on a channel you trust",
                "このプロファイルにはメールのパスワードが平文で入っています。信頼できる経路でのみ渡してください",
            ),
            Msg::RefusedHeader => (
                "this profile would not work on the phone; nothing was written",
                "このプロファイルはiPhoneで動作しないため、書き込みませんでした",
            ),
        }
    }

    /// The text in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        let (en, ja) = self.texts();
        lang.pick(ja, en)
    }

    /// The text in `lang` with its `{name}` placeholders filled.
    pub fn fill(self, lang: Lang, args: &[(&str, &str)]) -> String {
        let mut out = self.text(lang).to_string();
        for (name, value) in args {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }
}

thread_local! {
    static LANG: std::cell::Cell<Lang> = const { std::cell::Cell::new(Lang::En) };
}

/// Sets the language of the messages this thread builds from here on (the command's `--lang`,
/// or a web request's language).
pub fn set_lang(lang: Lang) {
    LANG.with(|l| l.set(lang));
}

/// The language of this thread's messages.
pub fn lang() -> Lang {
    LANG.with(|l| l.get())
}

/// A message that exists in both languages by construction: the English text, or the Japanese
/// one when this thread speaks Japanese.
pub fn tr(en: impl Into<String>, ja: impl Into<String>) -> String {
    match lang() {
        Lang::Ja => ja.into(),
        Lang::En => en.into(),
    }
}

/// A label in `lang`, padded with spaces to `column` display columns (Japanese characters count
/// two), and at least one space: the labels of `inspect` and `probe` line up in both languages.
pub fn label(lang: Lang, en: &str, ja: &str, column: usize) -> String {
    let l = lang.pick(ja, en);
    let w = unicode_width::UnicodeWidthStr::width(l);
    format!("{l}{}", " ".repeat(column.saturating_sub(w).max(1)))
}

/// "1 file" / "2 files" in English, "1" in Japanese (the catalogue's text adds the counter).
pub fn count(lang: Lang, n: usize, one: &str, many: &str) -> String {
    match lang {
        Lang::Ja => n.to_string(),
        Lang::En => crate::certs::plural(n, one, many),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> Vec<String> {
        let mut out: Vec<String> = s
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(name, _)| name.to_string()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn every_entry_exists_in_both_languages_with_the_same_placeholders() {
        for m in Msg::ALL {
            let (en, ja) = m.texts();
            assert!(!en.trim().is_empty(), "{m:?}: no English text");
            assert!(!ja.trim().is_empty(), "{m:?}: no Japanese text");
            assert_eq!(placeholders(en), placeholders(ja), "{m:?}");
        }
        // ALL lists every entry once.
        for (i, a) in Msg::ALL.iter().enumerate() {
            assert!(!Msg::ALL[i + 1..].contains(a), "{a:?} listed twice");
        }
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        let s = Msg::LintSummary.fill(
            Lang::Ja,
            &[
                ("files", "2"),
                ("errors", "1"),
                ("warnings", "0"),
                ("infos", "3"),
            ],
        );
        assert_eq!(s, "2件を検査: エラー 1件、警告 0件、情報 3件");
    }
}

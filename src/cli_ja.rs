//! `--help`, usage errors and the man page's text in Japanese. clap's definitions in `cli` stay
//! the one source of flags; this module rewrites their texts when the language is Japanese, by
//! their English text, so that a flag shared by several commands is translated once. A test walks
//! every command and fails on a text without a Japanese entry, or an entry nothing uses.

use crate::cli;
use crate::preset::Lang;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

/// English help text → Japanese.
const HELP: &[(&str, &str)] = &[
    (cli::ABOUT, "iOS/macOS のメール設定プロファイル(.mobileconfig)を正しく作ります"),
    (
        cli::LONG_ABOUT,
        "プロバイダのプリセットから iOS/macOS のメール設定プロファイル(.mobileconfig)を正しく作ります。\
docomo、SoftBank、iCloud、Gmail などのサーバ・ポート・TLS・ユーザ名を正しく入れるので、\
打ち間違いが原因で iPhone に「SSLで接続できません」や「メールを取得できません」が出ることはありません。",
    ),
    (
        cli::EXIT_STATUS,
        "終了ステータス: 0 成功、1 エラー(lint と probe では指摘あり、inspect では検証できず)、\
2 コマンドラインの誤り(lint、probe、inspect では実行できず)。",
    ),
    // Global options.
    (
        "Directory of extra provider presets (*.yaml); a preset with a built-in preset's id replaces it",
        "追加のプリセット(*.yaml)のフォルダ。組み込みのプリセットと同じ ID のものはそれを置き換えます",
    ),
    (
        "Language of notes and of the text put in profiles [default: from LANG; ja or en]",
        "メッセージとプロファイルに入れる文の言語 [既定: LANG から。ja か en]",
    ),
    ("Print only warnings and errors", "警告とエラーだけを表示します"),
    // Commands.
    ("Write one profile from a provider preset", "プロバイダのプリセットからプロファイルを1つ作ります"),
    ("List the provider presets, or show one", "プリセットの一覧、または1つの詳細を表示します"),
    (
        "Sign an existing profile (XML or binary plist) unchanged",
        "既存のプロファイル(XML またはバイナリの plist)を中身を変えずに署名します",
    ),
    (
        "Say whether a profile is signed, by whom, and whether the signature holds",
        "プロファイルが署名されているか、誰の署名か、署名が正しいかを表示します",
    ),
    (
        "Find what is wrong with existing profiles, and what the phone shows because of it",
        "既存のプロファイルの誤りと、それによって iPhone に表示されるメッセージを示します",
    ),
    (
        "Write one profile per row of a CSV file, in parallel",
        "CSV ファイルの1行ごとにプロファイルを1つ、並列に作ります",
    ),
    (
        "Serve a web page (and a QR code of its address) that puts a profile on a phone",
        "iPhone にプロファイルを入れるWebページ(とそのアドレスのQRコード)を提供します",
    ),
    (
        "Check mail servers' TLS the way the phone will, and name what it would show",
        "メールサーバの TLS を iPhone と同じ基準で調べ、iPhone に表示されるメッセージを示します",
    ),
    (
        "Print shell completions (bash, zsh, fish, …) or the man page, generated from these definitions",
        "シェルの補完(bash、zsh、fish など)または man ページを出力します",
    ),
    ("List every preset (the default)", "すべてのプリセットを一覧表示します(既定)"),
    (
        "List the MDMs whose variables `new --mdm` and `lint --mdm` know, or show one",
        "`new --mdm` と `lint --mdm` が変数を知っている MDM の一覧、または1つの詳細を表示します",
    ),
    ("List every MDM (the default)", "すべての MDM を一覧表示します(既定)"),
    (
        "Find a domain's mail settings (presets, autoconfig, ISPDB, MX, SRV) and verify them",
        "ドメインのメール設定を探し(プリセット、autoconfig、ISPDB、MX、SRV)、検証します",
    ),
    ("The mail address whose settings to find", "設定を探すメールアドレス"),
    (
        "Write what was found as a preset YAML into this directory (for review and --carriers)",
        "見つかった設定をプリセットの YAML としてこのフォルダに書きます(確認と --carriers 用)",
    ),
    (
        "DNS server for MX, SRV and the lookup URLs' names, e.g. 127.0.0.1:5353 [default: the system's]",
        "MX、SRV、検索先 URL の名前に使う DNS サーバ。例: 127.0.0.1:5353 [既定: システムのもの]",
    ),
    (
        "ISPDB: a base URL or a directory of DOMAIN(.xml) files [default: Thunderbird's]",
        "ISPDB: ベース URL、または DOMAIN(.xml)のファイルを置いたフォルダ [既定: Thunderbird のもの]",
    ),
    (
        "Autoconfig URL to try instead of the two standard ones (repeatable; {domain} and {email} are filled in)",
        "標準の2つの代わりに試す autoconfig の URL(複数指定可。{domain} と {email} を埋めます)",
    ),
    (
        "Trust these CA certificates (PEM) too, for the lookups and the verification",
        "検索と検証でこの CA 証明書(PEM)も信頼します",
    ),
    (
        "Look settings up only in presets and a local ISPDB directory (the servers found are still probed unless --no-verify)",
        "設定をプリセットとローカルの ISPDB フォルダだけから探します(見つかったサーバへの検査は --no-verify がなければ行います)",
    ),
    ("Do not probe the servers found before choosing them", "見つかったサーバを選ぶ前に調べません"),
    ("Seconds for each lookup", "検索1回あたりの秒数"),
    ("Seconds for the whole discovery", "探索全体の秒数"),
    (
        "For rows at a domain no preset owns: find the domain's settings once (see `profilegen discover`) and use them",
        "プリセットのないドメインの行には、そのドメインの設定を一度だけ探して使います(`profilegen discover` を参照)",
    ),
    (
        "For addresses at a domain no preset owns: find the domain's settings (see `profilegen discover`); off by default",
        "プリセットのないドメインのアドレスには、そのドメインの設定を探します(`profilegen discover` を参照)。既定では無効です",
    ),
    (
        "New domains looked up per minute at most, for the whole server (with --discover)",
        "サーバ全体で1分間に検索する新しいドメインの上限(--discover と共に)",
    ),
    (
        "Compare the servers of profiles at a domain no preset owns with what the domain publishes (see `profilegen discover`)",
        "プリセットのないドメインのプロファイルのサーバを、そのドメインが公開する設定と比べます(`profilegen discover` を参照)",
    ),
    (
        "Files checked at once (default: one per core); the output order stays that of the inputs",
        "同時に検査するファイル数(既定はコア数)。出力の順は入力の順のままです",
    ),
    (
        "For a domain no preset owns: find its settings (see `profilegen discover`) and use them",
        "プリセットのないドメインの設定を探して使います(`profilegen discover` を参照)",
    ),
    (
        "Show an MDM's variables, what each holds, how to upload, pitfalls and sources",
        "MDM の変数、それぞれの意味、アップロードの方法、注意点、出典を表示します",
    ),
    ("MDM id (see `profilegen mdm`)", "MDM の ID(`profilegen mdm` で一覧)"),
    (
        "The MDM whose variables the profiles hold (see `profilegen mdm`)",
        "プロファイルに変数が入っている MDM(`profilegen mdm` で一覧)",
    ),
    (
        "Show everything a preset says: servers, ports, username rule, notes and sources",
        "プリセットの内容(サーバ、ポート、ユーザ名の規則、注意、出典)をすべて表示します",
    ),
    // new
    (
        "The mail address; its domain picks the preset",
        "メールアドレス。ドメインからプリセットが決まります",
    ),
    (
        "One profile for all users of this MDM, with its variables: jamf, jamf-school, intune, kandji, workspace-one, mosyle, fleet, addigy, or generic with --var",
        "この MDM の全ユーザ向けのプロファイルを、その変数を使って1つ作ります: jamf、jamf-school、intune、kandji、workspace-one、mosyle、fleet、addigy、または --var と一緒に generic",
    ),
    (
        "With --mdm: the users' mail domain (its preset applies) [default: the --carrier preset's]",
        "--mdm で: 利用者のメールのドメイン(そのプリセットを使います) [既定: --carrier のプリセットのもの]",
    ),
    (
        "With --mdm generic: the variable for email, name, local_part or username (repeatable), e.g. --var email='{{mail}}'",
        "--mdm generic で: email、name、local_part、username の変数(複数指定可)。例: --var email='{{mail}}'",
    ),
    (
        "With --mdm: the variable holding the login name, where the preset needs one the MDM has no variable for",
        "--mdm で: プリセットが求めるログイン名を MDM の変数で表せないとき、それを入れた変数",
    ),
    (
        "The sender name shown in sent mail (EmailAccountName)",
        "送信メールに表示される名前(EmailAccountName)",
    ),
    (
        "Use this preset instead of the one the address's domain picks",
        "アドレスのドメインで決まるプリセットの代わりにこのプリセットを使います",
    ),
    (
        "Incoming protocol [default: imap, or pop when the provider has only POP]",
        "受信プロトコル [既定: imap。プロバイダが POP だけなら pop]",
    ),
    (
        "Account kind: mail (IMAP/POP), exchange (Exchange ActiveSync, OAuth sign-in on the phone), google (Google sign-in on the phone) [default: the provider's]",
        "アカウントの種類: mail(IMAP/POP)、exchange(Exchange ActiveSync。iPhone で OAuth サインイン)、google(iPhone で Google にサインイン) [既定: プロバイダのもの]",
    ),
    (
        "Add the provider's calendars and/or contacts to a mail account, e.g. calendar,contacts",
        "メールアカウントにプロバイダのカレンダーや連絡先を加えます。例: calendar,contacts",
    ),
    (
        "Exchange server of an on-premises Exchange [default: the provider's, or outlook.office365.com]",
        "オンプレミスの Exchange サーバ [既定: プロバイダのもの、または outlook.office365.com]",
    ),
    (
        "Exchange with a password instead of OAuth (servers without modern authentication)",
        "OAuth の代わりにパスワードで Exchange に接続します(先進認証のないサーバ用)",
    ),
    (
        "Platform: ios, or macos (where Exchange ActiveSync and Google payloads do not exist) [default: ios]",
        "プラットフォーム: ios、または macos(Exchange ActiveSync と Google のペイロードはありません) [既定: ios]",
    ),
    (
        "Login name for both servers, replacing the preset's rule (e.g. docomo's dアカウントID)",
        "受信・送信サーバのログイン名。プリセットの規則の代わりに使います(例: docomo の dアカウントID)",
    ),
    (
        "Organisation shown on the install screen (PayloadOrganization)",
        "インストール画面に表示される組織名(PayloadOrganization)",
    ),
    (
        "Profile description, replacing the description.j2 template",
        "プロファイルの説明。テンプレート description.j2 の代わりに使います",
    ),
    (
        "Profile name, replacing the display_name.j2 template",
        "プロファイルの名前。テンプレート display_name.j2 の代わりに使います",
    ),
    (
        "Account name in Settings and Mail, replacing the account_description.j2 template",
        "設定アプリとメールアプリでのアカウント名。テンプレート account_description.j2 の代わりに使います",
    ),
    (
        "Start of the PayloadIdentifier; the account is appended",
        "PayloadIdentifier の先頭部分。後ろにアカウントが付きます",
    ),
    (
        "Use random PayloadUUIDs instead of ones derived from the account",
        "アカウントから導く PayloadUUID の代わりにランダムな UUID を使います",
    ),
    (
        "Directory of templates (display_name.j2, description.j2, account_description.j2, file_name.j2) replacing the built-in ones",
        "組み込みのテンプレート(display_name.j2、description.j2、account_description.j2、file_name.j2)を置き換えるテンプレートのフォルダ",
    ),
    (
        "Output file, or a directory to write the templated file name into; '-' or nothing: stdout",
        "出力ファイル、またはテンプレートで決まるファイル名で書き出すフォルダ。'-' か指定なしで標準出力",
    ),
    (
        "Output: mobileconfig, or ddm (each row's declarations as one JSON array, NAME.json)",
        "出力: mobileconfig、または ddm(行ごとの宣言を1つの JSON 配列で。NAME.json)",
    ),
    (
        "Output: mobileconfig, or ddm (Declarative Device Management declarations as JSON)",
        "出力: mobileconfig、または ddm(Declarative Device Management の宣言の JSON)",
    ),
    (
        "With --format ddm: one JSON array instead of a file per declaration",
        "--format ddm で: 宣言ごとのファイルではなく1つの JSON 配列にします",
    ),
    (
        "With --format ddm: the https:// URL where the MDM serves each user's credential JSON ({email} and {server} are filled in)",
        "--format ddm で: MDM が利用者ごとの資格情報の JSON を提供する https:// の URL({email} と {server} を埋めます)",
    ),
    (
        "Replace an existing output file that differs",
        "内容の違う既存の出力ファイルを置き換えます",
    ),
    ("IMAP server host name", "IMAP サーバのホスト名"),
    ("IMAP server port", "IMAP サーバのポート"),
    ("POP server host name", "POP サーバのホスト名"),
    ("POP server port", "POP サーバのポート"),
    ("SMTP server host name", "SMTP サーバのホスト名"),
    (
        "SMTP server port (SoftBank: 587 or 465)",
        "SMTP サーバのポート(SoftBank: 587 または 465)",
    ),
    (
        "Read the password from standard input and embed it (the file is created 0600)",
        "パスワードを標準入力から読んでプロファイルに入れます(ファイルは 0600 で作ります)",
    ),
    (
        "Take the password from this environment variable and embed it",
        "パスワードをこの環境変数から取ってプロファイルに入れます",
    ),
    (
        "Prompt for the password on the terminal and embed it",
        "パスワードを端末で尋ねてプロファイルに入れます",
    ),
    (
        "Signing certificate (PEM; further certificates in the file are sent as the chain)",
        "署名用の証明書(PEM。ファイル内の2つ目以降の証明書は中間証明書として含めます)",
    ),
    (
        "Private key of the signing certificate (PEM or DER, may be encrypted)",
        "署名用証明書の秘密鍵(PEM または DER。暗号化されていても可)",
    ),
    (
        "Intermediate certificates to include (PEM)",
        "含める中間証明書(PEM)",
    ),
    (
        "Signing identity as PKCS#12 (certificate, key and chain)",
        "署名用の PKCS#12(証明書、秘密鍵、中間証明書)",
    ),
    (
        "Take the key or PKCS#12 passphrase from this environment variable",
        "秘密鍵または PKCS#12 のパスフレーズをこの環境変数から取ります",
    ),
    (
        "Read the key or PKCS#12 passphrase from standard input",
        "秘密鍵または PKCS#12 のパスフレーズを標準入力から読みます",
    ),
    (
        "Sign even with an expired or not yet valid certificate",
        "期限切れやまだ有効でない証明書でも署名します",
    ),
    // carriers show
    (
        "Preset id (see `profilegen carriers`), or a mail address or domain",
        "プリセット ID(`profilegen carriers` で一覧)、またはメールアドレスかドメイン",
    ),
    // sign
    ("The profile to sign ('-' for stdin)", "署名するプロファイル('-' で標準入力)"),
    (
        "Where to write the signed profile ('-' for stdout)",
        "署名したプロファイルの書き出し先('-' で標準出力)",
    ),
    // inspect
    (
        "The profile ('-' for stdin): XML, binary, or signed (DER or PEM)",
        "プロファイル('-' で標準入力)。XML、バイナリ、署名付き(DER または PEM)",
    ),
    (
        "Trust only these CA certificates (PEM) instead of the system roots",
        "システムのルート証明書の代わりに、この CA 証明書(PEM)だけを信頼します",
    ),
    (
        "Write the unsigned content to -o instead of printing it",
        "署名を外した中身を、表示する代わりに -o に書き出します",
    ),
    (
        "Output file for --extract ('-' for stdout)",
        "--extract の出力ファイル('-' で標準出力)",
    ),
    ("Output format", "出力形式"),
    // lint
    (
        "Files, directories (every profile below them, recognised by content) or '-' for stdin",
        "ファイル、フォルダ(中のプロファイルをすべて。内容で判別)、または '-' で標準入力",
    ),
    (
        "In directories, look only at files with this extension (repeatable), e.g. --extension mobileconfig",
        "フォルダではこの拡張子のファイルだけを調べます(複数指定可)。例: --extension mobileconfig",
    ),
    (
        "Exit with 1 when a finding is at least this severe",
        "この重大度以上の指摘があれば終了ステータス 1 にします",
    ),
    ("Do not report this rule (repeatable)", "このルールを報告しません(複数指定可)"),
    (
        "Change a rule's severity: ID=error|warning|info|off (repeatable)",
        "ルールの重大度を変えます: ID=error|warning|info|off(複数指定可)",
    ),
    (
        "Trust only these CA certificates (PEM) when verifying signed profiles",
        "署名付きプロファイルの検証で、この CA 証明書(PEM)だけを信頼します",
    ),
    (
        "Write the report here instead of stdout; with --fix, write the fixed profile here (one input)",
        "結果を標準出力の代わりにここへ書き出します。--fix では直したプロファイルをここへ書き出します(入力は1つ)",
    ),
    (
        "Repair what the rules know how to repair safely, rewriting each file in place",
        "ルールが安全に直せるものを直し、各ファイルをその場で書き換えます",
    ),
    (
        "With --fix or --diff, also apply fixes that change what the account does",
        "--fix か --diff で、アカウントの動作を変える修正も行います",
    ),
    (
        "Print the fixes as a unified diff of the XML and write nothing",
        "修正を XML の unified diff として表示し、何も書き込みません",
    ),
    (
        "Write a fixed signed profile unsigned (without it, a signed profile is re-signed with the signing options, or left alone)",
        "署名付きプロファイルを直したとき、署名なしで書き出します(指定しなければ署名オプションで署名し直すか、そのままにします)",
    ),
    (
        "Colour: auto (on a terminal, unless NO_COLOR is set), always, never",
        "色: auto(端末のとき。NO_COLOR があれば使わない)、always、never",
    ),
    ("Print a rule's documentation and exit", "ルールの説明を表示して終了します"),
    ("List every rule and exit", "すべてのルールを一覧表示して終了します"),
    // bulk
    ("The CSV file of users", "ユーザ一覧の CSV ファイル"),
    (
        "Directory to write the profiles into (created if missing)",
        "プロファイルを書き出すフォルダ(なければ作ります)",
    ),
    ("Worker threads [default: all cores]", "作業スレッド数 [既定: すべてのコア]"),
    (
        "Check every row first; write nothing if any row is bad",
        "先に全行を確認し、誤りのある行が1つでもあれば何も書きません",
    ),
    (
        "Replace existing files that differ",
        "内容の違う既存のファイルを置き換えます",
    ),
    (
        "Write a manifest of every row (CSV, or JSON when FILE ends in .json)",
        "全行の一覧を書き出します(CSV。FILE が .json で終われば JSON)",
    ),
    (
        "Flush every file to disk before renaming it (slower; survives power loss)",
        "名前を変える前に各ファイルをディスクに書き込みます(遅くなりますが停電に耐えます)",
    ),
    (
        "Preset for rows without a carrier column value [default: from each address]",
        "carrier 列が空の行のプリセット [既定: 各行のアドレスから]",
    ),
    ("Incoming protocol for every row", "全行の受信プロトコル"),
    (
        "Account kind for rows without an account value: mail, exchange, google [default: each provider's]",
        "account 列が空の行のアカウントの種類: mail、exchange、google [既定: 各プロバイダのもの]",
    ),
    (
        "Calendars and/or contacts for rows without a with value, e.g. calendar,contacts",
        "with 列が空の行に加えるカレンダーや連絡先。例: calendar,contacts",
    ),
    (
        "Platform of every profile: ios or macos [default: ios]",
        "全プロファイルのプラットフォーム: ios または macos [既定: ios]",
    ),
    (
        "Organisation for rows without an organization value",
        "organization 列が空の行の組織名",
    ),
    (
        "Directory of templates replacing the built-in ones",
        "組み込みのテンプレートを置き換えるテンプレートのフォルダ",
    ),
    // serve
    (
        "Address and port to listen on; anything but loopback must be given explicitly",
        "待ち受けるアドレスとポート。ループバック以外は明示してください",
    ),
    ("TLS certificate chain (PEM) for HTTPS", "HTTPS 用の TLS 証明書チェーン(PEM)"),
    ("TLS private key (PEM) for HTTPS", "HTTPS 用の TLS 秘密鍵(PEM)"),
    (
        "Profile requests allowed per minute from one client address (0: no limit)",
        "1つの接続元アドレスから1分間に受け付けるプロファイルの要求数(0: 制限なし)",
    ),
    (
        "What to log: off, requests (no personal data), addresses (also the address asked for)",
        "ログに残す内容: off、requests(個人情報なし)、addresses(要求されたメールアドレスも)",
    ),
    (
        "Organisation shown on the install screen",
        "インストール画面に表示される組織名",
    ),
    ("Do not print the QR code", "QRコードを表示しません"),
    // probe
    (
        "A profile whose servers to probe (XML, binary or signed)",
        "サーバを調べるプロファイル(XML、バイナリ、署名付き)",
    ),
    (
        "Probe a preset's servers (IMAP, POP and SMTP, every documented port)",
        "プリセットのサーバ(IMAP、POP、SMTP の案内されているすべてのポート)を調べます",
    ),
    (
        "IMAP server: HOST:PORT, imaps://HOST:PORT or imap://HOST:PORT (STARTTLS)",
        "IMAP サーバ: HOST:PORT、imaps://HOST:PORT、imap://HOST:PORT(STARTTLS)",
    ),
    (
        "POP server: HOST:PORT, pop3s://HOST:PORT or pop3://HOST:PORT (STARTTLS)",
        "POP サーバ: HOST:PORT、pop3s://HOST:PORT、pop3://HOST:PORT(STARTTLS)",
    ),
    (
        "SMTP server: HOST:PORT, smtps://HOST:PORT or smtp://HOST:PORT (STARTTLS)",
        "SMTP サーバ: HOST:PORT、smtps://HOST:PORT、smtp://HOST:PORT(STARTTLS)",
    ),
    (
        "Seconds to wait for each look-up, connection and answer",
        "名前解決・接続・応答それぞれを待つ秒数",
    ),
    (
        "Seconds one server's whole conversation may take [default: 3 × --timeout]",
        "1つのサーバとのやり取り全体にかけてよい秒数 [既定: --timeout の3倍]",
    ),
    (
        "Answer a host name with this address instead of asking DNS (repeatable), e.g. --resolve imap.example.jp=127.0.0.1",
        "DNS に問い合わせずにホスト名をこのアドレスにします(複数指定可)。例: --resolve imap.example.jp=127.0.0.1",
    ),
    // completions
    (
        "A shell, or \"man\" for the man page (roff)",
        "シェル名、または man ページ(roff)なら \"man\"",
    ),
    (
        "With \"man\": write every page (profilegen.1 and profilegen-SUBCOMMAND.1) into this directory instead of printing the top page",
        "\"man\" のとき: 最初のページを表示する代わりに、すべてのページ(profilegen.1 と profilegen-SUBCOMMAND.1)をこのフォルダに書き出します",
    ),
    // After the options.
    (cli::NEW_EXAMPLES, NEW_EXAMPLES),
    (cli::SIGN_EXAMPLES, SIGN_EXAMPLES),
    (cli::INSPECT_HELP, INSPECT_HELP),
    (cli::LINT_HELP, LINT_HELP),
    (cli::BULK_HELP, BULK_HELP),
    (cli::SERVE_HELP, SERVE_HELP),
    (cli::PROBE_HELP, PROBE_HELP),
    (cli::DISCOVER_HELP, DISCOVER_HELP),
];

/// Section headings of `--help`.
const HEADINGS: &[(&str, &str)] = &[
    ("Signing", "署名"),
    ("Discovery", "探索"),
    ("Server overrides", "サーバの上書き"),
    (
        "Password (left out unless asked: the phone prompts for it)",
        "パスワード(指定しない限り入れません。iPhone が入力を求めます)",
    ),
];

const NEW_EXAMPLES: &str = "\
例:
  profilegen new --email taro@i.softbank.jp --name '山田 太郎' -o taro.mobileconfig
  profilegen new --email hanako@docomo.ne.jp --username my-d-account-id -o .
  profilegen new --email ichiro@gmail.com --protocol pop > ichiro.mobileconfig
  profilegen new --email jiro@example.co.jp --imap-host imap.example.co.jp --smtp-host smtp.example.co.jp
  printf '%s' \"$APP_PASSWORD\" | profilegen new --email me@icloud.com --password-stdin -o me.mobileconfig

既定ではパスワードをプロファイルに入れません。インストールのときに iPhone が入力を求めます。";

const SIGN_EXAMPLES: &str = "\
例:
  profilegen sign taro.mobileconfig -o taro.signed.mobileconfig --sign-p12 corp.p12 --passphrase-env P12_PASS
  profilegen sign in.mobileconfig -o out.mobileconfig --sign-cert cert.pem --sign-key key.pem --sign-chain chain.pem

SOURCE_DATE_EPOCH を設定すると署名日時が固定され、署名した出力が毎回バイト単位で同じになります。";

const INSPECT_HELP: &str = "\
終了ステータス: 0 署名あり・検証済み、1 署名なし、または署名か証明書チェーンを検証できず、2 読めません。";

const LINT_HELP: &str = "\
例:
  profilegen lint taro.mobileconfig
  profilegen lint profiles/ --format sarif -o lint.sarif
  profilegen lint --explain PG201
  cat old.mobileconfig | profilegen lint -
  profilegen lint --fix --diff old.mobileconfig         # --fix で何が変わるか
  profilegen lint --fix --unsafe-fixes old.mobileconfig -o new.mobileconfig

--fix は安全な修正(TLS をオン、ホスト名の空白・スキーム・大文字、文字列で書かれたポート)を行います。
--unsafe-fixes ではアカウントの動作を変える修正(打ち間違えた・古いホストをプロバイダのものに、
新しい UUID、平文のパスワードの削除)も行います。署名付きファイルは署名オプションで署名し直すか、
--unsign で署名なしで書き出します。
終了ステータス: 0 (修正後に)--fail-on 以上の指摘なし、1 指摘あり、2 実行できず。";

const BULK_HELP: &str = "\
CSV の列(見出し行が必要。UTF-8、BOM はあってもなくても可):
  email(必須)、name、carrier、username、description、organization、password、
  account(mail、exchange、google)、with(calendar、contacts)

例:
  profilegen bulk users.csv --out-dir profiles --manifest profiles/manifest.csv
  profilegen bulk users.csv --out-dir out --sign-p12 corp.p12 --passphrase-env P12_PASS --strict

誤りのある行は行番号とともに報告し、正しい行はすべて書き出します(終了ステータス 1)。
--strict では全行が正しいときだけ書き出します。ファイルは途中の状態が残らないように書き、
同じ内容の既存ファイルはそのままにします。内容の違うファイルを置き換えるには --force が必要です。";

const SERVE_HELP: &str = "\
例:
  profilegen serve                                   # http://127.0.0.1:8080/ このマシンからだけ
  profilegen serve --listen 0.0.0.0:8080             # LAN に公開: iPhone で QR コードを読み取る
  profilegen serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem --sign-p12 corp.p12

経路: GET /(ページ)、POST /profile(フォーム)、GET /profile?email=ADDRESS[&name=…&carrier=ID]
(管理者が送る直接のリンク)、GET /healthz。ページがメールのパスワードを尋ねることはありません。";

const DISCOVER_HELP: &str = "\
順序: プリセット、ドメインの autoconfig(HTTPS)、ISPDB、MX、SRV、autoconfig(平文の HTTP)。
使える設定(すべてのサーバに TLS)を返し、サーバが TLS の検査に合格した最初の情報源を使います。
終了ステータス: 0 設定が見つかった、1 見つからない、2 実行できず。";

const PROBE_HELP: &str = "\
例:
  profilegen probe --carrier softbank
  profilegen probe taro.mobileconfig
  profilegen probe --imap imap.example.jp:993 --smtp smtp.example.jp:587
  profilegen probe --imap imap://mail.example.jp:143      # スキームで STARTTLS か最初から TLS かを選ぶ

ポート 993、995、465 は最初から TLS、143、110、587、25 は STARTTLS を使います(iPhone と同じ)。
送るのは挨拶、機能の問い合わせ、STARTTLS だけで、パスワードは決して送りません。
終了ステータス: 0 --fail-on 以上の指摘なし、1 指摘あり、2 実行できず。";

fn ja(en: &str) -> Option<&'static str> {
    HELP.iter().find(|(e, _)| *e == en).map(|(_, j)| *j)
}

fn heading(en: &str) -> Option<&'static str> {
    HEADINGS.iter().find(|(e, _)| *e == en).map(|(_, j)| *j)
}

const TEMPLATE: &str =
    "{before-help}{about-with-newline}\n使い方: {usage}\n\n{all-args}{after-help}";

/// The command line in `lang`: unchanged for English.
pub fn localize(cmd: Command, lang: Lang) -> Command {
    match lang {
        Lang::En => cmd,
        Lang::Ja => {
            let cmd = command(cmd, true).disable_version_flag(true).arg(
                Arg::new("version")
                    .short('V')
                    .long("version")
                    .action(ArgAction::Version)
                    .help_heading("オプション")
                    .help("バージョンを表示します"),
            );
            // `profilegen help SUB` is built by clap; after building, its text can be replaced.
            let mut cmd = cmd;
            cmd.build();
            cmd.mut_subcommand("help", |h| {
                h.about("このヘルプ、または指定したコマンドのヘルプを表示します")
                    .help_template(TEMPLATE)
            })
        }
    }
}

fn command(mut cmd: Command, root: bool) -> Command {
    if let Some(t) = cmd.get_about().and_then(|a| ja(&a.to_string())) {
        cmd = cmd.about(t);
    }
    if let Some(t) = cmd.get_long_about().and_then(|a| ja(&a.to_string())) {
        cmd = cmd.long_about(t);
    }
    if let Some(t) = cmd.get_after_help().and_then(|a| ja(&a.to_string())) {
        cmd = cmd.after_help(t);
    }
    let ids: Vec<String> = cmd
        .get_arguments()
        .filter(|a| root || !a.is_global_set())
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        cmd = cmd.mut_arg(id, argument);
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for s in subs {
        cmd = cmd.mut_subcommand(s, |c| command(c, false));
    }
    cmd.help_template(TEMPLATE)
        .subcommand_help_heading("コマンド")
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help_heading("オプション")
                .help("ヘルプを表示します"),
        )
}

fn argument(mut a: Arg) -> Arg {
    let mut help = a
        .get_help()
        .map(|h| {
            let h = h.to_string();
            ja(&h).map(str::to_string).unwrap_or(h)
        })
        .unwrap_or_default();
    let takes_value = a.get_action().takes_values();
    if takes_value && !a.is_hide_possible_values_set() {
        let values: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        if !values.is_empty() {
            help.push_str(&format!(" [値: {}]", values.join(", ")));
            a = a.hide_possible_values(true);
        }
    }
    if takes_value && !a.is_hide_default_value_set() && !a.get_default_values().is_empty() {
        let d: Vec<String> = a
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        help.push_str(&format!(" [既定: {}]", d.join(", ")));
        a = a.hide_default_value(true);
    }
    let head = match a.get_help_heading() {
        Some(h) => heading(h).unwrap_or("オプション"),
        None if a.is_positional() => "引数",
        None => "オプション",
    };
    a.help(help).help_heading(head)
}

/// A usage error from clap in Japanese: what is wrong, what clap suggests, the usage line.
pub fn usage_error(e: &clap::Error) -> String {
    let get = |k: ContextKind| e.get(k).map(value_text);
    let arg = get(ContextKind::InvalidArg).unwrap_or_default();
    let value = get(ContextKind::InvalidValue).unwrap_or_default();
    let mut out = match e.kind() {
        ErrorKind::UnknownArgument => format!("引数 '{arg}' はありません"),
        ErrorKind::InvalidSubcommand => format!(
            "コマンド '{}' はありません",
            get(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::InvalidValue if value.is_empty() => {
            format!("{arg} に値がありません")
        }
        ErrorKind::InvalidValue => format!("'{value}' は {arg} に使えません"),
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e)
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            format!("{arg} の値 '{value}' が正しくありません{why}")
        }
        ErrorKind::MissingRequiredArgument => format!("必須の引数がありません: {arg}"),
        ErrorKind::MissingSubcommand => "コマンドを指定してください".to_string(),
        ErrorKind::ArgumentConflict => format!(
            "{arg} は {} と一緒に使えません",
            get(ContextKind::PriorArg).unwrap_or_default()
        ),
        ErrorKind::TooManyValues => format!("{arg} の値 '{value}' は多すぎます"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("{arg} の値の数が正しくありません")
        }
        ErrorKind::NoEquals => format!("{arg} には '=' で値を付けてください"),
        ErrorKind::InvalidUtf8 => "引数が UTF-8 ではありません".to_string(),
        _ => format!(
            "コマンドラインが正しくありません: {}",
            e.kind().as_str().unwrap_or("")
        ),
    };
    if let Some(v) = get(ContextKind::ValidValue) {
        out.push_str(&format!("\n  使える値: {v}"));
    }
    for k in [ContextKind::SuggestedArg, ContextKind::SuggestedSubcommand] {
        if let Some(v) = get(k) {
            out.push_str(&format!("\n  ヒント: '{v}' のことですか?"));
        }
    }
    if let Some(u) = get(ContextKind::Usage) {
        let u = u.trim();
        let u = u.strip_prefix("Usage:").unwrap_or(u).trim();
        out.push_str(&format!("\n\n使い方: {u}"));
    }
    out.push_str("\n\n詳しくは '--help' を付けて実行してください。");
    out
}

fn value_text(v: &ContextValue) -> String {
    match v {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(s) => s.join(", "),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(s) => s
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        ContextValue::Number(n) => n.to_string(),
        ContextValue::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn texts(c: &Command, out: &mut Vec<String>) {
        for t in [c.get_about(), c.get_long_about(), c.get_after_help()]
            .into_iter()
            .flatten()
        {
            out.push(t.to_string());
        }
        for a in c.get_arguments() {
            if let Some(h) = a.get_help() {
                out.push(h.to_string());
            }
        }
        for s in c.get_subcommands() {
            texts(s, out);
        }
    }

    #[test]
    fn every_help_text_has_japanese_and_every_entry_is_used() {
        let mut all = Vec::new();
        texts(&cli::Cli::command(), &mut all);
        let missing: Vec<&String> = all.iter().filter(|t| ja(t).is_none()).collect();
        assert!(missing.is_empty(), "no Japanese for: {missing:#?}");
        let unused: Vec<&str> = HELP
            .iter()
            .map(|(e, _)| *e)
            .filter(|e| !all.iter().any(|t| t == e))
            .collect();
        assert!(unused.is_empty(), "entries nothing uses: {unused:#?}");
        for (_, j) in HELP {
            assert!(j.chars().any(|c| c > '\u{3000}'), "not Japanese: {j}");
        }
    }

    #[test]
    fn japanese_help_has_no_english_sentence() {
        let mut cmd = localize(cli::Cli::command(), Lang::Ja);
        let mut pages = vec![cmd.render_long_help().to_string()];
        for name in [
            "new", "carriers", "sign", "inspect", "lint", "bulk", "serve", "probe",
        ] {
            let sub = cmd.find_subcommand_mut(name).unwrap();
            pages.push(sub.render_long_help().to_string());
        }
        for page in pages {
            for heading in [
                "Usage:",
                "Options:",
                "Arguments:",
                "Commands:",
                "Print help",
            ] {
                assert!(!page.contains(heading), "{heading:?} in:\n{page}");
            }
            assert!(page.contains("使い方:"), "{page}");
        }
    }
}

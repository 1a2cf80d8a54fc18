//! Errors a user can act on: each says what went wrong, where, and (in `help`) what to do.

use crate::i18n::tr;
use crate::preset::PresetError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value the user gave is not acceptable.
    #[error("{field}: {message}")]
    Input { field: String, message: String },

    /// The address belongs to a provider no mail profile can serve.
    #[error("{address}: {reason}")]
    Unsupported {
        address: String,
        reason: String,
        instead: Option<String>,
    },

    #[error("{}", crate::i18n::tr(format!("no preset for the domain {domain:?}"), format!("ドメイン {domain:?} のプリセットがありません")))]
    UnknownDomain { domain: String },

    #[error("{}", crate::i18n::tr(format!("no preset with the id {id:?}"), format!("ID {id:?} のプリセットはありません")))]
    UnknownCarrier {
        id: String,
        suggestion: Option<String>,
    },

    #[error("{}", crate::i18n::tr(format!("template {name}: {message}"), format!("テンプレート {name}: {message}")))]
    Template { name: String, message: String },

    #[error(transparent)]
    Preset(#[from] PresetError),

    #[error("{}: {}", path.display(), io_words(source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The profile about to be written fails its own lint rules.
    #[error("{}", refused_text(findings, *lang))]
    Refused {
        findings: Vec<crate::lint::Finding>,
        lang: crate::preset::Lang,
    },

    #[error("{0}")]
    Other(String),
}

fn refused_text(findings: &[crate::lint::Finding], lang: crate::preset::Lang) -> String {
    use crate::i18n::Msg;
    let mut out = Msg::RefusedHeader.text(lang).to_string();
    for f in findings {
        let sev = f.severity.word(lang);
        out.push_str(&format!("\n  {}: {} {sev}: {}", f.path, f.rule, f.message));
    }
    out
}

impl Error {
    pub fn input(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Input {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// What the user can do about it, if there is something to say.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Unsupported { instead, .. } => instead
                .as_ref()
                .map(|i| tr(format!("instead: {i}"), format!("代わりに: {i}"))),
            Error::UnknownDomain { .. } => Some(tr(
                "pass --carrier ID (see `profilegen carriers`), or give the servers with --imap-host and --smtp-host",
                "--carrier ID でプリセットを選ぶか(`profilegen carriers` で一覧)、--imap-host と --smtp-host でサーバを指定してください",
            )),
            Error::Refused { findings, .. } => {
                let helps: Vec<String> = findings.iter().filter_map(|f| f.help.clone()).collect();
                (!helps.is_empty()).then(|| helps.join("; "))
            }
            Error::UnknownCarrier { suggestion, .. } => Some(match suggestion {
                Some(s) => tr(
                    format!("did you mean {s:?}? `profilegen carriers` lists them all"),
                    format!("{s:?} のことですか? `profilegen carriers` で一覧を表示できます"),
                ),
                None => tr(
                    "`profilegen carriers` lists the presets",
                    "`profilegen carriers` でプリセットの一覧を表示できます",
                ),
            }),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An I/O error in words a person reads: no "(os error 13)", no Rust names.
pub fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let (en, ja) = match e.kind() {
        K::NotFound => (
            "no such file or directory",
            "ファイルまたはフォルダがありません",
        ),
        K::PermissionDenied => ("permission denied", "アクセスが許可されていません"),
        K::AlreadyExists => ("already exists", "既にあります"),
        K::IsADirectory => ("is a directory", "フォルダです"),
        K::NotADirectory => (
            "a part of the path is not a directory",
            "パスの途中がフォルダではありません",
        ),
        K::StorageFull => ("the disk is full", "ディスクがいっぱいです"),
        K::ReadOnlyFilesystem => (
            "the file system is read-only",
            "読み取り専用のファイルシステムです",
        ),
        K::InvalidData => (
            "the data is not valid (not UTF-8?)",
            "データが正しくありません(UTF-8ではない?)",
        ),
        K::WouldBlock | K::TimedOut => ("timed out", "タイムアウトしました"),
        _ => {
            // The OS's text without the "(os error N)" suffix.
            let t = e.to_string();
            return match t.find(" (os error") {
                Some(i) => t[..i].to_string(),
                None => t,
            };
        }
    };
    tr(en, ja)
}

//! profilegen writes correct iOS/macOS mail configuration profiles (`.mobileconfig`).
//!
//! Data flows one way: user input → [`render`] (merged with a [`preset`]) → typed
//! [`profile::Profile`] → plist bytes → file. The key knowledge lives in [`schema`].

/// Names as the command line, CSV columns and web forms spell them: `NAMES`, `name()` and
/// `FromStr` (whose error speaks the thread's language). Domain types stay free of clap; `cli`
/// turns `NAMES` into its possible values.
macro_rules! named {
    ($t:ty, $what:literal, $($v:ident = $n:literal),+) => {
        impl $crate::Named for $t {
            const NAMES: &'static [&'static str] = &[$($n),+];
        }
        impl $t {
            pub const NAMES: &'static [&'static str] = &[$($n),+];
            pub fn name(self) -> &'static str {
                match self { $(Self::$v => $n),+ }
            }
        }
        impl std::str::FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> std::result::Result<Self, String> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($n => Ok(Self::$v),)+
                    other => Err(crate::i18n::tr(
                        format!("{other:?} is not {}: use {}", $what, Self::NAMES.join(", ")),
                        format!("{other:?} は{}ではありません。{} のどれかにしてください", $what, Self::NAMES.join("、")),
                    )),
                }
            }
        }
    };
}

pub mod bulk;
pub mod certs;
pub mod cli;
pub mod cli_ja;
pub mod commands;
pub mod container;
pub mod ddm;
pub mod der;
pub mod discover;
pub mod error;
pub mod i18n;
pub mod mdm;
pub mod output;
pub mod preset;
pub mod probe;
pub mod profile;
pub mod render;
pub mod schema;
pub mod serve;
pub mod sign;
pub mod text;

pub use error::{Error, Result};

/// A type spelt by a fixed set of names (see `named!`).
pub trait Named {
    const NAMES: &'static [&'static str];
}
pub mod lint;

//! profilegen writes correct iOS/macOS mail configuration profiles (`.mobileconfig`).
//!
//! Data flows one way: user input → [`render`] (merged with a [`preset`]) → typed
//! [`profile::Profile`] → plist bytes → file. The key knowledge lives in [`schema`].

pub mod bulk;
pub mod certs;
pub mod cli;
pub mod cli_ja;
pub mod commands;
pub mod container;
pub mod der;
pub mod error;
pub mod i18n;
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
pub mod lint;

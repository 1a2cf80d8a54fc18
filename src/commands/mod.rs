//! One module per subcommand, each with a single entry point `run`.

pub mod carriers;
pub mod new;

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
            let _ = writeln!(std::io::stderr(), "note: {msg}");
        }
    }

    pub fn info(&self, msg: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr(), "{msg}");
        }
    }

    pub fn warn(&self, msg: &str) {
        let _ = writeln!(std::io::stderr(), "warning: {msg}");
    }
}

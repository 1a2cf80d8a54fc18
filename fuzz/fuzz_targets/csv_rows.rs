//! Any bytes as a bulk CSV: the line-length limit, the csv reader, header mapping, line
//! numbers and every row through render and the claim checks (nothing is written). No panic,
//! no hang, bounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use profilegen::bulk::{self, Options};
use profilegen::preset::Registry;
use profilegen::render::{Request, Templates};
use std::sync::OnceLock;

fn setup() -> &'static (Registry, Templates, tempfile::TempDir) {
    static S: OnceLock<(Registry, Templates, tempfile::TempDir)> = OnceLock::new();
    S.get_or_init(|| {
        (
            Registry::builtin().unwrap(),
            Templates::load(None).unwrap(),
            tempfile::tempdir().unwrap(),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let (registry, templates, dir) = setup();
    let csv = dir.path().join("users.csv");
    if std::fs::write(&csv, data).is_err() {
        return;
    }
    let opts = Options {
        out_dir: dir.path().join("out"),
        base: Request::new(""),
        strict: false,
        force: false,
        manifest: None,
        sync: false,
        registry,
        templates,
        signer: None,
    };
    let _ = bulk::check(&csv, &opts, |_| {});
});

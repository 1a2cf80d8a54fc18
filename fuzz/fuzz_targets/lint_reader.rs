//! Any bytes through the linter's reader (sniffing, CMS unwrapping, DER reading, plist parsing
//! with the depth limit) and every rule: no panic, no hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use profilegen::container::{Trust, Verifier};
use profilegen::lint::{self, Options};
use profilegen::preset::Registry;
use std::sync::OnceLock;

fn setup() -> &'static (Registry, Verifier) {
    static S: OnceLock<(Registry, Verifier)> = OnceLock::new();
    S.get_or_init(|| {
        (
            Registry::builtin().unwrap(),
            Verifier::from_trust(&Trust::Roots(Vec::new())).unwrap(),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let (registry, verifier) = setup();
    let opts = Options {
        presets: registry,
        verifier,
        overrides: Default::default(),
        now: 1_800_000_000,
    };
    let _ = lint::lint(data, &opts);
    let _ = profilegen::der::parse_signed_data(data);
});

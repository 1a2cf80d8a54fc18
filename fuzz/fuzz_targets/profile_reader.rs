//! Any bytes through what `inspect`, `sign` and `probe FILE` read: sniffing, CMS unwrapping
//! (DER, BER, PEM), the depth-limited plist reader with duplicate-key tracking, and writing the
//! value back as XML (what inspect prints). No panic, no hang, no stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use profilegen::container::{self, Trust, Verifier};
use std::sync::OnceLock;

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| Verifier::from_trust(&Trust::Roots(Vec::new())).unwrap())
}

fuzz_target!(|data: &[u8]| {
    let opened = container::open(data, verifier());
    if let Some(content) = opened.content.as_deref() {
        if let Ok(parsed) = profilegen::lint::parse_plist_full(content) {
            let mut out = Vec::new();
            let _ = parsed.value.to_writer_xml(&mut out);
        }
    }
    let _ = profilegen::lint::xml_not_well_formed(data);
});

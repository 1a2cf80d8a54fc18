//! Any bytes through the DER reader (SignedData, certificates' issuer and serial, the signing
//! time) and the certificate rules `probe` applies (x509-parser over OpenSSL-decoded
//! certificates). No panic, no hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = profilegen::der::parse_signed_data(data);
    let _ = profilegen::der::cert_issuer_serial(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = profilegen::der::parse_time_text(s);
    }
    if let Ok(cert) = openssl::x509::X509::from_der(data) {
        let _ = profilegen::certs::ios_server_rules(&cert, &[cert.clone()], false);
        let _ = profilegen::certs::self_signed(&cert);
    }
});

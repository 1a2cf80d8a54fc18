//! Just enough DER to read what a support desk wants to know about a CMS SignedData: the
//! encapsulated content, the signer's digest algorithm and the signing time. Cryptographic
//! verification is OpenSSL's; this reader never panics on any input and gives `None` for anything
//! it does not understand (including BER indefinite lengths, which OpenSSL then handles).

/// One tag-length-value.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    /// The whole encoding: tag, length and content.
    pub raw: &'a [u8],
}

/// Reads one TLV from the front of `input`; returns it and the rest.
pub fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let whole = input;
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None; // high tag numbers do not occur in CMS
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None; // indefinite length, or absurd
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = (len << 8) | usize::from(b);
        }
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    let header = whole.len() - rest.len();
    Some((
        Tlv {
            tag,
            content: &rest[..len],
            raw: &whole[..header + len],
        },
        &rest[len..],
    ))
}

/// Reads a TLV that must have the given tag.
fn expect(input: &[u8], tag: u8) -> Option<(Tlv<'_>, &[u8])> {
    let (t, rest) = read(input)?;
    (t.tag == tag).then_some((t, rest))
}

/// The children of a constructed value.
pub fn children(content: &[u8]) -> impl Iterator<Item = Tlv<'_>> {
    let mut rest = content;
    std::iter::from_fn(move || {
        let (t, r) = read(rest)?;
        rest = r;
        Some(t)
    })
}

/// An OBJECT IDENTIFIER's content in dotted form.
pub fn oid_string(content: &[u8]) -> Option<String> {
    let (&first, rest) = content.split_first()?;
    let mut parts = vec![u64::from(first / 40).min(2), 0];
    parts[1] = u64::from(first) - parts[0] * 40;
    let mut acc: u64 = 0;
    for &b in rest {
        if acc > (u64::MAX >> 8) {
            return None;
        }
        acc = (acc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            parts.push(acc);
            acc = 0;
        }
    }
    Some(
        parts
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("."),
    )
}

pub const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";

/// A digest algorithm's common name, from its OID.
pub fn digest_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.840.113549.2.5" => "MD5",
        "1.3.14.3.2.26" => "SHA-1",
        "2.16.840.1.101.3.4.2.4" => "SHA-224",
        "2.16.840.1.101.3.4.2.1" => "SHA-256",
        "2.16.840.1.101.3.4.2.2" => "SHA-384",
        "2.16.840.1.101.3.4.2.3" => "SHA-512",
        _ => return None,
    })
}

/// One SignerInfo, with the raw pieces a verifier needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerInfo<'a> {
    /// IssuerAndSerialNumber: the issuer Name's encoding and the serial's content octets.
    /// `None` for a SubjectKeyIdentifier.
    pub issuer_serial: Option<(&'a [u8], &'a [u8])>,
    pub digest_oid: String,
    /// The signed attributes' encoding, with its [0] tag (0xa0) as found.
    pub signed_attrs: Option<&'a [u8]>,
    /// The messageDigest attribute's value.
    pub message_digest: Option<&'a [u8]>,
    pub signature_oid: String,
    pub signature: &'a [u8],
}

/// What the DER reader found in a SignedData.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SignedDataInfo<'a> {
    /// The encapsulated content (the profile), when present.
    pub content: Option<Vec<u8>>,
    /// Each carried certificate's encoding.
    pub certificates: Vec<&'a [u8]>,
    pub signers: Vec<SignerInfo<'a>>,
    /// The digest algorithm of each signer, as OIDs.
    pub digest_oids: Vec<String>,
    /// The first signer's signingTime attribute, as "YYYY-MM-DD HH:MM:SS UTC".
    pub signing_time: Option<String>,
}

/// True when `bytes` starts like a DER/BER ContentInfo for SignedData.
pub fn looks_like_signed_data(bytes: &[u8]) -> bool {
    // SEQUENCE, then (after the length) OBJECT IDENTIFIER 1.2.840.113549.1.7.2
    const OID: &[u8] = &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
    ];
    if bytes.first() != Some(&0x30) || bytes.len() < 2 {
        return false;
    }
    let skip = match bytes[1] {
        n if n < 0x80 => 2,
        0x80 => 2,
        n => 2 + usize::from(n & 0x7f),
    };
    bytes.get(skip..skip + OID.len()) == Some(OID)
}

pub const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";

/// Reads a DER ContentInfo holding SignedData.
pub fn parse_signed_data(bytes: &[u8]) -> Option<SignedDataInfo<'_>> {
    let (ci, _) = expect(bytes, 0x30)?;
    let (oid, rest) = expect(ci.content, 0x06)?;
    if oid_string(oid.content)? != OID_SIGNED_DATA {
        return None;
    }
    let (explicit, _) = expect(rest, 0xa0)?;
    let (sd, _) = expect(explicit.content, 0x30)?;
    let (_version, rest) = expect(sd.content, 0x02)?;
    let (_digest_algs, rest) = expect(rest, 0x31)?;
    let (encap, mut rest) = expect(rest, 0x30)?;
    let mut info = SignedDataInfo::default();
    let (_ctype, econtent) = expect(encap.content, 0x06)?;
    if let Some((e, _)) = expect(econtent, 0xa0) {
        let (octets, _) = read(e.content)?;
        info.content = match octets.tag {
            0x04 => Some(octets.content.to_vec()),
            // A constructed OCTET STRING: concatenate its pieces.
            0x24 => {
                let mut v = Vec::new();
                for piece in children(octets.content) {
                    if piece.tag != 0x04 {
                        return None;
                    }
                    v.extend_from_slice(piece.content);
                }
                Some(v)
            }
            _ => return None,
        };
    }
    // Optional certificates [0] and CRLs [1], then signerInfos.
    loop {
        let (t, r) = read(rest)?;
        rest = r;
        match t.tag {
            0xa0 => {
                info.certificates = children(t.content)
                    .filter(|c| c.tag == 0x30)
                    .map(|c| c.raw)
                    .collect()
            }
            0x31 => {
                for si in children(t.content) {
                    if si.tag != 0x30 {
                        continue;
                    }
                    if let Some(s) = signer_info(si.content) {
                        info.digest_oids.push(s.digest_oid.clone());
                        if info.signers.is_empty() {
                            if let Some(attrs) = s.signed_attrs {
                                info.signing_time =
                                    read(attrs).and_then(|(a, _)| signing_time(a.content));
                            }
                        }
                        info.signers.push(s);
                    }
                }
                return Some(info);
            }
            _ => {}
        }
    }
}

fn signer_info(content: &[u8]) -> Option<SignerInfo<'_>> {
    let (_version, rest) = expect(content, 0x02)?;
    let (sid, rest) = read(rest)?;
    let issuer_serial = if sid.tag == 0x30 {
        let (issuer, r) = expect(sid.content, 0x30)?;
        let (serial, _) = expect(r, 0x02)?;
        Some((issuer.raw, serial.content))
    } else {
        None
    };
    let (alg, mut rest) = expect(rest, 0x30)?;
    let (oid, _) = expect(alg.content, 0x06)?;
    let digest_oid = oid_string(oid.content)?;
    let mut signed_attrs = None;
    let mut message_digest = None;
    if let Some((attrs, r)) = expect(rest, 0xa0) {
        signed_attrs = Some(attrs.raw);
        rest = r;
        for attr in children(attrs.content) {
            let Some((oid, vals)) = expect(attr.content, 0x06) else {
                continue;
            };
            if oid_string(oid.content).as_deref() == Some(OID_MESSAGE_DIGEST) {
                let (set, _) = expect(vals, 0x31)?;
                let (v, _) = expect(set.content, 0x04)?;
                message_digest = Some(v.content);
            }
        }
    }
    let (sig_alg, rest) = expect(rest, 0x30)?;
    let (sig_oid, _) = expect(sig_alg.content, 0x06)?;
    let (signature, _) = expect(rest, 0x04)?;
    Some(SignerInfo {
        issuer_serial,
        digest_oid,
        signed_attrs,
        message_digest,
        signature_oid: oid_string(sig_oid.content)?,
        signature: signature.content,
    })
}

/// A certificate's issuer Name encoding and serial content octets.
pub fn cert_issuer_serial(cert: &[u8]) -> Option<(&[u8], &[u8])> {
    let (c, _) = expect(cert, 0x30)?;
    let (tbs, _) = expect(c.content, 0x30)?;
    let mut rest = tbs.content;
    if let Some((_, r)) = expect(rest, 0xa0) {
        rest = r; // [0] version
    }
    let (serial, rest) = expect(rest, 0x02)?;
    let (_sig, rest) = expect(rest, 0x30)?;
    let (issuer, _) = expect(rest, 0x30)?;
    Some((issuer.raw, serial.content))
}

fn signing_time(attrs: &[u8]) -> Option<String> {
    for attr in children(attrs) {
        let (oid, rest) = expect(attr.content, 0x06)?;
        if oid_string(oid.content)? != OID_SIGNING_TIME {
            continue;
        }
        let (set, _) = expect(rest, 0x31)?;
        let (t, _) = read(set.content)?;
        return time_text(t.tag, t.content);
    }
    None
}

/// A UTCTime (0x17) or GeneralizedTime (0x18) as "YYYY-MM-DD HH:MM:SS UTC".
fn time_text(tag: u8, content: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(content).ok()?;
    let full = match tag {
        0x17 if s.len() >= 12 => {
            let yy: u32 = s[0..2].parse().ok()?;
            format!("{}{}", if yy >= 50 { "19" } else { "20" }, s)
        }
        0x18 if s.len() >= 14 => s.to_string(),
        _ => return None,
    };
    if !full.is_char_boundary(14) || !full[..14].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "{}-{}-{} {}:{}:{} UTC",
        &full[0..4],
        &full[4..6],
        &full[6..8],
        &full[8..10],
        &full[10..12],
        &full[12..14]
    ))
}

/// Unix seconds of a time written as "YYYY-MM-DD HH:MM:SS UTC" (the signing time's text).
pub fn parse_time_text(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?)
        .ok()?;
    let midnight = date.midnight().assume_utc().unix_timestamp();
    Some(midnight + hh * 3600 + mm * 60 + ss)
}

/// The UTC calendar date (year, month, day) of a Unix time.
pub fn civil(unix: i64) -> (i64, u8, u8) {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    (i64::from(t.year()), u8::from(t.month()), t.day())
}

/// DER encoding, for the few structures profilegen writes itself.
pub mod encode {
    /// A tag-length-value with a definite length.
    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(content.len() + 6);
        out.push(tag);
        let n = content.len();
        if n < 0x80 {
            out.push(n as u8);
        } else {
            let bytes = n.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(content);
        out
    }

    /// An OBJECT IDENTIFIER from its content octets.
    pub fn oid(content: &[u8]) -> Vec<u8> {
        tlv(0x06, content)
    }

    /// A time as RFC 5652 wants it: UTCTime for 1950–2049, GeneralizedTime otherwise.
    pub fn time(unix: i64) -> Vec<u8> {
        let secs = unix.rem_euclid(86_400);
        let (year, month, day) = super::civil(unix);
        let hms = format!("{:02}{:02}{:02}", secs / 3600, secs % 3600 / 60, secs % 60);
        if (1950..2050).contains(&year) {
            tlv(
                0x17,
                format!("{:02}{month:02}{day:02}{hms}Z", year % 100).as_bytes(),
            )
        } else {
            tlv(
                0x18,
                format!("{year:04}{month:02}{day:02}{hms}Z").as_bytes(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding() {
        use super::encode::*;
        assert_eq!(tlv(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        assert_eq!(&tlv(0x04, &[0; 200])[..3], &[0x04, 0x81, 200]);
        assert_eq!(&tlv(0x04, &[0; 300])[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(
            time(1_760_000_000),
            [&[0x17, 13][..], b"251009085320Z"].concat()
        );
        assert_eq!(time(0), [&[0x17, 13][..], b"700101000000Z"].concat());
        assert_eq!(
            time(2_524_608_000),
            [&[0x18, 15][..], b"20500101000000Z"].concat()
        );
        assert_eq!(
            time(951_782_400),
            [&[0x17, 13][..], b"000229000000Z"].concat()
        ); // a leap day
    }

    #[test]
    fn oids() {
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]).as_deref(),
            Some(OID_SIGNED_DATA)
        );
        assert_eq!(
            oid_string(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]).as_deref(),
            Some("2.16.840.1.101.3.4.2.1")
        );
    }

    #[test]
    fn never_panics_on_garbage() {
        let mut x: u32 = 12345;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    (x & 0xff) as u8
                })
                .collect();
            let _ = parse_signed_data(&bytes);
            let mut prefixed = vec![0x30, 0x82, 0x01, 0x00, 0x06, 0x09];
            prefixed.extend_from_slice(&bytes);
            let _ = parse_signed_data(&prefixed);
            let _ = looks_like_signed_data(&prefixed);
        }
    }
}

#[cfg(test)]
mod time_tests {
    #[test]
    fn time_text_round_trips_through_the_encoder() {
        for t in [
            0i64,
            951_782_400,
            1_760_000_000,
            2_524_607_999,
            4_102_444_800,
        ] {
            let der = super::encode::time(t);
            let (tlv, _) = super::read(&der).unwrap();
            let text = super::time_text(tlv.tag, tlv.content).unwrap();
            assert_eq!(super::parse_time_text(&text), Some(t), "{text}");
        }
        assert_eq!(super::parse_time_text("2025-13-01 00:00:00 UTC"), None);
    }
}

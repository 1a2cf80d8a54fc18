//! Validation of the text that goes into a profile: what XML 1.0 can hold, host names, addresses.
//! Errors are short sentences meant to follow "field: ".

use crate::i18n::tr;

/// Characters XML 1.0 can hold (the `Char` production), minus U+FFFE/U+FFFF.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

fn describe(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// Longest text accepted for a name, an organisation or a description line (characters).
pub const MAX_TEXT: usize = 256;
/// Longest address (RFC 5321: a path holds at most 254 characters of address).
pub const MAX_ADDRESS: usize = 254;

/// Input quoted for a message, cut so that a 10 MB value is not echoed back: at most 60
/// characters, then "…" and the length.
pub fn shown(s: &str) -> String {
    let n = s.chars().count();
    if n <= 60 {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(60).collect();
        format!("{head:?}… ({n} characters)")
    }
}

/// Invisible characters that IMEs and copy-paste slip into text (zero-width spaces and joiners,
/// bidirectional controls, the BOM, the soft hyphen), with a name for each.
pub fn invisible(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{00AD}' => "soft hyphen",
        '\u{200B}' => "zero-width space",
        '\u{200C}' => "zero-width non-joiner",
        '\u{200D}' => "zero-width joiner",
        '\u{200E}' | '\u{200F}' => "directional mark",
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => "bidirectional control",
        '\u{2060}'..='\u{2064}' => "invisible operator",
        '\u{FEFF}' => "zero-width no-break space (BOM)",
        '\u{3164}' | '\u{115F}' | '\u{1160}' => "Hangul filler",
        _ => return None,
    })
}

/// Text typed with a Japanese IME, made plain: full-width ASCII (ｔａｒｏ＠ｉ．ｓｏｆｔｂａｎｋ．ｊｐ)
/// becomes ASCII and the ideographic space a space. Returns the text and whether it changed.
/// (Only this range: a general NFKC would also rewrite characters that are meant.)
pub fn halfwidth(s: &str) -> (String, bool) {
    let mut changed = false;
    let out = s
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => {
                changed = true;
                char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c)
            }
            '\u{3000}' => {
                changed = true;
                ' '
            }
            _ => c,
        })
        .collect();
    (out, changed)
}

/// An identifier the phone compares as typed (an address, a username, a host name): no invisible
/// characters, named with their position.
pub fn check_visible(s: &str) -> Result<(), String> {
    for (i, c) in s.chars().enumerate() {
        if let Some(what) = invisible(c) {
            return Err(tr(
                format!(
                    "an invisible character ({what}, {}) is at position {}; retype the text without it",
                    describe(c),
                    i + 1
                ),
                format!(
                    "{}文字目に見えない文字({what}、{})があります。その文字を除いて入力し直してください",
                    i + 1,
                    describe(c)
                ),
            ));
        }
    }
    Ok(())
}

/// One line of text (a name, a description line): no control characters at all, at most
/// [`MAX_TEXT`] characters.
pub fn check_line(s: &str) -> Result<(), String> {
    let n = s.chars().count();
    if n > MAX_TEXT {
        return Err(tr(
            format!(
                "{} is {n} characters long; at most {MAX_TEXT} are accepted",
                shown(s)
            ),
            format!(
                "{} は{n}文字あります。受け付けるのは{MAX_TEXT}文字までです",
                shown(s)
            ),
        ));
    }
    for (i, c) in s.chars().enumerate() {
        if !is_xml_char(c) {
            return Err(tr(
                format!(
                    "character {} at position {} cannot be stored in a profile (XML 1.0 forbids it); remove it",
                    describe(c),
                    i + 1
                ),
                format!(
                    "{}文字目の文字 {} はプロファイルに入れられません(XML 1.0 が禁止しています)。削除してください",
                    i + 1,
                    describe(c)
                ),
            ));
        }
        if c.is_control() {
            return Err(tr(
                format!(
                    "control character {} at position {} is not allowed here; remove it",
                    describe(c),
                    i + 1
                ),
                format!(
                    "{}文字目の制御文字 {} はここでは使えません。削除してください",
                    i + 1,
                    describe(c)
                ),
            ));
        }
    }
    Ok(())
}

/// Text that may span lines (descriptions): tabs and newlines are kept; a carriage return is
/// refused, because XML parsers turn it into a newline and it would not round-trip.
pub fn check_multiline(s: &str) -> Result<(), String> {
    for (i, c) in s.chars().enumerate() {
        if c == '\n' || c == '\t' {
            continue;
        }
        if !is_xml_char(c) || c.is_control() {
            return Err(tr(
                format!(
                    "character {} at position {} cannot be stored in a profile; remove it",
                    describe(c),
                    i + 1
                ),
                format!(
                    "{}文字目の文字 {} はプロファイルに入れられません。削除してください",
                    i + 1,
                    describe(c)
                ),
            ));
        }
    }
    Ok(())
}

/// A DNS host name: dot-separated labels of letters, digits and '-', at least one dot, no
/// leading or trailing '-' in a label, lowercase ASCII.
pub fn check_host(host: &str) -> Result<(), String> {
    let h = shown(host);
    if host.is_empty() {
        return Err(tr("host name is empty", "ホスト名が空です"));
    }
    if host.chars().any(char::is_whitespace) {
        return Err(tr(
            format!("host name {h} contains white space; remove it"),
            format!("ホスト名 {h} に空白が含まれています。削除してください"),
        ));
    }
    if host.contains("://") {
        return Err(tr(
            format!("{h} is a URL; give only the host name, without a scheme"),
            format!("{h} はURLです。スキーム(imaps:// など)を付けずにホスト名だけを書いてください"),
        ));
    }
    if host.len() > 253 {
        return Err(tr(
            format!("host name {h} is longer than 253 characters"),
            format!("ホスト名 {h} が253文字を超えています"),
        ));
    }
    if !host.contains('.') {
        return Err(tr(
            format!("host name {h} has no dot; give the full name (e.g. imap.example.jp)"),
            format!(
                "ホスト名 {h} に点がありません。完全な名前(例: imap.example.jp)を書いてください"
            ),
        ));
    }
    for label in host.split('.') {
        if label.is_empty() {
            return Err(tr(
                format!("host name {h} has an empty label (\"..\" or a leading or trailing dot)"),
                format!("ホスト名 {h} に空のラベルがあります(「..」か、先頭または末尾の点)"),
            ));
        }
        if label.len() > 63 {
            return Err(tr(
                format!("host name {h} has a label longer than 63 characters"),
                format!("ホスト名 {h} に63文字を超えるラベルがあります"),
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(tr(
                format!(
                    "host name {h} contains {c:?}; only letters, digits, '-' and '.' are allowed"
                ),
                format!(
                    "ホスト名 {h} に {c:?} が含まれています。使えるのは英数字、'-'、'.' だけです"
                ),
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(tr(
                format!("host name {h} has a label that starts or ends with '-'"),
                format!("ホスト名 {h} に '-' で始まるか終わるラベルがあります"),
            ));
        }
    }
    if host != host.to_ascii_lowercase() {
        let lower = host.to_ascii_lowercase();
        return Err(tr(
            format!("host name {h} has capital letters; write it in lowercase ({lower})"),
            format!("ホスト名 {h} に大文字があります。小文字で書いてください({lower})"),
        ));
    }
    Ok(())
}

/// A mail address split into its parts. The domain is lowercased; the local part is kept as
/// given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub local: String,
    pub domain: String,
}

impl Address {
    /// Parses an address. Surrounding white space (a copy-paste leftover) is trimmed.
    pub fn parse(input: &str) -> Result<Address, String> {
        let s = input.trim();
        if s.is_empty() {
            return Err(tr("the address is empty", "メールアドレスが空です"));
        }
        let n = s.chars().count();
        if s.len() > MAX_ADDRESS {
            return Err(tr(
                format!(
                    "{} is {n} characters long; an address has at most {MAX_ADDRESS}",
                    shown(s)
                ),
                format!(
                    "{} は{n}文字あります。メールアドレスは{MAX_ADDRESS}文字までです",
                    shown(s)
                ),
            ));
        }
        check_line(s)?;
        check_visible(s)?;
        if s.chars().any(char::is_whitespace) {
            return Err(tr(
                format!("{} contains white space; remove it", shown(s)),
                format!("{} に空白が含まれています。削除してください", shown(s)),
            ));
        }
        if s.contains('\u{FF20}') && !s.contains('@') {
            return Err(tr(
                format!(
                    "{} has a full-width ＠ instead of '@'; type the address in half-width characters",
                    shown(s)
                ),
                format!(
                    "{} の「＠」が全角です。半角の「@」で入力してください",
                    shown(s)
                ),
            ));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(tr(
                format!(
                    "{} has no '@'; give the full address, e.g. taro@i.softbank.jp",
                    shown(s)
                ),
                format!(
                    "{} に「@」がありません。メールアドレス全体を入力してください(例: taro@i.softbank.jp)",
                    shown(s)
                ),
            ));
        };
        if local.is_empty() {
            return Err(tr(
                format!("{} has nothing before the '@'", shown(s)),
                format!("{} は「@」の前が空です", shown(s)),
            ));
        }
        if local.contains('@') {
            return Err(tr(
                format!("{} has more than one '@'", shown(s)),
                format!("{} に「@」が2つ以上あります", shown(s)),
            ));
        }
        if local.len() > 64 {
            return Err(format!(
                "the part before '@' in {} is longer than 64 characters",
                shown(s)
            ));
        }
        if let Some(c) = local.chars().find(|c| {
            matches!(
                c,
                '<' | '>' | '(' | ')' | '[' | ']' | ',' | ';' | ':' | '\\' | '"'
            )
        }) {
            return Err(format!(
                "{} contains {c:?} before the '@', which an address cannot hold",
                shown(s)
            ));
        }
        if let Some(c) = local.chars().find(|c| !c.is_ascii()) {
            return Err(format!(
                "{} contains {c:?} before the '@'; carrier and provider addresses are ASCII (type it in half-width characters)",
                shown(s)
            ));
        }
        let domain = domain.to_ascii_lowercase();
        check_host(&domain).map_err(|e| {
            tr(
                format!("domain of {}: {e}", shown(s)),
                format!("{} のドメイン: {e}", shown(s)),
            )
        })?;
        Ok(Address {
            local: local.to_string(),
            domain,
        })
    }

    pub fn full(&self) -> String {
        format!("{}@{}", self.local, self.domain)
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

/// A string made safe to be one path component: path separators, control characters and
/// characters Windows or macOS refuse become '_', a leading '.' becomes '_', and it is cut to
/// 200 bytes at a character boundary.
pub fn sanitize_file_name(name: &str) -> String {
    let mut out: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    if out.len() > 200 {
        let mut cut = 200;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert!(check_host("imap.softbank.jp").is_ok());
        assert!(check_host("imap.softbank.jp ").is_err());
        assert!(check_host("imaps://imap.softbank.jp").is_err());
        assert!(check_host("IMAP.softbank.jp").is_err());
        assert!(check_host("localhost").is_err());
        assert!(check_host("imap..jp").is_err());
        assert!(check_host("imap_x.jp").is_err());
        assert!(check_host("-a.jp").is_err());
    }

    #[test]
    fn addresses() {
        let a = Address::parse(" taro@I.SoftBank.jp ").unwrap();
        assert_eq!(a.local, "taro");
        assert_eq!(a.domain, "i.softbank.jp");
        assert!(Address::parse("taro").is_err());
        assert!(Address::parse("@x.jp").is_err());
        assert!(Address::parse("ta ro@x.jp").is_err());
        assert!(Address::parse("a@b@x.jp").is_err());
        assert!(Address::parse("taro@x").is_err());
        assert!(Address::parse("ta\u{7}ro@x.jp").is_err());
        assert!(Address::parse("taro.+tag_1@docomo.ne.jp").is_ok());
    }

    #[test]
    fn lines() {
        assert!(check_line("山田 太郎 <&> \"'\" 🎌").is_ok());
        assert!(check_line("a\u{0}b").is_err());
        assert!(check_line("a\u{1b}b").is_err());
        assert!(check_line("a\nb").is_err());
        assert!(check_line("a\u{FFFE}").is_err());
        assert!(check_multiline("a\nb\tc").is_ok());
        assert!(check_multiline("a\r\nb").is_err());
    }

    #[test]
    fn file_names() {
        assert_eq!(sanitize_file_name("../etc/passwd"), "_._etc_passwd");
        assert_eq!(sanitize_file_name("a:b?.mobileconfig"), "a_b_.mobileconfig");
        assert!(sanitize_file_name(&"あ".repeat(100)).len() <= 200);
    }
}

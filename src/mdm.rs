//! MDM variable tables: one YAML file per MDM in `mdm/`, embedded like the presets. Each names
//! the variable syntax, the variables that exist, which of them hold the user's address, name,
//! local part and login, whether the MDM XML-escapes what it substitutes, how to upload, and the
//! sources. `new --mdm` writes one profile with these variables; `lint --mdm` checks them.

use crate::i18n::tr;
use crate::preset::{Lang, Note, Source};
use serde::Deserialize;

/// How an MDM writes a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// `$EMAIL` (also `${EMAIL}`): Jamf Pro, Kandji, Fleet.
    Dollar,
    /// `%Email%`: Jamf School, Mosyle.
    Percent,
    /// `{{mail}}`: Intune.
    Braces,
    /// `{EmailAddress}`: Workspace ONE.
    Brace,
    /// `{{.User "emails_primary"}}`: Addigy.
    Addigy,
    /// Given on the command line (`--mdm generic --var email=…`): not checked.
    Generic,
}

impl Style {
    /// The ASCII byte every token of this style starts with; `None` for variables that are not
    /// checked.
    fn trigger(self) -> Option<u8> {
        match self {
            Style::Dollar => Some(b'$'),
            Style::Percent => Some(b'%'),
            Style::Braces | Style::Addigy | Style::Brace => Some(b'{'),
            Style::Generic => None,
        }
    }
}

/// Whether the MDM escapes `&`, `<`, `"` in a value it puts into the XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Escapes {
    Yes,
    No,
    Unknown,
}

/// Which variable holds what.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub local_part: Option<String>,
    /// The MDM's login name for the user (what it is differs per MDM: see the notes).
    pub username: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mdm {
    pub id: String,
    pub name: String,
    pub style: Style,
    pub roles: Roles,
    pub variables: Vec<String>,
    /// Variables that take a suffix (`$EXTENSIONATTRIBUTE_12`).
    #[serde(default)]
    pub prefixed: Vec<String>,
    pub escapes_xml: Escapes,
    pub upload: Note,
    #[serde(default)]
    pub notes: Vec<Note>,
    pub sources: Vec<Source>,
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_mdm.rs"));
}

impl Mdm {
    /// Every built-in MDM table, sorted by id.
    pub fn all() -> Vec<Mdm> {
        Mdm::builtin().to_vec()
    }

    /// The built-in tables, parsed once per process (lint asks for them for every file).
    fn builtin() -> &'static [Mdm] {
        static ALL: std::sync::OnceLock<Vec<Mdm>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| {
            let mut out: Vec<Mdm> = embedded::MDMS
                .iter()
                .map(|(name, src)| {
                    let m: Mdm = serde_yaml::from_str(src)
                        .unwrap_or_else(|e| panic!("mdm/{name}: {e} (a test checks every table)"));
                    m
                })
                .collect();
            out.sort_by(|a, b| a.id.cmp(&b.id));
            out
        })
    }

    pub fn get(id: &str) -> Option<Mdm> {
        Mdm::all().into_iter().find(|m| m.id == id)
    }

    /// The generic MDM: variables given on the command line (`--var email=…`).
    pub fn generic(roles: Roles) -> Mdm {
        let variables = [
            &roles.email,
            &roles.full_name,
            &roles.local_part,
            &roles.username,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        Mdm {
            id: "generic".into(),
            name: "generic".into(),
            style: Style::Generic,
            roles,
            variables,
            prefixed: Vec::new(),
            escapes_xml: Escapes::Unknown,
            upload: Note {
                ja: "MDM の案内に従ってカスタムプロファイルとしてアップロードしてください。".into(),
                en: "Upload it as a custom profile, as the MDM's documentation says.".into(),
            },
            notes: Vec::new(),
            sources: Vec::new(),
        }
    }

    /// Every variable-looking token in `s`, in this MDM's syntax, with its byte offset.
    pub fn tokens<'s>(&self, s: &'s str) -> Vec<(usize, &'s str)> {
        tokens(self.style, s)
    }

    /// True when `token` is one of this MDM's variables (case-sensitive).
    pub fn knows(&self, token: &str) -> bool {
        let t = normalise(token);
        self.variables.iter().any(|v| v == &t)
            || self.prefixed.iter().any(|p| {
                t.strip_prefix(p.as_str()).is_some_and(|rest| {
                    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                })
            })
    }

    /// The known variable `token` is most likely a misspelling of.
    pub fn suggest(&self, token: &str) -> Option<&str> {
        let t = normalise(token);
        if let Some(v) = self.variables.iter().find(|v| v.eq_ignore_ascii_case(&t)) {
            return Some(v);
        }
        crate::schema::closest_key(&t, self.variables.iter().map(String::as_str))
    }

    /// `s` with this MDM's known variables replaced by `x`, for checks that must not see them.
    pub fn blank_known(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for (at, tok) in self.tokens(s) {
            if self.knows(tok) {
                out.push_str(&s[last..at]);
                out.push('x');
                last = at + tok.len();
            }
        }
        out.push_str(&s[last..]);
        out
    }

    pub fn upload_text(&self, lang: Lang) -> &str {
        lang.pick(&self.upload.ja, &self.upload.en)
    }

    /// Checks a table: every role is made of known variables.
    pub fn validate(&self) -> Result<(), String> {
        for (role, v) in [
            ("email", &self.roles.email),
            ("full_name", &self.roles.full_name),
            ("local_part", &self.roles.local_part),
            ("username", &self.roles.username),
        ] {
            let Some(v) = v else { continue };
            let toks = self.tokens(v);
            if toks.is_empty() || toks.iter().any(|(_, t)| !self.knows(t)) {
                return Err(format!(
                    "{}: roles.{role} {v:?} is not made of its variables",
                    self.id
                ));
            }
        }
        if self.roles.email.is_none() {
            return Err(format!("{}: roles.email is required", self.id));
        }
        Ok(())
    }
}

/// `${NAME}` is `$NAME`.
fn normalise(token: &str) -> String {
    match token.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        Some(inner) => format!("${inner}"),
        None => token.to_string(),
    }
}

/// Variable-looking tokens of a syntax in `s`.
pub fn tokens(style: Style, s: &str) -> Vec<(usize, &str)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    // Every token starts with this ASCII byte: jump from one to the next (also a char boundary).
    let Some(trigger) = style.trigger() else {
        return out;
    };
    let mut i = 0;
    while i < b.len() {
        match b[i..].iter().position(|c| *c == trigger) {
            Some(p) => i += p,
            None => break,
        }
        let found = match style {
            Style::Dollar if b[i] == b'$' => {
                if b.get(i + 1) == Some(&b'{') {
                    s[i..].find('}').map(|end| i + end + 1)
                } else if b
                    .get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
                {
                    let mut j = i + 1;
                    while j < b.len() && word(b[j]) {
                        j += 1;
                    }
                    Some(j)
                } else {
                    None
                }
            }
            Style::Percent
                if b[i] == b'%' && b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) =>
            {
                let mut j = i + 1;
                while j < b.len() && word(b[j]) {
                    j += 1;
                }
                (b.get(j) == Some(&b'%')).then_some(j + 1)
            }
            Style::Braces | Style::Addigy if s[i..].starts_with("{{") => {
                s[i..].find("}}").map(|end| i + end + 2)
            }
            Style::Brace
                if b[i] == b'{' && b.get(i + 1) != Some(&b'{') && (i == 0 || b[i - 1] != b'{') =>
            {
                let mut j = i + 1;
                while j < b.len() && word(b[j]) {
                    j += 1;
                }
                (j > i + 1 && b.get(j) == Some(&b'}')).then_some(j + 1)
            }
            _ => None,
        };
        match found {
            Some(end) => {
                out.push((i, &s[i..end]));
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

/// The MDM whose variables `strings` use most, when one clearly does (for a hint without `--mdm`).
pub fn detect<'a>(strings: impl Iterator<Item = &'a str> + Clone) -> Option<Mdm> {
    // Which token starts appear at all: one pass, instead of one per MDM.
    let mut present = [false; 256];
    for s in strings.clone() {
        for b in s.bytes() {
            present[usize::from(b)] = true;
        }
    }
    let mut best: Option<(usize, &Mdm)> = None;
    for m in Mdm::builtin() {
        if !m.style.trigger().is_some_and(|t| present[usize::from(t)]) {
            continue;
        }
        let n: usize = strings
            .clone()
            .map(|s| m.tokens(s).iter().filter(|(_, t)| m.knows(t)).count())
            .sum();
        if n > 0 && best.as_ref().is_none_or(|(b, _)| n > *b) {
            best = Some((n, m));
        }
    }
    best.map(|(_, m)| m.clone())
}

/// An unknown MDM id, with the known ones.
pub fn unknown(id: &str) -> crate::Error {
    let ids: Vec<String> = Mdm::all().into_iter().map(|m| m.id).collect();
    crate::Error::input(
        "--mdm",
        tr(
            format!(
                "no MDM {id:?}: the MDMs are {}, and generic (with --var)",
                ids.join(", ")
            ),
            format!(
                "MDM {id:?} はありません。使えるのは {} と generic(--var と一緒に)です",
                ids.join("、")
            ),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_loads_and_its_roles_are_its_variables() {
        let all = Mdm::all();
        assert!(all.len() >= 8);
        for m in &all {
            m.validate().unwrap();
            assert!(!m.sources.is_empty(), "{}", m.id);
            for v in &m.variables {
                let t = m.tokens(v);
                assert_eq!(t.len(), 1, "{}: {v} is not one token of its style", m.id);
                assert_eq!(t[0].1, v.as_str(), "{}", m.id);
            }
        }
    }

    #[test]
    fn tokens_and_case() {
        let jamf = Mdm::get("jamf").unwrap();
        assert!(
            jamf.knows("$EMAIL") && jamf.knows("${EMAIL}") && jamf.knows("$EXTENSIONATTRIBUTE_12")
        );
        assert!(!jamf.knows("$Email") && !jamf.knows("$EXTENSIONATTRIBUTE_"));
        assert_eq!(jamf.suggest("$Email"), Some("$EMAIL"));
        let intune = Mdm::get("intune").unwrap();
        assert_eq!(intune.tokens("a {{mail}} b {{DeviceID}}").len(), 2);
        assert!(!intune.knows("{{DeviceID}}"));
        assert_eq!(intune.suggest("{{DeviceID}}"), Some("{{deviceid}}"));
        assert_eq!(intune.blank_known("{{mail}}@x"), "x@x");
        let ws1 = Mdm::get("workspace-one").unwrap();
        assert_eq!(ws1.tokens("{FirstName} {LastName}").len(), 2);
        assert!(ws1.tokens("{{x}}").is_empty());
        assert!(intune.tokens("山田 {{mail}} 太郎").len() == 1);
        let school = Mdm::get("jamf-school").unwrap();
        assert_eq!(school.tokens("100% off %Email%").len(), 1);
    }
}

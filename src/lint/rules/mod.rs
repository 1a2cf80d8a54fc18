//! The rule registry: every rule, in ID order (PG7xx are `probe`'s). Adding a rule is adding a `Rule` to its category
//! file and a line here, plus its fixtures in `tests/lint_rules.rs`.

pub mod accounts;
pub mod identifiers;
pub mod leftovers;
pub mod lifecycle;
pub mod mail;
pub mod mdm;
pub mod probe;
pub mod signing;
pub mod structure;

use super::Rule;

pub static ALL: &[&Rule] = &[
    &structure::UNREADABLE,
    &structure::TOP_PAYLOAD_TYPE,
    &structure::PAYLOAD_VERSION,
    &structure::UUID_MISSING,
    &structure::UUID_DUPLICATE,
    &structure::IDENTIFIER_MISSING,
    &structure::IDENTIFIER_DUPLICATE,
    &structure::UNKNOWN_KEY,
    &structure::WRONG_TYPE,
    &structure::NOT_ALLOWED,
    &structure::REQUIRED_MISSING,
    &structure::DEPRECATED_KEY,
    &structure::CONTENT_SHAPE,
    &structure::JUNK_BEFORE_DECLARATION,
    &structure::UNKNOWN_PAYLOAD_TYPE,
    &structure::PORT_RANGE,
    &structure::DUPLICATE_KEY,
    &structure::DECLARATION_REFERENCE,
    &mail::SSL_OFF,
    &mail::SSL_PORT_MISMATCH,
    &mail::PLAINTEXT_PORT,
    &mail::HOST_INVALID,
    &mail::HOST_UPPERCASE,
    &mail::HOST_TYPO,
    &mail::STALE_SETTINGS,
    &mail::USERNAME,
    &mail::AUTH_NONE,
    &mail::CLEAR_PASSWORD,
    &mail::PROVIDER_MISMATCH,
    &mail::EMPTY_CREDENTIAL,
    &mail::MISSING_PORT,
    &mail::UNSUPPORTED_PROVIDER,
    &mail::WRONG_DIRECTION_PORT,
    &mail::IME_TEXT,
    &accounts::OAUTH_WITH_PASSWORD,
    &accounts::OAUTH_URL_WITHOUT_HOST,
    &accounts::WRONG_PLATFORM,
    &accounts::DAV_PORT,
    &accounts::DAV_SSL_OFF,
    &accounts::PRINCIPAL_ELSEWHERE,
    &signing::UNSIGNED,
    &signing::BROKEN_SIGNATURE,
    &signing::SIGNER_VALIDITY,
    &signing::WEAK_DIGEST,
    &signing::CHAIN,
    &lifecycle::REMOVAL_DATE_PAST,
    &lifecycle::REMOVAL_DISALLOWED,
    &leftovers::TEMPLATE_SYNTAX,
    &leftovers::PLACEHOLDER,
    &leftovers::EXAMPLE_DOMAIN,
    &leftovers::HOST_WITHOUT_DOT,
    &mdm::UNKNOWN_VARIABLE,
    &mdm::UNESCAPED_NAME,
    &mdm::DETECTED,
    &identifiers::SAME_AS_PROFILE,
    &identifiers::WHITESPACE_IDENTIFIER,
    &identifiers::UUID_SHAPE,
    &identifiers::COPIED_UUID,
    &probe::DNS,
    &probe::CONNECT,
    &probe::TLS_FAILED,
    &probe::CERT_EXPIRED,
    &probe::CERT_NAME,
    &probe::CERT_UNTRUSTED,
    &probe::MISSING_INTERMEDIATE,
    &probe::OLD_TLS,
    &probe::NO_STARTTLS,
    &probe::PLAINTEXT_LOGIN,
    &probe::NO_AUTH,
    &probe::CERT_EXPIRES_SOON,
    &probe::PROTOCOL,
    &probe::CERT_CN_ONLY,
    &probe::CERT_NO_SERVER_AUTH,
    &probe::CERT_TOO_LONG,
    &probe::CERT_WEAK_KEY,
    &probe::CERT_WEAK_SIGNATURE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_documented() {
        let mut ids: Vec<&str> = ALL.iter().map(|r| r.id).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len());
        for r in ALL {
            assert!(r.id.starts_with("PG") && r.id.len() == 5, "{}", r.id);
            assert!(
                !r.summary.is_empty()
                    && !r.why.is_empty()
                    && !r.fix.is_empty()
                    && !r.example.is_empty(),
                "{}",
                r.id
            );
        }
    }
}

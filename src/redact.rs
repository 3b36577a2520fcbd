//! Text from outside (server error bodies, bad input quoted in an error, names from a cluster) is
//! hostile: it may carry a credential a proxy echoed back, megabytes of one line, or escape
//! sequences that retitle a terminal. [`excerpt`] is what aksguard prints of such text: credentials
//! redacted, control characters escaped ([`crate::escape::one_line`]), length capped. [`redact`]
//! is its other half.
//!
//! Redaction is by shape, not by knowing the secret: an authorization scheme and what follows it
//! (`Bearer …`, `Basic …`), JWTs (`eyJ….….…`), the value of a credential-named key (`sig=`,
//! `AccountKey=`, `client_secret=`, `password=`, `"token": "…"`, …), long base64 runs that look
//! random (access keys), and PEM private keys. A false positive costs a word of an error message;
//! a false negative leaks a credential into every report, so the shapes lean wide.

/// What a credential is replaced by.
pub const REDACTED: &str = "[redacted]";

/// The longest excerpt of outside text an error message quotes.
pub const EXCERPT_CHARS: usize = 120;

/// Keys whose value is a credential, compared without case, with `-` and `_` ignored.
const SECRET_KEYS: [&str; 20] = [
    "sig",
    "signature",
    "accountkey",
    "sharedaccesskey",
    "sharedaccesssignature",
    "clientsecret",
    "secret",
    "password",
    "passwd",
    "pwd",
    "token",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "sessiontoken",
    "apikey",
    "xapikey",
    "privatekey",
    "credential",
    "credentials",
];

/// HTTP authorization schemes whose parameter is the credential itself.
const AUTH_SCHEMES: [&str; 5] = ["bearer", "basic", "sharedkey", "sharedaccesssignature", "negotiate"];

/// A random-looking base64 run at least this long is taken for a key.
const KEY_RUN_CHARS: usize = 32;

/// `text` as it may be printed: redacted, control characters escaped, at most `max_chars`
/// characters (then `…`). Only a bounded prefix of `text` is ever looked at.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    // Redaction needs a little context past the cut; a credential cut short still has its shape.
    let prefix = prefix(text, max_chars.saturating_mul(4).saturating_add(1024));
    let clean = crate::escape::one_line(&redact(prefix));
    let mut chars = clean.char_indices();
    match chars.nth(max_chars) {
        Some((cut, _)) => format!("{}…", &clean[..cut]),
        None if prefix.len() < text.len() => format!("{clean}…"),
        None => clean,
    }
}

/// The longest human message of a server (an error body's `message`) a reason repeats.
pub const SERVER_TEXT_CHARS: usize = 200;

/// A human message a server sent, as aksguard may repeat it: on one line, credentials
/// redacted, control characters escaped, at most [`SERVER_TEXT_CHARS`]. A server or a proxy
/// may echo the request (its `Authorization` header) into an error body.
pub fn server_text(text: &str) -> String {
    let head = prefix(text, SERVER_TEXT_CHARS * 8);
    let shown = excerpt(&head.split_whitespace().collect::<Vec<_>>().join(" "), SERVER_TEXT_CHARS);
    match head.len() < text.len() && !shown.ends_with('…') {
        true => format!("{shown}…"),
        false => shown,
    }
}

/// A machine-readable code a server sent (ARM's `error.code`, a Kubernetes `reason`): kept
/// when it is one (letters, digits, `.`, `_`, `-`, `:`, at most 80), else empty.
pub fn server_code(code: &str) -> String {
    let valid = code.len() <= 80
        && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
        && redact(code) == code;
    if valid { code.to_string() } else { String::new() }
}

/// At most `max_bytes` of `text`, cut at a character boundary.
fn prefix(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut cut = max_bytes;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// `text` with everything credential-shaped replaced by [`REDACTED`].
pub fn redact(text: &str) -> String {
    let text = redact_private_keys(text);
    let text = redact_after_schemes(&text);
    let text = redact_secret_values(&text);
    redact_tokens(&text)
}

/// `-----BEGIN … PRIVATE KEY-----` through its END line (or the end of the text, if cut).
fn redact_private_keys(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let header_end = rest[start..].find("-----\n").map(|at| start + at);
        // The header's first 64 bytes at most, cut where a character ends.
        let mut cut = header_end.unwrap_or(rest.len()).min(start + 64);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let header = &rest[start..cut];
        if !header.contains("PRIVATE KEY") {
            out.push_str(&rest[..start + 1]);
            rest = &rest[start + 1..];
            continue;
        }
        out.push_str(&rest[..start]);
        out.push_str("[redacted private key]");
        rest = match rest[start..].find("-----END ") {
            Some(end) => {
                let after = start + end + "-----END ".len();
                let close = rest[after..].find("-----").map_or(rest.len(), |at| after + at + 5);
                &rest[close..]
            }
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// The credential after an authorization scheme: `Bearer abc` → `Bearer [redacted]`.
fn redact_after_schemes(text: &str) -> String {
    // A scheme glued to what precedes it (`\u0007Bearer`) still counts: only its end is compared.
    let is_scheme = |word: &str| AUTH_SCHEMES.iter().any(|scheme| ends_with_ignoring_case(word, scheme));
    replace_values(text, is_scheme, value_after_scheme)
}

/// The value of a credential-named key, in query strings, connection strings, headers and JSON:
/// `sig=…`, `AccountKey=…;`, `password: …`, `"client_secret": "…"`.
fn redact_secret_values(text: &str) -> String {
    replace_values(text, is_secret_key, value_after_key)
}

/// The value `value_after` finds after each word `is_key` holds, replaced by [`REDACTED`].
fn replace_values(
    text: &str,
    is_key: fn(&str) -> bool,
    value_after: fn(&str, usize) -> Option<(usize, usize)>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, word) in words(text) {
        let end = start + word.len();
        if end < last || !is_key(word) {
            continue;
        }
        let Some((value_start, value_end)) = value_after(text, end) else { continue };
        out.push_str(&text[last..value_start]);
        out.push_str(REDACTED);
        last = value_end;
    }
    out.push_str(&text[last..]);
    out
}

/// The byte range of the credential after a scheme ending at `end`: spaces, then a word.
fn value_after_scheme(text: &str, end: usize) -> Option<(usize, usize)> {
    let gap = text[end..].len() - text[end..].trim_start_matches([' ', '\t']).len();
    let value_start = end + gap;
    let value_len = text[value_start..].find(|c: char| c.is_whitespace() || "\"'<>,;".contains(c));
    let value_end = value_start + value_len.unwrap_or(text.len() - value_start);
    (gap > 0 && value_end > value_start).then_some((value_start, value_end))
}

/// `password`, `DB_PASSWORD`, `client-secret`: a key ending in a credential's name.
fn is_secret_key(word: &str) -> bool {
    let folded: String = word.chars().filter(|c| !matches!(c, '-' | '_')).collect();
    SECRET_KEYS.iter().any(|key| ends_with_ignoring_case(&folded, key))
}

fn ends_with_ignoring_case(word: &str, suffix: &str) -> bool {
    word.len() >= suffix.len()
        && word.is_char_boundary(word.len() - suffix.len())
        && word[word.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// The value's byte range after a key ending at `key_end`: a closing quote, spaces, `=` or `:`,
/// spaces, an opening quote, then up to the closing quote or a delimiter.
fn value_after_key(text: &str, key_end: usize) -> Option<(usize, usize)> {
    let rest = &text[key_end..];
    let after_quote = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
    let spaced = after_quote.trim_start_matches([' ', '\t']);
    let after_separator = spaced.strip_prefix(['=', ':'])?.trim_start_matches([' ', '\t']);
    let (quote, value) = match after_separator.strip_prefix(['"', '\'']) {
        Some(inner) => (after_separator.chars().next(), inner),
        None => (None, after_separator),
    };
    let value_start = text.len() - value.len();
    let len = match quote {
        Some(quote) => value.find(quote),
        None => value.find(|c: char| c.is_whitespace() || "\"'&;,<>)}]".contains(c)),
    };
    let value_end = value_start + len.unwrap_or(value.len());
    (value_end > value_start).then_some((value_start, value_end))
}

/// JWTs (a run holding `eyJ`, base64 of `{"`) and random-looking base64 runs (access keys).
fn redact_tokens(text: &str) -> String {
    let jwt_chars = |c: char| c.is_ascii_alphanumeric() || "-_.=".contains(c);
    let text = replace_runs(text, jwt_chars, |run| run.len() >= 16 && run.contains("eyJ"));
    replace_runs(&text, |c| c.is_ascii_alphanumeric() || "+/=".contains(c), looks_like_key)
}

/// Each maximal run of `keep` characters that `is_secret` holds replaced by [`REDACTED`].
fn replace_runs(text: &str, keep: fn(char) -> bool, is_secret: fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, run) in runs(text, keep).filter(|(_, run)| is_secret(run)) {
        out.push_str(&text[last..start]);
        out.push_str(REDACTED);
        last = start + run.len();
    }
    out.push_str(&text[last..]);
    out
}

/// Long, with digits and both cases, and changing character class often, as random base64 does
/// (about two changes in three characters) and words, versions and ids do not.
fn looks_like_key(run: &str) -> bool {
    let body = run.trim_end_matches('=');
    if body.len() < KEY_RUN_CHARS
        || [char::is_ascii_digit, char::is_ascii_uppercase, char::is_ascii_lowercase]
            .iter()
            .any(|class| body.chars().filter(class).count() < 2)
    {
        return false;
    }
    let class = |c: char| match c {
        c if c.is_ascii_digit() => 0,
        c if c.is_ascii_uppercase() => 1,
        c if c.is_ascii_lowercase() => 2,
        _ => 3,
    };
    let classes: Vec<u8> = body.chars().map(class).collect();
    let changes = classes.windows(2).filter(|pair| pair[0] != pair[1]).count();
    changes * 5 >= body.len() * 2
}

/// Alphanumeric words with `-` and `_` inside (`client_secret`, `x-api-key`), with their offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    runs(text, |c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Maximal runs of characters satisfying `keep`, with their byte offsets.
fn runs(text: &str, keep: fn(char) -> bool) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while rest.next_if(|(_, c)| !keep(*c)).is_some() {}
        let (start, _) = *rest.peek()?;
        let mut end = start;
        while let Some((at, c)) = rest.next_if(|(_, c)| keep(*c)) {
            end = at + c.len_utf8();
        }
        Some((start, &text[start..end]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Canary values: none may survive redaction, whatever surrounds them.
    const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IkNBTkFSWSJ9.eyJzdWIiOiJjYW5hcnkifQ.c2lnbmF0dXJlQ0FOQVJZ";
    const STORAGE_KEY: &str = "Zm9vQ0FOQVJZa2V5M2Q4ZjJhOXBRcjdUMHZXeFk1bkJ6TWtMNGhHalNkRmcxcUE9PT0xMjM0NTY3ODkw==";
    const OPAQUE: &str = "CANARYopaque7f3";

    fn redacted(text: &str) -> String {
        let out = redact(text);
        for canary in [JWT, STORAGE_KEY, OPAQUE, "CANARY", "hunter2"] {
            assert!(!out.contains(canary), "{canary} survived in {out:?} (from {text:?})");
        }
        out
    }

    #[test]
    fn a_private_key_header_cut_inside_a_character_does_not_panic() {
        // Found by fuzz/run.sh (config): the 64-byte cut of the header fell inside `ݚ`.
        for pad in 40..70 {
            let text = format!("-----BEGIN {}éééé PRIVATE KEY-----\nk\n-----END", "x".repeat(pad));
            assert!(redact(&text).starts_with("-----BEGIN "), "{pad}");
        }
        let key = "-----BEGIN ݚ PRIVATE KEY-----\nabc\n-----END PRIVATE KEY----- after";
        assert_eq!(redact(key), "[redacted private key] after");
    }

    #[test]
    fn authorization_schemes_lose_their_credential() {
        assert_eq!(redacted(&format!("Authorization: Bearer {OPAQUE}")), "Authorization: Bearer [redacted]");
        assert_eq!(redacted(&format!("authorization: bearer {JWT}\nnext")), "authorization: bearer [redacted]\nnext");
        assert_eq!(redacted("Basic dXNlcjpodW50ZXIyQ0FOQVJZ"), "Basic [redacted]");
        assert_eq!(
            redacted(&format!("\"Authorization\":\"Bearer {OPAQUE}\"")),
            "\"Authorization\":\"Bearer [redacted]\""
        );
        assert_eq!(redacted(&format!("SharedKey account:{OPAQUE}")), "SharedKey [redacted]");
    }

    #[test]
    fn jwts_are_redacted_anywhere() {
        assert_eq!(redacted(&format!("token was {JWT}, expired")), "token was [redacted], expired");
        assert_eq!(redacted(&format!("id: x-{JWT}")), "id: [redacted]");
        assert_eq!(redacted("eyJhbGciOiJIUzI1NiJ9"), REDACTED, "a JWT header alone");
    }

    #[test]
    fn credential_named_values_are_redacted() {
        let sas = format!("https://a.blob.core.windows.net/c?sv=2022-11-02&se=2026&sig={OPAQUE}%3D&sp=r");
        assert_eq!(redacted(&sas), "https://a.blob.core.windows.net/c?sv=2022-11-02&se=2026&sig=[redacted]&sp=r");
        let connection =
            format!("DefaultEndpointsProtocol=https;AccountName=a;AccountKey={STORAGE_KEY};EndpointSuffix=x");
        assert_eq!(
            redacted(&connection),
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=[redacted];EndpointSuffix=x"
        );
        assert_eq!(redacted("client_secret=hunter2&grant_type=x"), "client_secret=[redacted]&grant_type=x");
        assert_eq!(redacted("password = \"hunter2 with spaces\""), "password = \"[redacted]\"");
        assert_eq!(
            redacted("{\"access_token\": \"CANARY\", \"n\": 1}"),
            "{\"access_token\": \"[redacted]\", \"n\": 1}"
        );
        assert_eq!(redacted("X-Api-Key: CANARY"), "X-Api-Key: [redacted]");
        assert_eq!(redacted("SharedAccessKey=CANARY"), "SharedAccessKey=[redacted]");
        assert_eq!(redacted("PASSWORD:'hunter2'"), "PASSWORD:'[redacted]'");
        assert_eq!(redacted("DB_PASSWORD=hunter2"), "DB_PASSWORD=[redacted]");
        assert_eq!(redacted("x\\u0007Bearer CANARY"), "x\\u0007Bearer [redacted]", "a scheme glued to an escape");
    }

    #[test]
    fn random_looking_base64_runs_are_redacted() {
        assert_eq!(redacted(&format!("key {STORAGE_KEY} end")), "key [redacted] end");
        assert_eq!(redacted("q8Vz3Lm0Rk7Yp2Wd9Tn4Xc1Hb6Jf5Ga+/Ue"), REDACTED);
    }

    #[test]
    fn private_keys_are_redacted_whole_even_when_cut() {
        let pem = "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowCANARY\nabc\n-----END RSA PRIVATE KEY-----\nb";
        assert_eq!(redacted(pem), "a\n[redacted private key]\nb");
        assert_eq!(redacted("-----BEGIN PRIVATE KEY-----\nMIIEvCANARY"), "[redacted private key]");
        let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        assert_eq!(redact(certificate), certificate, "a certificate is public");
    }

    #[test]
    fn what_is_not_a_credential_is_kept() {
        let kept = [
            "/subscriptions/3f2a9c1e-0000-4a5b-9c8d-1234567890ab/resourceGroups/rg-Prod01/providers/Microsoft.ContainerService/managedClusters/aks",
            "AKSUbuntu-2204gen2containerd-202405.20.0",
            "mcr.microsoft.com/oss/kubernetes/ingress/nginx-ingress-controller@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "403 Forbidden: pods is forbidden: User \"system:serviceaccount:ci:aksguard\" cannot list resource \"pods\"",
            "The token is expired; run az login",
            "signature verification failed",
            "AuthorizationFailed",
            "shop-web-7d9f8b6c5d-x2x4z",
        ];
        for text in kept {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn excerpts_are_capped_redacted_and_escaped() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("0123456789abc", 10), "0123456789…");
        assert_eq!(excerpt("ééééé", 3), "ééé…");
        let huge = format!("Bearer {OPAQUE} {}", "x".repeat(10_000_000));
        let out = excerpt(&huge, 40);
        assert!(out.starts_with("Bearer [redacted] xxx") && out.ends_with('…') && out.chars().count() == 41, "{out}");
        let cut_key = format!("{}AccountKey={STORAGE_KEY}", "y".repeat(EXCERPT_CHARS - 20));
        assert!(!excerpt(&cut_key, EXCERPT_CHARS).contains(&STORAGE_KEY[..10]));
        let cut_jwt = format!("{} {JWT}", "z".repeat(1400));
        assert!(!excerpt(&cut_jwt, 100).contains("eyJ"), "a JWT cut by the bound is still redacted");
        assert_eq!(excerpt("a\u{1b}[2Jb", 20), "a\\u{1b}[2Jb");
    }

    #[test]
    fn server_text_is_one_capped_redacted_line() {
        let echoed = format!("upstream error\nAuthorization: Bearer {JWT}\r\n\u{1b}]0;x\u{7}");
        let shown = server_text(&echoed);
        assert!(!shown.contains("eyJ") && !shown.contains('\u{1b}') && !shown.contains('\n'), "{shown}");
        assert!(shown.starts_with("upstream error Authorization: Bearer [redacted]"), "{shown}");
        let long = server_text(&"word ".repeat(100_000));
        assert_eq!(long.chars().count(), SERVER_TEXT_CHARS + 1, "{long}");
        assert!(long.ends_with('…'));
    }

    #[test]
    fn server_codes_are_kept_only_when_they_are_codes() {
        assert_eq!(server_code("AuthorizationFailed"), "AuthorizationFailed");
        assert_eq!(server_code("InternalError"), "InternalError");
        assert_eq!(server_code("Bearer abc"), "");
        assert_eq!(server_code(JWT), "");
        assert_eq!(server_code(&"A".repeat(81)), "");
        assert_eq!(server_code("a\u{1b}b"), "");
    }
}

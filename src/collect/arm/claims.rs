//! Whose token it is, for `aksguard doctor`: the claims of the token's JWT payload. The token is
//! not verified (ARM does that); only a name is taken from it, never the token itself.

use serde_json::Value;

/// `user alice@contoso.com` or `application 00000000-…`, from a base64url JWT payload.
pub fn identity(payload: &str) -> Option<String> {
    let claims: Value = serde_json::from_slice(&base64url_decode(payload)?).ok()?;
    let claim = |name: &str| claims.get(name).and_then(Value::as_str).filter(|v| !v.is_empty());
    if let Some(user) = claim("upn").or_else(|| claim("unique_name")).or_else(|| claim("preferred_username")) {
        return Some(format!("user {user}"));
    }
    claim("appid").or_else(|| claim("azp")).map(|app| format!("application {app}"))
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_applications_are_named() {
        // {"upn":"alice@contoso.com"} and {"appid":"11111111-2222"}
        assert_eq!(identity("eyJ1cG4iOiJhbGljZUBjb250b3NvLmNvbSJ9").as_deref(), Some("user alice@contoso.com"));
        assert_eq!(identity("eyJhcHBpZCI6IjExMTExMTExLTIyMjIifQ").as_deref(), Some("application 11111111-2222"));
        assert_eq!(identity("not-a-jwt-payload!"), None);
    }
}

//! Small text helpers the formats share.

/// Escapes text for XML and HTML element content and attribute values. Control characters other
/// than tab and newline are dropped: XML 1.0 cannot carry them at all.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// ARM ids shortened to what follows the provider namespace:
/// `/subscriptions/S/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/aks`
/// → `managedClusters/aks`. Machine formats keep the full id.
pub fn short_resource(resource: &str) -> &str {
    if !resource.starts_with("/subscriptions/") {
        return resource;
    }
    let lower = resource.to_ascii_lowercase();
    match lower.rfind("/providers/") {
        Some(at) => {
            let after = &resource[at + "/providers/".len()..];
            after.split_once('/').map_or(after, |(_, rest)| rest)
        }
        None => resource,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape_xml("<script>a & 'b' \"c\"</script>\u{1b}[0m"),
            "&lt;script&gt;a &amp; &#39;b&#39; &quot;c&quot;&lt;/script&gt;[0m"
        );
    }

    #[test]
    fn arm_ids_are_shortened() {
        assert_eq!(
            short_resource(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks/maintenanceConfigurations/x"
            ),
            "managedClusters/aks/maintenanceConfigurations/x"
        );
        assert_eq!(
            short_resource("/subscriptions/s/providers/Microsoft.Security/pricings/Containers"),
            "pricings/Containers"
        );
        assert_eq!(short_resource("Namespace/shop"), "Namespace/shop");
    }
}

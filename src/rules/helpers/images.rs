//! Container image references: which registry an image comes from, and whether it is pinned.
//! Follows the Docker reference grammar: the first path component is a registry only if it has a
//! `.` or a `:` or is `localhost`; otherwise the image is on Docker Hub (`nginx` is
//! `docker.io/library/nginx`).

#[derive(Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Lower-case registry host (with port), `docker.io` for Docker Hub.
    pub registry: String,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_ALIASES: &[&str] = &["index.docker.io", "registry-1.docker.io"];

pub fn parse(image: &str) -> ImageRef<'_> {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let registry = match name.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => canonical(first),
        _ => DOCKER_HUB.to_string(),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, tag)| tag);
    ImageRef { registry, tag, digest }
}

/// A registry host as images and patterns are compared: lower case, Docker Hub's other names
/// (`index.docker.io`, `registry-1.docker.io`) as `docker.io`.
fn canonical(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    if DOCKER_HUB_ALIASES.contains(&host.as_str()) { DOCKER_HUB.to_string() } else { host }
}

/// `*.azurecr.io` matches any subdomain of azurecr.io; anything else must match exactly, Docker
/// Hub by any of its names.
pub fn registry_matches(registry: &str, pattern: &str) -> bool {
    let pattern = canonical(pattern);
    match pattern.strip_prefix("*.") {
        Some(domain) => registry.strip_suffix(domain).is_some_and(|prefix| prefix.len() > 1 && prefix.ends_with('.')),
        None => registry == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_follow_the_docker_grammar() {
        let registry = |image| parse(image).registry;
        assert_eq!(registry("nginx"), "docker.io");
        assert_eq!(registry("contoso/backend-api:latest"), "docker.io");
        assert_eq!(registry("docker.io/library/nginx:1.25"), "docker.io");
        assert_eq!(registry("index.docker.io/nginx"), "docker.io");
        assert_eq!(registry("contosoacr.azurecr.io/backend-api:v1.2"), "contosoacr.azurecr.io");
        assert_eq!(registry("mcr.microsoft.com/oss/kubernetes/coredns:v1.11"), "mcr.microsoft.com");
        assert_eq!(registry("localhost:5000/app"), "localhost:5000");
        assert_eq!(registry("localhost/app"), "localhost");
    }

    #[test]
    fn tags_and_digests() {
        assert_eq!(parse("nginx").tag, None);
        assert_eq!(parse("nginx:1.25").tag, Some("1.25"));
        assert_eq!(parse("localhost:5000/app").tag, None, "the port is not a tag");
        let pinned = parse("acr.azurecr.io/app@sha256:abc");
        assert_eq!((pinned.tag, pinned.digest), (None, Some("sha256:abc")));
    }

    #[test]
    fn wildcard_patterns_match_subdomains_only() {
        assert!(registry_matches("contosoacr.azurecr.io", "*.azurecr.io"));
        assert!(!registry_matches("azurecr.io", "*.azurecr.io"));
        assert!(!registry_matches("evilazurecr.io", "*.azurecr.io"));
        assert!(registry_matches("mcr.microsoft.com", "MCR.microsoft.com"));
        assert!(!registry_matches("docker.io", "mcr.microsoft.com"));
    }

    #[test]
    fn docker_hub_matches_by_any_of_its_names() {
        for image in ["nginx", "docker.io/library/nginx", "index.docker.io/library/nginx", "Registry-1.Docker.io/nginx"]
        {
            let registry = parse(image).registry;
            for pattern in ["docker.io", "index.docker.io", "registry-1.docker.io", "INDEX.docker.io"] {
                assert!(registry_matches(&registry, pattern), "{image} against {pattern}");
            }
        }
        assert!(!registry_matches(&parse("evil-docker.io/nginx").registry, "index.docker.io"));
        assert!(!registry_matches(&parse("docker.io.evil.com/nginx").registry, "docker.io"));
    }
}

//! `ingress-https`: every Ingress serves its hosts over HTTPS.

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity};
use crate::snapshot::kube::Ingress;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "ingress-https",
    title: "Ingresses serve HTTPS",
    severity: Severity::Medium,
    area: Area::Network,
    help_uri: "https://learn.microsoft.com/azure/aks/app-routing-dns-ssl",
    reads: &[source::INGRESSES],
    docs: DOCS,
    cis: &["5.4.5"],
    references: &[
        "Azure Policy: Kubernetes clusters should be accessible only over HTTPS (1a5b4dca-0b6f-4cf5-907c-56316bc1bf3d)",
        "Azure Policy: Kubernetes clusters should specify host in ingress resource rules (d8c942c6-16a3-400b-8f2e-785f44030036)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every Ingress must have a `spec.tls` section, every host its rules route must be listed in one
of its `tls[].hosts`, and every rule must name a `host` (the Azure Policy built-ins 1a5b4dca,
HTTPS only, and d8c942c6, host in ingress rules). Ingresses in system namespaces are reported as
platform-managed.

With TLS in place, an Ingress still fails when it keeps plain HTTP open on purpose:
`kubernetes.io/ingress.allow-http: \"true\"`; NGINX's (and the app routing add-on's)
`nginx.ingress.kubernetes.io/ssl-redirect: \"false\"` without `force-ssl-redirect: \"true\"`; or,
on the Application Gateway Ingress Controller (class `azure-application-gateway` or
`azure/application-gateway`), no `appgw.ingress.kubernetes.io/ssl-redirect: \"true\"`, since it
serves HTTP beside HTTPS unless told to redirect. The built-in 1a5b4dca also demands
`kubernetes.io/ingress.allow-http: \"false\"` on every Ingress; aksguard does not: it is the GCE
controller's annotation, which AKS's ingress controllers (NGINX, the app routing add-on,
Application Gateway) do not read, and NGINX redirects HTTP to HTTPS for TLS hosts already, so
requiring it would fail every Ingress on AKS without making one more secure.

## Why it matters
An Ingress without TLS serves plain HTTP: session cookies, tokens and form data cross the
internet readable and changeable by anyone on the path. A rule without a host answers every
hostname pointed at the controller, including ones nobody meant to publish.

## How to fix
Add a certificate (from cert-manager or the app routing add-on's Key Vault integration) and list
every host under `tls`:

    spec:
      tls:
        - hosts: [shop.contoso.com]
          secretName: shop-tls
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let ingresses = ctx.ingresses()?;
    let mut findings: Vec<Finding> =
        ingresses.iter().filter_map(|ingress| plain_hosts(ingress).map(|hosts| fail(ctx, ingress, hosts))).collect();
    if !findings.iter().any(|f| !f.platform_managed) {
        let message = format!("{} Ingress(es), all serving HTTPS outside system namespaces", ingresses.len());
        findings.push(
            RULE.pass(ctx.cluster_resource(), message).with_evidence(Evidence::kubernetes("checked every Ingress")),
        );
    }
    Ok(findings)
}

/// The Application Gateway Ingress Controller serves HTTP beside HTTPS unless told to redirect.
const AGIC_CLASSES: &[&str] = &["azure-application-gateway", "azure/application-gateway"];

/// An annotation that keeps plain HTTP open next to TLS, in words; `None` when HTTP redirects.
fn http_kept_open(ingress: &Ingress) -> Option<String> {
    let annotation = |key: &str| ingress.metadata.annotations.get(key).map(String::as_str);
    if annotation("kubernetes.io/ingress.allow-http") == Some("true") {
        return Some("kubernetes.io/ingress.allow-http = \"true\": plain HTTP stays open".into());
    }
    if annotation("nginx.ingress.kubernetes.io/ssl-redirect") == Some("false")
        && annotation("nginx.ingress.kubernetes.io/force-ssl-redirect") != Some("true")
    {
        return Some("nginx.ingress.kubernetes.io/ssl-redirect = \"false\": HTTP is served, not redirected".into());
    }
    let class = ingress.spec.ingress_class_name.as_deref().or(annotation("kubernetes.io/ingress.class"));
    let agic = class.is_some_and(|class| AGIC_CLASSES.contains(&class));
    (agic && annotation("appgw.ingress.kubernetes.io/ssl-redirect") != Some("true")).then(|| {
        "Application Gateway without appgw.ingress.kubernetes.io/ssl-redirect = \"true\": HTTP is served beside HTTPS"
            .into()
    })
}

/// What the Ingress serves without TLS: `None` when it is all HTTPS.
fn plain_hosts(ingress: &Ingress) -> Option<String> {
    let tls = &ingress.spec.tls;
    let hostless = ingress.spec.rules.iter().filter(|rule| rule.host.as_deref().is_none_or(str::is_empty)).count();
    let hostless = (hostless > 0).then(|| format!("{hostless} rule(s) without a host match every hostname"));
    if tls.is_empty() {
        let plain = "no spec.tls: every host is served over plain HTTP".to_string();
        return Some(hostless.map_or(plain.clone(), |h| format!("{plain}; {h}")));
    }
    let uncovered: Vec<&str> = ingress
        .spec
        .rules
        .iter()
        .filter_map(|rule| rule.host.as_deref())
        .filter(|host| !tls.iter().any(|t| t.hosts.iter().any(|h| h == host)))
        .collect();
    let uncovered = (!uncovered.is_empty()).then(|| format!("hosts without TLS: {}", uncovered.join(", ")));
    let problems: Vec<String> = [uncovered, hostless, http_kept_open(ingress)].into_iter().flatten().collect();
    (!problems.is_empty()).then(|| problems.join("; "))
}

fn fail(ctx: &Context, ingress: &Ingress, why: String) -> Finding {
    let (namespace, name) = (ingress.metadata.namespace(), ingress.metadata.name.as_str());
    let platform = ctx.is_system_namespace(namespace);
    let finding = RULE
        .fail(
            Resource::namespaced("Ingress", namespace, name),
            format!("Ingress {namespace}/{name} serves plain HTTP or answers any host"),
        )
        .with_evidence(Evidence::kubernetes(format!("Ingress {namespace}/{name}: {why}")))
        .platform_managed(platform);
    match platform {
        true => finding,
        false => finding.with_remediation(format!(
            "kubectl -n {namespace} edit ingress {name}  # name a host on every rule; add spec.tls with every host and a certificate secret; redirect HTTP to HTTPS"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, run};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    fn with_ingresses(ingresses: Value) -> Snapshot {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.ingresses = Part::Collected(k8s(ingresses));
        snapshot
    }

    fn ingress(name: &str, hosts: &[&str], tls: Value) -> Value {
        let rules: Vec<Value> = hosts.iter().map(|h| json!({"host": h})).collect();
        json!({"metadata": {"name": name, "namespace": "shop"}, "spec": {"rules": rules, "tls": tls}})
    }

    #[test]
    fn tls_with_http_kept_open_fails_and_redirects_pass() {
        let tls = json!([{"hosts": ["shop.contoso.com"], "secretName": "shop-tls"}]);
        let annotated = |name: &str, class: Option<&str>, annotations: Value| {
            let mut ingress = ingress(name, &["shop.contoso.com"], tls.clone());
            ingress["metadata"]["annotations"] = annotations;
            if let Some(class) = class {
                ingress["spec"]["ingressClassName"] = json!(class);
            }
            ingress
        };
        let findings = run(
            &RULE,
            &with_ingresses(json!([
                annotated("allow", None, json!({"kubernetes.io/ingress.allow-http": "true"})),
                annotated("no-redirect", None, json!({"nginx.ingress.kubernetes.io/ssl-redirect": "false"})),
                annotated(
                    "forced",
                    None,
                    json!({"nginx.ingress.kubernetes.io/ssl-redirect": "false", "nginx.ingress.kubernetes.io/force-ssl-redirect": "true"})
                ),
                annotated("agic", Some("azure-application-gateway"), json!({})),
                annotated(
                    "agic-redirects",
                    Some("azure-application-gateway"),
                    json!({"appgw.ingress.kubernetes.io/ssl-redirect": "true"})
                ),
                annotated("app-routing", Some("webapprouting.kubernetes.azure.com"), json!({})),
            ])),
        );
        let failing: Vec<&str> =
            findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.resource.as_str()).collect();
        assert_eq!(failing, ["Ingress/shop/allow", "Ingress/shop/no-redirect", "Ingress/shop/agic"]);
        assert!(findings[2].evidence[0].contains("HTTP is served beside HTTPS"), "{:?}", findings[2].evidence);
    }

    #[test]
    fn plain_http_and_an_uncovered_host_fail_full_tls_passes() {
        let findings = run(
            &RULE,
            &with_ingresses(json!([
                ingress("plain", &["shop.contoso.com"], json!(null)),
                ingress("half", &["shop.contoso.com", "api.contoso.com"], json!([{"hosts": ["shop.contoso.com"]}])),
                ingress(
                    "tls",
                    &["shop.contoso.com"],
                    json!([{"hosts": ["shop.contoso.com"], "secretName": "shop-tls"}])
                ),
                json!({"metadata": {"name": "any", "namespace": "shop"}, "spec": {"rules": [{"http": {}}], "tls": [{"hosts": ["a"]}]}}),
            ])),
        );
        let failing: Vec<String> =
            findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.resource.to_string()).collect();
        assert_eq!(failing, ["Ingress/shop/plain", "Ingress/shop/half", "Ingress/shop/any"]);
        assert!(findings[2].evidence[0].contains("1 rule(s) without a host"), "{:?}", findings[2].evidence);
        assert!(findings[1].evidence[0].contains("hosts without TLS: api.contoso.com"), "{:?}", findings[1].evidence);
        let passing = run(
            &RULE,
            &with_ingresses(json!([ingress("tls", &["a.contoso.com"], json!([{"hosts": ["a.contoso.com"]}]))])),
        );
        assert_eq!(passing.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Pass]);
    }

    #[test]
    fn ingresses_not_read_is_unknown() {
        let findings = run(&RULE, &Snapshot::empty("test", "not provided"));
        assert_eq!(findings.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Unknown]);
    }
}

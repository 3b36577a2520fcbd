//! A real HTTPS server on 127.0.0.1 for tests and the benchmark: a CA and a server certificate
//! generated at start (rcgen), HTTP/1.1 with keep-alive, one thread per connection, and a
//! handler that turns each request into a reply. It knows nothing of Kubernetes; see
//! `cluster.rs` for the API-shaped content.

#![allow(dead_code)] // each test binary uses a different part

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server saw.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Without the query.
    pub path: String,
    /// Percent-decoded query parameters.
    pub query: BTreeMap<String, String>,
    pub authorization: Option<String>,
    /// The body, for requests that have one (a token request's form).
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Close the connection instead of answering, as a dropped connection does.
    pub hang_up: bool,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply { status, headers: Vec::new(), body: body.into(), delay: Duration::ZERO, hang_up: false }
    }

    pub fn hang_up() -> Reply {
        Reply { hang_up: true, ..Reply::json(200, "") }
    }

    /// A Kubernetes `Status` error body.
    pub fn status(code: u16, reason: &str, message: &str) -> Reply {
        let body = serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                      "message": message, "reason": reason, "code": code});
        Reply::json(code, body.to_string())
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct ApiServer {
    pub url: String,
    pub ca_pem: String,
    log: Arc<Mutex<Vec<Request>>>,
}

impl ApiServer {
    /// Starts serving on a free port of 127.0.0.1; the server lives until the process ends.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> ApiServer {
        let (ca_pem, tls) = certificates();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("https://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let shared_log = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (tls, handler, log) = (tls.clone(), handler.clone(), shared_log.clone());
                std::thread::spawn(move || serve_connection(stream, tls, &*handler, &log));
            }
        });
        ApiServer { url, ca_pem, log }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// Paths requested, in order, with their query (`/api/v1/pods?continue=…&limit=500`).
    pub fn paths(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| {
                let query: Vec<String> = r.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
                if query.is_empty() { r.path.clone() } else { format!("{}?{}", r.path, query.join("&")) }
            })
            .collect()
    }

    /// A kubeconfig (JSON is YAML) whose current context `context` reaches this server with
    /// `user` (a kubeconfig user entry such as `{"token": "..."}` or `{"exec": {...}}`).
    pub fn kubeconfig(&self, dir: &Path, context: &str, user: serde_json::Value) -> PathBuf {
        let config = serde_json::json!({
            "apiVersion": "v1", "kind": "Config", "current-context": context,
            "clusters": [{"name": "test-cluster", "cluster": {"server": self.url, "certificate-authority-data": base64_encode(self.ca_pem.as_bytes())}}],
            "users": [{"name": "test-user", "user": user}],
            "contexts": [{"name": context, "context": {"cluster": "test-cluster", "user": "test-user"}}],
        });
        let path = dir.join("kubeconfig");
        std::fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
        path
    }
}

/// A test CA and a certificate for 127.0.0.1 signed by it.
fn certificates() -> (String, Arc<rustls::ServerConfig>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "aksguard test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone(), CertificateDer::from(ca_cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    (ca_cert.pem(), Arc::new(config))
}

fn serve_connection(stream: TcpStream, tls: Arc<rustls::ServerConfig>, handler: &Handler, log: &Mutex<Vec<Request>>) {
    let Ok(connection) = rustls::ServerConnection::new(tls) else { return };
    let mut stream = BufReader::new(rustls::StreamOwned::new(connection, stream));
    while let Some(request) = read_request(&mut stream) {
        log.lock().unwrap().push(request.clone());
        let reply = handler(&request);
        std::thread::sleep(reply.delay);
        if reply.hang_up {
            return;
        }
        let mut head = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            reply.status,
            reason_phrase(reply.status),
            reply.body.len()
        );
        for (name, value) in &reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let out = stream.get_mut();
        if out
            .write_all(head.as_bytes())
            .and_then(|()| out.write_all(reply.body.as_bytes()))
            .and_then(|()| out.flush())
            .is_err()
        {
            return;
        }
    }
}

/// One request: its head, and its body when `content-length` says it has one; `None` when the
/// client closed the connection.
fn read_request(stream: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    stream.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut authorization = None;
    let mut length = 0;
    loop {
        let mut header = String::new();
        stream.read_line(&mut header).ok().filter(|n| *n > 0)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value.trim().to_string());
            }
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = parse_pairs(query);
    let body = String::from_utf8_lossy(&body).into_owned();
    Some(Request { method, path: path.to_string(), query, authorization, body })
}

/// `a=1&b=x%2Fy`, as in a query or a form body, percent-decoded.
fn parse_pairs(text: &str) -> BTreeMap<String, String> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key.to_string(), percent_decode(value))
        })
        .collect()
}

impl Request {
    /// The body as a form (`application/x-www-form-urlencoded`).
    pub fn form(&self) -> BTreeMap<String, String> {
        parse_pairs(&self.body)
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Standard base64 with padding, for `certificate-authority-data`.
pub fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

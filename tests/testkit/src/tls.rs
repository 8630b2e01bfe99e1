//! HTTPS in front of the simulated panel: a CA and a server certificate for
//! 127.0.0.1 made at test time (rcgen), and a loopback TLS listener that
//! forwards every connection to the panel's plain port. It keeps what the
//! clients sent (decrypted), so a test can see the headers that arrived.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Most request bytes kept for [`TlsFront::seen`].
const SEEN_MAX: usize = 4 << 20;

/// A running TLS front; stops when dropped.
pub struct TlsFront {
    port: u16,
    ca_pem: String,
    seen: Arc<Mutex<Vec<u8>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TlsFront {
    /// A fresh CA, a certificate for 127.0.0.1 signed by it, and a TLS
    /// listener on `127.0.0.1:0` forwarding to `127.0.0.1:backend_port`.
    pub fn start(backend_port: u16) -> TlsFront {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "StreamForge test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
            .expect("CA certificate");
        let mut leaf = CertificateParams::new(Vec::<String>::new()).expect("leaf params");
        leaf.subject_alt_names = vec![SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST))];
        leaf.distinguished_name
            .push(DnType::CommonName, "panel.test");
        let leaf_key = KeyPair::generate().expect("leaf key");
        let leaf_cert = leaf.signed_by(&leaf_key, &ca).expect("leaf certificate");
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(leaf_cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind TLS front");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("local addr").port();
        let seen: Arc<Mutex<Vec<u8>>> = Arc::default();
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let seen_in = seen.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let accept = async {
                    loop {
                        let Ok((tcp, _)) = listener.accept().await else {
                            continue;
                        };
                        let (acceptor, seen) = (acceptor.clone(), seen_in.clone());
                        tokio::spawn(async move {
                            // A refused handshake (untrusted CA) simply ends here.
                            if let Ok(tls) = acceptor.accept(tcp).await {
                                forward(tls, backend_port, seen).await;
                            }
                        });
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stopped => {}
                }
            });
        });
        TlsFront {
            port,
            ca_pem: ca.pem(),
            seen,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The CA that signed the front's certificate, PEM.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Everything clients sent so far (decrypted), lossy UTF-8, lower-cased.
    pub fn seen(&self) -> String {
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&seen).to_ascii_lowercase()
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Copies both ways between the TLS client and the panel, keeping what the
/// client sent.
async fn forward(
    tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    backend_port: u16,
    seen: Arc<Mutex<Vec<u8>>>,
) {
    let Ok(backend) = tokio::net::TcpStream::connect(("127.0.0.1", backend_port)).await else {
        return;
    };
    let (mut client_rd, mut client_wr) = tokio::io::split(tls);
    let (mut backend_rd, mut backend_wr) = backend.into_split();
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match client_rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            {
                let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
                if seen.len() + n <= SEEN_MAX {
                    seen.extend_from_slice(&buf[..n]);
                }
            }
            if backend_wr.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = backend_wr.shutdown().await;
    };
    let down = async {
        let _ = tokio::io::copy(&mut backend_rd, &mut client_wr).await;
        let _ = client_wr.shutdown().await;
    };
    tokio::join!(up, down);
}

//! `/metrics` over HTTP, on a thread of its own.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::MetricsCollector;

/// A running exporter; stops when dropped.
pub struct Exporter {
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl MetricsCollector {
    /// Serves `GET /metrics` on `addr` (port 0 picks a free port; see
    /// [`Exporter::addr`]). Any other path is a 404.
    pub fn export_prometheus(&self, addr: SocketAddr) -> std::io::Result<Exporter> {
        let server = Arc::new(tiny_http::Server::http(addr).map_err(std::io::Error::other)?);
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| std::io::Error::other("exporter is not on an IP socket"))?;
        let content_type = tiny_http::Header::from_bytes(
            &b"Content-Type"[..],
            &b"text/plain; version=0.0.4; charset=utf-8"[..],
        )
        .map_err(|()| std::io::Error::other("invalid Content-Type header"))?;
        let collector = self.clone();
        let srv = server.clone();
        let thread = std::thread::Builder::new()
            .name("axon-metrics".into())
            .spawn(move || {
                for request in srv.incoming_requests() {
                    let response = if request.url() == "/metrics" {
                        match collector.render() {
                            Ok(body) => tiny_http::Response::from_string(body)
                                .with_header(content_type.clone()),
                            Err(e) => tiny_http::Response::from_string(e.to_string())
                                .with_status_code(500),
                        }
                    } else {
                        tiny_http::Response::from_string("not found: try /metrics\n")
                            .with_status_code(404)
                    };
                    if let Err(e) = request.respond(response) {
                        tracing::debug!(error = %e, "metrics client went away");
                    }
                }
            })?;
        Ok(Exporter {
            server,
            addr,
            thread: Some(thread),
        })
    }
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Exporter {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

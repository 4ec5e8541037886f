//! Which addresses the service may fetch from.
//!
//! Dataset URLs come from whoever submits a task and are fetched by every solver (and every
//! verifier's service) the task reaches: without a guard, a URL could make the service send
//! requests into its operator's own network (`http://10.0.0.5/admin`, `http://127.0.0.1:9420`,
//! the cloud metadata service at `169.254.169.254`). Unless the operator allows private targets
//! (`--allow-private-datasets`, for dev setups), an address that is not globally routable is
//! refused: IP literals before any connection, host names after resolution, where the connection
//! then goes only to the addresses checked (no second lookup that could answer differently).

use hyper_util::client::legacy::connect::dns::Name;
use std::{
	future::Future,
	net::{IpAddr, SocketAddr},
	pin::Pin,
	task::{Context, Poll},
};

pub use aichain_engine::address::is_public_ip as is_public;

/// Why a target is refused.
pub fn refusal(ip: IpAddr) -> String {
	format!(
		"{ip} is not a public address (loopback, private or link-local targets are refused \
		 unless the solver runs with --allow-private-datasets)"
	)
}

/// A DNS resolver for the dataset client that hands the connector only public addresses (all of
/// them when private targets are allowed).
#[derive(Clone, Debug)]
pub struct GuardedResolver {
	/// Whether private targets are allowed.
	pub allow_private: bool,
}

type Addrs = std::vec::IntoIter<SocketAddr>;

impl tower_service::Service<Name> for GuardedResolver {
	type Response = Addrs;
	type Error = std::io::Error;
	type Future = Pin<Box<dyn Future<Output = Result<Addrs, std::io::Error>> + Send>>;

	fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
		Poll::Ready(Ok(()))
	}

	fn call(&mut self, name: Name) -> Self::Future {
		let allow_private = self.allow_private;
		Box::pin(async move {
			let host = name.as_str().to_string();
			let resolved: Vec<SocketAddr> =
				tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
			let allowed: Vec<SocketAddr> = resolved
				.iter()
				.copied()
				.filter(|a| allow_private || is_public(a.ip()))
				.collect();
			match (allowed.is_empty(), resolved.first()) {
				(false, _) => Ok(allowed.into_iter()),
				(true, Some(first)) => Err(std::io::Error::new(
					std::io::ErrorKind::PermissionDenied,
					format!("{host} resolves to {}", refusal(first.ip())),
				)),
				(true, None) => Err(std::io::Error::new(
					std::io::ErrorKind::NotFound,
					format!("{host} has no address"),
				)),
			}
		})
	}
}

//! Datasets: fetched from a URL or read from the dataset directory, checked against the
//! commitment the job names, cached on disk (so a restarted job does not need the source again)
//! and in memory.

use crate::{net, types::DatasetRef};
use aichain_engine::{trace::blake2_256, Dataset, Hash, Program};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::{
	client::legacy::{connect::HttpConnector, Client},
	rt::TokioExecutor,
};
use std::{
	collections::HashMap,
	net::IpAddr,
	path::{Path, PathBuf},
	sync::{Arc, Mutex},
	time::Duration,
};

/// Why a dataset reference cannot be used; each maps to a 4xx answer.
#[derive(Debug)]
pub enum DatasetError {
	/// The reference itself is wrong (400).
	BadReference(String),
	/// The source could not be read or fetched (422).
	Unavailable(String),
	/// The file exceeds `--max-dataset-bytes` (413).
	TooLarge(u64),
	/// Not a valid dataset, or it does not fit the program (422).
	Invalid(String),
	/// The URL points at an address the operator does not allow (403).
	Forbidden(String),
	/// Too many downloads at once (503, retry later).
	Busy,
	/// The dataset's commitment is not the one named (422).
	Mismatch {
		/// The root the job names.
		expected: Hash,
		/// The root of the data we got.
		actual: Hash,
	},
	/// The dataset has another number of minibatches than the job names (422).
	CountMismatch {
		/// The count the job names.
		expected: u32,
		/// The dataset's count at the program's batch size.
		actual: u32,
	},
}

impl std::fmt::Display for DatasetError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::BadReference(m) => write!(f, "bad dataset reference: {m}"),
			Self::Unavailable(m) => write!(f, "dataset unavailable: {m}"),
			Self::TooLarge(max) => write!(f, "dataset larger than the limit of {max} bytes"),
			Self::Invalid(m) => write!(f, "invalid dataset: {m}"),
			Self::Forbidden(m) => write!(f, "dataset url refused: {m}"),
			Self::Busy => {
				f.write_str("the solver is fetching as many datasets as it may; retry later")
			},
			Self::Mismatch { expected, actual } => write!(
				f,
				"dataset hash mismatch: the job names root 0x{} but the data has root 0x{} for this batch size",
				hex::encode(expected),
				hex::encode(actual)
			),
			Self::CountMismatch { expected, actual } => write!(
				f,
				"dataset minibatch count mismatch: the job names {expected} but the data has {actual} for this batch size"
			),
		}
	}
}

/// Dataset sources, checks and caches.
pub struct Datasets {
	dataset_dir: Option<PathBuf>,
	cache_dir: PathBuf,
	max_bytes: u64,
	fetch_timeout: Duration,
	/// Whether URLs may point at loopback, private or link-local addresses.
	allow_private: bool,
	/// Downloads (and verifications) at once: each holds up to `max_bytes` in memory twice.
	downloads: tokio::sync::Semaphore,
	/// Held while a dataset is loaded from the disk cache: one load at a time.
	loading: Mutex<()>,
	memory: Mutex<HashMap<(Hash, u32), Arc<Dataset>>>,
}

/// Where datasets come from and how far the service goes to get them.
pub struct Sources {
	/// Directory that `path` references are read from.
	pub dataset_dir: Option<PathBuf>,
	/// Where verified copies are kept.
	pub cache_dir: PathBuf,
	/// Largest dataset file, in bytes.
	pub max_bytes: u64,
	/// Longest a download may take.
	pub fetch_timeout: Duration,
	/// Whether URLs may point at loopback, private or link-local addresses.
	pub allow_private: bool,
	/// Downloads at once.
	pub max_downloads: usize,
}

/// Where the checksum of a verified cache file is kept.
fn checksum_file(file: &Path) -> PathBuf {
	file.with_extension("aids.b2")
}

/// Record the checksum of a verified cache file (a failure only costs a full check later).
fn write_checksum(file: &Path, bytes: &[u8]) {
	let checksum = checksum_file(file);
	if let Err(e) = std::fs::write(&checksum, hex::encode(blake2_256(bytes))) {
		tracing::warn!("could not write {}: {e}", checksum.display());
	}
}

/// Longest a request waits for a download slot before it is told to retry.
const DOWNLOAD_QUEUE_WAIT: Duration = Duration::from_secs(5);

/// Datasets kept in memory at once.
const MEMORY_CACHE: usize = 8;

impl Datasets {
	/// Datasets from `sources`: `dataset_dir` for `path` references; verified copies go to
	/// `cache_dir`.
	pub fn new(sources: Sources) -> std::io::Result<Self> {
		std::fs::create_dir_all(&sources.cache_dir)?;
		Ok(Self {
			dataset_dir: sources.dataset_dir,
			cache_dir: sources.cache_dir,
			max_bytes: sources.max_bytes,
			fetch_timeout: sources.fetch_timeout,
			allow_private: sources.allow_private,
			downloads: tokio::sync::Semaphore::new(sources.max_downloads.max(1)),
			loading: Mutex::new(()),
			memory: Mutex::new(HashMap::new()),
		})
	}

	fn cache_file(&self, root: &Hash, batch_size: u32) -> PathBuf {
		self.cache_dir.join(format!("{}-b{batch_size}.aids", hex::encode(root)))
	}

	/// A dataset already verified for `(root, batch_size)`, from memory or the disk cache.
	///
	/// Loads from disk happen one at a time (a request for a dataset that another is loading
	/// waits and shares it), and a cached file is checked against the checksum written when it
	/// was verified rather than by recomputing its commitment (up to 1.1 GiB and seconds): a
	/// request cannot make the service load or hash the same dataset several times at once.
	pub fn cached(&self, root: &Hash, batch_size: u32) -> Option<Arc<Dataset>> {
		let key = (*root, batch_size);
		let in_memory = || self.memory.lock().ok().and_then(|m| m.get(&key).cloned());
		if let Some(d) = in_memory() {
			return Some(d);
		}
		let _loading = self.loading.lock().unwrap_or_else(|p| p.into_inner());
		if let Some(d) = in_memory() {
			return Some(d);
		}
		let file = self.cache_file(root, batch_size);
		let bytes = std::fs::read(&file).ok()?;
		let checksum = std::fs::read_to_string(checksum_file(&file)).ok();
		if checksum.as_deref() == Some(hex::encode(blake2_256(&bytes)).as_str()) {
			let dataset = Dataset::from_bytes(&bytes).ok()?;
			return Some(self.remember(key, dataset));
		}
		// A cache from before checksums, or a damaged file: check it in full.
		let dataset = Dataset::from_bytes(&bytes).ok()?;
		if dataset.commitment(batch_size).root != *root {
			return None;
		}
		write_checksum(&file, &bytes);
		Some(self.remember(key, dataset))
	}

	fn remember(&self, key: (Hash, u32), dataset: Dataset) -> Arc<Dataset> {
		let dataset = Arc::new(dataset);
		if let Ok(mut memory) = self.memory.lock() {
			if memory.len() >= MEMORY_CACHE {
				// Forget only datasets nobody is using: one in use (a training job, a request)
				// stays shared rather than being loaded a second time by the next request.
				memory.retain(|_, d| Arc::strong_count(d) > 1);
			}
			memory.insert(key, dataset.clone());
		}
		dataset
	}

	/// Resolve a job's dataset: cached, or read from `path`, or fetched from `url`; then check it
	/// against the program and the named root, and cache it.
	pub async fn resolve(
		self: &Arc<Self>,
		reference: &DatasetRef,
		program: &Program,
	) -> Result<Arc<Dataset>, DatasetError> {
		let dataset = self.resolve_root(reference, program).await?;
		match reference.batches {
			Some(expected) if expected != dataset.batches(program.batch_size) => {
				Err(DatasetError::CountMismatch {
					expected,
					actual: dataset.batches(program.batch_size),
				})
			},
			_ => Ok(dataset),
		}
	}

	/// [`Self::resolve`] but for the minibatch count.
	async fn resolve_root(
		self: &Arc<Self>,
		reference: &DatasetRef,
		program: &Program,
	) -> Result<Arc<Dataset>, DatasetError> {
		let root = reference.root.0;
		let batch_size = program.batch_size;
		let this = self.clone();
		if let Some(d) = tokio::task::spawn_blocking(move || this.cached(&root, batch_size))
			.await
			.ok()
			.flatten()
		{
			d.check_program(program).map_err(|e| DatasetError::Invalid(e.to_string()))?;
			return Ok(d);
		}
		// A download and its verification hold the file (up to `max_bytes`) and the parsed
		// dataset in memory: a few at a time, the rest told to come back.
		let _permit = tokio::time::timeout(DOWNLOAD_QUEUE_WAIT, self.downloads.acquire())
			.await
			.ok()
			.and_then(Result::ok)
			.ok_or(DatasetError::Busy)?;
		let bytes = match (&reference.path, &reference.url) {
			(Some(_), Some(_)) => {
				return Err(DatasetError::BadReference("give either path or url, not both".into()))
			},
			(Some(path), None) => self.read_local(path).await?,
			(None, Some(url)) => self.fetch(url).await?,
			(None, None) => {
				return Err(DatasetError::BadReference(
					"this solver does not have the dataset: give its path or url".into(),
				))
			},
		};
		let this = self.clone();
		let program = program.clone();
		tokio::task::spawn_blocking(move || this.verify_and_cache(bytes, &program, root))
			.await
			.map_err(|e| DatasetError::Invalid(e.to_string()))?
	}

	fn verify_and_cache(
		&self,
		bytes: Vec<u8>,
		program: &Program,
		root: Hash,
	) -> Result<Arc<Dataset>, DatasetError> {
		let dataset =
			Dataset::from_bytes(&bytes).map_err(|e| DatasetError::Invalid(e.to_string()))?;
		dataset
			.check_program(program)
			.map_err(|e| DatasetError::Invalid(e.to_string()))?;
		let actual = dataset.commitment(program.batch_size).root;
		if actual != root {
			return Err(DatasetError::Mismatch { expected: root, actual });
		}
		let file = self.cache_file(&root, program.batch_size);
		let tmp = file.with_extension("tmp");
		match std::fs::write(&tmp, &bytes).and_then(|_| std::fs::rename(&tmp, &file)) {
			Ok(()) => write_checksum(&file, &bytes),
			Err(e) => tracing::warn!("could not cache dataset {}: {e}", file.display()),
		}
		tracing::info!(
			"dataset 0x{} verified: {} samples, {} minibatches of {}",
			hex::encode(root),
			dataset.samples(),
			dataset.batches(program.batch_size),
			program.batch_size
		);
		Ok(self.remember((root, program.batch_size), dataset))
	}

	async fn read_local(&self, name: &str) -> Result<Vec<u8>, DatasetError> {
		let dir = self.dataset_dir.as_ref().ok_or_else(|| {
			DatasetError::BadReference("this solver has no --dataset-dir; use a url".into())
		})?;
		let relative = Path::new(name);
		let plain = relative.components().all(|c| matches!(c, std::path::Component::Normal(_)));
		if name.is_empty() || !plain {
			return Err(DatasetError::BadReference(format!(
				"path {name:?} must be a relative name inside the dataset directory"
			)));
		}
		let file = dir.join(relative);
		let meta = tokio::fs::metadata(&file)
			.await
			.map_err(|e| DatasetError::Unavailable(format!("{name}: {e}")))?;
		if meta.len() > self.max_bytes {
			return Err(DatasetError::TooLarge(self.max_bytes));
		}
		tokio::fs::read(&file)
			.await
			.map_err(|e| DatasetError::Unavailable(format!("{name}: {e}")))
	}

	async fn fetch(&self, url: &str) -> Result<Vec<u8>, DatasetError> {
		let uri: hyper::Uri = url
			.parse()
			.map_err(|e| DatasetError::BadReference(format!("url {url:?}: {e}")))?;
		if !matches!(uri.scheme_str(), Some("http" | "https")) {
			return Err(DatasetError::BadReference(format!("url {url:?} must be http or https")));
		}
		let host = uri.host().unwrap_or_default();
		if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
			if !self.allow_private && !net::is_public(ip) {
				return Err(DatasetError::Forbidden(format!("url {url:?}: {}", net::refusal(ip))));
			}
		}
		// Host names are resolved by the guarded resolver, and the connection goes only to the
		// addresses it let through.
		let mut http = HttpConnector::new_with_resolver(net::GuardedResolver {
			allow_private: self.allow_private,
		});
		http.enforce_http(false);
		http.set_connect_timeout(Some(self.fetch_timeout));
		let connector = hyper_rustls::HttpsConnectorBuilder::new()
			.with_provider_and_native_roots(rustls::crypto::ring::default_provider())
			.map_err(|e| DatasetError::Unavailable(format!("TLS setup: {e}")))?
			.https_or_http()
			.enable_http1()
			.enable_http2()
			.wrap_connector(http);
		let client: Client<_, Empty<Bytes>> =
			Client::builder(TokioExecutor::new()).build(connector);
		let max = self.max_bytes;
		let download = async {
			let response = client.get(uri).await.map_err(|e| {
				// The guard's refusal is the source of the connection error.
				let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
				while let Some(cause) = source {
					if let Some(io) = cause.downcast_ref::<std::io::Error>() {
						if io.kind() == std::io::ErrorKind::PermissionDenied {
							return DatasetError::Forbidden(format!("url {url:?}: {io}"));
						}
					}
					source = cause.source();
				}
				DatasetError::Unavailable(format!("{url}: {e}"))
			})?;
			if !response.status().is_success() {
				return Err(DatasetError::Unavailable(format!(
					"{url}: HTTP {}",
					response.status()
				)));
			}
			let declared = response
				.headers()
				.get(hyper::header::CONTENT_LENGTH)
				.and_then(|v| v.to_str().ok())
				.and_then(|v| v.parse::<u64>().ok());
			if declared.is_some_and(|n| n > max) {
				return Err(DatasetError::TooLarge(max));
			}
			let limit = usize::try_from(max).unwrap_or(usize::MAX);
			let body = Limited::new(response.into_body(), limit).collect().await.map_err(|e| {
				if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
					DatasetError::TooLarge(max)
				} else {
					DatasetError::Unavailable(format!("{url}: {e}"))
				}
			})?;
			Ok(body.to_bytes().to_vec())
		};
		tracing::info!("fetching dataset from {url}");
		tokio::time::timeout(self.fetch_timeout, download).await.map_err(|_| {
			DatasetError::Unavailable(format!(
				"{url}: no complete answer within {:?}",
				self.fetch_timeout
			))
		})?
	}
}

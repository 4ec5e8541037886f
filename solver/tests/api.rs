//! The solver as a user meets it: the real `aichain-solver` process, spoken to over HTTP.

use aichain_engine::{
	trace::{self, MerkleProof},
	train::Trainer,
	Dataset, Executor, Minibatch, Program, Schedule, Simd, State, Trace,
};
use aichain_engine_tests::{digits, digits_program};
use codec::Decode;
use serde_json::{json, Value};
use std::{
	io::{BufRead, BufReader, Read, Write},
	net::{TcpListener, TcpStream},
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// A running solver; killed (SIGKILL) on drop.
struct Solver {
	child: Child,
	/// The public listener: the read side.
	addr: String,
	/// The control listener: the node's side.
	control: String,
}

/// Start a solver process with `args`; the addresses it printed, or what it said on stderr if
/// it exited.
fn spawn_solver(args: &[&str]) -> Result<(Child, String, String), String> {
	let mut child = Command::new(env!("CARGO_BIN_EXE_aichain-solver"))
		.args(args)
		.env("RUST_LOG", "info")
		.env("NO_COLOR", "1")
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.expect("solver starts");
	let stdout = child.stdout.take().unwrap();
	let stderr = child.stderr.take().unwrap();
	let (tx, rx) = std::sync::mpsc::channel();
	std::thread::spawn(move || {
		let (mut public, mut control) = (None, None);
		let address = |line: &str, marker: &str| {
			line.find(marker).map(|at| {
				line[at + marker.len()..].split_whitespace().next().unwrap_or("").to_string()
			})
		};
		for line in BufReader::new(stdout).lines().map_while(Result::ok) {
			println!("solver | {line}");
			if line.contains("control listener") {
				control = address(&line, "on http://");
			} else if line.contains("listening on http://") {
				public = address(&line, "listening on http://");
			}
			if let (Some(p), Some(c)) = (&public, &control) {
				let _ = tx.send((p.clone(), c.clone()));
				public = None;
			}
		}
	});
	let errors = std::thread::spawn(move || {
		let mut text = String::new();
		let _ = BufReader::new(stderr).read_to_string(&mut text);
		eprint!("{text}");
		text
	});
	match rx.recv_timeout(Duration::from_secs(30)) {
		Ok((public, control)) => Ok((child, public, control)),
		_ => {
			let _ = child.kill();
			let _ = child.wait();
			Err(errors.join().unwrap_or_default())
		},
	}
}

impl Solver {
	fn start(data_dir: &Path, dataset_dir: &Path, extra: &[&str]) -> Self {
		let (data, datasets) = (data_dir.to_str().unwrap(), dataset_dir.to_str().unwrap());
		let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--control-listen", "127.0.0.1:0"];
		args.extend(["--threads", "2", "--data-dir", data, "--dataset-dir", datasets]);
		args.extend(extra);
		let (child, addr, control) = spawn_solver(&args).expect("solver listens");
		Solver { child, addr, control }
	}

	fn kill(mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}

	/// A request to the public listener.
	fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
		http(&self.addr, method, path, body)
	}

	/// A request to the control listener, as the node makes it.
	fn control_request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
		http(&self.control, method, path, body)
	}

	/// `GET` on the public listener.
	fn get(&self, path: &str) -> (u16, Value) {
		let (status, body) = self.request("GET", path, None);
		(status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
	}

	/// `POST` on the control listener (only the node posts).
	fn post(&self, path: &str, body: &Value) -> (u16, Value) {
		let (status, body) = self.control_request("POST", path, Some(&body.to_string()));
		(status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
	}

	fn wait_for(&self, id: &str, what: impl Fn(&Value) -> bool) -> Value {
		let start = Instant::now();
		loop {
			let (status, job) = self.get(&format!("/jobs/{id}"));
			assert_eq!(status, 200, "{job}");
			if what(&job) {
				return job;
			}
			assert_ne!(job["state"], "failed", "{job}");
			assert!(start.elapsed() < Duration::from_secs(300), "timed out: {job}");
			std::thread::sleep(Duration::from_millis(50));
		}
	}
}

impl Drop for Solver {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// HTTP/1.1 with `Connection: close`: enough for a test, and no client library in the way.
fn http(addr: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
	let (status, _, body) =
		http_full(TcpStream::connect(addr).expect("connects"), addr, method, path, body);
	(status, body)
}

/// [`http`] on a connected stream; also returns the response headers.
fn http_full(
	mut stream: TcpStream,
	addr: &str,
	method: &str,
	path: &str,
	body: Option<&str>,
) -> (u16, String, String) {
	stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
	let body = body.unwrap_or("");
	write!(
		stream,
		"{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
		body.len()
	)
	.unwrap();
	let mut response = String::new();
	stream.read_to_string(&mut response).unwrap();
	let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status line");
	let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
	(status, head.to_ascii_lowercase(), body.to_string())
}

fn scratch(name: &str) -> PathBuf {
	let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
		.join(format!("solver-{name}-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	std::fs::create_dir_all(&dir).unwrap();
	dir
}

/// A dataset directory holding the digits training set; returns it and the set.
fn digits_dir(name: &str) -> (PathBuf, Dataset) {
	let dir = scratch(&format!("{name}-datasets"));
	let (train, _) = digits();
	std::fs::write(dir.join("digits-train.aids"), train.to_bytes()).unwrap();
	(dir, train)
}

fn hex(h: &[u8]) -> String {
	format!("0x{}", h.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn job_body(id: &str, program: &Program, data: &Dataset, source: Value) -> Value {
	let mut dataset = json!({ "root": hex(&data.commitment(program.batch_size).root) });
	dataset.as_object_mut().unwrap().extend(source.as_object().unwrap().clone());
	json!({ "id": id, "program": program, "dataset": dataset })
}

/// Trace root, final state hash and model hash computed in-process by the engine.
fn native(program: &Program, data: &Dataset) -> (String, String, String, Trace) {
	let executor = Executor::new(1, Simd::Portable);
	let mut trainer = Trainer::new(program, data, &executor).unwrap();
	let mut state = State::initial(program);
	let trace = trainer.run(&mut state).unwrap();
	(hex(&trace.root()), hex(&state.hash()), hex(&state.model_hash()), trace)
}

fn decode_hash(v: &Value) -> [u8; 32] {
	let s = v.as_str().unwrap().trim_start_matches("0x");
	let mut out = [0u8; 32];
	for (i, b) in out.iter_mut().enumerate() {
		*b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
	}
	out
}

fn decode_bytes(v: &Value) -> Vec<u8> {
	let s = v.as_str().unwrap().trim_start_matches("0x");
	(0..s.len() / 2)
		.map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
		.collect()
}

#[test]
fn digits_job_runs_and_its_trace_is_reproducible() {
	let (datasets, train) = digits_dir("e2e");
	let solver = Solver::start(&scratch("e2e-data"), &datasets, &[]);
	let program = digits_program(600);
	let body = job_body("digits-1", &program, &train, json!({ "path": "digits-train.aids" }));

	let (status, job) = solver.post("/jobs", &body);
	assert_eq!(status, 202, "{job}");
	assert_eq!(job["id"], "digits-1");
	assert_eq!(job["work_units"], program.work_units().unwrap());
	let done = solver.wait_for("digits-1", |j| j["state"] == "completed");
	assert_eq!((done["step"].as_u64(), done["progress"].as_f64()), (Some(600), Some(100.0)));

	// The result is what any other machine computes.
	let (root, final_hash, model, trace) = native(&program, &train);
	let (status, result) = solver.get("/jobs/digits-1/result");
	assert_eq!(status, 200, "{result}");
	assert_eq!(result["trace_root"], root);
	assert_eq!(result["final_state_hash"], final_hash);
	assert_eq!(result["model_hash"], model);
	assert_eq!(result["steps"], 600);

	// Checkpoint hash with a proof that verifies against the root.
	let (status, proof) = solver.get("/jobs/digits-1/steps/237");
	assert_eq!(status, 200, "{proof}");
	assert_eq!(proof["hash"], hex(&trace.hashes[236]));
	let siblings: Vec<[u8; 32]> =
		proof["proof"].as_array().unwrap().iter().map(decode_hash).collect();
	let merkle = MerkleProof { siblings: siblings.try_into().unwrap() };
	assert!(trace::verify_step(
		&decode_hash(&result["trace_root"]),
		600,
		237,
		trace.hashes[236],
		&merkle
	));

	// The minibatch step 237 trained on (the engine's per-epoch order picks it), with its proof
	// against the dataset root the job names: what a fraud proof carries to the chain.
	let (status, mb) = solver.get("/jobs/digits-1/steps/237/minibatch");
	assert_eq!(status, 200, "{mb}");
	let minibatch = Minibatch::decode(&mut decode_bytes(&mb["minibatch"]).as_slice()).unwrap();
	let (index, expected) =
		Schedule::new(&program, &train).minibatch_for_step(&train, 237).unwrap();
	assert_eq!((mb["index"].as_u64(), &minibatch), (Some(u64::from(index)), &expected));
	let commitment = train.commitment(program.batch_size);
	assert_eq!(
		(mb["leaves"].as_u64(), &mb["dataset_root"]),
		(Some(u64::from(commitment.batches)), &json!(hex(&commitment.root)))
	);
	assert_eq!(mb["hash"], hex(&minibatch.hash()));
	let siblings: Vec<[u8; 32]> = mb["proof"].as_array().unwrap().iter().map(decode_hash).collect();
	let merkle = MerkleProof { siblings: siblings.try_into().unwrap() };
	assert!(trace::verify_proof(
		&commitment.root,
		commitment.batches,
		index,
		minibatch.hash(),
		&merkle
	));
	assert_eq!(solver.get("/jobs/digits-1/steps/601/minibatch").0, 400);
	assert_eq!(solver.get("/jobs/digits-1/steps/0/minibatch").0, 400);

	// Full state at a step between checkpoints, then a segment re-executed from it.
	let (status, at) = solver.get("/jobs/digits-1/steps/237/state");
	assert_eq!(status, 200);
	let state = State::decode(&mut decode_bytes(&at["state"]).as_slice()).unwrap();
	assert_eq!(
		(state.step, hex(&state.hash())),
		(237, proof["hash"].as_str().unwrap().to_string())
	);
	let (status, segment) = solver.post(
		"/execute",
		&json!({ "program": program, "dataset": body["dataset"], "from_step": 237, "to_step": 245, "state": at["state"] }),
	);
	assert_eq!(status, 200, "{segment}");
	assert_eq!(segment["start_hash"], hex(&trace.hashes[236]));
	assert_eq!(segment["hash"], hex(&trace.hashes[244]));
	assert_eq!(segment["step_hashes"].as_array().unwrap().len(), 8);
	let (status, from_zero) = solver.post(
		"/execute",
		&json!({ "program": program, "dataset": body["dataset"], "from_step": 0, "to_step": 3 }),
	);
	assert_eq!((status, &from_zero["hash"]), (200, &json!(hex(&trace.hashes[2]))));

	// Idempotent resubmission; a different job under the same id is refused.
	let (status, again) = solver.post("/jobs", &body);
	assert_eq!((status, &again["state"]), (200, &json!("completed")));
	let mut other = program.clone();
	other.seed += 1;
	let (status, conflict) = solver.post(
		"/jobs",
		&job_body("digits-1", &other, &train, json!({ "path": "digits-train.aids" })),
	);
	assert_eq!(status, 409, "{conflict}");

	let (status, list) = solver.control_request("GET", "/jobs", None);
	let list: Value = serde_json::from_str(&list).unwrap();
	assert_eq!((status, list.as_array().unwrap().len()), (200, 1));
	let (status, health) = solver.get("/health");
	assert_eq!((status, &health["status"]), (200, &json!("ok")));
	let (status, metrics) = solver.control_request("GET", "/metrics", None);
	assert_eq!(status, 200);
	assert!(metrics.contains("aichain_solver_jobs_completed_total 1"), "{metrics}");
	assert!(metrics.contains("aichain_solver_segments_executed_total 2"), "{metrics}");
}

#[test]
fn bad_requests_get_clear_client_errors() {
	let (datasets, train) = digits_dir("errors");
	let solver = Solver::start(
		&scratch("errors-data"),
		&datasets,
		&["--max-queued-jobs", "1", "--max-concurrent-jobs", "1", "--max-dataset-bytes", "1000000"],
	);
	let program = digits_program(100);
	let good = job_body("ok", &program, &train, json!({ "path": "digits-train.aids" }));
	let expect = |(status, body): (u16, Value), want: u16, text: &str| {
		assert_eq!(status, want, "{body}");
		let message = body["error"].as_str().unwrap_or_else(|| panic!("no error field: {body}"));
		assert!(message.contains(text), "{message:?} should mention {text:?}");
	};

	let (status, body) = solver.control_request("POST", "/jobs", Some("{not json"));
	assert_eq!(status, 400, "{body}");
	assert!(body.contains("\"error\""), "{body}");
	let mut bad = good.clone();
	bad["program"]["batch_size"] = json!(0);
	expect(solver.post("/jobs", &bad), 400, "batch_size");
	let mut huge = good.clone();
	huge["program"]["model"]["inputs"] = json!(4096);
	huge["program"]["model"]["hidden"] = json!([{ "units": 4096, "activation": "relu" }]);
	expect(solver.post("/jobs", &huge), 400, "parameters");
	let mut unknown = good.clone();
	unknown["program"]["optimizer"]["learning_rate"] = json!("fast");
	expect(solver.post("/jobs", &unknown), 400, "decimal");
	let mut mismatch = good.clone();
	mismatch["dataset"]["root"] = json!(hex(&[7u8; 32]));
	let code = |(status, body): (u16, Value)| (status, body["code"].clone());
	expect(solver.post("/jobs", &mismatch), 422, "hash mismatch");
	assert_eq!(code(solver.post("/jobs", &mismatch)), (422, json!("root_mismatch")));
	let mut shape = good.clone();
	shape["program"]["model"]["inputs"] = json!(10);
	expect(solver.post("/jobs", &shape), 422, "do not match the dataset");
	assert_eq!(code(solver.post("/jobs", &shape)), (422, json!("dataset_invalid")));
	assert_eq!(code(solver.post("/jobs", &huge)), (400, json!("program_unsupported")));
	let mut traversal = good.clone();
	traversal["dataset"]["path"] = json!("../etc/passwd");
	expect(solver.post("/jobs", &traversal), 400, "relative name");
	let mut missing = good.clone();
	missing["dataset"]["path"] = json!("nope.aids");
	expect(solver.post("/jobs", &missing), 422, "nope.aids");
	assert_eq!(code(solver.post("/jobs", &missing)), (422, json!("dataset_unreachable")));
	// Errors that say nothing about the task carry no code: the worker retries them.
	assert_eq!(code(solver.post("/jobs", &bad_id_body(&good))), (400, Value::Null));
	let mut nowhere = good.clone();
	nowhere["dataset"].as_object_mut().unwrap().remove("path");
	expect(solver.post("/jobs", &nowhere), 400, "path or url");
	expect(solver.post("/jobs", &bad_id_body(&good)), 400, "id must be");
	expect(solver.get("/jobs/none"), 404, "no job");
	expect(solver.get("/nowhere"), 404, "no such endpoint");
	let mut garbage_state = json!({ "program": program, "dataset": good["dataset"], "from_step": 5, "to_step": 6, "state": "0x0102" });
	expect(solver.post("/execute", &garbage_state), 400, "SCALE");
	garbage_state["to_step"] = json!(5);
	expect(solver.post("/execute", &garbage_state), 400, "from_step < to_step");

	// The big file limit: the digits set is ~370 kB, so a 1 MB limit passes; check a bigger file.
	std::fs::write(datasets.join("big.aids"), vec![0u8; 1_000_001]).unwrap();
	let mut big = good.clone();
	big["dataset"]["path"] = json!("big.aids");
	expect(solver.post("/jobs", &big), 413, "larger than");

	// The right root with another minibatch count (what a task names on-chain): refused alike
	// (this caches the dataset, so it comes after the checks of its source).
	let mut count = good.clone();
	count["dataset"]["batches"] = json!(3);
	expect(solver.post("/jobs", &count), 422, "minibatch count mismatch");
	assert_eq!(code(solver.post("/jobs", &count)), (422, json!("root_mismatch")));

	// One job training, one waiting: the next is refused until the queue drains.
	let long = digits_program(200_000);
	let (status, _) = solver
		.post("/jobs", &job_body("long-1", &long, &train, json!({ "path": "digits-train.aids" })));
	assert_eq!(status, 202);
	solver.wait_for("long-1", |j| j["state"] == "running");
	let (status, _) = solver
		.post("/jobs", &job_body("long-2", &long, &train, json!({ "path": "digits-train.aids" })));
	assert_eq!(status, 202);
	expect(
		solver.post(
			"/jobs",
			&job_body("long-3", &long, &train, json!({ "path": "digits-train.aids" })),
		),
		429,
		"queue is full",
	);
	expect(solver.get("/jobs/long-1/result"), 409, "not completed");
	expect(solver.get("/jobs/long-2/steps/1"), 409, "not completed");
	expect(solver.get("/jobs/long-2/steps/1/state"), 409, "only reached step 0");
}

#[test]
fn kill_9_during_training_then_restart_completes_with_the_same_result() {
	let (datasets, train) = digits_dir("crash");
	let data = scratch("crash-data");
	let mut program = digits_program(20_000);
	program.model.hidden[0].units = 128;
	let body = job_body("crash", &program, &train, json!({ "path": "digits-train.aids" }));
	let args = ["--checkpoint-interval", "50"];

	let solver = Solver::start(&data, &datasets, &args);
	assert_eq!(solver.post("/jobs", &body).0, 202);
	let before = solver.wait_for("crash", |j| j["checkpoint_step"].as_u64() >= Some(300));
	assert_eq!(before["state"], "running", "the job should still be training: {before}");
	solver.kill(); // SIGKILL: no shutdown path runs

	let solver = Solver::start(&data, &datasets, &args);
	let done = solver.wait_for("crash", |j| j["state"] == "completed");
	assert_eq!(done["resumed"], 1, "{done}");
	let (root, final_hash, model, _) = native(&program, &train);
	assert_eq!(done["result"]["trace_root"], root);
	assert_eq!(done["result"]["final_state_hash"], final_hash);
	assert_eq!(done["result"]["model_hash"], model);
	let (_, metrics) = solver.control_request("GET", "/metrics", None);
	assert!(metrics.contains("aichain_solver_jobs_resumed_total 1"), "{metrics}");
}

/// Serve `files` (name → bytes) over HTTP until the test ends; returns the base URL.
fn file_server(files: Vec<(&'static str, Vec<u8>)>) -> String {
	let listener = TcpListener::bind("127.0.0.1:0").unwrap();
	let base = format!("http://{}", listener.local_addr().unwrap());
	std::thread::spawn(move || {
		for stream in listener.incoming().map_while(Result::ok) {
			let mut stream = stream;
			let mut reader = BufReader::new(stream.try_clone().unwrap());
			let mut line = String::new();
			let _ = reader.read_line(&mut line);
			loop {
				let mut header = String::new();
				if reader.read_line(&mut header).unwrap_or(0) <= 2 {
					break;
				}
			}
			let path = line.split(' ').nth(1).unwrap_or("/").trim_start_matches('/').to_string();
			match files.iter().find(|(name, _)| *name == path) {
				Some((_, bytes)) => {
					let _ = write!(
						stream,
						"HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
						bytes.len()
					);
					let _ = stream.write_all(bytes);
				},
				None => {
					let _ = write!(
						stream,
						"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
					);
				},
			}
		}
	});
	base
}

#[test]
fn datasets_come_from_urls_checked_and_cached() {
	let (train, _) = digits();
	let base = file_server(vec![
		("digits.aids", train.to_bytes()),
		("junk.aids", b"AIDS\x01garbage".to_vec()),
	]);
	let empty = scratch("url-datasets");
	let data = scratch("url-data");
	// The file server is on this machine: a dev setup.
	let solver = Solver::start(&data, &empty, &["--allow-private-datasets"]);
	let program = digits_program(50);

	let (status, err) = solver.post(
		"/jobs",
		&job_body("missing", &program, &train, json!({ "url": format!("{base}/nothing") })),
	);
	assert_eq!(status, 422, "{err}");
	assert!(err["error"].as_str().unwrap().contains("404"), "{err}");
	// The node's offchain worker declines the task on-chain with this code.
	assert_eq!(err["code"], "dataset_unreachable", "{err}");
	let (status, err) = solver.post(
		"/jobs",
		&job_body("junk", &program, &train, json!({ "url": format!("{base}/junk.aids") })),
	);
	assert_eq!(status, 422, "{err}");
	let (status, err) =
		solver.post("/jobs", &job_body("ftp", &program, &train, json!({ "url": "ftp://x/y" })));
	assert_eq!(status, 400, "{err}");

	let body =
		job_body("from-url", &program, &train, json!({ "url": format!("{base}/digits.aids") }));
	assert_eq!(solver.post("/jobs", &body).0, 202);
	let done = solver.wait_for("from-url", |j| j["state"] == "completed");
	assert_eq!(done["result"]["trace_root"], native(&program, &train).0);

	// The verified copy is cached: the same root works without a source.
	let cached = job_body("cached", &program, &train, json!({}));
	assert_eq!(solver.post("/jobs", &cached).0, 202, "cached dataset by root");
	solver.wait_for("cached", |j| j["state"] == "completed");
}

/// A job body whose id the service refuses.
fn bad_id_body(good: &Value) -> Value {
	let mut bad_id = good.clone();
	bad_id["id"] = json!("a/b");
	bad_id
}

/// This machine's first non-loopback IPv4 address, if it has one (no packet is sent).
fn outside_address() -> Option<std::net::IpAddr> {
	let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
	socket.connect("192.0.2.1:9").ok()?;
	let ip = socket.local_addr().ok()?.ip();
	(!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// Issue 15: anyone could `POST /jobs` on the public listener (64 long jobs fill the queue, the
/// node's own job gets 429, its solver misses the deadline and is slashed) or make it execute
/// segments. The control side is now a second listener on loopback, and the public one refuses
/// it.
#[test]
fn the_control_side_is_refused_from_outside() {
	let (datasets, train) = digits_dir("control");
	let data = scratch("control-data");
	let (d, s) = (data.to_str().unwrap(), datasets.to_str().unwrap());
	let program = digits_program(50);
	let body = job_body("mine", &program, &train, json!({ "path": "digits-train.aids" }));

	// A public listener on every interface, the control one on loopback.
	let (child, public, control) = spawn_solver(&[
		"serve",
		"--listen",
		"0.0.0.0:0",
		"--control-listen",
		"127.0.0.1:0",
		"--data-dir",
		d,
		"--dataset-dir",
		s,
	])
	.expect("solver listens");
	let solver = Solver { child, addr: public.replace("0.0.0.0", "127.0.0.1"), control };

	// The public side takes no jobs, executes nothing and lists nothing.
	let refused = |(status, body): (u16, String)| {
		assert_eq!(status, 403, "{body}");
		assert!(body.contains("control listener"), "{body}");
	};
	refused(solver.request("POST", "/jobs", Some(&body.to_string())));
	refused(solver.request("POST", "/execute", Some("{}")));
	refused(solver.request("GET", "/jobs", None));
	refused(solver.request("GET", "/metrics", None));
	// The node's side does, and the public side then serves what verifiers read.
	assert_eq!(solver.post("/jobs", &body).0, 202);
	solver.wait_for("mine", |j| j["state"] == "completed");
	assert_eq!(solver.get("/jobs/mine/steps/50").0, 200);
	assert_eq!(solver.get("/jobs/mine/steps/50/state").0, 200);

	// From another machine's point of view (this one's own outside address), the public side
	// answers and the control side is not there.
	match outside_address() {
		Some(ip) => {
			let port = |a: &str| a.rsplit(':').next().unwrap().parse::<u16>().unwrap();
			let outside_public = format!("{ip}:{}", port(&public));
			assert_eq!(http(&outside_public, "GET", "/health", None).0, 200);
			let outside_control = std::net::SocketAddr::new(ip, port(&solver.control));
			let attempt = TcpStream::connect_timeout(&outside_control, Duration::from_secs(2));
			assert!(attempt.is_err(), "the control listener answered on {outside_control}");
		},
		None => println!("no non-loopback address here: the outside check is skipped"),
	}

	// A control listener off loopback must be asked for.
	let data2 = scratch("control-data-2");
	let refused = spawn_solver(&[
		"serve",
		"--listen",
		"127.0.0.1:0",
		"--control-listen",
		"0.0.0.0:0",
		"--data-dir",
		data2.to_str().unwrap(),
	])
	.map(|_| ())
	.expect_err("a control listener on every interface is refused");
	assert!(refused.contains("not a loopback address"), "{refused}");
}

/// A connection to `addr` from the loopback address `127.0.0.{n}`: another client, as far as
/// the service can tell.
fn connect_from(n: u8, addr: &str) -> TcpStream {
	use socket2::{Domain, Socket, Type};
	let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
	let from: std::net::SocketAddr = format!("127.0.0.{n}:0").parse().unwrap();
	socket.bind(&from.into()).unwrap();
	let to: std::net::SocketAddr = addr.parse().unwrap();
	socket.connect(&to.into()).unwrap();
	socket.into()
}

/// Issue 15: a state request recomputes steps, and the public side used to take any number at
/// once. A flood of them is turned away with 429 (per client) and 503 (all slots taken), both
/// with `Retry-After`, while the node's own job keeps training and its control side answers.
#[test]
fn a_flood_of_costly_reads_is_turned_away_while_the_nodes_job_trains() {
	let (datasets, train) = digits_dir("flood");
	let solver = Solver::start(
		&scratch("flood-data"),
		&datasets,
		&[
			"--checkpoint-interval",
			"1000",
			"--max-concurrent-reads",
			"2",
			"--max-reads-per-client",
			"1",
			"--max-concurrent-jobs",
			"1",
		],
	);
	let served = digits_program(2_000);
	let body = job_body("served", &served, &train, json!({ "path": "digits-train.aids" }));
	assert_eq!(solver.post("/jobs", &body).0, 202);
	solver.wait_for("served", |j| j["state"] == "completed");
	// The node's own job: long enough to train through the whole flood.
	let own = digits_program(200_000);
	let own_body = job_body("own", &own, &train, json!({ "path": "digits-train.aids" }));
	assert_eq!(solver.post("/jobs", &own_body).0, 202);
	let before = solver.wait_for("own", |j| j["step"].as_u64() > Some(0))["step"]
		.as_u64()
		.unwrap();

	// 24 clients on 8 addresses, each asking for a state 999 steps past its checkpoint.
	let addr = solver.addr.clone();
	let flood: Vec<_> = (0..24u8)
		.map(|i| {
			let addr = addr.clone();
			std::thread::spawn(move || {
				let path = format!("/jobs/served/steps/{}/state", 999 - u32::from(i));
				http_full(connect_from(2 + i % 8, &addr), &addr, "GET", &path, None)
			})
		})
		.collect();
	// Meanwhile the node's side answers at once.
	let started = Instant::now();
	let (status, health) = solver.control_request("GET", "/health", None);
	assert_eq!(status, 200, "{health}");
	let health_latency = started.elapsed();
	let answers: Vec<(u16, String, String)> =
		flood.into_iter().map(|t| t.join().unwrap()).collect();
	let count = |code| answers.iter().filter(|(s, _, _)| *s == code).count();
	let (ok, too_many, unavailable) = (count(200), count(429), count(503));
	println!("flood of 24: {ok} answered, {too_many} × 429, {unavailable} × 503; control /health in {health_latency:?}");
	assert_eq!(ok + too_many + unavailable, 24, "{answers:?}");
	assert!(ok >= 1 && too_many >= 1 && unavailable >= 1, "{ok}/{too_many}/{unavailable}");
	for (status, head, _) in &answers {
		if *status != 200 {
			assert!(head.contains("retry-after:"), "{status} without Retry-After: {head}");
		}
	}
	assert!(health_latency < Duration::from_secs(1), "{health_latency:?}");
	// What was answered is right: the state's hash is the trace's.
	let (_, _, body) = answers.iter().find(|(s, _, _)| *s == 200).unwrap();
	let state: Value = serde_json::from_str(body).unwrap();
	let step = state["step"].as_u64().unwrap();
	assert_eq!(solver.get(&format!("/jobs/served/steps/{step}")).1["hash"], state["hash"]);

	// The node's job trained on through it all.
	let after = solver.wait_for("own", |j| j["step"].as_u64() > Some(before));
	println!("the node's job went from step {before} to {} during the flood", after["step"]);
	let (status, metrics) = solver.control_request("GET", "/metrics", None);
	assert_eq!(status, 200);
	assert!(
		metrics.contains(&format!("aichain_solver_http_busy_total {}", too_many + unavailable)),
		"{metrics}"
	);
}

/// A dataset of `samples` samples with one feature and two classes: the smallest program that
/// trains on it costs microseconds a step.
fn tiny_dataset(samples: u32) -> Dataset {
	Dataset {
		features: 1,
		classes: 2,
		inputs: (0..samples as i32).map(|i| (i % 7) << 14).collect(),
		labels: (0..samples).map(|i| (i % 2) as u16).collect(),
	}
}

/// Issue 15: `GET /jobs/{id}/steps/{i}` loaded every step hash and rebuilt the Merkle tree per
/// request (320 MB at 10^7 steps). The tree is now kept when the job completes: a proof for step
/// 10^6 of a million-step trace is a few point reads.
#[test]
fn a_proof_deep_in_a_long_trace_is_served_in_milliseconds() {
	let dir = scratch("long-datasets");
	let data = tiny_dataset(64);
	std::fs::write(dir.join("tiny.aids"), data.to_bytes()).unwrap();
	let solver = Solver::start(&scratch("long-data"), &dir, &["--checkpoint-interval", "100000"]);
	let mut program = digits_program(1_000_000);
	program.model.inputs = 1;
	program.model.hidden = Default::default();
	program.model.classes = 2;
	program.batch_size = 1;
	let body = job_body("long", &program, &data, json!({ "path": "tiny.aids" }));
	let started = Instant::now();
	assert_eq!(solver.post("/jobs", &body).0, 202);
	let done = solver.wait_for("long", |j| j["state"] == "completed");
	println!("1,000,000 steps trained and their tree kept in {:.1?}", started.elapsed());
	let root = decode_hash(&done["result"]["trace_root"]);

	let mut latencies = Vec::new();
	for step in [1_000_000u32, 1, 500_001, 999_999, 1_000_000] {
		let started = Instant::now();
		let (status, proof) = solver.get(&format!("/jobs/long/steps/{step}"));
		latencies.push(started.elapsed());
		assert_eq!(status, 200, "{proof}");
		let siblings: Vec<[u8; 32]> =
			proof["proof"].as_array().unwrap().iter().map(decode_hash).collect();
		assert!(siblings.len() <= 20, "{} siblings", siblings.len());
		let merkle = MerkleProof { siblings: siblings.try_into().unwrap() };
		assert!(trace::verify_step(&root, 1_000_000, step, decode_hash(&proof["hash"]), &merkle));
	}
	// The last leaf is the final state, which a checkpoint holds.
	let (status, last) = solver.get("/jobs/long/steps/1000000/state");
	assert_eq!((status, &last["hash"]), (200, &done["result"]["final_state_hash"]));
	println!("proofs at 10^6 steps (connection included): {latencies:?}");
	// What each request used to cost before any I/O: rebuilding the tree from the hashes.
	let hashes: Vec<[u8; 32]> =
		(0..1_000_000u32).map(|i| trace::blake2_256(&i.to_le_bytes())).collect();
	let started = Instant::now();
	let _ = trace::merkle_proof(&hashes, 999_999);
	println!(
		"rebuilding the tree of 10^6 hashes in memory, as each request did: {:.1?}",
		started.elapsed()
	);
	let worst = latencies.iter().max().unwrap();
	assert!(*worst < Duration::from_millis(100), "a proof took {worst:?}");
}

/// Issue 15: dataset URLs come from any submitter and are fetched by every solver: a URL into
/// the solver's own network (loopback, private, link-local, the cloud metadata service) is
/// refused, whether written as an address or as a name that resolves to one, unless the
/// operator allows it.
#[test]
fn private_dataset_urls_are_refused() {
	let (train, _) = digits();
	let base = file_server(vec![("digits.aids", train.to_bytes())]);
	let port = base.rsplit(':').next().unwrap().to_string();
	let solver = Solver::start(&scratch("ssrf-data"), &scratch("ssrf-datasets"), &[]);
	let program = digits_program(20);
	for url in [
		format!("{base}/digits.aids"),
		format!("http://localhost:{port}/digits.aids"),
		format!("http://[::1]:{port}/digits.aids"),
		format!("http://[::ffff:127.0.0.1]:{port}/digits.aids"),
		format!("http://2130706433:{port}/digits.aids"),
		"http://169.254.169.254/latest/meta-data/".to_string(),
		"http://10.1.2.3/digits.aids".to_string(),
		"http://192.168.0.1/digits.aids".to_string(),
	] {
		let started = Instant::now();
		let (status, err) =
			solver.post("/jobs", &job_body("ssrf", &program, &train, json!({ "url": url })));
		assert_eq!(status, 403, "{url}: {err}");
		assert_eq!(err["code"], "dataset_unreachable", "{url}: {err}");
		assert!(err["error"].as_str().unwrap().contains("not a public address"), "{err}");
		assert!(started.elapsed() < Duration::from_secs(5), "{url} was tried");
	}
	// With the operator's leave (a dev setup), the same URL is fetched.
	let dev = Solver::start(
		&scratch("ssrf-dev"),
		&scratch("ssrf-dev-datasets"),
		&["--allow-private-datasets"],
	);
	let body = job_body(
		"dev",
		&program,
		&train,
		json!({ "url": format!("http://localhost:{port}/digits.aids") }),
	);
	assert_eq!(dev.post("/jobs", &body).0, 202);
	dev.wait_for("dev", |j| j["state"] == "completed");
}

/// Peak resident memory of a process, in MiB (Linux `VmHWM`).
fn peak_rss_mib(pid: u32) -> f64 {
	let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
	status
		.lines()
		.find_map(|l| l.strip_prefix("VmHWM:"))
		.and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
		.map_or(0.0, |kb| kb / 1024.0)
}

/// The memory a solver needs for the largest jobs the chain accepts, measured on the real
/// process (run by hand: `cargo test --release -p aichain-solver --test api -- --ignored
/// --nocapture largest`). Two extremes: the most samples a dataset may have (2^24, one feature,
/// batch 1: the most minibatches to commit to and shuffle), and the largest dataset file (256
/// MiB) with a model of nearly the largest size (258,239 of 262,144 parameters) at the largest
/// batch its step work allows; each then serves states and proofs.
#[test]
#[ignore]
fn largest_jobs_memory() {
	let cases: Vec<(&str, Dataset, Program)> = {
		let most_samples = tiny_dataset(1 << 24);
		let mut small = digits_program(1_000);
		small.model.inputs = 1;
		small.model.hidden = Default::default();
		small.model.classes = 2;
		small.batch_size = 1;
		let features = 4096u32;
		let samples = ((256u64 << 20) - 64) / (u64::from(features) * 4 + 2);
		let widest = Dataset {
			features,
			classes: 2,
			inputs: (0..samples * u64::from(features)).map(|i| ((i % 13) as i32) << 12).collect(),
			labels: (0..samples).map(|i| (i % 2) as u16).collect(),
		};
		let mut largest = digits_program(200);
		largest.model.inputs = features;
		largest.model.hidden = vec![aichain_engine::program::HiddenLayer {
			units: 63,
			activation: aichain_engine::program::Activation::Relu,
		}]
		.try_into()
		.unwrap();
		largest.model.classes = 2;
		largest.batch_size = 1;
		while {
			let mut p = largest.clone();
			p.batch_size += 1;
			p.validate().is_ok()
		} {
			largest.batch_size += 1;
		}
		vec![
			("2^24 samples, batch 1", most_samples, small),
			("256 MiB file, largest model", widest, largest),
		]
	};
	for (name, data, program) in cases {
		program.validate().unwrap();
		let dir = scratch("largest-datasets");
		let bytes = data.to_bytes();
		std::fs::write(dir.join("d.aids"), &bytes).unwrap();
		let file_mib = bytes.len() as f64 / f64::from(1 << 20);
		drop(bytes);
		let solver = Solver::start(
			&scratch("largest-data"),
			&dir,
			&["--max-dataset-bytes", &(300u64 << 20).to_string()],
		);
		let pid = solver.child.id();
		let idle = peak_rss_mib(pid);
		let body = job_body("big", &program, &data, json!({ "path": "d.aids" }));
		drop(data);
		let started = Instant::now();
		let (status, answer) = solver.post("/jobs", &body);
		assert_eq!(status, 202, "{answer}");
		let accepted = started.elapsed();
		solver.wait_for("big", |j| j["state"] == "completed");
		let trained = started.elapsed();
		let after_training = peak_rss_mib(pid);
		let steps = program.steps;
		for step in [steps / 2 + 37, steps] {
			assert_eq!(solver.get(&format!("/jobs/big/steps/{step}/state")).0, 200);
			assert_eq!(solver.get(&format!("/jobs/big/steps/{step}")).0, 200);
		}
		println!(
			"{name}: file {file_mib:.0} MiB, {} parameters, batch {}, {} work units a step; \
			 peak RSS idle {idle:.0} MiB, after POST /jobs (fetch, check, commit) and {steps} \
			 steps {after_training:.0} MiB, after serving states and proofs {:.0} MiB; accepted \
			 in {accepted:.1?}, trained in {trained:.1?}",
			program.model.parameters(),
			program.batch_size,
			program.work_units_per_step(),
			peak_rss_mib(pid),
		);
	}
}

/// Proof siblings as the engine takes them.
fn served_proof(v: &Value) -> MerkleProof {
	let siblings: Vec<[u8; 32]> = v["proof"].as_array().unwrap().iter().map(decode_hash).collect();
	MerkleProof { siblings: siblings.try_into().unwrap() }
}

/// `--corrupt-step`, the lying solver of the disputes tests and demos: its trace is honest up to
/// the step, then its own lineage; it serves that lineage consistently (states recomputed from
/// checkpoints on either side of the lie hash to its leaves), re-executes honestly for verifiers,
/// and the engine's referee convicts it with exactly what its public side serves.
#[test]
fn a_solver_told_to_corrupt_a_step_serves_a_consistent_lie_that_the_referee_convicts() {
	use aichain_engine::referee::{referee_step, Commitments, Fault, StepProof};
	let (datasets, train) = digits_dir("corrupt");
	let solver = Solver::start(
		&scratch("corrupt-data"),
		&datasets,
		&["--corrupt-step", "5", "--checkpoint-interval", "3"],
	);
	let program = digits_program(12);
	let body = job_body("lie", &program, &train, json!({ "path": "digits-train.aids" }));
	assert_eq!(solver.post("/jobs", &body).0, 202);
	solver.wait_for("lie", |j| j["state"] == "completed");
	let (honest_root, _, _, honest) = native(&program, &train);
	let (_, result) = solver.get("/jobs/lie/result");
	assert_ne!(result["trace_root"], honest_root, "the posted result is a lie");
	for step in 1..=12u32 {
		let (status, leaf) = solver.get(&format!("/jobs/lie/steps/{step}"));
		assert_eq!(status, 200, "{leaf}");
		assert_eq!(leaf["hash"] == hex(&honest.hashes[step as usize - 1]), step < 5, "step {step}");
		let (status, state) = solver.get(&format!("/jobs/lie/steps/{step}/state"));
		assert_eq!(status, 200);
		let bytes = decode_bytes(&state["state"]);
		assert_eq!(hex(&trace::blake2_256(&bytes)), leaf["hash"].as_str().unwrap(), "step {step}");
	}
	// Verifiers get honest re-execution from the same service.
	let (_, at4) = solver.get("/jobs/lie/steps/4/state");
	let (status, segment) = solver.post(
		"/execute",
		&json!({ "program": program, "dataset": body["dataset"], "from_step": 4, "to_step": 5, "state": at4["state"] }),
	);
	assert_eq!((status, &segment["hash"]), (200, &json!(hex(&honest.hashes[4]))));
	assert!(segment.get("evidence").is_none());
	// What a verifier's worker gathers from the public side convicts it at step 5.
	let commitment = train.commitment(program.batch_size);
	let (_, leaf4) = solver.get("/jobs/lie/steps/4");
	let (_, leaf5) = solver.get("/jobs/lie/steps/5");
	let (_, mb) = solver.get("/jobs/lie/steps/5/minibatch");
	let commitments = Commitments {
		trace_root: decode_hash(&result["trace_root"]),
		steps: 12,
		model_hash: decode_hash(&result["model_hash"]),
		dataset_root: commitment.root,
		batches: commitment.batches,
	};
	let prior = decode_bytes(&at4["state"]);
	let minibatch = decode_bytes(&mb["minibatch"]);
	let (prior_proof, minibatch_proof, leaf_proof) =
		(served_proof(&leaf4), served_proof(&mb), served_proof(&leaf5));
	let proof = StepProof {
		step: 5,
		prior_state: &prior,
		prior_proof: &prior_proof,
		minibatch: &minibatch,
		minibatch_proof: &minibatch_proof,
		leaf: decode_hash(&leaf5["hash"]),
		leaf_proof: &leaf_proof,
	};
	assert_eq!(referee_step(&program, &commitments, &proof), Ok(Fault::WrongState));
	// A verifier's own service gives the same evidence (the solver may withhold its own).
	let (status, mine) = solver.post(
		"/execute",
		&json!({ "program": program, "dataset": body["dataset"], "from_step": 3, "to_step": 5,
			"state": solver.get("/jobs/lie/steps/3/state").1["state"], "evidence": true }),
	);
	assert_eq!(status, 200, "{mine}");
	let evidence = &mine["evidence"];
	assert_eq!(
		(&evidence["prior_state"], &evidence["minibatch"]),
		(&at4["state"], &mb["minibatch"])
	);
	assert_eq!((&evidence["index"], &evidence["proof"]), (&mb["index"], &mb["proof"]));
	assert_eq!(mine["step_hashes"].as_array().unwrap().len(), 2);
	// `--help` names it for what it is.
	let help = Command::new(env!("CARGO_BIN_EXE_aichain-solver"))
		.args(["serve", "--help"])
		.output()
		.unwrap();
	let help = String::from_utf8_lossy(&help.stdout);
	assert!(help.contains("--corrupt-step") && help.contains("LYING SOLVER ONLY"), "{help}");
}

/// `--withhold-trace` (tests and demos of a withholding solver): the public listener serves no
/// step, state or minibatch; the control listener, the node's own, still does. A segment's answer
/// names the model hash of its last state, the posted result's for the whole job.
#[test]
fn a_withholding_service_serves_its_trace_to_its_own_node_only() {
	let (datasets, train) = digits_dir("withhold");
	let solver = Solver::start(&scratch("withhold-data"), &datasets, &["--withhold-trace"]);
	let program = digits_program(20);
	let body = job_body("digits-w", &program, &train, json!({ "path": "digits-train.aids" }));
	let (status, job) = solver.post("/jobs", &body);
	assert_eq!(status, 202, "{job}");
	solver.wait_for("digits-w", |j| j["state"] == "completed");
	for path in [
		"/jobs/digits-w/steps/5",
		"/jobs/digits-w/steps/5/state",
		"/jobs/digits-w/steps/5/minibatch",
	] {
		assert_eq!(solver.get(path).0, 404, "{path} is withheld");
		assert_eq!(solver.control_request("GET", path, None).0, 200, "{path} for the node");
	}
	// The job's status and result stay public: the chain has the result anyway.
	let (status, result) = solver.get("/jobs/digits-w/result");
	assert_eq!(status, 200, "{result}");
	let (status, segment) = solver.post(
		"/execute",
		&json!({ "program": program, "dataset": body["dataset"], "from_step": 0, "to_step": 20 }),
	);
	assert_eq!(status, 200, "{segment}");
	assert_eq!(segment["model_hash"], result["model_hash"]);
	assert_eq!(segment["hash"], result["final_state_hash"]);
}

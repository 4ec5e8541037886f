//! The solver as a user meets it: the real `aichain-solver` process, spoken to over HTTP.

use aichain_engine::{
	trace::{self, MerkleProof},
	train::Trainer,
	Dataset, Executor, Program, Simd, State, Trace,
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
	addr: String,
}

impl Solver {
	fn start(data_dir: &Path, dataset_dir: &Path, extra: &[&str]) -> Self {
		let mut child = Command::new(env!("CARGO_BIN_EXE_aichain-solver"))
			.arg("serve")
			.args(["--listen", "127.0.0.1:0", "--threads", "2"])
			.arg("--data-dir")
			.arg(data_dir)
			.arg("--dataset-dir")
			.arg(dataset_dir)
			.args(extra)
			.env("RUST_LOG", "info")
			.env("NO_COLOR", "1")
			.stdout(Stdio::piped())
			.stderr(Stdio::inherit())
			.spawn()
			.expect("solver starts");
		let stdout = child.stdout.take().unwrap();
		let (tx, rx) = std::sync::mpsc::channel();
		std::thread::spawn(move || {
			let mut sent = false;
			for line in BufReader::new(stdout).lines().map_while(Result::ok) {
				println!("solver | {line}");
				if let (false, Some(at)) = (sent, line.find("listening on http://")) {
					let _ = tx.send(line[at + "listening on http://".len()..].trim().to_string());
					sent = true;
				}
			}
		});
		let addr = rx.recv_timeout(Duration::from_secs(30)).expect("solver listens");
		Solver { child, addr }
	}

	fn kill(mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}

	fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
		http(&self.addr, method, path, body)
	}

	fn get(&self, path: &str) -> (u16, Value) {
		let (status, body) = self.request("GET", path, None);
		(status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
	}

	fn post(&self, path: &str, body: &Value) -> (u16, Value) {
		let (status, body) = self.request("POST", path, Some(&body.to_string()));
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
	let mut stream = TcpStream::connect(addr).expect("connects");
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
	let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
	(status, body)
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

	let (status, list) = solver.get("/jobs");
	assert_eq!((status, list.as_array().unwrap().len()), (200, 1));
	let (status, health) = solver.get("/health");
	assert_eq!((status, &health["status"]), (200, &json!("ok")));
	let (status, metrics) = solver.request("GET", "/metrics", None);
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

	let (status, body) = solver.request("POST", "/jobs", Some("{not json"));
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
	let (_, metrics) = solver.request("GET", "/metrics", None);
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
	let solver = Solver::start(&data, &empty, &[]);
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

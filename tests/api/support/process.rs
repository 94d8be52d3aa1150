//! `nexus serve` as a child process, for tests of the binary and of several replicas.

use std::process::Command;

/// A `nexus serve` child process with its stderr read line by line.
pub struct Served {
    /// The process.
    pub child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Served {
    /// Starts `nexus serve` with only `PATH`, `NEXUS_BIND=127.0.0.1:0` and `env` set.
    pub fn start(env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nexus"));
        cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).env("NEXUS_BIND", "127.0.0.1:0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.stderr(std::process::Stdio::piped()).stdout(std::process::Stdio::null()).spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines, seen: Vec::new() }
    }

    /// Reads lines until one contains `needle` (10 s at most).
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no line with `{needle}` in:\n{}", self.seen.join("\n"));
    }

    /// Waits for the process to end and returns every line it wrote.
    pub fn rest(&mut self) -> Vec<String> {
        let _ = self.child.wait();
        self.seen.extend(self.lines.try_iter());
        self.seen.clone()
    }
}

/// The `host:port` of the first `http://` address in `line`.
pub fn address_in(line: &str) -> String {
    let start = line.find("http://").expect("an address") + 7;
    line[start..].chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':').collect()
}

impl Drop for Served {
    /// A test that fails half-way leaves no server behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

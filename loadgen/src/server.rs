//! Starting a server to measure, and reading its memory use.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A server process we started; killed when dropped.
pub struct Spawned {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Its process id, for RSS.
    pub pid: u32,
    /// How it was started, to start it again the same way.
    command: Command,
    _dir: tempfile::TempDir,
}

impl Spawned {
    /// Starts `bin` on a free port with `database_url` (default: a fresh SQLite file) and waits
    /// until it answers.
    pub async fn start(bin: &str, database_url: Option<&str>) -> Result<Self, String> {
        Self::start_as(bin, database_url, Profile::Load).await
    }

    /// Like [`Spawned::start`], configured for `profile`.
    pub async fn start_as(
        bin: &str,
        database_url: Option<&str>,
        profile: Profile,
    ) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let db = database_url.map(str::to_owned).unwrap_or_else(|| {
            format!("sqlite://{}?mode=rwc", dir.path().join("load.db").display())
        });
        let mut command = Command::new(bin);
        command
            .env("DATABASE_URL", db)
            .env("LEPTOS_OUTPUT_NAME", "chat")
            .env("LEPTOS_SITE_ROOT", dir.path())
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_ENV", "PROD")
            .env("RUST_LOG", "warn")
            // One generator acts for thousands of people from one address: request budgets
            // would measure themselves, not delivery.
            .env("RATE_LIMITS", "false")
            .stdout(Stdio::null());
        match profile {
            Profile::Load => {
                command.env("MAX_CONNECTIONS_PER_ADDRESS", "0");
            }
            Profile::Abuse => {
                // SAFETY: only setrlimit between fork and exec (async-signal-safe).
                unsafe {
                    command.pre_exec(|| {
                        let limit = libc::rlimit {
                            rlim_cur: ABUSE_FILE_LIMIT,
                            rlim_max: ABUSE_FILE_LIMIT,
                        };
                        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
                        Ok(())
                    });
                }
            }
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {bin}: {e}"))?;
        let spawned = Spawned {
            pid: child.id(),
            child,
            base: format!("http://127.0.0.1:{port}"),
            command,
            _dir: dir,
        };
        spawned.wait_until_up().await?;
        Ok(spawned)
    }

    /// Kills the process with SIGKILL (no chance to finish anything), leaves it down for
    /// `down_for`, and starts it again on the same address and database; returns once it
    /// answers.
    pub async fn kill_and_restart(&mut self, down_for: Duration) -> Result<(), String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        tokio::time::sleep(down_for).await;
        self.child = self
            .command
            .spawn()
            .map_err(|e| format!("cannot restart the server: {e}"))?;
        self.pid = self.child.id();
        self.wait_until_up().await
    }

    async fn wait_until_up(&self) -> Result<(), String> {
        let client = reqwest::Client::new();
        for _ in 0..400 {
            if client.get(&self.base).send().await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err("the server did not come up within 10 s".into())
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a started server is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// For load: no connection cap per address (all clients share one).
    Load,
    /// For abuse: production connection caps, and the open-file limit of a default machine.
    Abuse,
}

/// The open-file limit the abuse run gives the server (a common default).
const ABUSE_FILE_LIMIT: libc::rlim_t = 1024;

/// Resident memory of the given processes, in KiB (0 for any we cannot read).
pub fn total_rss_kib(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .filter_map(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .sum()
}

/// Ten thousand connections need more file descriptors than the usual soft limit of 1024.
pub fn raise_fd_limit() {
    // SAFETY: plain libc calls on a local, fully initialised struct.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

//! Command-line options.

use std::time::Duration;

/// How to call the program.
pub const USAGE: &str = "\
usage: loadgen [--server-bin PATH | --target URL...] [options]
  --server-bin PATH   start this release server on a free port with a fresh SQLite database
  --database-url URL  database for the started server (default: a temp SQLite file)
  --instances N       with --server-bin: start N instances on --database-url (PostgreSQL for
                      N > 1); clients and senders are spread over them (default 1)
  --target URL        use a running server (repeat for several instances; clients are spread)
  --server-pid PID    with --target: process(es) whose memory (RSS) to report (repeatable)
  --clients N         live connections (default 100)
  --rooms R           rooms, clients spread evenly (default 10)
  --rate M            messages per second offered, over all rooms (default 100; 0 = idle)
  --duration S        seconds of sending (default 10)
  --history N         instead: time room page loads with 10 and with N messages
  --abuse N           instead: N slow heads, N slow bodies, N stalled live streams and 50
                      passphrase logins against a --server-bin started under ulimit -n 1024,
                      with its production connection caps; a prober times GET / throughout";

/// Parsed options.
#[derive(Debug, Clone)]
pub struct Args {
    pub server_bin: Option<String>,
    pub database_url: Option<String>,
    pub instances: usize,
    pub targets: Vec<String>,
    pub server_pids: Vec<u32>,
    pub clients: usize,
    pub rooms: usize,
    pub rate: u64,
    pub duration: Duration,
    pub history: Option<usize>,
    pub abuse: Option<usize>,
}

impl Args {
    /// Parses `--name value` pairs.
    pub fn parse(mut raw: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut args = Args {
            server_bin: None,
            database_url: None,
            instances: 1,
            targets: Vec::new(),
            server_pids: Vec::new(),
            clients: 100,
            rooms: 10,
            rate: 100,
            duration: Duration::from_secs(10),
            history: None,
            abuse: None,
        };
        while let Some(flag) = raw.next() {
            if flag == "--help" || flag == "-h" {
                return Err("help".into());
            }
            let value = raw.next().ok_or(format!("{flag} needs a value"))?;
            let number = |v: &str| {
                v.parse::<u64>()
                    .map_err(|_| format!("{flag}: not a number: {v}"))
            };
            match flag.as_str() {
                "--server-bin" => args.server_bin = Some(value),
                "--database-url" => args.database_url = Some(value),
                "--instances" => args.instances = number(&value)?.max(1) as usize,
                "--target" => args.targets.push(value.trim_end_matches('/').to_owned()),
                "--server-pid" => args.server_pids.push(number(&value)? as u32),
                "--clients" => args.clients = number(&value)? as usize,
                "--rooms" => args.rooms = number(&value)?.max(1) as usize,
                "--rate" => args.rate = number(&value)?,
                "--duration" => args.duration = Duration::from_secs(number(&value)?),
                "--history" => args.history = Some(number(&value)? as usize),
                "--abuse" => args.abuse = Some(number(&value)? as usize),
                other => return Err(format!("unknown option {other}")),
            }
        }
        if args.instances > 1
            && !args
                .database_url
                .as_deref()
                .is_some_and(|url| url.starts_with("postgres"))
        {
            return Err("several --instances need a shared --database-url postgres://...".into());
        }
        if args.clients < args.rooms {
            return Err("need at least one client per room".into());
        }
        Ok(args)
    }
}

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
  --mix P/R/E/D       percent of new messages, reactions, edits and deletions among the
                      changes sent (default 100/0/0/0; e.g. 80/10/5/5); each is one change
                      of the room's feed, delivered to every listener
  --wire lean|hyper   how live requests are sent: whole in one packet (the server's lean
                      live path, default) or cut after a few bytes (the server hands them
                      to hyper): compares the memory each wire holds per idle client
  --history N         instead: time room page loads with 10 and with N messages
  --abuse N           instead: N slow heads, N slow bodies, N stalled live streams and 50
                      passphrase logins against a --server-bin started under ulimit -n 1024,
                      with its production connection caps; a prober times GET / throughout
  --chaos N           instead: under --clients live clients and --rate messages/s, kill -9 a
                      --server-bin instance N times at random moments and restart it; then
                      check every acknowledged message is stored once, in order, and every
                      client saw exactly the database (exit status 1 if not)";

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
    pub chaos: Option<usize>,
    pub mix: Mix,
    /// Live requests cut in two, so the server serves them with hyper.
    pub split_heads: bool,
}

/// Shares of each kind of change, in percent (they add up to 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    pub posts: u8,
    pub reactions: u8,
    pub edits: u8,
    pub deletes: u8,
}

impl Default for Mix {
    fn default() -> Self {
        Self {
            posts: 100,
            reactions: 0,
            edits: 0,
            deletes: 0,
        }
    }
}

impl Mix {
    /// Parses `P/R/E/D`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let parts: Vec<u8> = raw
            .split('/')
            .map(|p| p.trim().parse::<u8>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("--mix: not four percentages: {raw}"))?;
        let [posts, reactions, edits, deletes] = parts[..] else {
            return Err(format!("--mix: not four percentages: {raw}"));
        };
        if parts.iter().map(|p| u32::from(*p)).sum::<u32>() != 100 || posts == 0 {
            return Err(format!(
                "--mix: shares must add up to 100 with some posts: {raw}"
            ));
        }
        Ok(Self {
            posts,
            reactions,
            edits,
            deletes,
        })
    }
}

impl std::fmt::Display for Mix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.posts, self.reactions, self.edits, self.deletes
        )
    }
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
            chaos: None,
            mix: Mix::default(),
            split_heads: false,
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
                "--chaos" => args.chaos = Some(number(&value)? as usize),
                "--wire" => {
                    args.split_heads = match value.as_str() {
                        "lean" => false,
                        "hyper" => true,
                        other => return Err(format!("--wire: lean or hyper, not {other}")),
                    }
                }
                "--mix" => args.mix = Mix::parse(&value)?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_is_four_shares_of_one_hundred() {
        let mix = Mix::parse("80/10/5/5").unwrap();
        assert_eq!(
            (mix.posts, mix.reactions, mix.edits, mix.deletes),
            (80, 10, 5, 5)
        );
        assert_eq!(mix.to_string(), "80/10/5/5");
        for bad in ["80/10/5", "80/10/5/6", "0/50/50/0", "a/b/c/d", "300/0/0/0"] {
            assert!(Mix::parse(bad).is_err(), "{bad}");
        }
    }
}

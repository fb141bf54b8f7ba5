//! How many live streams one session may hold open at once: a tab holds one, so a few dozen is
//! far more than a person needs, and one session cannot pin unbounded server state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Live streams one session may hold at once.
pub const PER_SESSION: usize = 20;

/// Open live streams per session.
#[derive(Debug, Clone, Default)]
pub struct StreamCaps {
    open: Arc<Mutex<HashMap<i32, usize>>>,
}

/// A session already holds [`PER_SESSION`] streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyStreams;

impl StreamCaps {
    /// A place for one more stream of `session_id`, freed when the ticket is dropped.
    pub fn open(&self, session_id: i32) -> Result<StreamTicket, TooManyStreams> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(session_id).or_default();
        if *count >= PER_SESSION {
            return Err(TooManyStreams);
        }
        *count += 1;
        Ok(StreamTicket {
            open: Arc::clone(&self.open),
            session_id,
        })
    }
}

/// One open stream's place.
#[derive(Debug)]
pub struct StreamTicket {
    open: Arc<Mutex<HashMap<i32, usize>>>,
    session_id: i32,
}

impl Drop for StreamTicket {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.session_id) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.session_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_holds_at_most_its_share_and_gets_places_back() {
        let caps = StreamCaps::default();
        let held: Vec<StreamTicket> = (0..PER_SESSION).map(|_| caps.open(1).unwrap()).collect();
        assert_eq!(caps.open(1).unwrap_err(), TooManyStreams);
        assert!(caps.open(2).is_ok(), "other sessions are not affected");
        drop(held);
        assert!(caps.open(1).is_ok());
        assert!(caps.open.lock().unwrap().len() <= 1);
    }
}

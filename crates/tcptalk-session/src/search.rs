//! Searching the history (搜索): text or hex bytes, one direction, one peer, in the background
//! so that a million lines never hold up a frame. The session scans a snapshot of what is in
//! memory (sharing its chunks, so it costs no copy and only microseconds under the lock) on a
//! blocking thread; how far it has got and what it found so far are in [`crate::Shared`], for
//! the window to show while it runs. A new search stops the one before.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tcptalk_core::log::Direction;
use tcptalk_core::{parse_hex, to_hex};

use crate::SessionHandle;

/// What to look for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Text to find, or with `hex` the bytes written as hex (found in `[HEX] …` entries).
    pub text: String,
    pub hex: bool,
    pub case_sensitive: bool,
    /// Only entries this way (`None`: all, events included).
    pub direction: Option<Direction>,
    /// Only entries of this peer (its label).
    pub peer: Option<String>,
}

/// How a search stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchState {
    pub query: SearchQuery,
    /// Absolute entry numbers that match, oldest first.
    pub matches: Vec<u64>,
    /// Entries looked at, of `total`.
    pub done: u64,
    pub total: u64,
    pub finished: bool,
    /// Which search this is: a thread still running for an earlier one never writes here.
    pub generation: u64,
}

/// A query the text of which cannot be searched for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadQuery(String);

impl SearchQuery {
    /// The text to look for in entries' shown text, and whether case matters.
    fn needle(&self) -> Result<String, BadQuery> {
        if self.hex {
            let bytes = parse_hex(&self.text).map_err(|err| BadQuery(err.to_string()))?;
            return Ok(to_hex(&bytes));
        }
        Ok(if self.case_sensitive {
            self.text.clone()
        } else {
            self.text.to_lowercase()
        })
    }
}

impl SessionHandle {
    /// Starts searching the history in memory for `query` (stopping a search still running).
    /// A query with bad hex is refused; an empty one clears the search.
    pub fn search(&self, query: SearchQuery) -> Result<(), BadQuery> {
        if let Some(cancel) = self.search_cancel.lock().ok().and_then(|mut c| c.take()) {
            cancel.store(true, Ordering::Relaxed);
        }
        if query.text.is_empty() && query.direction.is_none() && query.peer.is_none() {
            self.shared.lock().search = None;
            return Ok(());
        }
        let needle = query.needle()?;
        static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let generation = GENERATION.fetch_add(1, Ordering::Relaxed);
        let snapshot = {
            let mut shared = self.shared.lock();
            shared.search = Some(SearchState {
                query: query.clone(),
                generation,
                ..SearchState::default()
            });
            shared.transcript.snapshot()
        };
        let Ok(snapshot) = snapshot else {
            return Err(BadQuery("the history cannot be read".into()));
        };
        let cancel = Arc::new(AtomicBool::new(false));
        if let Ok(mut slot) = self.search_cancel.lock() {
            *slot = Some(cancel.clone());
        }
        let session = self.clone();
        std::thread::Builder::new()
            .name("tcptalk-search".into())
            .spawn(move || {
                let fold = !query.case_sensitive && !query.hex;
                let mut lowered = String::new();
                let matches = |entry: &tcptalk_core::EntryRef<'_>| {
                    if query.direction.is_some_and(|d| d != entry.direction) {
                        return false;
                    }
                    if query.peer.as_deref().is_some_and(|p| p != entry.peer_label) {
                        return false;
                    }
                    if needle.is_empty() {
                        return true;
                    }
                    if fold {
                        lowered.clear();
                        lowered.extend(entry.text.chars().flat_map(char::to_lowercase));
                        lowered.contains(&needle)
                    } else {
                        entry.text.contains(&needle)
                    }
                };
                let report = |done: u64, total: u64, found: &[u64]| {
                    if cancel.load(Ordering::Relaxed) {
                        return false;
                    }
                    session.update_search(generation, |state| {
                        state.done = done;
                        state.total = total;
                        let new = found.get(state.matches.len()..).unwrap_or_default();
                        state.matches.extend_from_slice(new);
                    });
                    true
                };
                let found = snapshot.find(matches, report);
                if !cancel.load(Ordering::Relaxed) {
                    session.update_search(generation, |state| {
                        state.matches = found;
                        state.finished = true;
                    });
                }
            })
            .map_err(|err| BadQuery(err.to_string()))?;
        Ok(())
    }

    /// Changes the search state if it is still this search's, and wakes the front end.
    fn update_search(&self, generation: u64, update: impl FnOnce(&mut SearchState)) {
        {
            let mut shared = self.shared.lock();
            match &mut shared.search {
                Some(state) if state.generation == generation => update(state),
                _ => return,
            }
        }
        self.waker.wake();
    }
}

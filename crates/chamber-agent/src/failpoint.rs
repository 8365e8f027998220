//! Crash testing: `CHAMBER_FAILPOINT=<when>:<event type>[:<n>]` makes the
//! process kill itself with SIGKILL at an exact moment of recording the
//! `n`th event of that type (default 1): `before` it is recorded, `between`
//! the database and `events.jsonl`, or `after` both. The crash tests use it
//! to stop a run at the moments a random kill only rarely hits. Unset in
//! normal use; an unreadable value is ignored.

/// When, relative to recording the event, the process dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// Before anything is stored.
    Before,
    /// Stored in the database, not yet in `events.jsonl`.
    Between,
    /// Stored in both.
    After,
}

/// A parsed `CHAMBER_FAILPOINT`.
#[derive(Debug)]
pub(crate) struct Failpoint {
    when: When,
    kind: String,
    nth: u32,
    seen: u32,
}

impl Failpoint {
    /// The failpoint set in the environment, if any.
    pub(crate) fn from_env() -> Option<Failpoint> {
        Self::parse(&std::env::var("CHAMBER_FAILPOINT").ok()?)
    }

    fn parse(text: &str) -> Option<Failpoint> {
        let mut parts = text.split(':');
        let when = match parts.next()? {
            "before" => When::Before,
            "between" => When::Between,
            "after" => When::After,
            _ => return None,
        };
        let kind = parts.next()?.to_string();
        let nth = match parts.next() {
            Some(n) => n.parse().ok()?,
            None => 1,
        };
        Some(Failpoint {
            when,
            kind,
            nth,
            seen: 0,
        })
    }

    /// Counts an event of `kind` about to be recorded.
    pub(crate) fn count(&mut self, kind: &str) {
        if kind == self.kind {
            self.seen += 1;
        }
    }

    /// Dies here if this is the moment.
    pub(crate) fn check(&self, when: When, kind: &str) {
        if when == self.when && kind == self.kind && self.seen == self.nth {
            let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_counts() {
        let mut f = Failpoint::parse("between:tool_finished:2").unwrap();
        assert_eq!(f.when, When::Between);
        f.count("tool_finished");
        f.count("tool_started");
        assert_eq!(f.seen, 1);
        assert!(Failpoint::parse("sometime:x").is_none());
        assert_eq!(Failpoint::parse("after:x").unwrap().nth, 1);
    }
}

//! Path rules: which reads are denied, which writes need explicit approval,
//! which need two approvers, where each lane may write, and which paths are
//! only ever staged. Pure matching over workspace-relative paths.

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::rules::PolicyError;

/// Files that document what the variables mean may be read.
const READ_DENY_EXCEPTIONS: &[&str] = &[".env.example", ".env.sample", ".env.template"];

/// One named set of globs, kept with its source patterns for messages.
#[derive(Debug, Clone)]
struct NamedSet {
    patterns: Vec<String>,
    set: GlobSet,
}

impl NamedSet {
    fn new(key: &str, patterns: &[String]) -> Result<Self, PolicyError> {
        let mut builder = GlobSetBuilder::new();
        for p in patterns {
            let glob = Glob::new(p).map_err(|e| PolicyError {
                source_name: "config".into(),
                message: format!("{key}: bad glob {p:?}: {e}"),
            })?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| PolicyError {
            source_name: "config".into(),
            message: format!("{key}: {e}"),
        })?;
        Ok(Self {
            patterns: patterns.to_vec(),
            set,
        })
    }

    /// The first pattern matching `path`.
    fn matching(&self, path: &str) -> Option<&str> {
        self.set
            .matches(path)
            .first()
            .and_then(|&i| self.patterns.get(i))
            .map(String::as_str)
    }
}

/// The path sections of the configuration, as plain patterns.
#[derive(Debug, Clone, Default)]
pub struct PathSpec {
    /// Writes need explicit approval.
    pub protected: Vec<String>,
    /// Writes need approvals from two different people.
    pub two_person: Vec<String>,
    /// Reads are denied.
    pub read_deny: Vec<String>,
    /// Writes are staged, never applied directly.
    pub guarded: Vec<String>,
    /// Lane name → the globs that lane may write.
    pub lanes: BTreeMap<String, Vec<String>>,
}

impl PathSpec {
    /// The patterns of a `[paths]` section.
    pub fn from_config(c: &chamber_config::PathsConfig) -> Self {
        Self {
            protected: c.protected.clone(),
            two_person: c.two_person.clone(),
            read_deny: c.read_deny.clone(),
            guarded: c.guarded.clone(),
            lanes: c.lanes.clone(),
        }
    }
}

/// Compiled path rules.
#[derive(Debug, Clone)]
pub struct PathRules {
    protected: NamedSet,
    two_person: NamedSet,
    read_deny: NamedSet,
    guarded: NamedSet,
    lanes: BTreeMap<String, NamedSet>,
}

/// What the path rules say about one write.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteFacts {
    /// The protected pattern it matches.
    pub protected: Option<String>,
    /// The two-person pattern it matches.
    pub two_person: Option<String>,
    /// The guarded pattern it matches.
    pub guarded: Option<String>,
}

impl PathRules {
    /// Compiles the patterns; a bad glob is an error naming its key.
    pub fn new(spec: &PathSpec) -> Result<Self, PolicyError> {
        let mut lanes = BTreeMap::new();
        for (name, globs) in &spec.lanes {
            lanes.insert(
                name.clone(),
                NamedSet::new(&format!("paths.lanes.{name}"), globs)?,
            );
        }
        Ok(Self {
            protected: NamedSet::new("paths.protected", &spec.protected)?,
            two_person: NamedSet::new("paths.two_person", &spec.two_person)?,
            read_deny: NamedSet::new("paths.read_deny", &spec.read_deny)?,
            guarded: NamedSet::new("paths.guarded", &spec.guarded)?,
            lanes,
        })
    }

    /// The default rules (`[paths]` defaults): protected secrets, CI and
    /// migrations; `.env` unreadable.
    pub fn defaults() -> Self {
        let spec = PathSpec::from_config(&chamber_config::PathsConfig::default());
        // The defaults are constants that compile; fall back to none at all
        // rather than panic if that ever changed.
        Self::new(&spec).unwrap_or_else(|_| Self::empty())
    }

    fn empty() -> Self {
        let none = NamedSet {
            patterns: Vec::new(),
            set: GlobSet::empty(),
        };
        Self {
            protected: none.clone(),
            two_person: none.clone(),
            read_deny: none.clone(),
            guarded: none,
            lanes: BTreeMap::new(),
        }
    }

    /// The read-deny pattern `path` matches, if reading it is denied.
    pub fn read_denied(&self, path: &str) -> Option<&str> {
        let path = normalise(path);
        let name = path.rsplit('/').next().unwrap_or(&path);
        if READ_DENY_EXCEPTIONS.contains(&name) {
            return None;
        }
        self.read_deny.matching(&path)
    }

    /// What the rules say about writing `path`.
    pub fn write_facts(&self, path: &str) -> WriteFacts {
        let path = normalise(path);
        WriteFacts {
            protected: self.protected.matching(&path).map(String::from),
            two_person: self.two_person.matching(&path).map(String::from),
            guarded: self.guarded.matching(&path).map(String::from),
        }
    }

    /// Whether `lane` may write `path`: `Ok` when it may (or the lane has
    /// no rules), `Err` naming the lane's globs when it may not. An unknown
    /// lane is an error: a typo must not lift every restriction.
    pub fn lane_allows(&self, lane: &str, path: &str) -> Result<(), String> {
        let Some(set) = self.lanes.get(lane) else {
            return Err(format!(
                "lane {lane:?} is not defined under [paths.lanes] (defined: {})",
                self.lanes.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        };
        if set.matching(&normalise(path)).is_some() {
            Ok(())
        } else {
            Err(format!(
                "lane {lane:?} may only write {}",
                set.patterns.join(", ")
            ))
        }
    }

    /// Whether any guarded globs exist (runs then stage those writes).
    pub fn has_guarded(&self) -> bool {
        !self.guarded.patterns.is_empty()
    }
}

/// `./a//b` → `a/b`, so globs see one spelling.
fn normalise(path: &str) -> String {
    path.split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PathSpec {
        let mut s = PathSpec {
            two_person: vec!["deploy/**".into()],
            guarded: vec!["db/*.sql".into()],
            ..PathSpec::from_config(&chamber_config::PathsConfig::default())
        };
        s.lanes
            .insert("docs".into(), vec!["docs/**".into(), "*.md".into()]);
        s
    }

    #[test]
    fn default_protected_globs_match_secrets_ci_and_migrations() {
        let r = PathRules::new(&spec()).unwrap();
        for p in [
            ".env",
            ".env.production",
            "config/.env.local",
            "server.pem",
            "tls/server.key",
            "id_rsa",
            "keys/id_ed25519",
            "secrets/db.txt",
            "app/secrets/a/b",
            "app/migrations/0001_init.py",
            ".github/workflows/ci.yml",
            "./.gitlab-ci.yml",
        ] {
            assert!(r.write_facts(p).protected.is_some(), "{p}");
        }
        for p in ["src/main.rs", "README.md", "keys.rs", "migration.md"] {
            assert_eq!(r.write_facts(p).protected, None, "{p}");
        }
    }

    #[test]
    fn env_files_are_unreadable_but_examples_are_fine() {
        let r = PathRules::new(&spec()).unwrap();
        assert!(r.read_denied(".env").is_some());
        assert!(r.read_denied("./svc/.env.prod").is_some());
        assert_eq!(r.read_denied(".env.example"), None);
        assert_eq!(r.read_denied("src/env.rs"), None);
    }

    #[test]
    fn lanes_two_person_and_guarded_globs() {
        let r = PathRules::new(&spec()).unwrap();
        assert!(r.lane_allows("docs", "docs/guide/a.md").is_ok());
        assert!(r.lane_allows("docs", "README.md").is_ok());
        let err = r.lane_allows("docs", "src/lib.rs").unwrap_err();
        assert!(err.contains("docs/**"), "{err}");
        assert!(
            r.lane_allows("nope", "docs/a.md")
                .unwrap_err()
                .contains("not defined")
        );
        assert_eq!(
            r.write_facts("deploy/prod.yaml").two_person.as_deref(),
            Some("deploy/**")
        );
        assert_eq!(
            r.write_facts("db/1.sql").guarded.as_deref(),
            Some("db/*.sql")
        );
        assert!(r.has_guarded());
    }

    #[test]
    fn bad_glob_is_an_error_naming_the_key() {
        let s = PathSpec {
            protected: vec!["a[".into()],
            ..PathSpec::default()
        };
        let err = PathRules::new(&s).unwrap_err();
        assert!(err.message.contains("paths.protected"), "{}", err.message);
    }
}

//! User rules from `.chamber/policy.toml`: `[[rules]]` with a `prefix` or
//! `regex`, a `decision` and a required `reason`.

use regex::Regex;
use serde::Deserialize;

use crate::rules::Decision;

/// One rule from `policy.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// A short name shown when the rule decides (default: file and index).
    #[serde(default)]
    pub name: Option<String>,
    /// Matches a simple command that starts with these words (the command
    /// name compared without its directory).
    #[serde(default)]
    pub prefix: Option<String>,
    /// Matches a simple command (words joined by single spaces) against a
    /// regex (unanchored: use `^` and `$`).
    #[serde(default)]
    pub regex: Option<String>,
    /// What to do on a match.
    pub decision: Decision,
    /// Why the rule exists; shown whenever it fires. Required.
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    rules: Vec<RuleSpec>,
}

/// Why a policy file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid policy in {source_name}: {message}")]
pub struct PolicyError {
    /// File the bad rule is in.
    pub source_name: String,
    /// What is wrong, naming the key.
    pub message: String,
}

/// A compiled user rule.
#[derive(Debug)]
pub(crate) struct UserRule {
    matcher: Matcher,
    pub decision: Decision,
    pub reason: String,
    pub label: String,
}

#[derive(Debug)]
enum Matcher {
    Prefix(Vec<String>),
    Regex(Regex),
}

impl UserRule {
    /// Does the rule match these words (command name already a base name)?
    pub fn matches(&self, words: &[String]) -> bool {
        match &self.matcher {
            Matcher::Prefix(p) => {
                words.len() >= p.len()
                    && words[0] == crate::command::basename_of(&p[0])
                    && words[1..p.len()] == p[1..]
            }
            Matcher::Regex(r) => r.is_match(&words.join(" ")),
        }
    }
}

/// Parses and compiles the rules of a `policy.toml` text.
pub(crate) fn parse(text: &str, source_name: &str) -> Result<Vec<UserRule>, PolicyError> {
    let err = |message: String| PolicyError {
        source_name: source_name.into(),
        message,
    };
    let file: PolicyFile =
        toml::from_str(text).map_err(|e| err(e.to_string().trim().to_string()))?;
    let mut out = Vec::new();
    for (i, spec) in file.rules.into_iter().enumerate() {
        let matcher =
            match (&spec.prefix, &spec.regex) {
                (Some(p), None) => {
                    let words: Vec<String> = p.split_whitespace().map(String::from).collect();
                    if words.is_empty() {
                        return Err(err(format!("rules[{i}].prefix is empty")));
                    }
                    Matcher::Prefix(words)
                }
                (None, Some(r)) => Matcher::Regex(Regex::new(r).map_err(|e| {
                    err(format!("rules[{i}].regex `{r}` is not a valid regex: {e}"))
                })?),
                (Some(_), Some(_)) => {
                    return Err(err(format!(
                        "rules[{i}]: give `prefix` or `regex`, not both"
                    )));
                }
                (None, None) => {
                    return Err(err(format!(
                        "rules[{i}]: give exactly one of `prefix` or `regex`"
                    )));
                }
            };
        if spec.reason.trim().is_empty() {
            return Err(err(format!(
                "rules[{i}].reason is empty: every rule needs a justification"
            )));
        }
        let label = match &spec.name {
            Some(n) if !n.trim().is_empty() => n.clone(),
            _ => format!(
                "{source_name} rules[{i}] ({})",
                spec.prefix
                    .as_deref()
                    .or(spec.regex.as_deref())
                    .unwrap_or_default()
            ),
        };
        out.push(UserRule {
            matcher,
            decision: spec.decision,
            reason: spec.reason,
            label,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::{Decision, Policy};

    fn decide(toml: &str, cmd: &str) -> (Decision, Option<String>) {
        let v = Policy::from_toml(toml, "p.toml")
            .unwrap()
            .check_command(cmd);
        (v.decision, v.rule)
    }

    #[test]
    fn deny_beats_ask_beats_allow_whatever_the_order() {
        let toml = "[[rules]]\nprefix = \"npm\"\ndecision = \"allow\"\nreason = \"a\"\n\
                    [[rules]]\nregex = \"^npm (run|exec)\"\ndecision = \"ask\"\nreason = \"b\"\n\
                    [[rules]]\nname = \"no-publish\"\nprefix = \"npm publish\"\ndecision = \"deny\"\nreason = \"c\"\n";
        assert_eq!(decide(toml, "npm ci").0, Decision::Allow);
        assert_eq!(decide(toml, "npm run build").0, Decision::Ask);
        assert_eq!(
            decide(toml, "npm publish --tag x"),
            (Decision::Deny, Some("no-publish".into()))
        );
        // Deny and ask rules also see the wrappers; allow rules the inner command.
        assert_eq!(decide(toml, "nohup npm publish &").0, Decision::Deny);
        assert_eq!(decide(toml, "/usr/bin/npm ci").0, Decision::Allow);
        assert_eq!(decide(toml, "npx x").0, Decision::Ask);
    }

    #[test]
    fn bad_files_name_the_file_and_the_key() {
        let err = |toml: &str| {
            Policy::from_toml(toml, "p.toml")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let e = err("[[rules]]\ndecision = \"allow\"\nreason = \"x\"\n");
        assert!(
            e.contains("p.toml") && e.contains("rules[0]") && e.contains("prefix"),
            "{e}"
        );
        let e =
            err("[[rules]]\nprefix = \"a\"\nregex = \"b\"\ndecision = \"allow\"\nreason = \"x\"\n");
        assert!(e.contains("not both"), "{e}");
        let e = err("[[rules]]\nprefix = \"a\"\ndecision = \"allow\"\nreason = \" \"\n");
        assert!(e.contains("rules[0].reason"), "{e}");
        let e = err("[[rules]]\nprefix = \"a\"\ndecision = \"allow\"\n");
        assert!(e.contains("reason"), "{e}");
        let e = err("[[rules]]\nprefix = \"a\"\ndecision = \"maybe\"\nreason = \"x\"\n");
        assert!(e.contains("decision") || e.contains("maybe"), "{e}");
        let e = err("[[rules]]\nregex = \"a(\"\ndecision = \"deny\"\nreason = \"x\"\n");
        assert!(e.contains("rules[0].regex"), "{e}");
        let e = err("[[rules]]\nprefix = \"a\"\ndecision = \"deny\"\nreason = \"x\"\nwhy = 1\n");
        assert!(e.contains("why"), "{e}");
        let e = err("[other]\n");
        assert!(e.contains("other"), "{e}");
    }

    #[test]
    fn the_default_file_parses_and_does_what_it_says() {
        let p = Policy::from_toml(crate::DEFAULT_POLICY_TOML, "policy.toml").unwrap();
        assert_eq!(p.check_command("python hello.py").decision, Decision::Allow);
        assert_eq!(p.check_command("cargo test -q").decision, Decision::Allow);
        assert_eq!(p.check_command("git push origin x").decision, Decision::Ask);
    }
}

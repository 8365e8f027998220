//! Secrets in added lines: well-known token shapes, private key blocks and
//! `password = "…"`-style assignments of high-entropy values. A secret is
//! never echoed whole: findings carry a masked form.

use std::sync::LazyLock;

use regex::Regex;

/// One secret found in a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHit {
    /// What it looks like (`AWS access key id`, …).
    pub kind: &'static str,
    /// Byte range of the secret in the line.
    pub range: std::ops::Range<usize>,
    /// The masked secret, safe to print.
    pub masked: String,
}

/// Token shapes: (kind, pattern; the secret is group 1 when there is one).
const SHAPES: &[(&str, &str)] = &[
    ("AWS access key id", r"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b"),
    (
        "AWS secret access key",
        r#"(?i)aws_?secret_?access_?key\W{0,4}[=:]\s*["']?([A-Za-z0-9/+=]{40})\b"#,
    ),
    (
        "private key",
        r"(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)",
    ),
    (
        "GitHub token",
        r"\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,})",
    ),
    ("GitHub token", r"\b(github_pat_[A-Za-z0-9_]{22,})"),
    ("Anthropic API key", r"\b(sk-ant-[A-Za-z0-9_-]{20,})"),
    (
        "OpenAI API key",
        r"\b(sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,})",
    ),
    ("Slack token", r"\b(xox[abprs]-[A-Za-z0-9-]{10,})"),
    ("Google API key", r"\b(AIza[0-9A-Za-z_-]{35})"),
];

/// `name = "value"` where the name says it is secret.
const ASSIGNMENT: &str = r#"(?i)([a-z0-9_.-]*(?:password|passwd|pwd|secret|api_?key|apikey|auth_?token|access_?token|access_?key|private_?key|client_?secret)[a-z0-9_.-]*)["']?\s*(?::=|=|:|=>)\s*["']([^"'\s]{8,})["']"#;

static SHAPE_RES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    SHAPES
        .iter()
        .filter_map(|(kind, re)| Regex::new(re).ok().map(|r| (*kind, r)))
        .collect()
});

static ASSIGNMENT_RE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(ASSIGNMENT).ok());

/// The secrets in one line, left to right, without overlaps.
pub fn find_secrets(line: &str) -> Vec<SecretHit> {
    let mut hits: Vec<SecretHit> = Vec::new();
    let push = |kind: &'static str, range: std::ops::Range<usize>, hits: &mut Vec<SecretHit>| {
        if hits
            .iter()
            .any(|h| h.range.start < range.end && range.start < h.range.end)
        {
            return;
        }
        let text = &line[range.clone()];
        let masked = if kind == "private key" {
            "-----BEGIN … PRIVATE KEY-----".to_string()
        } else {
            mask(text)
        };
        hits.push(SecretHit {
            kind,
            range,
            masked,
        });
    };
    for (kind, re) in SHAPE_RES.iter() {
        for caps in re.captures_iter(line) {
            if let Some(m) = caps.get(1) {
                push(kind, m.range(), &mut hits);
            }
        }
    }
    if let Some(re) = ASSIGNMENT_RE.as_ref() {
        for caps in re.captures_iter(line) {
            if let Some(value) = caps.get(2)
                && looks_random(value.as_str())
            {
                push("hard-coded credential", value.range(), &mut hits);
            }
        }
    }
    hits.sort_by_key(|h| h.range.start);
    hits
}

/// The line with every secret replaced by its masked form (for text sent
/// to a model or printed).
pub fn redact(line: &str) -> String {
    let hits = find_secrets(line);
    if hits.is_empty() {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut at = 0;
    for h in hits {
        out.push_str(&line[at..h.range.start]);
        out.push_str(&h.masked);
        at = h.range.end;
    }
    out.push_str(&line[at..]);
    out
}

/// Keeps a short prefix (at most 4 characters, never more than a quarter
/// of the secret) and the length: `AKIA…(20 chars)`.
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = (n / 4).min(4);
    let prefix: String = secret.chars().take(keep).collect();
    format!("{prefix}…({n} chars)")
}

/// Whether a value is random enough to be a real credential rather than a
/// placeholder, a reference or a word.
fn looks_random(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    const PLACEHOLDERS: &[&str] = &[
        "${",
        "{{",
        "<",
        "example",
        "changeme",
        "change_me",
        "placeholder",
        "your_",
        "your-",
        "xxxx",
        "****",
        "dummy",
        "redacted",
        "env[",
        "environ",
        "getenv",
    ];
    if PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
        return false;
    }
    let classes = [
        value.chars().any(|c| c.is_ascii_lowercase()),
        value.chars().any(|c| c.is_ascii_uppercase()),
        value.chars().any(|c| c.is_ascii_digit()),
        value.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    let classes = classes.iter().filter(|&&b| b).count();
    entropy(value) >= 3.0 && classes >= 2
}

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in s.chars() {
        *counts.entry(c).or_insert(0u32) += 1;
    }
    let n = s.chars().count() as f64;
    counts
        .values()
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<&'static str> {
        find_secrets(line).into_iter().map(|h| h.kind).collect()
    }

    #[test]
    fn finds_token_shapes() {
        assert_eq!(kinds("key = 'AKIAZ4XQ7LMN2PRT5VWA'"), ["AWS access key id"]);
        assert_eq!(kinds("-----BEGIN RSA PRIVATE KEY-----"), ["private key"]);
        assert_eq!(
            kinds("-----BEGIN OPENSSH PRIVATE KEY-----"),
            ["private key"]
        );
        assert_eq!(
            kinds("token: ghp_abcdefghijklmnopqrstuvwxyz0123456789AB"),
            ["GitHub token"]
        );
        assert_eq!(
            kinds("ANTHROPIC=sk-ant-api03-abcdefghijklmnopqrstuvwxyz"),
            ["Anthropic API key"]
        );
        assert_eq!(
            kinds("x sk-proj-abcdefghijklmnopqrstuvwxyz012345"),
            ["OpenAI API key"]
        );
    }

    #[test]
    fn assignments_need_random_values() {
        assert_eq!(
            kinds(r#"db_password = "q8#Zr2!vLm0pXw""#),
            ["hard-coded credential"]
        );
        assert_eq!(
            kinds(r#""api_key": "f3a9c2e7b1d04c8e9a6b""#),
            ["hard-coded credential"]
        );
        assert!(kinds(r#"password = "changeme123""#).is_empty());
        assert!(kinds(r#"password = "${DB_PASSWORD}""#).is_empty());
        assert!(kinds(r#"password = "aaaaaaaaaaaa""#).is_empty());
        assert!(kinds("let password = read_password();").is_empty());
        assert!(kinds("ordinary code with no secrets").is_empty());
    }

    #[test]
    fn masks_never_show_the_secret() {
        let key = "AKIAZ4XQ7LMN2PRT5VWA";
        let hit = &find_secrets(&format!("k={key}"))[0];
        assert_eq!(hit.masked, "AKIA…(20 chars)");
        assert!(!hit.masked.contains(&key[4..]));
        let red = redact(&format!("a {key} b"));
        assert_eq!(red, "a AKIA…(20 chars) b");
        assert_eq!(mask("abcdefgh"), "ab…(8 chars)");
    }
}

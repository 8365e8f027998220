//! The built-in secret patterns and the heuristics that keep ordinary code
//! from looking like a secret.

/// What a match must also satisfy beyond its regex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// The regex is enough.
    None,
    /// The token must mix letters and digits (keeps `sk-some-kebab-name` out).
    Mixed,
    /// The value of an assignment must look random.
    Entropy,
}

/// One built-in pattern: its label, its regex, and the extra check.
pub(crate) struct Builtin {
    pub label: &'static str,
    pub regex: String,
    pub check: Check,
}

/// Keyword stems of names that hold secrets, for assignments and JSON keys.
const SECRET_NAME: &str = r"(?:password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?)";

/// The built-in patterns. Earlier entries win ties on the same span, so the
/// specific formats come before the generic ones.
pub(crate) fn builtins() -> Vec<Builtin> {
    let assignment = format!(
        r#"(?i){SECRET_NAME}[a-z0-9_\-]*\\?["']?[ \t]*(?::=|=>|=|:)[ \t]*(?:\\?"(?P<dq>[^"\n\\]{{8,}})\\?"|'(?P<sq>[^'\n]{{8,}})'|(?P<bare>[^\s"'`,;(){{}}\[\]<>\\]{{8,}}))"#
    );
    let list: Vec<(&'static str, String, Check)> = vec![
        (
            "anthropic-key",
            r"(?-u:\b)sk-ant-[A-Za-z0-9_\-]{20,}".into(),
            Check::None,
        ),
        (
            "openai-key",
            r"(?-u:\b)sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}".into(),
            Check::Mixed,
        ),
        (
            "aws-access-key-id",
            r"(?-u:\b)(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?-u:\b)".into(),
            Check::None,
        ),
        (
            "github-token",
            r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})".into(),
            Check::None,
        ),
        (
            "slack-token",
            r"(?-u:\b)xox[baprs]-[A-Za-z0-9\-]{10,}".into(),
            Check::Mixed,
        ),
        (
            "slack-webhook",
            r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9_/]{16,}".into(),
            Check::None,
        ),
        (
            "google-api-key",
            r"(?-u:\b)AIza[0-9A-Za-z_\-]{35}".into(),
            Check::None,
        ),
        (
            "jwt",
            r"(?-u:\b)eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}".into(),
            Check::None,
        ),
        (
            "aws-secret-key",
            r#"(?i)aws_?secret_?(?:access_?)?key["']?[ \t]*(?::=|=>|=|:)[ \t]*["']?(?P<secret>[A-Za-z0-9/+=]{40})(?-u:\b)"#.into(),
            Check::None,
        ),
        ("secret-assignment", assignment, Check::Entropy),
    ];
    list.into_iter()
        .map(|(label, regex, check)| Builtin {
            label,
            regex,
            check,
        })
        .collect()
}

/// Shannon entropy of `s` in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts: Vec<(char, u32)> = Vec::new();
    let mut total = 0u32;
    for c in s.chars() {
        total += 1;
        match counts.iter_mut().find(|(k, _)| *k == c) {
            Some((_, n)) => *n += 1,
            None => counts.push((c, 1)),
        }
    }
    if total == 0 {
        return 0.0;
    }
    let total = f64::from(total);
    counts
        .iter()
        .map(|(_, n)| {
            let p = f64::from(*n) / total;
            -p * p.log2()
        })
        .sum()
}

/// Entropy (bits per character) an assigned value needs to count as a secret.
pub const MIN_ENTROPY: f64 = 3.0;

/// Characters an assigned value needs to count as a secret.
pub const MIN_SECRET_LEN: usize = 8;

/// Whether an assigned value looks like a secret rather than code or prose:
/// long enough, no whitespace or templating, not a URL or path, mixing
/// letters with digits or symbols, and random enough.
pub fn looks_random(value: &str) -> bool {
    let v = value.trim();
    if v.chars().count() < MIN_SECRET_LEN || v.starts_with("[REDACTED:") {
        return false;
    }
    if v.chars().any(char::is_whitespace)
        || v.contains("://")
        || v.starts_with('$')
        || v.starts_with('/')
        || v.starts_with("~/")
        || v.contains("${")
        || v.contains("{{")
        || v.contains("%s")
    {
        return false;
    }
    let letters = v.chars().any(|c| c.is_ascii_alphabetic());
    let digits = v.chars().any(|c| c.is_ascii_digit());
    let symbols = v
        .chars()
        .any(|c| !c.is_ascii_alphanumeric() && c != '_' && c != '.');
    // A plain identifier or dotted path (`settings.api_token`) is code.
    if !digits && !symbols {
        return false;
    }
    if !letters && !symbols {
        // All digits: a number, a port, a date.
        return false;
    }
    if !digits {
        // Words joined by punctuation (`X-Auth-Token`) need more length and
        // randomness than a token with digits in it.
        return v.chars().count() >= 16 && shannon_entropy(v) >= MIN_ENTROPY + 0.5;
    }
    shannon_entropy(v) >= MIN_ENTROPY
}

/// Whether an environment or `.env` variable name suggests a secret value.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"]
        .iter()
        .any(|w| upper.contains(w))
}

/// Whether a JSON object key names a secret (`api_key`, `password`,
/// `clientSecret`), for values whose surrounding text is gone after parsing.
pub(crate) fn is_secret_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase().replace(['-', '_'], "");
    [
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "accesskey",
        "privatekey",
        "authkey",
        "credential",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// Whether a token mixes letters and digits.
pub(crate) fn mixed(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit()) && s.chars().any(|c| c.is_ascii_alphabetic())
}

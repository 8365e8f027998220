//! The environment scrub: child processes never see a variable whose name
//! looks like it holds a credential, unless the user allowlisted it.

use std::ffi::OsString;

/// Name fragments that mark a variable as secret (matched case-insensitively).
const SECRET_MARKERS: &[&str] = &["KEY", "TOKEN", "SECRET", "PASSWORD"];

/// Whether a variable named `name` is removed from a child's environment.
/// `allow` holds exact names or prefixes ending in `*`.
pub fn is_scrubbed(name: &str, allow: &[String]) -> bool {
    let upper = name.to_ascii_uppercase();
    if !SECRET_MARKERS.iter().any(|m| upper.contains(m)) {
        return false;
    }
    !allow.iter().any(|a| match a.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == a,
    })
}

/// Names of the variables in this process's environment that a child must
/// not inherit.
pub fn scrubbed_names(allow: &[String]) -> Vec<OsString> {
    std::env::vars_os()
        .map(|(k, _)| k)
        .filter(|k| is_scrubbed(&k.to_string_lossy(), allow))
        .collect()
}

/// Removes the secret-looking variables from a command's environment.
pub fn scrub(cmd: &mut tokio::process::Command, allow: &[String]) {
    for name in scrubbed_names(allow) {
        cmd.env_remove(name);
    }
}

/// [`scrub`] for a blocking [`std::process::Command`].
pub fn scrub_std(cmd: &mut std::process::Command, allow: &[String]) {
    for name in scrubbed_names(allow) {
        cmd.env_remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::is_scrubbed;

    #[test]
    fn secret_names_go_unless_allowed() {
        let allow = vec!["MY_TOKEN".to_string(), "CI_KEY_*".to_string()];
        assert!(is_scrubbed("FOO_API_KEY", &[]));
        assert!(is_scrubbed("github_token", &[]));
        assert!(is_scrubbed("DB_PASSWORD", &[]));
        assert!(is_scrubbed("AWS_SECRET_ACCESS_KEY", &[]));
        assert!(!is_scrubbed("PATH", &[]));
        assert!(!is_scrubbed("MY_TOKEN", &allow));
        assert!(is_scrubbed("MY_TOKEN2", &allow));
        assert!(!is_scrubbed("CI_KEY_ONE", &allow));
    }
}

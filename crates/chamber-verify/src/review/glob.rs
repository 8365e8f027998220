//! Path patterns in the style of `.gitignore`: `*` and `?` stay inside one
//! path component, `**` crosses components, a trailing `/` matches
//! everything under a directory, and a pattern without `/` matches the
//! file name at any depth.

/// Whether `path` (relative, `/`-separated) matches `pattern`.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return false;
    }
    if let Some(dir) = pattern.strip_suffix('/') {
        let dir = dir.trim_start_matches('/');
        let anywhere = !dir.contains('/');
        return path.split('/').count() > 1
            && ancestors(path).any(|prefix| {
                glob(dir, prefix)
                    || (anywhere && glob(dir, prefix.rsplit('/').next().unwrap_or(prefix)))
            });
    }
    if let Some(rooted) = pattern.strip_prefix('/') {
        return glob(rooted, path);
    }
    if pattern.contains('/') {
        return glob(pattern, path);
    }
    glob(pattern, path.rsplit('/').next().unwrap_or(path))
}

/// `a/b/c` → `a`, `a/b` (the directories holding the file).
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

/// Matches a whole string against a glob.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches_from(&p, &t)
}

fn matches_from(p: &[char], t: &[char]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some('*') if p.get(1) == Some(&'*') => {
            // `**/` also matches no directory at all.
            let rest = &p[2..];
            if let Some(after) = rest.strip_prefix(&['/'])
                && matches_from(after, t)
            {
                return true;
            }
            (0..=t.len()).any(|i| matches_from(rest, &t[i..]))
        }
        Some('*') => {
            let rest = &p[1..];
            for i in 0..=t.len() {
                if matches_from(rest, &t[i..]) {
                    return true;
                }
                if t.get(i) == Some(&'/') {
                    break;
                }
            }
            false
        }
        Some('?') => t.first().is_some_and(|&c| c != '/') && matches_from(&p[1..], &t[1..]),
        Some(&c) => t.first() == Some(&c) && matches_from(&p[1..], &t[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn patterns() {
        assert!(path_matches(
            ".github/workflows/",
            ".github/workflows/ci.yml"
        ));
        assert!(!path_matches(
            ".github/workflows/",
            ".github/dependabot.yml"
        ));
        assert!(path_matches("*.lock", "Cargo.lock"));
        assert!(path_matches("*.lock", "sub/dir/yarn.lock"));
        assert!(!path_matches("*.lock", "lock.rs"));
        assert!(path_matches(".env", "app/.env"));
        assert!(path_matches(".env.*", ".env.production"));
        assert!(path_matches("/Makefile", "Makefile"));
        assert!(!path_matches("/Makefile", "sub/Makefile"));
        assert!(path_matches("deploy/**/*.yaml", "deploy/a/b/x.yaml"));
        assert!(path_matches("deploy/**/*.yaml", "deploy/x.yaml"));
        assert!(!path_matches("src/*.rs", "src/a/b.rs"));
        assert!(path_matches("migrations/", "db/migrations/001.sql"));
        assert!(!path_matches("", "x"));
    }
}

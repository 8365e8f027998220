//! Identifier splitting, shared by the full-text tokenizer, the symbol
//! search and retrieval: `parseHTTPRequest` → `parse`, `http`, `request`.

/// Splits text into lowercase word parts: camelCase and PascalCase humps
/// (an acronym stays whole: `HTTPServer` → `http`, `server`), snake_case,
/// kebab-case, paths (`/`, `.`, `-`, `_`) and any other non-alphanumeric
/// separator. Digits stay attached to the letters before them (`utf8`,
/// `sha256`). Used wherever a query or a document must match code names
/// written in another style.
pub fn split_identifier(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() {
            split_word(word, &mut parts);
        }
    }
    parts
}

/// Splits one alphanumeric run at case changes and pushes the lowercase
/// parts.
fn split_word(word: &str, parts: &mut Vec<String>) {
    let chars: Vec<char> = word.chars().collect();
    let mut start = 0;
    for i in 1..chars.len() {
        let (prev, cur) = (chars[i - 1], chars[i]);
        let next_lower = chars.get(i + 1).is_some_and(|c| c.is_lowercase());
        let boundary = (prev.is_lowercase() && cur.is_uppercase())
            || (prev.is_uppercase() && cur.is_uppercase() && next_lower)
            || (prev.is_numeric() && cur.is_uppercase());
        if boundary {
            parts.push(lower(&chars[start..i]));
            start = i;
        }
    }
    parts.push(lower(&chars[start..]));
}

fn lower(chars: &[char]) -> String {
    chars.iter().flat_map(|c| c.to_lowercase()).collect()
}

/// Splits `text` like [`split_identifier`] and also keeps each whole
/// identifier (lowercased) when it split into more than one part, so
/// `parse_request` matches both `parse_request` and `request`.
pub fn identifier_terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        let word = word.trim_matches('_');
        if word.is_empty() {
            continue;
        }
        let before = terms.len();
        split_identifier_into(word, &mut terms);
        if terms.len() - before > 1 {
            terms.push(word.to_lowercase());
        }
    }
    terms
}

fn split_identifier_into(word: &str, out: &mut Vec<String>) {
    for part in word.split('_') {
        if !part.is_empty() {
            split_word(part, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_camel_snake_acronyms_and_paths() {
        assert_eq!(
            split_identifier("parseHTTPRequest"),
            ["parse", "http", "request"]
        );
        assert_eq!(split_identifier("HTTPServer"), ["http", "server"]);
        assert_eq!(
            split_identifier("snake_case_name"),
            ["snake", "case", "name"]
        );
        assert_eq!(
            split_identifier("XMLHttpRequest2"),
            ["xml", "http", "request2"]
        );
        assert_eq!(
            split_identifier("src/store/sqlite-pool.rs"),
            ["src", "store", "sqlite", "pool", "rs"]
        );
        assert_eq!(split_identifier("utf8Decode"), ["utf8", "decode"]);
        assert_eq!(split_identifier("Sha256Sum"), ["sha256", "sum"]);
        assert!(split_identifier("  --  ").is_empty());
    }

    #[test]
    fn identifier_terms_keep_whole_compound_names() {
        assert_eq!(
            identifier_terms("fn parse_request(x)"),
            ["fn", "parse", "request", "parse_request", "x"]
        );
        assert_eq!(identifier_terms("getUser"), ["get", "user", "getuser"]);
    }
}

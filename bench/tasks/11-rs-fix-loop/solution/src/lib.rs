/// Count the vowels (a, e, i, o, u, in either case) in `s`.
pub fn count_vowels(s: &str) -> usize {
    let chars: Vec<char> = s.chars().collect();
    let mut count = 0;
    for i in 0..chars.len() {
        if "aeiouAEIOU".contains(chars[i]) {
            count += 1;
        }
    }
    count
}

/// Count the words (runs of non-whitespace) in `s`.
pub fn count_words(s: &str) -> usize {
    s.split_whitespace().count()
}

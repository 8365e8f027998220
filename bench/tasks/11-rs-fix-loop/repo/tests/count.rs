use textstats::{count_vowels, count_words};

#[test]
fn vowels_in_the_middle() {
    assert_eq!(count_vowels("rhythm"), 0);
    assert_eq!(count_vowels("banana split"), 4);
}

#[test]
fn vowel_at_the_end_counts() {
    assert_eq!(count_vowels("idea"), 3);
    assert_eq!(count_vowels("a"), 1);
    assert_eq!(count_vowels("tree"), 2);
}

#[test]
fn both_cases() {
    assert_eq!(count_vowels("AEIOU aeiou"), 10);
    assert_eq!(count_vowels("Hello World"), 3);
}

#[test]
fn empty_string() {
    assert_eq!(count_vowels(""), 0);
}

#[test]
fn non_ascii_is_not_a_vowel() {
    assert_eq!(count_vowels("café"), 1);
}

#[test]
fn words() {
    assert_eq!(count_words("  one two\tthree "), 3);
    assert_eq!(count_words(""), 0);
}

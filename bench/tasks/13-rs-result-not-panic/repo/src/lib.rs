#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeError {
    Empty,
    NotANumber,
    TooOld,
}

/// Parse an age in whole years (0 to 150) from user input.
/// Whitespace around the number is ignored.
pub fn parse_age(input: &str) -> u8 {
    let trimmed = input.trim();
    let age: u32 = trimmed.parse().unwrap();
    if age > 150 {
        panic!("age too large: {age}");
    }
    age as u8
}

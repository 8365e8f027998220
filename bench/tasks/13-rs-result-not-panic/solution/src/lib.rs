#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeError {
    Empty,
    NotANumber,
    TooOld,
}

/// Parse an age in whole years (0 to 150) from user input.
/// Whitespace around the number is ignored.
pub fn parse_age(input: &str) -> Result<u8, AgeError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(AgeError::Empty);
    }
    let age: u32 = trimmed.parse().map_err(|_| AgeError::NotANumber)?;
    if age > 150 {
        return Err(AgeError::TooOld);
    }
    Ok(age as u8)
}

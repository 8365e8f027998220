use age::{parse_age, AgeError};

#[test]
fn valid_ages() {
    assert_eq!(parse_age("0"), Ok(0));
    assert_eq!(parse_age("42"), Ok(42));
    assert_eq!(parse_age("150"), Ok(150));
    assert_eq!(parse_age("  7 \n"), Ok(7));
}

#[test]
fn empty_input() {
    assert_eq!(parse_age(""), Err(AgeError::Empty));
    assert_eq!(parse_age("   "), Err(AgeError::Empty));
    assert_eq!(parse_age("\t\n"), Err(AgeError::Empty));
}

#[test]
fn not_a_number() {
    assert_eq!(parse_age("abc"), Err(AgeError::NotANumber));
    assert_eq!(parse_age("12.5"), Err(AgeError::NotANumber));
    assert_eq!(parse_age("-3"), Err(AgeError::NotANumber));
    assert_eq!(parse_age("4 2"), Err(AgeError::NotANumber));
}

#[test]
fn too_old() {
    assert_eq!(parse_age("151"), Err(AgeError::TooOld));
    assert_eq!(parse_age("1000"), Err(AgeError::TooOld));
    assert_eq!(parse_age(" 256 "), Err(AgeError::TooOld));
}

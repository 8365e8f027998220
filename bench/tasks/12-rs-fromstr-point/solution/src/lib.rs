use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

/// Returned when a string is not a valid point.
#[derive(Debug, PartialEq, Eq)]
pub struct ParsePointError;

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.x, self.y)
    }
}

impl FromStr for Point {
    type Err = ParsePointError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let inner = s
            .strip_prefix('(')
            .and_then(|rest| rest.strip_suffix(')'))
            .ok_or(ParsePointError)?;
        let (x, y) = inner.split_once(',').ok_or(ParsePointError)?;
        let x = x.trim().parse().map_err(|_| ParsePointError)?;
        let y = y.trim().parse().map_err(|_| ParsePointError)?;
        Ok(Point { x, y })
    }
}

use point::{ParsePointError, Point};

#[test]
fn parses_display_form() {
    assert_eq!("(3, -4)".parse::<Point>(), Ok(Point { x: 3, y: -4 }));
    assert_eq!("(0, 0)".parse::<Point>(), Ok(Point { x: 0, y: 0 }));
}

#[test]
fn spaces_are_optional() {
    assert_eq!("(1,2)".parse::<Point>(), Ok(Point { x: 1, y: 2 }));
    assert_eq!("( 10 , 20 )".parse::<Point>(), Ok(Point { x: 10, y: 20 }));
}

#[test]
fn round_trips_through_display() {
    for p in [Point { x: -7, y: 12 }, Point { x: i32::MAX, y: i32::MIN }] {
        assert_eq!(p.to_string().parse::<Point>(), Ok(p));
    }
}

#[test]
fn rejects_malformed_input() {
    for bad in ["", "3, 4", "(3)", "(3, 4, 5)", "(a, 4)", "(3, 4", "3, 4)", "(,)", "(1.5, 2)", "(99999999999, 1)"] {
        assert_eq!(bad.parse::<Point>(), Err(ParsePointError), "input {bad:?}");
    }
}

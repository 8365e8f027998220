use shapes::{Circle, Rect, Shape};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn circle_area() {
    assert!(close(Circle { radius: 1.0 }.area(), std::f64::consts::PI));
    assert!(close(Circle { radius: 2.0 }.area(), 4.0 * std::f64::consts::PI));
    assert!(close(Circle { radius: 0.0 }.area(), 0.0));
}

#[test]
fn circle_perimeter() {
    assert!(close(Circle { radius: 1.0 }.perimeter(), 2.0 * std::f64::consts::PI));
    assert!(close(Circle { radius: 3.0 }.perimeter(), 6.0 * std::f64::consts::PI));
}

#[test]
fn circle_describe() {
    assert_eq!(Circle { radius: 1.0 }.describe(), "area 3.14, perimeter 6.28");
}

#[test]
fn shapes_as_trait_objects() {
    let shapes: Vec<Box<dyn Shape>> = vec![
        Box::new(Rect { width: 2.0, height: 3.0 }),
        Box::new(Circle { radius: 0.5 }),
    ];
    let total: f64 = shapes.iter().map(|s| s.area()).sum();
    assert!(close(total, 6.0 + 0.25 * std::f64::consts::PI));
}

#[test]
fn rect_still_works() {
    let r = Rect { width: 2.0, height: 3.0 };
    assert!(close(r.area(), 6.0));
    assert!(close(r.perimeter(), 10.0));
}

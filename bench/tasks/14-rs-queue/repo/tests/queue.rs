use queue::Queue;

#[test]
fn new_queue_is_empty() {
    let mut q: Queue<i32> = Queue::new();
    assert!(q.is_empty());
    assert_eq!(q.len(), 0);
    assert_eq!(q.peek(), None);
    assert_eq!(q.pop(), None);
}

#[test]
fn first_in_first_out() {
    let mut q = Queue::new();
    q.push(1);
    q.push(2);
    q.push(3);
    assert_eq!(q.len(), 3);
    assert_eq!(q.pop(), Some(1));
    assert_eq!(q.pop(), Some(2));
    q.push(4);
    assert_eq!(q.pop(), Some(3));
    assert_eq!(q.pop(), Some(4));
    assert_eq!(q.pop(), None);
    assert!(q.is_empty());
}

#[test]
fn peek_does_not_remove() {
    let mut q = Queue::new();
    q.push("a".to_string());
    q.push("b".to_string());
    assert_eq!(q.peek().map(String::as_str), Some("a"));
    assert_eq!(q.peek().map(String::as_str), Some("a"));
    assert_eq!(q.len(), 2);
}

#[test]
fn works_with_non_copy_values() {
    let mut q = Queue::default();
    q.push(vec![1, 2]);
    q.push(vec![3]);
    assert_eq!(q.pop(), Some(vec![1, 2]));
    assert_eq!(q.peek(), Some(&vec![3]));
}

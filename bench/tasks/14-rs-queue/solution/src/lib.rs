use std::collections::VecDeque;

/// A first-in, first-out queue.
#[derive(Debug)]
pub struct Queue<T> {
    items: VecDeque<T>,
}

impl<T> Queue<T> {
    pub fn new() -> Self {
        Queue { items: VecDeque::new() }
    }

    /// Add `item` at the back of the queue.
    pub fn push(&mut self, item: T) {
        self.items.push_back(item);
    }

    /// Remove and return the front item, or None if the queue is empty.
    pub fn pop(&mut self) -> Option<T> {
        self.items.pop_front()
    }

    /// Return a reference to the front item without removing it, or None if the queue is empty.
    pub fn peek(&self) -> Option<&T> {
        self.items.front()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Self::new()
    }
}

class Stack:
    """A last-in, first-out stack."""

    def __init__(self):
        self._items = []

    def push(self, item):
        """Put item on top of the stack."""
        self._items.append(item)

    def __len__(self):
        return len(self._items)

    def pop(self):
        """Remove and return the top item. Raise IndexError if the stack is empty."""
        raise NotImplementedError

    def peek(self):
        """Return the top item without removing it. Raise IndexError if the stack is empty."""
        raise NotImplementedError

    def is_empty(self):
        """Return True if the stack has no items, False otherwise."""
        raise NotImplementedError

import unittest

from stack import Stack


class StackTest(unittest.TestCase):
    def test_new_stack_is_empty(self):
        s = Stack()
        self.assertTrue(s.is_empty())
        self.assertEqual(len(s), 0)

    def test_push_then_pop_is_lifo(self):
        s = Stack()
        for x in (1, 2, 3):
            s.push(x)
        self.assertFalse(s.is_empty())
        self.assertEqual(s.pop(), 3)
        self.assertEqual(s.pop(), 2)
        self.assertEqual(s.pop(), 1)
        self.assertTrue(s.is_empty())

    def test_peek_does_not_remove(self):
        s = Stack()
        s.push("a")
        s.push("b")
        self.assertEqual(s.peek(), "b")
        self.assertEqual(s.peek(), "b")
        self.assertEqual(len(s), 2)

    def test_pop_empty_raises(self):
        s = Stack()
        with self.assertRaises(IndexError):
            s.pop()
        s.push(1)
        s.pop()
        with self.assertRaises(IndexError):
            s.pop()

    def test_peek_empty_raises(self):
        with self.assertRaises(IndexError):
            Stack().peek()

    def test_none_is_a_valid_item(self):
        s = Stack()
        s.push(None)
        self.assertFalse(s.is_empty())
        self.assertIsNone(s.pop())
        self.assertTrue(s.is_empty())


if __name__ == "__main__":
    unittest.main()

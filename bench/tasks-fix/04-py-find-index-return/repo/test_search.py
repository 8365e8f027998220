import unittest

from search import find_index


class FindIndexTest(unittest.TestCase):
    def test_found(self):
        self.assertEqual(find_index(["a", "b", "c"], "c"), 2)

    def test_first_of_duplicates(self):
        self.assertEqual(find_index([5, 7, 7], 7), 1)

    def test_absent(self):
        self.assertEqual(find_index([1, 2], 9), -1)


if __name__ == "__main__":
    unittest.main()

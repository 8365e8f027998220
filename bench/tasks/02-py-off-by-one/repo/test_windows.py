import unittest

from windows import window_sums


class WindowSumsTest(unittest.TestCase):
    def test_pairs(self):
        self.assertEqual(window_sums([1, 2, 3, 4], 2), [3, 5, 7])

    def test_triples(self):
        self.assertEqual(window_sums([1, 2, 3, 4, 5], 3), [6, 9, 12])

    def test_window_of_one(self):
        self.assertEqual(window_sums([4, -1, 7], 1), [4, -1, 7])

    def test_window_is_whole_list(self):
        self.assertEqual(window_sums([2, 3, 5], 3), [10])

    def test_window_longer_than_list(self):
        self.assertEqual(window_sums([1, 2], 3), [])

    def test_empty(self):
        self.assertEqual(window_sums([], 2), [])


if __name__ == "__main__":
    unittest.main()

import unittest

from grades import median


class MedianTest(unittest.TestCase):
    def test_empty(self):
        self.assertIsNone(median([]))
        self.assertIsNone(median(()))

    def test_single(self):
        self.assertEqual(median([3]), 3)

    def test_odd_length(self):
        self.assertEqual(median([3, 1, 2]), 2)
        self.assertEqual(median([9, 1, 5, 7, 3]), 5)

    def test_even_length(self):
        self.assertEqual(median([4, 1, 3, 2]), 2.5)
        self.assertEqual(median([10, 20]), 15)

    def test_does_not_modify_input(self):
        values = [3, 1, 2]
        median(values)
        self.assertEqual(values, [3, 1, 2])


if __name__ == "__main__":
    unittest.main()

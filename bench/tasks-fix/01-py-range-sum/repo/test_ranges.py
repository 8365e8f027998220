import unittest

from ranges import sum_to


class SumToTest(unittest.TestCase):
    def test_small(self):
        self.assertEqual(sum_to(3), 6)

    def test_one(self):
        self.assertEqual(sum_to(1), 1)

    def test_zero_and_negative(self):
        self.assertEqual(sum_to(0), 0)
        self.assertEqual(sum_to(-4), 0)


if __name__ == "__main__":
    unittest.main()

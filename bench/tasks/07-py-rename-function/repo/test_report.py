import unittest

from report import summary


class SummaryTest(unittest.TestCase):
    def test_summary(self):
        self.assertEqual(summary([1, 2, 3]), "n=3 mean=2.00 spread=2")
        self.assertEqual(summary([1, 2]), "n=2 mean=1.50 spread=1")
        self.assertEqual(summary([7]), "n=1 mean=7.00 spread=0")


if __name__ == "__main__":
    unittest.main()

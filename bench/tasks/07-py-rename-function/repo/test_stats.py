import unittest

import stats
from stats import mean, spread


class MeanTest(unittest.TestCase):
    def test_mean(self):
        self.assertEqual(mean([1, 2, 3]), 2)
        self.assertEqual(mean([5]), 5)
        self.assertAlmostEqual(mean([1, 2]), 1.5)
        self.assertAlmostEqual(mean([-4, 4, 9]), 3)

    def test_old_name_is_gone(self):
        self.assertFalse(hasattr(stats, "calc"))

    def test_spread(self):
        self.assertEqual(spread([3, 9, 1]), 8)


if __name__ == "__main__":
    unittest.main()

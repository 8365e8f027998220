import unittest

from pricing import discounted


class DiscountTest(unittest.TestCase):
    def test_ten_percent(self):
        self.assertAlmostEqual(discounted(200, 10), 180)

    def test_no_discount(self):
        self.assertAlmostEqual(discounted(50, 0), 50)

    def test_full_discount(self):
        self.assertAlmostEqual(discounted(80, 100), 0)


if __name__ == "__main__":
    unittest.main()

import unittest

from money import format_money


class FormatMoneyTest(unittest.TestCase):
    def test_dollars_and_cents(self):
        self.assertEqual(format_money(1234), "$12.34")

    def test_small_cents(self):
        self.assertEqual(format_money(5), "$0.05")
        self.assertEqual(format_money(700), "$7.00")


if __name__ == "__main__":
    unittest.main()

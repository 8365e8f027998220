import unittest

from leap import days_in_february, is_leap_year


class LeapYearTest(unittest.TestCase):
    def test_ordinary_leap_years(self):
        for year in (1996, 2004, 2020, 2024):
            self.assertTrue(is_leap_year(year), year)

    def test_common_years(self):
        for year in (1999, 2001, 2023, 2025):
            self.assertFalse(is_leap_year(year), year)

    def test_centuries_are_not_leap(self):
        for year in (1700, 1800, 1900, 2100):
            self.assertFalse(is_leap_year(year), year)

    def test_every_400_years_is_leap(self):
        for year in (1600, 2000, 2400):
            self.assertTrue(is_leap_year(year), year)

    def test_february(self):
        self.assertEqual(days_in_february(2000), 29)
        self.assertEqual(days_in_february(1900), 28)
        self.assertEqual(days_in_february(2024), 29)


if __name__ == "__main__":
    unittest.main()

import unittest

from duration import format_duration, parse_duration


class ParseDurationTest(unittest.TestCase):
    def test_single_units(self):
        self.assertEqual(parse_duration("45s"), 45)
        self.assertEqual(parse_duration("90m"), 5400)
        self.assertEqual(parse_duration("2h"), 7200)
        self.assertEqual(parse_duration("0s"), 0)

    def test_combined_units(self):
        self.assertEqual(parse_duration("1h30m"), 5400)
        self.assertEqual(parse_duration("2h5s"), 7205)
        self.assertEqual(parse_duration("1h2m3s"), 3723)
        self.assertEqual(parse_duration("10m10s"), 610)

    def test_returns_int(self):
        self.assertIsInstance(parse_duration("1h2m3s"), int)

    def test_invalid(self):
        for bad in ("", "10", "h", "5x", "1m1h", "1h1h", "1.5h", "-1s", "s5", "1h 2m"):
            with self.subTest(bad=bad):
                with self.assertRaises(ValueError):
                    parse_duration(bad)

    def test_round_trip(self):
        for seconds in (0, 1, 59, 60, 61, 3599, 3600, 3661, 86399):
            with self.subTest(seconds=seconds):
                self.assertEqual(parse_duration(format_duration(seconds)), seconds)


class FormatDurationTest(unittest.TestCase):
    def test_format(self):
        self.assertEqual(format_duration(3723), "1h2m3s")
        self.assertEqual(format_duration(0), "0s")


if __name__ == "__main__":
    unittest.main()

import unittest

from mathx import gcd, is_prime


class IsPrimeTest(unittest.TestCase):
    def test_small_primes(self):
        for n in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29):
            self.assertTrue(is_prime(n), n)

    def test_small_composites(self):
        for n in (4, 6, 8, 9, 10, 12, 15, 21, 25, 49):
            self.assertFalse(is_prime(n), n)

    def test_below_two(self):
        for n in (-7, -1, 0, 1):
            self.assertFalse(is_prime(n), n)

    def test_larger_numbers(self):
        self.assertTrue(is_prime(97))
        self.assertTrue(is_prime(7919))
        self.assertFalse(is_prime(7917))
        self.assertFalse(is_prime(1_000_000))

    def test_matches_brute_force(self):
        for n in range(200):
            expected = n >= 2 and all(n % d for d in range(2, n))
            self.assertEqual(is_prime(n), expected, n)


class GcdTest(unittest.TestCase):
    def test_gcd(self):
        self.assertEqual(gcd(12, 18), 6)
        self.assertEqual(gcd(7, 5), 1)


if __name__ == "__main__":
    unittest.main()

import unittest

from text import normalize_spaces, slugify


class SlugifyTest(unittest.TestCase):
    def test_basic(self):
        self.assertEqual(slugify("Hello, World!"), "hello-world")

    def test_runs_collapse_to_one_hyphen(self):
        self.assertEqual(slugify("  Rust & Python  "), "rust-python")
        self.assertEqual(slugify("C++ 2024 Guide"), "c-2024-guide")

    def test_underscores_and_case(self):
        self.assertEqual(slugify("MixedCase_with_underscores"), "mixedcase-with-underscores")

    def test_already_a_slug(self):
        self.assertEqual(slugify("already-a-slug"), "already-a-slug")

    def test_strips_hyphens_at_ends(self):
        self.assertEqual(slugify("--x--"), "x")
        self.assertEqual(slugify("...Version 2.0..."), "version-2-0")

    def test_nothing_left(self):
        self.assertEqual(slugify(""), "")
        self.assertEqual(slugify("!!!"), "")


class NormalizeSpacesTest(unittest.TestCase):
    def test_normalize(self):
        self.assertEqual(normalize_spaces("  a   b "), "a b")


if __name__ == "__main__":
    unittest.main()

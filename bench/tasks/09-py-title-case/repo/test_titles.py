import unittest

from titles import title_case


class TitleCaseTest(unittest.TestCase):
    def test_small_words_stay_lowercase(self):
        self.assertEqual(title_case("the lord of the rings"), "The Lord of the Rings")
        self.assertEqual(title_case("a tale of two cities"), "A Tale of Two Cities")

    def test_rest_of_word_is_lowercased(self):
        self.assertEqual(title_case("WAR AND PEACE"), "War and Peace")
        self.assertEqual(title_case("the lord OF the rings"), "The Lord of the Rings")

    def test_first_and_last_word_always_capitalised(self):
        self.assertEqual(title_case("of mice and men"), "Of Mice and Men")
        self.assertEqual(title_case("what is it for"), "What Is It For")
        self.assertEqual(title_case("the"), "The")

    def test_whitespace_is_normalised(self):
        self.assertEqual(title_case("  gone   with the wind "), "Gone With the Wind")

    def test_apostrophes(self):
        self.assertEqual(title_case("don't look back"), "Don't Look Back")

    def test_empty(self):
        self.assertEqual(title_case(""), "")
        self.assertEqual(title_case("   "), "")


if __name__ == "__main__":
    unittest.main()

import unittest

from grades import grade


class GradeTest(unittest.TestCase):
    def test_inside_bands(self):
        self.assertEqual(grade(95), "A")
        self.assertEqual(grade(85), "B")
        self.assertEqual(grade(10), "F")

    def test_boundaries(self):
        self.assertEqual(grade(90), "A")
        self.assertEqual(grade(80), "B")
        self.assertEqual(grade(70), "C")
        self.assertEqual(grade(69), "F")


if __name__ == "__main__":
    unittest.main()

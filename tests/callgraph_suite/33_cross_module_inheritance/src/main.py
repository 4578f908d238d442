from shapes import Square


def main():
    s = Square(2)
    s.describe()

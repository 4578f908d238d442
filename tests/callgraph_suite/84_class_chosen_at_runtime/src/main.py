class Circle:
    def draw(self):
        pass


class Square:
    def draw(self):
        pass


def main(round_shape):
    cls = Circle if round_shape else Square
    cls().draw()
